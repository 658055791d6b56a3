/**
 * Test-only: the reference OTLP decoder (protobufjs root generated from the official protos,
 * shipped by @opentelemetry/otlp-transformer 0.52.1, installed as `otlp-reference`), and a common
 * normalised form that both OTLP/protobuf and OTLP/JSON requests decode to, for differential tests.
 */
import referenceRoot from 'otlp-reference/build/src/generated/root.js';
import protobuf from 'protobufjs/minimal.js';

interface Type {
  decode(bytes: Uint8Array): unknown;
  encode(message: unknown): { finish(): Uint8Array };
  fromObject(obj: unknown): unknown;
  toObject(message: unknown, options?: Record<string, unknown>): unknown;
}

const root = referenceRoot as unknown as {
  opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: Type; ExportTraceServiceResponse: Type } } } } };
};

export const ExportTraceServiceRequest = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
export const ExportTraceServiceResponse = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;

export interface NormalizedEvent {
  time: string;
  name: string;
  attributes: [string, string][];
}

export interface NormalizedSpan {
  service: string;
  scope: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  start: string;
  end: string;
  attributes: [string, string][];
  events: NormalizedEvent[];
  statusCode: number;
  statusMessage: string;
  flags: number;
}

type AnyValueObject = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
type KeyValueObject = { key: string; value?: AnyValueObject };

const hex = (b: Uint8Array | string | undefined): string => (b === undefined ? '' : typeof b === 'string' ? b.toLowerCase() : Buffer.from(b).toString('hex'));

function attr(kv: KeyValueObject): [string, string] {
  const v = kv.value ?? {};
  if (v.stringValue !== undefined) return [kv.key, `s:${v.stringValue}`];
  if (v.intValue !== undefined) return [kv.key, `i:${String(v.intValue)}`];
  if (v.boolValue !== undefined) return [kv.key, `b:${v.boolValue}`];
  if (v.doubleValue !== undefined) return [kv.key, `d:${v.doubleValue}`];
  return [kv.key, 'empty'];
}

interface SpanObject {
  traceId?: Uint8Array | string;
  spanId?: Uint8Array | string;
  parentSpanId?: Uint8Array | string;
  name?: string;
  kind?: number;
  startTimeUnixNano?: string | number;
  endTimeUnixNano?: string | number;
  attributes?: KeyValueObject[];
  events?: { timeUnixNano?: string | number; name?: string; attributes?: KeyValueObject[] }[];
  status?: { code?: number; message?: string };
  flags?: number;
}

interface RequestObject {
  resourceSpans?: {
    resource?: { attributes?: KeyValueObject[] };
    scopeSpans?: { scope?: { name?: string }; spans?: SpanObject[] }[];
  }[];
}

function normalize(req: RequestObject): NormalizedSpan[] {
  const out: NormalizedSpan[] = [];
  for (const rs of req.resourceSpans ?? []) {
    const serviceAttr = (rs.resource?.attributes ?? []).find((a) => a.key === 'service.name');
    const service = serviceAttr ? attr(serviceAttr)[1].slice(2) : '';
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          service,
          scope: ss.scope?.name ?? '',
          traceId: hex(s.traceId),
          spanId: hex(s.spanId),
          parentSpanId: hex(s.parentSpanId),
          name: s.name ?? '',
          kind: s.kind ?? 0,
          start: String(s.startTimeUnixNano ?? '0'),
          end: String(s.endTimeUnixNano ?? '0'),
          attributes: (s.attributes ?? []).map(attr),
          events: (s.events ?? []).map((e) => ({ time: String(e.timeUnixNano ?? '0'), name: e.name ?? '', attributes: (e.attributes ?? []).map(attr) })),
          statusCode: s.status?.code ?? 0,
          statusMessage: s.status?.message ?? '',
          flags: s.flags ?? 0,
        });
      }
    }
  }
  return out;
}

/**
 * Decodes OTLP/protobuf with the reference decoder. Its protos predate Span.flags (field 16), so
 * flags are read with protobufjs's generic Reader walking the same bytes.
 */
export function normalizeProtobufRequest(bytes: Uint8Array): NormalizedSpan[] {
  const msg = ExportTraceServiceRequest.decode(bytes);
  const obj = ExportTraceServiceRequest.toObject(msg, { longs: String, enums: Number, defaults: false }) as RequestObject;
  const spans = normalize(obj);
  const flags = rawSpanFlags(bytes);
  spans.forEach((s, i) => (s.flags = flags[i] ?? 0));
  return spans;
}

/** Span.flags (field 16, fixed32) of every span in order, via protobufjs's generic Reader. */
export function rawSpanFlags(bytes: Uint8Array): number[] {
  const out: number[] = [];
  const walk = (r: protobuf.Reader, end: number, path: number[]): void => {
    while (r.pos < end) {
      const tag = r.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      const depth = path.length;
      if (wire === 2 && field === path[0]) {
        const len = r.uint32();
        const innerEnd = r.pos + len;
        if (depth === 1) {
          // A Span.
          let flags = 0;
          while (r.pos < innerEnd) {
            const t = r.uint32();
            if (t >>> 3 === 16 && (t & 7) === 5) flags = r.fixed32();
            else r.skipType(t & 7);
          }
          out.push(flags);
        } else walk(r, innerEnd, path.slice(1));
        r.pos = innerEnd;
      } else r.skipType(wire);
    }
  };
  // ExportTraceServiceRequest.resource_spans(1) -> ResourceSpans.scope_spans(2) -> ScopeSpans.spans(2)
  walk(protobuf.Reader.create(bytes), bytes.length, [1, 2, 2]);
  return out;
}

/** Parses OTLP/JSON. */
export function normalizeJsonRequest(text: string): NormalizedSpan[] {
  return normalize(JSON.parse(text) as RequestObject);
}
