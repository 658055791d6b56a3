/**
 * Test-only: TraceViews built the way the engine gets them: a request encoded with
 * pdata/encode-model.ts and indexed with pdata/index-request.ts. Spans are given compactly;
 * times are in milliseconds from a fixed epoch unless given in nanoseconds.
 */
import { pino } from 'pino';
import { encodeExportRequestModel } from '../../../../pdata/encode-model.ts';
import { indexExportRequest } from '../../../../pdata/index-request.ts';
import { newSpan, type AnyValue, type ExportRequestModel, type KeyValue, type SpanEvent, type SpanModel } from '../../../../pdata/model.ts';
import { SelfTelemetry } from '../../../../telemetry/self-telemetry.ts';
import type { PolicySettings, TraceView } from '../policy.ts';

export const EPOCH_NS = 1_700_000_000_000_000_000n;
export const DEFAULT_TRACE_ID = Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex');

export type AttrValue = string | number | bigint | boolean | null | { double: number } | { bytes: Buffer } | AttrValue[];

export function anyValue(v: AttrValue): AnyValue {
  if (v === null) return {};
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'bigint') return { intValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: BigInt(v) } : { doubleValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Array.isArray(v)) return { arrayValue: v.map(anyValue) };
  if ('double' in v) return { doubleValue: v.double };
  return { bytesValue: v.bytes };
}

export function attrs(a: Record<string, AttrValue> | undefined): KeyValue[] {
  return Object.entries(a ?? {}).map(([key, v]) => ({ key, value: anyValue(v) }));
}

export interface SpanSpec {
  name?: string;
  /** Start / end in ms after EPOCH_NS (or exact ns with startNs / endNs). */
  start?: number;
  end?: number;
  startNs?: bigint;
  endNs?: bigint;
  attrs?: Record<string, AttrValue>;
  status?: number;
  statusMessage?: string;
  kind?: number;
  traceState?: string;
  flags?: number;
  /** true: no parent (root). Default: a child of span 1. */
  root?: boolean;
  events?: { name: string; attrs?: Record<string, AttrValue>; timeNs?: bigint }[];
  /** Index into TraceSpec.resources (default 0). */
  resource?: number;
}

export interface TraceSpec {
  traceId?: Buffer;
  resources?: (Record<string, AttrValue> | null)[];
  spans: SpanSpec[];
}

let spanSeq = 1;

function spanModel(s: SpanSpec, traceId: Buffer): SpanModel {
  const id = Buffer.alloc(8);
  id.writeUInt32BE(spanSeq++, 4);
  id[0] = 1;
  const events: SpanEvent[] = (s.events ?? []).map((e) => ({
    timeUnixNano: e.timeNs ?? EPOCH_NS,
    name: e.name,
    attributes: attrs(e.attrs),
    droppedAttributesCount: 0,
  }));
  return newSpan({
    traceId,
    spanId: id,
    parentSpanId: s.root === true ? Buffer.alloc(0) : Buffer.from('0100000000000001', 'hex'),
    name: s.name ?? 'op',
    kind: s.kind ?? 2,
    startTimeUnixNano: s.startNs ?? EPOCH_NS + BigInt(Math.round((s.start ?? 0) * 1e6)),
    endTimeUnixNano: s.endNs ?? EPOCH_NS + BigInt(Math.round((s.end ?? 10) * 1e6)),
    attributes: attrs(s.attrs),
    status: { code: s.status ?? 0, message: s.statusMessage ?? '' },
    traceState: s.traceState ?? '',
    flags: s.flags ?? 0,
    events,
  });
}

/** An ExportTraceServiceRequest model for one trace (spans grouped by resource, in order). */
export function traceModel(spec: TraceSpec): ExportRequestModel {
  const traceId = spec.traceId ?? DEFAULT_TRACE_ID;
  const resources = spec.resources ?? [{ 'service.name': 'svc' }];
  const model: ExportRequestModel = { resourceSpans: [] };
  let current = -1;
  for (const s of spec.spans) {
    const r = s.resource ?? 0;
    if (r !== current) {
      const ra = resources[r];
      model.resourceSpans.push({
        resource: ra === null || ra === undefined ? null : { attributes: attrs(ra), droppedAttributesCount: 0 },
        scopeSpans: [{ scope: { name: 'scope', version: '1.0', attributes: [], droppedAttributesCount: 0 }, spans: [], schemaUrl: '' }],
        schemaUrl: '',
      });
      current = r;
    }
    model.resourceSpans[model.resourceSpans.length - 1]!.scopeSpans[0]!.spans.push(spanModel(s, traceId));
  }
  return model;
}

export function makeTrace(spec: TraceSpec): TraceView {
  const batch = indexExportRequest(encodeExportRequestModel(traceModel(spec)));
  return {
    batch,
    traceId: spec.traceId ?? DEFAULT_TRACE_ID,
    byteSize: batch.spanBytesTotal(),
    firstArrivalMs: 0,
    incomplete: false,
  };
}

/** One span trace shorthand. */
export function span1(s: SpanSpec, spec: Omit<TraceSpec, 'spans'> = {}): TraceView {
  return makeTrace({ ...spec, spans: [s] });
}

export interface TestPolicySettings extends PolicySettings {
  telemetry: SelfTelemetry;
  logs: { level: number; msg: string; [k: string]: unknown }[];
  setNow(ms: number): void;
}

export function policySettings(): TestPolicySettings {
  const logs: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as { level: number; msg: string }) });
  let now = 0;
  return {
    logger,
    telemetry: new SelfTelemetry(),
    processorId: 'tail_sampling',
    now: () => now,
    logs,
    setNow(ms: number) {
      now = ms;
    },
  };
}
