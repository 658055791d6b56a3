/**
 * Differential tests of the generator's encoders: every request is decoded with the reference
 * protobufjs decoder (and OTLP/JSON with JSON.parse), and every patched field is checked against
 * the trace plan.
 */
import { describe, expect, it } from 'vitest';
import { startLoad } from './load-run.ts';
import { resolveLoadgenConfig, type LoadgenConfigInput } from './config.ts';
import { TracePlan, newTraceFacts } from './trace-plan.ts';
import { RunClock } from './run-clock.ts';
import { TraceFactsCache } from './trace-facts-cache.ts';
import { RequestEncoder } from './request-encoder.ts';
import { ProtobufFormat } from './formats/protobuf-format.ts';
import { JsonFormat } from './formats/json-format.ts';
import { ERROR_STATUS_MESSAGE, SCOPE_NAME, SPAN_FLAGS, eventOffsetNs, spanContent } from './span-content.ts';
import { spanIdRunBits, toHex } from './trace-ids.ts';
import { CapturingTransport, type CapturedRequest } from '../testing/capturing-transport.ts';
import { normalizeJsonRequest, normalizeProtobufRequest, type NormalizedSpan } from '../testing/reference-otlp.ts';
import { scanExportTraceRequest } from '../proto/otlp-span-scanner.ts';

const RUN_TAG = 0xa1b2c3d4;

const baseInput: LoadgenConfigInput = {
  endpoint: 'unused:1',
  protocol: 'http/protobuf',
  rate: 200_000,
  traces: 400,
  workers: 2,
  max_queue_size: 100_000,
  max_export_batch_size: 64,
  flush_interval: 5,
  tenants: ['tenant-a', 'tenant-b', 'tenant-c'],
  run_tag: RUN_TAG,
  seed: 7,
  shape: {
    spans_per_trace: 6,
    depth: 3,
    attributes: 3,
    attribute_value_size: 12,
    events_per_span: 2,
    services: 4,
    endpoints: 8,
    error_rate: 0.3,
    slow_share: 0.2,
    slow_threshold: 40,
    fast_min: 1,
    fast_max: 30,
    slow_max_factor: 2,
  },
};

function spanIdHex(t: number, j: number): string {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(t, 0);
  b.writeUInt16BE(j, 4);
  b.writeUInt16BE(spanIdRunBits(RUN_TAG), 6);
  return b.toString('hex');
}

function traceIdHex(t: number, salt0: number, salt1: number): string {
  const b = Buffer.alloc(16);
  b.writeUInt32BE(RUN_TAG, 0);
  b.writeUInt32BE(t, 4);
  b.writeUInt32BE(salt0, 8);
  b.writeUInt32BE(salt1, 12);
  return b.toString('hex');
}

const nanos = (clock: RunClock, offsetNs: number): string => clock.toNanosString(offsetNs);

const config = resolveLoadgenConfig(baseInput);

/** What span (t, j) must decode to, from the plan alone. */
function expectedSpan(t: number, j: number, plan: TracePlan, clock: RunClock): NormalizedSpan {
  const f = plan.describe(t, newTraceFacts());
  const n = plan.spansPerTrace;
  const startNs = plan.spanStartNs(f, j);
  const endNs = plan.spanEndNs(f, j);
  const error = f.error && plan.spanIsError(j);
  const content = spanContent(config, plan, f.endpoint, j, error);
  return {
    service: plan.serviceName(plan.serviceOf[f.endpoint * n + j]!),
    scope: SCOPE_NAME,
    traceId: traceIdHex(t, f.salt0, f.salt1),
    spanId: spanIdHex(t, j),
    parentSpanId: j === 0 ? '' : spanIdHex(t, plan.parentOf[j]!),
    name: plan.spanName(f.endpoint, j),
    kind: plan.kindOf[f.endpoint * n + j]!,
    start: nanos(clock, startNs),
    end: nanos(clock, endNs),
    attributes: content.attributes.map((a) => [a.key, a.value.kind === 'string' ? `s:${a.value.value}` : `i:${a.value.value}`]),
    events: content.events.map((e, i) => ({
      time: nanos(clock, eventOffsetNs(startNs, endNs, i, content.events.length)),
      name: e.name,
      attributes: e.attributes.map((a) => [a.key, `i:${a.value.value}`]),
    })),
    statusCode: error ? 2 : 0,
    statusMessage: error ? ERROR_STATUS_MESSAGE : '',
    flags: SPAN_FLAGS,
  };
}

/** (trace index, span index) as the ids say; the expected span then checks the ids in full. */
function indexesOf(s: NormalizedSpan): { t: number; j: number } {
  return { t: Buffer.from(s.traceId, 'hex').readUInt32BE(4), j: Buffer.from(s.spanId, 'hex').readUInt16BE(4) };
}

describe('generator requests (OTLP/protobuf) decoded by the reference decoder', () => {
  it('carry every span exactly once, with every patched field right, from several workers and requests', async () => {
    const captured: CapturedRequest[] = [];
    const run = startLoad(baseInput, { inThread: true, transportFactory: (w) => new CapturingTransport(w, captured) });
    const report = await run.done;
    const plan = new TracePlan(run.config);
    const clock = new RunClock(report.epochMs);
    const n = plan.spansPerTrace;
    const seen = new Map<string, number>();
    const requestsOfTrace = new Map<number, Set<number>>();
    const workersOfTrace = new Map<number, Set<number>>();
    const actual: NormalizedSpan[] = [];
    const expected: NormalizedSpan[] = [];
    const tenants: [number, number][] = [];
    captured.forEach((req, r) => {
      const spans = normalizeProtobufRequest(req.body);
      expect(spans.length).toBeGreaterThan(0);
      // The backend's scanner sees the same ids as the reference decoder.
      const scanned: string[] = [];
      scanExportTraceRequest(req.body, { addSpan: (b, ti, si) => scanned.push(toHex(b, ti, 16) + toHex(b, si, 8)) });
      expect(scanned).toEqual(spans.map((s) => s.traceId + s.spanId));
      for (const s of spans) {
        const { t, j } = indexesOf(s);
        actual.push(s);
        expected.push(expectedSpan(t, j, plan, clock));
        tenants.push([req.tenant, plan.describe(t, newTraceFacts()).tenant]);
        seen.set(s.spanId, (seen.get(s.spanId) ?? 0) + 1);
        (requestsOfTrace.get(t) ?? requestsOfTrace.set(t, new Set()).get(t)!).add(r);
        (workersOfTrace.get(t) ?? workersOfTrace.set(t, new Set()).get(t)!).add(req.workerIndex);
      }
    });
    // One comparison of everything: much faster than an expect per field.
    expect(actual).toEqual(expected);
    expect(tenants.filter(([got, want]) => got !== want)).toEqual([]);
    expect(seen.size).toBe(400 * n);
    expect([...seen.values()].every((c) => c === 1)).toBe(true);
    expect(report.counters.spansAccepted).toBe(400 * n);
    // As in real services: a trace's spans leave from different workers and in different requests.
    expect([...workersOfTrace.values()].filter((w) => w.size > 1).length).toBeGreaterThan(100);
    expect([...requestsOfTrace.values()].filter((r) => r.size > 1).length).toBeGreaterThan(100);
  });
});

describe('OTLP/JSON encoder', () => {
  it('encodes the same spans as the protobuf encoder (differential, via the reference decoder)', () => {
    const plan = new TracePlan(config);
    const clock = new RunClock(Date.UTC(2024, 0, 2, 3, 4, 5, 678));
    const encoderOf = (format: ProtobufFormat | JsonFormat) => new RequestEncoder(plan, format, new TraceFactsCache(plan, 1024), 512);
    const protoEncoder = encoderOf(new ProtobufFormat(config, plan, clock, RUN_TAG));
    const jsonEncoder = encoderOf(new JsonFormat(config, plan, clock, RUN_TAG));
    // A batch mixing traces far apart, so that cache slots collide too.
    const traces = new Uint32Array(300);
    const spans = new Uint16Array(300);
    for (let i = 0; i < 300; i++) {
      traces[i] = (i * 7919) % 5000 + (i % 3) * 1024;
      spans[i] = i % plan.spansPerTrace;
    }
    const protoRequests = protoEncoder.encode(traces, spans, 300);
    const jsonRequests = jsonEncoder.encode(traces, spans, 300);
    expect(jsonRequests.map((r) => r.tenant)).toEqual(protoRequests.map((r) => r.tenant));
    let total = 0;
    protoRequests.forEach((p, i) => {
      const fromProto = normalizeProtobufRequest(p.body);
      const fromJson = normalizeJsonRequest(jsonRequests[i]!.body.toString('utf8'));
      expect(fromJson).toEqual(fromProto);
      expect(fromProto).toEqual(fromProto.map((s) => expectedSpan(indexesOf(s).t, indexesOf(s).j, plan, clock)));
      total += fromProto.length;
    });
    expect(total).toBe(300);
  });
});
