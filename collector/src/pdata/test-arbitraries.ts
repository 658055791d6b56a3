/**
 * Test helpers shared by the pdata tests (and anyone else's): fast-check arbitraries for
 * model-shaped OTLP trace data, and the reference codec (protobufjs, generated from the
 * official protos by @opentelemetry/otlp-transformer 0.52.1, installed as `otlp-reference`).
 *
 * Reference quirks to know:
 * - It is built from OTLP proto 1.0-era files: Span.flags (16) and Link.flags (6) do not exist
 *   there (unknown fields: skipped when decoding, never written). toReferenceObject drops them;
 *   compare against the reference with stripFlags(model), or generate with { flags: false }.
 * - Its fixed64 Longs are signed: toObject({ longs: String }) prints a time >= 2^63 as a negative
 *   number (referenceTimeToBigInt undoes that).
 * - It writes every field that is set on the object, default or not; toReferenceObject therefore
 *   leaves proto3 defaults out so that its bytes are the canonical encoding.
 *
 * Only for tests: imports fast-check and the reference (devDependencies).
 */
import { createRequire } from 'node:module';
import fc from 'fast-check';
import type {
  AnyValue,
  ExportRequestModel,
  KeyValue,
  ResourceModel,
  ResourceSpansModel,
  ScopeModel,
  ScopeSpansModel,
  SpanEvent,
  SpanLink,
  SpanModel,
  SpanStatus,
} from './model.ts';

// ---------------------------------------------------------------------------------------------
// Reference codec
// ---------------------------------------------------------------------------------------------

/** A protobufjs generated message class (static code: encode/decode/fromObject/toObject). */
export interface ReferenceMessageType {
  encode(message: unknown): { finish(): Uint8Array };
  decode(buf: Uint8Array): unknown;
  fromObject(object: unknown): unknown;
  toObject(message: unknown, options?: Record<string, unknown>): Record<string, unknown>;
  verify(message: unknown): string | null;
}

const require = createRequire(import.meta.url);
// CommonJS module (module.exports = $root); typed only as a protobufjs Root, hence `any`.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const referenceRoot: any = require('otlp-reference/build/src/generated/root.js');

export const ReferenceExportRequest: ReferenceMessageType =
  referenceRoot.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
export const ReferenceExportResponse: ReferenceMessageType =
  referenceRoot.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
export const ReferenceSpan: ReferenceMessageType = referenceRoot.opentelemetry.proto.trace.v1.Span;

/** Reference encoding of a model (flags are dropped: the reference does not know them). */
export function referenceEncode(m: ExportRequestModel): Buffer {
  const bytes = ReferenceExportRequest.encode(ReferenceExportRequest.fromObject(toReferenceObject(m))).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** Reference decode to a plain object (longs as strings, bytes as base64, enums as names). */
export function referenceDecodeToObject(buf: Uint8Array): Record<string, unknown> {
  return ReferenceExportRequest.toObject(ReferenceExportRequest.decode(buf), {
    longs: String,
    bytes: String,
    enums: String,
    json: true,
  });
}

/** fixed64 string from the reference's signed Longs -> the unsigned value. */
export function referenceTimeToBigInt(s: string): bigint {
  const v = BigInt(s);
  return v < 0n ? v + (1n << 64n) : v;
}

// ---------------------------------------------------------------------------------------------
// Model -> reference object (protobufjs fromObject input)
// ---------------------------------------------------------------------------------------------

type RefObj = Record<string, unknown>;

/**
 * A protobufjs `fromObject` input equal to the model: ids and bytes as Buffers, 64-bit integers
 * as decimal strings, proto3 defaults left out (so the reference writes canonical bytes), status
 * only when not default, KeyValue.value always (`{}` when empty), resource/scope when non-null.
 * Span.flags and Link.flags are dropped (unknown to the reference).
 */
export function toReferenceObject(m: ExportRequestModel): RefObj {
  const o: RefObj = {};
  if (m.resourceSpans.length) o.resourceSpans = m.resourceSpans.map(refResourceSpans);
  return o;
}

function refResourceSpans(m: ResourceSpansModel): RefObj {
  const o: RefObj = {};
  if (m.resource !== null) o.resource = refResource(m.resource);
  if (m.scopeSpans.length) o.scopeSpans = m.scopeSpans.map(refScopeSpans);
  if (m.schemaUrl !== '') o.schemaUrl = m.schemaUrl;
  return o;
}

function refResource(m: ResourceModel): RefObj {
  const o: RefObj = {};
  if (m.attributes.length) o.attributes = m.attributes.map(refKeyValue);
  if (m.droppedAttributesCount) o.droppedAttributesCount = m.droppedAttributesCount;
  return o;
}

function refScopeSpans(m: ScopeSpansModel): RefObj {
  const o: RefObj = {};
  if (m.scope !== null) o.scope = refScope(m.scope);
  if (m.spans.length) o.spans = m.spans.map(refSpan);
  if (m.schemaUrl !== '') o.schemaUrl = m.schemaUrl;
  return o;
}

function refScope(m: ScopeModel): RefObj {
  const o: RefObj = {};
  if (m.name !== '') o.name = m.name;
  if (m.version !== '') o.version = m.version;
  if (m.attributes.length) o.attributes = m.attributes.map(refKeyValue);
  if (m.droppedAttributesCount) o.droppedAttributesCount = m.droppedAttributesCount;
  return o;
}

function refSpan(m: SpanModel): RefObj {
  const o: RefObj = {};
  if (m.traceId.length) o.traceId = m.traceId;
  if (m.spanId.length) o.spanId = m.spanId;
  if (m.traceState !== '') o.traceState = m.traceState;
  if (m.parentSpanId.length) o.parentSpanId = m.parentSpanId;
  if (m.name !== '') o.name = m.name;
  if (m.kind !== 0) o.kind = m.kind;
  if (m.startTimeUnixNano !== 0n) o.startTimeUnixNano = m.startTimeUnixNano.toString();
  if (m.endTimeUnixNano !== 0n) o.endTimeUnixNano = m.endTimeUnixNano.toString();
  if (m.attributes.length) o.attributes = m.attributes.map(refKeyValue);
  if (m.droppedAttributesCount) o.droppedAttributesCount = m.droppedAttributesCount;
  if (m.events.length) o.events = m.events.map(refEvent);
  if (m.droppedEventsCount) o.droppedEventsCount = m.droppedEventsCount;
  if (m.links.length) o.links = m.links.map(refLink);
  if (m.droppedLinksCount) o.droppedLinksCount = m.droppedLinksCount;
  if (m.status.message !== '' || m.status.code !== 0) {
    const s: RefObj = {};
    if (m.status.message !== '') s.message = m.status.message;
    if (m.status.code !== 0) s.code = m.status.code;
    o.status = s;
  }
  return o;
}

function refEvent(m: SpanEvent): RefObj {
  const o: RefObj = {};
  if (m.timeUnixNano !== 0n) o.timeUnixNano = m.timeUnixNano.toString();
  if (m.name !== '') o.name = m.name;
  if (m.attributes.length) o.attributes = m.attributes.map(refKeyValue);
  if (m.droppedAttributesCount) o.droppedAttributesCount = m.droppedAttributesCount;
  return o;
}

function refLink(m: SpanLink): RefObj {
  const o: RefObj = {};
  if (m.traceId.length) o.traceId = m.traceId;
  if (m.spanId.length) o.spanId = m.spanId;
  if (m.traceState !== '') o.traceState = m.traceState;
  if (m.attributes.length) o.attributes = m.attributes.map(refKeyValue);
  if (m.droppedAttributesCount) o.droppedAttributesCount = m.droppedAttributesCount;
  return o;
}

function refKeyValue(kv: KeyValue): RefObj {
  const o: RefObj = {};
  if (kv.key !== '') o.key = kv.key;
  o.value = refAnyValue(kv.value);
  return o;
}

function refAnyValue(v: AnyValue): RefObj {
  if (v.stringValue !== undefined) return { stringValue: v.stringValue };
  if (v.boolValue !== undefined) return { boolValue: v.boolValue };
  if (v.intValue !== undefined) return { intValue: v.intValue.toString() };
  if (v.doubleValue !== undefined) return { doubleValue: v.doubleValue };
  if (v.arrayValue !== undefined) return { arrayValue: { values: v.arrayValue.map(refAnyValue) } };
  if (v.kvlistValue !== undefined) return { kvlistValue: { values: v.kvlistValue.map(refKeyValue) } };
  if (v.bytesValue !== undefined) return { bytesValue: v.bytesValue };
  return {};
}

/** A deep copy of the model with Span.flags and Link.flags set to 0 (what the reference can carry). */
export function stripFlags(m: ExportRequestModel): ExportRequestModel {
  return {
    resourceSpans: m.resourceSpans.map((rs) => ({
      ...rs,
      scopeSpans: rs.scopeSpans.map((ss) => ({
        ...ss,
        spans: ss.spans.map((s) => ({ ...s, flags: 0, links: s.links.map((l) => ({ ...l, flags: 0 })) })),
      })),
    })),
  };
}

/** All spans of a request, in order. */
export function allSpans(m: ExportRequestModel): SpanModel[] {
  const out: SpanModel[] = [];
  for (const rs of m.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) out.push(s);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------

/** fc.record producing ordinary objects (fast-check may otherwise pick a null prototype). */
function rec<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(model, { noNullPrototype: true }) as fc.Arbitrary<T>;
}

export interface ArbOptions {
  /** Generate non-zero Span.flags / Link.flags (default true; false for reference comparisons). */
  flags?: boolean;
  /** Nesting of array/kvlist AnyValues (default 3). */
  maxAnyValueDepth?: number;
  maxResourceSpans?: number;
  maxScopeSpans?: number;
  maxSpans?: number;
  maxAttributes?: number;
}

export const INT64_MIN = -(1n << 63n);
export const INT64_MAX = (1n << 63n) - 1n;
export const UINT64_MAX = (1n << 64n) - 1n;

/** Short ASCII mostly, sometimes any Unicode code point (astral included), sometimes empty. */
export function arbString(maxLength = 10): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.string({ maxLength }) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength }) },
    { weight: 1, arbitrary: fc.constant('') },
  );
}

export function arbBytes(maxLength = 12): fc.Arbitrary<Buffer> {
  return fc.uint8Array({ maxLength }).map((a) => Buffer.from(a));
}

/** An id of exactly `n` bytes, or empty (1 in 5). */
export function arbId(n: number): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.uint8Array({ minLength: n, maxLength: n }).map((a) => Buffer.from(a)) },
    { weight: 1, arbitrary: fc.constant(Buffer.alloc(0)) },
  );
}

export function arbInt64(): fc.Arbitrary<bigint> {
  return fc.oneof(
    fc.constantFrom(0n, 1n, -1n, INT64_MIN, INT64_MAX, 1n << 53n, -(1n << 53n), 127n, 128n),
    fc.integer().map(BigInt),
    fc.bigInt({ min: INT64_MIN, max: INT64_MAX }),
  );
}

/** fixed64 (timestamps): realistic nanosecond times, extremes, anything in [0, 2^64). */
export function arbFixed64(): fc.Arbitrary<bigint> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom(0n, 1n, UINT64_MAX, 1n << 63n, (1n << 63n) - 1n) },
    { weight: 2, arbitrary: fc.bigInt({ min: 1_600_000_000_000_000_000n, max: 1_900_000_000_000_000_000n }) },
    { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: UINT64_MAX }) },
  );
}

export function arbUint32(): fc.Arbitrary<number> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(0) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 300 }) },
    { weight: 1, arbitrary: fc.constantFrom(0x7fffffff, 0x80000000, 0xffffffff) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffffffff }) },
  );
}

/** An open enum: mostly the declared values 0..maxKnown, sometimes any int32 (negative included). */
export function arbEnum(maxKnown: number): fc.Arbitrary<number> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: 0, max: maxKnown }) },
    { weight: 1, arbitrary: fc.integer({ min: -0x80000000, max: 0x7fffffff }) },
  );
}

/** AnyValue of every type, arrays and kvlists nested up to maxDepth. */
export function arbAnyValue(maxDepth = 3): fc.Arbitrary<AnyValue> {
  return arbAttrs(maxDepth).anyValue;
}

function arbAttrs(maxDepth: number): { anyValue: fc.Arbitrary<AnyValue>; keyValue: fc.Arbitrary<KeyValue> } {
  const depthIdentifier = fc.createDepthIdentifier();
  const { anyValue, keyValue } = fc.letrec<{ anyValue: AnyValue; keyValue: KeyValue }>((tie) => ({
    anyValue: fc.oneof(
      { maxDepth, depthIdentifier, depthSize: 'small' },
      { weight: 4, arbitrary: arbString(12).map((s): AnyValue => ({ stringValue: s })) },
      { weight: 1, arbitrary: fc.boolean().map((b): AnyValue => ({ boolValue: b })) },
      { weight: 2, arbitrary: arbInt64().map((i): AnyValue => ({ intValue: i })) },
      { weight: 1, arbitrary: fc.double().map((d): AnyValue => ({ doubleValue: d })) },
      { weight: 1, arbitrary: arbBytes().map((b): AnyValue => ({ bytesValue: b })) },
      { weight: 1, arbitrary: fc.constant<AnyValue>({}) },
      { weight: 1, arbitrary: fc.array(tie('anyValue'), { maxLength: 3 }).map((a): AnyValue => ({ arrayValue: a })) },
      { weight: 1, arbitrary: fc.array(tie('keyValue'), { maxLength: 3 }).map((a): AnyValue => ({ kvlistValue: a })) },
    ),
    keyValue: rec({ key: arbString(8), value: tie('anyValue') }),
  }));
  return { anyValue, keyValue };
}

/** An ExportTraceServiceRequest-shaped model covering every field. */
export function arbExportRequest(options: ArbOptions = {}): fc.Arbitrary<ExportRequestModel> {
  const withFlags = options.flags ?? true;
  const maxAttributes = options.maxAttributes ?? 4;
  const { keyValue } = arbAttrs(options.maxAnyValueDepth ?? 3);
  const attrs = fc.array(keyValue, { maxLength: maxAttributes });
  const flags = withFlags
    ? fc.oneof(fc.constant(0), fc.constantFrom(1, 0x101, 0x301, 0xffffffff), fc.integer({ min: 0, max: 0xffffffff }))
    : fc.constant(0);

  const event: fc.Arbitrary<SpanEvent> = rec({
    timeUnixNano: arbFixed64(),
    name: arbString(),
    attributes: attrs,
    droppedAttributesCount: arbUint32(),
  });
  const link: fc.Arbitrary<SpanLink> = rec({
    traceId: arbId(16),
    spanId: arbId(8),
    traceState: fc.oneof(fc.constant(''), fc.constant('rojo=00f067aa0ba902b7,congo=t61rcWkgMzE'), arbString()),
    attributes: attrs,
    droppedAttributesCount: arbUint32(),
    flags,
  });
  const status: fc.Arbitrary<SpanStatus> = rec({ message: arbString(), code: arbEnum(2) });
  const span: fc.Arbitrary<SpanModel> = rec({
    traceId: arbId(16),
    spanId: arbId(8),
    traceState: fc.oneof(fc.constant(''), fc.constant('vendor=value'), arbString()),
    parentSpanId: arbId(8),
    flags,
    name: arbString(16),
    kind: arbEnum(5),
    startTimeUnixNano: arbFixed64(),
    endTimeUnixNano: arbFixed64(),
    attributes: attrs,
    droppedAttributesCount: arbUint32(),
    events: fc.array(event, { maxLength: 2 }),
    droppedEventsCount: arbUint32(),
    links: fc.array(link, { maxLength: 2 }),
    droppedLinksCount: arbUint32(),
    status,
  });
  const scope: fc.Arbitrary<ScopeModel> = rec({
    name: arbString(),
    version: arbString(),
    attributes: attrs,
    droppedAttributesCount: arbUint32(),
  });
  const resource: fc.Arbitrary<ResourceModel> = rec({ attributes: attrs, droppedAttributesCount: arbUint32() });
  const schemaUrl = fc.oneof(fc.constant(''), fc.constant('https://opentelemetry.io/schemas/1.26.0'), arbString());
  const scopeSpans: fc.Arbitrary<ScopeSpansModel> = rec({
    scope: fc.option(scope, { nil: null, freq: 4 }),
    spans: fc.array(span, { maxLength: options.maxSpans ?? 3 }),
    schemaUrl,
  });
  const resourceSpans: fc.Arbitrary<ResourceSpansModel> = rec({
    resource: fc.option(resource, { nil: null, freq: 4 }),
    scopeSpans: fc.array(scopeSpans, { maxLength: options.maxScopeSpans ?? 2 }),
    schemaUrl,
  });
  return rec({ resourceSpans: fc.array(resourceSpans, { maxLength: options.maxResourceSpans ?? 2 }) });
}
