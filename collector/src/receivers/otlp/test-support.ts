/**
 * Shared pieces of the otlp receiver tests: a sink consumer, receiver start/stop bookkeeping,
 * spans with every OTLP field set (built as the SDK's ReadableSpan, so the official exporters
 * send them), and an independent check of what arrived, decoded with the reference protobufjs
 * root (otlp-reference), never with our own decoder.
 */
import { pino } from 'pino';
import { SpanKind, SpanStatusCode, TraceFlags, type Attributes, type HrTime, type SpanContext } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import referenceRoot from 'otlp-reference/build/src/generated/root.js';
import type { Consumer, CreateSettings } from '../../component/types.ts';
import { parseComponentId } from '../../component/types.ts';
import { decodeExportRequest } from '../../pdata/decode-model.ts';
import { encodeExportRequest } from '../../pdata/encode-request.ts';
import type { ClientMetadata, SpanBatch } from '../../pdata/span-batch.ts';
import { SelfTelemetry } from '../../telemetry/self-telemetry.ts';
import { otlpReceiverConfigSchema } from './config.ts';
import { otlpReceiverFactory } from './factory.ts';
import { OtlpReceiver, type OtlpReceiverOptions } from './receiver.ts';

// ---------- the sink ----------

/** Collects what the receiver hands on; `refuse` decides per call (1-based) whether to reject. */
export class SinkConsumer implements Consumer {
  readonly requests: Buffer[] = [];
  readonly metadata: (ClientMetadata | null)[] = [];
  spans = 0;
  calls = 0;
  refuse: ((call: number) => unknown) | undefined;
  /** When set, consume() waits for it before deciding (in-flight tests). */
  gate: Promise<void> | undefined;

  async consume(batch: SpanBatch): Promise<void> {
    const call = ++this.calls;
    if (this.gate !== undefined) await this.gate;
    const refusal = this.refuse?.(call);
    if (refusal !== undefined) throw refusal;
    // Copy: after consume resolves the batch is no longer ours to read.
    this.requests.push(Buffer.from(encodeExportRequest(batch)));
    this.metadata.push(batch.metadata);
    this.spans += batch.spanCount;
  }
}

// ---------- receivers under test ----------

export function testSettings(id = 'otlp'): CreateSettings {
  return {
    id: parseComponentId(id),
    kind: 'receiver',
    logger: pino({ level: 'silent' }),
    telemetry: new SelfTelemetry(),
    pipelines: ['traces'],
  };
}

const host = { getExtension: () => undefined, status: 'running' as const };

export interface Started {
  receiver: OtlpReceiver;
  settings: CreateSettings;
  grpc: string;
  http: string;
}

/** Starts receivers and remembers them, so afterEach can stop them even when a test fails. */
export class ReceiverPool {
  private readonly running: OtlpReceiver[] = [];

  async start(rawConfig: unknown, sink: Consumer, options?: OtlpReceiverOptions & { id?: string }): Promise<Started> {
    const config = otlpReceiverConfigSchema.parse(rawConfig);
    const settings = testSettings(options?.id);
    const receiver =
      options?.shutdownGraceMs !== undefined
        ? new OtlpReceiver(settings, config, sink, options)
        : (otlpReceiverFactory.createTracesReceiver(settings, config, sink) as OtlpReceiver);
    this.running.push(receiver);
    await receiver.start(host);
    const bound = receiver.boundAddresses();
    return { receiver, settings, grpc: bound.grpc ?? '', http: bound.http ?? '' };
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.running.splice(0).map((r) => r.shutdown()));
  }
}

export function testHost() {
  return host;
}

/** Current value of a counter for the given labels (0 when the series does not exist). */
export async function counterValue(telemetry: SelfTelemetry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = telemetry.registry.getSingleMetric(name);
  if (metric === undefined) return 0;
  const data = await metric.get();
  for (const v of data.values) {
    if (Object.entries(labels).every(([k, want]) => v.labels[k] === want)) return v.value;
  }
  return 0;
}

// ---------- spans with every field ----------

const hr = (seconds: number, nanos: number): HrTime => [seconds, nanos];

function ctx(traceId: string, spanId: string, flags: number, state?: string, isRemote?: boolean): SpanContext {
  const c: SpanContext = { traceId, spanId, traceFlags: flags };
  if (state !== undefined) c.traceState = new TraceState(state);
  if (isRemote !== undefined) c.isRemote = isRemote;
  return c;
}

/**
 * Attribute values of every AnyValue kind the SDK can send: string, bool, int (incl. negative
 * and large), double, bytes, homogeneous and mixed arrays, nested kvlist, empty string.
 */
export const EVERY_KIND_ATTRIBUTES = {
  'str': 'hello ✓ wörld',
  'str.empty': '',
  'bool.true': true,
  'bool.false': false,
  'int': 42,
  'int.negative': -7,
  'int.large': 9007199254740991,
  'double': 3.25,
  'double.negative': -0.5,
  'bytes': new Uint8Array([0, 1, 2, 250, 255]),
  'array.str': ['a', 'b', ''],
  'array.int': [1, -2, 3],
  'array.double': [1.5, 2.5],
  'array.bool': [true, false],
  'array.mixed': ['x', 1, 2.5, true],
  'kvlist': { inner: 'v', n: 5, nested: { deep: true } },
} as unknown as Attributes;

const resourceA = resourceFromAttributes(
  { 'service.name': 'checkout', 'service.version': '1.2.3', 'host.cores': 8, 'deployment.canary': false },
  { schemaUrl: 'https://opentelemetry.io/schemas/1.21.0' },
);
const resourceB = resourceFromAttributes({ 'service.name': 'payments' });

const scopeA = { name: 'checkout-lib', version: '0.9.1', schemaUrl: 'https://opentelemetry.io/schemas/1.20.0' };
const scopeB = { name: 'payments-lib' };

const TRACE_1 = '5b8efff798038103d269b633813fc60c';
const TRACE_2 = '0af7651916cd43dd8448eb211c80319c';

function span(init: Partial<ReadableSpan> & Pick<ReadableSpan, 'name' | 'spanContext'>): ReadableSpan {
  return {
    kind: SpanKind.INTERNAL,
    startTime: hr(1700000000, 100),
    endTime: hr(1700000001, 200),
    duration: hr(1, 100),
    status: { code: SpanStatusCode.UNSET },
    attributes: {},
    links: [],
    events: [],
    ended: true,
    resource: resourceA,
    instrumentationScope: scopeA,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
    ...init,
  };
}

/** Three spans, two resources, two scopes; between them every span field is set. */
export function fullSpans(): ReadableSpan[] {
  return [
    span({
      name: 'GET /checkout',
      kind: SpanKind.SERVER,
      spanContext: () => ctx(TRACE_1, 'eee19b7ec3c1b174', TraceFlags.SAMPLED, 'vendor=a,other=b'),
      startTime: hr(1700000000, 123456789),
      endTime: hr(1700000002, 987654321),
      status: { code: SpanStatusCode.ERROR, message: 'payment declined' },
      attributes: EVERY_KIND_ATTRIBUTES,
      events: [
        { name: 'cache.miss', time: hr(1700000000, 500000000), attributes: { key: 'user:42', 'retry.count': 2 }, droppedAttributesCount: 1 },
        { name: 'exception', time: hr(1700000001, 0), attributes: { 'exception.message': 'boom', 'exception.escaped': true } },
      ],
      links: [
        {
          context: ctx(TRACE_2, 'b7ad6b7169203331', TraceFlags.SAMPLED, 'x=y', true),
          attributes: { 'link.kind': 'follows', 'link.n': 1 },
          droppedAttributesCount: 2,
        },
        { context: ctx(TRACE_2, '00f067aa0ba902b7', TraceFlags.NONE) },
      ],
      droppedAttributesCount: 3,
      droppedEventsCount: 4,
      droppedLinksCount: 5,
    }),
    span({
      name: 'SELECT orders',
      kind: SpanKind.CLIENT,
      spanContext: () => ctx(TRACE_1, '53995c3f42cd8ad8', TraceFlags.SAMPLED),
      parentSpanContext: ctx(TRACE_1, 'eee19b7ec3c1b174', TraceFlags.SAMPLED, undefined, true),
      status: { code: SpanStatusCode.OK },
      attributes: { 'db.system': 'postgresql', 'db.rows': 17 },
    }),
    span({
      name: 'consume payment',
      kind: SpanKind.CONSUMER,
      spanContext: () => ctx(TRACE_2, 'a2fb4a1d1a96d312', TraceFlags.NONE),
      parentSpanContext: ctx(TRACE_2, 'b7ad6b7169203331', TraceFlags.NONE, undefined, false),
      resource: resourceB,
      instrumentationScope: scopeB,
    }),
  ];
}

// ---------- a plain, comparable form of spans ----------

/** AnyValue in a tagged plain form: {s}, {b}, {i: decimal string}, {d}, {bytes: hex}, {a: [...]}, {kv: {...}}, {}. */
export type PlainValue =
  | { s: string }
  | { b: boolean }
  | { i: string }
  | { d: number }
  | { bytes: string }
  | { a: PlainValue[] }
  | { kv: Record<string, PlainValue> }
  | Record<string, never>;

export interface PlainSpan {
  resource: { attributes: Record<string, PlainValue>; schemaUrl: string };
  scope: { name: string; version: string; schemaUrl: string };
  traceId: string;
  spanId: string;
  parentSpanId: string;
  traceState: string;
  flags: number;
  name: string;
  kind: number;
  start: string;
  end: string;
  attributes: Record<string, PlainValue>;
  droppedAttributesCount: number;
  events: { name: string; time: string; attributes: Record<string, PlainValue>; droppedAttributesCount: number }[];
  droppedEventsCount: number;
  links: { traceId: string; spanId: string; traceState: string; flags: number; attributes: Record<string, PlainValue>; droppedAttributesCount: number }[];
  droppedLinksCount: number;
  status: { code: number; message: string };
}

function plainFromJs(v: unknown): PlainValue {
  if (typeof v === 'string') return { s: v };
  if (typeof v === 'boolean') return { b: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { i: String(v) } : { d: v };
  if (v instanceof Uint8Array) return { bytes: Buffer.from(v).toString('hex') };
  if (Array.isArray(v)) return { a: v.map(plainFromJs) };
  if (typeof v === 'object' && v !== null) return { kv: plainAttrsFromJs(v as Record<string, unknown>) };
  return {};
}

function plainAttrsFromJs(attrs: Record<string, unknown>): Record<string, PlainValue> {
  const out: Record<string, PlainValue> = {};
  for (const [k, v] of Object.entries(attrs)) out[k] = plainFromJs(v);
  return out;
}

const nanos = (t: HrTime): string => (BigInt(t[0]) * 1_000_000_000n + BigInt(t[1])).toString();

// OTLP span flags: W3C trace flags plus "has is_remote" (0x100) and "is_remote" (0x200), as the SDK sends them.
const flagsOf = (traceFlags: number, isRemote: boolean | undefined): number => (traceFlags & 0xff) | 0x100 | (isRemote ? 0x200 : 0);

/** What the receiver must deliver for the given SDK spans, derived from the spans themselves. */
export function expectedPlainSpans(spans: readonly ReadableSpan[]): PlainSpan[] {
  return spans
    .map((s): PlainSpan => {
      const c = s.spanContext();
      return {
        resource: { attributes: plainAttrsFromJs(s.resource.attributes as Record<string, unknown>), schemaUrl: s.resource.schemaUrl ?? '' },
        scope: { name: s.instrumentationScope.name, version: s.instrumentationScope.version ?? '', schemaUrl: s.instrumentationScope.schemaUrl ?? '' },
        traceId: c.traceId,
        spanId: c.spanId,
        parentSpanId: s.parentSpanContext?.spanId ?? '',
        traceState: c.traceState?.serialize() ?? '',
        flags: flagsOf(c.traceFlags, s.parentSpanContext?.isRemote),
        name: s.name,
        kind: s.kind + 1, // the API's SpanKind starts at INTERNAL = 0; OTLP's at UNSPECIFIED = 0
        start: nanos(s.startTime),
        end: nanos(s.endTime),
        attributes: plainAttrsFromJs(s.attributes as Record<string, unknown>),
        droppedAttributesCount: s.droppedAttributesCount,
        events: s.events.map((e) => ({
          name: e.name,
          time: nanos(e.time),
          attributes: plainAttrsFromJs((e.attributes ?? {}) as Record<string, unknown>),
          droppedAttributesCount: e.droppedAttributesCount ?? 0,
        })),
        droppedEventsCount: s.droppedEventsCount,
        links: s.links.map((l) => ({
          traceId: l.context.traceId,
          spanId: l.context.spanId,
          traceState: l.context.traceState?.serialize() ?? '',
          flags: flagsOf(l.context.traceFlags, l.context.isRemote),
          attributes: plainAttrsFromJs((l.attributes ?? {}) as Record<string, unknown>),
          droppedAttributesCount: l.droppedAttributesCount ?? 0,
        })),
        droppedLinksCount: s.droppedLinksCount,
        status: { code: s.status.code, message: s.status.message ?? '' },
      };
    })
    .sort(bySpanId);
}

function bySpanId(a: PlainSpan, b: PlainSpan): number {
  return a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0;
}

// ---- the reference decoder side ----

type Obj = Record<string, any>;

// protobufjs static module: typed as a bare Root, so reach the message types untyped.
const ExportTraceServiceRequest = (referenceRoot as unknown as Obj).opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

const hex = (b64: string | undefined): string => (b64 === undefined ? '' : Buffer.from(b64, 'base64').toString('hex'));

function plainFromRef(v: Obj | undefined): PlainValue {
  if (v === undefined || v === null) return {};
  if (v.stringValue !== undefined) return { s: v.stringValue };
  if (v.boolValue !== undefined) return { b: v.boolValue };
  if (v.intValue !== undefined) return { i: String(v.intValue) };
  if (v.doubleValue !== undefined) return { d: v.doubleValue };
  if (v.bytesValue !== undefined) return { bytes: hex(v.bytesValue) };
  if (v.arrayValue !== undefined) return { a: (v.arrayValue.values ?? []).map(plainFromRef) };
  if (v.kvlistValue !== undefined) return { kv: plainAttrsFromRef(v.kvlistValue.values) };
  return {};
}

function plainAttrsFromRef(kvs: Obj[] | undefined): Record<string, PlainValue> {
  const out: Record<string, PlainValue> = {};
  for (const kv of kvs ?? []) out[kv.key] = plainFromRef(kv.value);
  return out;
}

/**
 * Decodes ExportTraceServiceRequest bytes with the reference decoder into PlainSpans. The
 * reference protos (otlp-transformer 0.52) predate Span.flags and Link.flags, so those two come
 * from pdata/decode-model.ts, walked in the same order.
 */
export function referencePlainSpans(requests: readonly Buffer[]): PlainSpan[] {
  const out: PlainSpan[] = [];
  for (const buf of requests) {
    const msg = ExportTraceServiceRequest.decode(buf);
    const req = ExportTraceServiceRequest.toObject(msg, { longs: String, bytes: String }) as Obj;
    const flagsModel = decodeExportRequest(buf);
    (req.resourceSpans ?? []).forEach((rs: Obj, ri: number) => {
      (rs.scopeSpans ?? []).forEach((ss: Obj, si: number) => {
        (ss.spans ?? []).forEach((s: Obj, pi: number) => {
          const flagged = flagsModel.resourceSpans[ri]!.scopeSpans[si]!.spans[pi]!;
          out.push({
            resource: { attributes: plainAttrsFromRef(rs.resource?.attributes), schemaUrl: rs.schemaUrl ?? '' },
            scope: { name: ss.scope?.name ?? '', version: ss.scope?.version ?? '', schemaUrl: ss.schemaUrl ?? '' },
            traceId: hex(s.traceId),
            spanId: hex(s.spanId),
            parentSpanId: hex(s.parentSpanId),
            traceState: s.traceState ?? '',
            flags: flagged.flags,
            name: s.name ?? '',
            kind: s.kind ?? 0,
            start: s.startTimeUnixNano ?? '0',
            end: s.endTimeUnixNano ?? '0',
            attributes: plainAttrsFromRef(s.attributes),
            droppedAttributesCount: s.droppedAttributesCount ?? 0,
            events: (s.events ?? []).map((e: Obj) => ({
              name: e.name ?? '',
              time: e.timeUnixNano ?? '0',
              attributes: plainAttrsFromRef(e.attributes),
              droppedAttributesCount: e.droppedAttributesCount ?? 0,
            })),
            droppedEventsCount: s.droppedEventsCount ?? 0,
            links: (s.links ?? []).map((l: Obj, li: number) => ({
              traceId: hex(l.traceId),
              spanId: hex(l.spanId),
              traceState: l.traceState ?? '',
              flags: flagged.links[li]!.flags,
              attributes: plainAttrsFromRef(l.attributes),
              droppedAttributesCount: l.droppedAttributesCount ?? 0,
            })),
            droppedLinksCount: s.droppedLinksCount ?? 0,
            status: { code: s.status?.code ?? 0, message: s.status?.message ?? '' },
          });
        });
      });
    });
  }
  return out.sort(bySpanId);
}

/** Encodes a request object (protobufjs JSON-ish form) with the reference encoder, for hand-made inputs. */
export function referenceEncode(request: Obj): Buffer {
  // fromObject, not verify(): verify refuses decimal strings for 64-bit fields, fromObject converts them.
  return Buffer.from(ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(request)).finish());
}

/** A small valid request with `n` spans (ids as hex), encoded by the reference encoder. */
export function smallRequest(n = 1, overrides?: { traceIdHex?: string; spanIdHex?: string }): Buffer {
  const spans = [];
  for (let i = 0; i < n; i++) {
    spans.push({
      traceId: Buffer.from(overrides?.traceIdHex ?? TRACE_1, 'hex'),
      spanId: Buffer.from(overrides?.spanIdHex ?? (i + 1).toString(16).padStart(16, '0'), 'hex'),
      name: `span-${i}`,
      kind: 2,
      startTimeUnixNano: '1700000000000000000',
      endTimeUnixNano: '1700000000500000000',
    });
  }
  return referenceEncode({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] }, scopeSpans: [{ scope: { name: 'lib' }, spans }] }] });
}
