/**
 * The engine with small fake policies (testdata/harness.ts) and fake time: when traces are
 * decided, what is forwarded, memory bounds, late spans, shutdown, record_policy,
 * block_on_overflow, and the metrics. Real policies are exercised in policies-integration.test.ts
 * and end to end in tail-sampling.e2e.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CollectorError } from '../../errors/codes.ts';
import { TailSamplingProcessor } from './processor.ts';
import { CollectingSink, makeSpanBatch, traceSpecs, type SpanSpec } from './testdata/spans.ts';
import { Decision, errorPolicy, FakeFloorPolicy, FakePolicy, metricValue, testConfig, testSettings } from './testdata/harness.ts';
import type { PolicyEvaluator } from './policies/policy.ts';

const host = { getExtension: () => undefined, status: 'running' as const };
const M = 'otelcol_processor_tail_sampling_';

let running: TailSamplingProcessor[] = [];

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});

afterEach(async () => {
  for (const p of running) await p.shutdown();
  running = [];
  vi.useRealTimers();
});

type ConfigOverrides = Parameters<typeof testConfig>[0];

function setup(config: ConfigOverrides = {}, policies?: PolicyEvaluator[], id = 'tail_sampling') {
  const { settings, telemetry, logs } = testSettings(id);
  const sink = new CollectingSink();
  const processor = new TailSamplingProcessor(settings, testConfig(config), sink, policies ?? [errorPolicy()]);
  running.push(processor);
  return { processor, sink, telemetry, logs };
}

/** Spans of trace `t` (n spans), the first one with status ERROR when `error`. */
function trace(t: number, n: number, error = false): SpanSpec[] {
  const specs = traceSpecs(t, n);
  if (error) specs[n - 1]!.status = 2;
  return specs;
}

describe('tail_sampling engine: decisions in time', () => {
  it('decides a trace once decision_wait has passed since its first span, and forwards it whole', async () => {
    const { processor, sink, telemetry } = setup({ decision_wait: 10_000 });
    await processor.start(host);
    await processor.consume(makeSpanBatch([...trace(1, 3, true), ...trace(2, 4)]));
    await vi.advanceTimersByTimeAsync(9_000);
    expect(sink.calls).toBe(0);
    expect(processor.pendingTraces).toBe(2);
    await vi.advanceTimersByTimeAsync(1_500);
    expect(sink.traces()).toEqual([1]);
    expect(sink.spanNumbersOf(1)).toEqual([1000, 1001, 1002]);
    expect(processor.pendingTraces).toBe(0);
    expect(await metricValue(telemetry, `${M}global_count_traces_sampled`, { sampled: 'true', decision: 'sampled' })).toBe(1);
    expect(await metricValue(telemetry, `${M}global_count_traces_sampled`, { sampled: 'false', decision: 'not_sampled' })).toBe(1);
  });

  it('evaluates spans of one trace that arrived in separate requests together, and sends one batch per tick', async () => {
    const seen: number[] = [];
    const counting = new FakePolicy('count', (t) => {
      seen.push(t.batch.spanCount);
      return Decision.Sampled;
    });
    const { processor, sink } = setup({ decision_wait: 10_000 }, [counting]);
    await processor.start(host);
    const t1 = trace(1, 6);
    await processor.consume(makeSpanBatch([...t1.slice(0, 2), ...trace(2, 1)]));
    await vi.advanceTimersByTimeAsync(3_000);
    await processor.consume(makeSpanBatch([...t1.slice(2, 5), ...trace(3, 2)]));
    await vi.advanceTimersByTimeAsync(3_000);
    await processor.consume(makeSpanBatch(t1.slice(5)));
    await vi.advanceTimersByTimeAsync(4_500);
    // Traces 1 and 2 (first seen at 0 s) left in one tick, in one batch; trace 3 is still waiting.
    expect(sink.calls).toBe(1);
    expect(sink.traces()).toEqual([1, 2]);
    expect(sink.spanNumbersOf(1)).toEqual([1000, 1001, 1002, 1003, 1004, 1005]);
    expect(seen).toEqual([6, 1]);
    expect(counting.seen[0]!.incomplete).toBe(false);
    expect(counting.seen[0]!.firstArrivalMs).toBe(1_000_000);
    expect(counting.seen[0]!.traceId.readUInt32BE(12)).toBe(1);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(sink.traces()).toEqual([1, 2, 3]);
  });

  it('with decision_wait_after_root_received, decides a trace soon after its root span arrives', async () => {
    const always = new FakePolicy('all', () => Decision.Sampled);
    const { processor, sink, telemetry } = setup({ decision_wait: 30_000, decision_wait_after_root_received: 2_000 }, [always]);
    await processor.start(host);
    // Trace 1: children first, root later. Trace 2: no root ever.
    const t1 = trace(1, 3);
    await processor.consume(makeSpanBatch([...t1.slice(1), ...trace(2, 3).slice(1)]));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(sink.calls).toBe(0);
    await processor.consume(makeSpanBatch(t1.slice(0, 1)));
    await vi.advanceTimersByTimeAsync(1_500);
    expect(sink.calls).toBe(0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sink.traces()).toEqual([1]);
    expect(sink.spanNumbersOf(1)).toEqual([1000, 1001, 1002]);
    expect(await metricValue(telemetry, 'tailpipe_processor_tail_sampling_early_decisions', { reason: 'root' })).toBe(1);
    await vi.advanceTimersByTimeAsync(23_000);
    expect(sink.traces()).toEqual([1, 2]);
  });
});

describe('tail_sampling engine: memory bounds', () => {
  it('num_traces: a new trace beyond the limit decides the oldest pending trace early, marked incomplete', async () => {
    const always = new FakePolicy('all', () => Decision.Sampled);
    const { processor, sink, telemetry } = setup({ num_traces: 3 }, [always]);
    await processor.start(host);
    for (let t = 1; t <= 3; t++) await processor.consume(makeSpanBatch(trace(t, 2)));
    expect(sink.calls).toBe(0);
    await processor.consume(makeSpanBatch([...trace(4, 2), ...trace(5, 2)]));
    expect(processor.pendingTraces).toBe(3);
    expect(sink.traces()).toEqual([1, 2]);
    expect(always.seen.map((v) => [v.traceId.readUInt32BE(12), v.incomplete])).toEqual([
      [1, true],
      [2, true],
    ]);
    expect(await metricValue(telemetry, 'tailpipe_processor_tail_sampling_early_decisions', { reason: 'num_traces' })).toBe(2);
    expect(await metricValue(telemetry, `${M}sampling_trace_dropped_too_early`)).toBe(0);
    // A late span of an early-decided trace follows its decision.
    await processor.consume(makeSpanBatch([{ trace: 1, span: 1009, parent: 1000 }]));
    expect(sink.spanNumbersOf(1)).toEqual([1000, 1001, 1009]);
    expect(processor.pendingTraces).toBe(3);
  });

  it('max_buffered_bytes: decides the oldest traces early until the buffered bytes fit', async () => {
    const always = new FakePolicy('all', () => Decision.Sampled);
    const cap = 64 * 1024;
    const { processor, sink, telemetry } = setup({ max_buffered_bytes: cap }, [always]);
    await processor.start(host);
    const payload = [{ key: 'payload', value: { stringValue: 'p'.repeat(1000) } }];
    let maxSeen = 0;
    for (let t = 1; t <= 200; t++) {
      await processor.consume(makeSpanBatch(traceSpecs(t, 2, { attributes: payload })));
      maxSeen = Math.max(maxSeen, processor.bufferedBytes);
    }
    expect(maxSeen).toBeLessThanOrEqual(cap);
    const early = await metricValue(telemetry, 'tailpipe_processor_tail_sampling_early_decisions', { reason: 'bytes' });
    expect(early).toBeGreaterThan(100);
    expect(sink.traces().length).toBe(early);
    // Oldest first: the traces decided are exactly 1..early.
    expect(sink.traces()).toEqual(Array.from({ length: early }, (_, k) => k + 1));
    expect(await metricValue(telemetry, 'tailpipe_processor_tail_sampling_buffered_bytes')).toBe(processor.bufferedBytes);
    await processor.shutdown();
    expect(sink.traces().length).toBe(200);
    expect(sink.spans().length).toBe(400);
  });

  it('a trace over max_spans_per_trace is decided at once; its later spans follow that decision', async () => {
    const always = new FakePolicy('all', () => Decision.Sampled);
    const { processor, sink, telemetry } = setup({ max_spans_per_trace: 5 }, [always]);
    await processor.start(host);
    await processor.consume(makeSpanBatch([...trace(1, 8), ...trace(2, 2)]));
    expect(sink.traces()).toEqual([1]);
    expect(sink.spanNumbersOf(1)).toHaveLength(8);
    expect(always.seen[0]!.incomplete).toBe(true);
    await processor.consume(makeSpanBatch([{ trace: 1, span: 1100, parent: 1000 }]));
    expect(sink.spanNumbersOf(1)).toHaveLength(9);
    expect(processor.pendingTraces).toBe(1);
    expect(await metricValue(telemetry, 'tailpipe_processor_tail_sampling_early_decisions', { reason: 'trace_size' })).toBe(1);
  });

  it('one huge trace cannot take the whole byte budget: maximum_trace_size_bytes defaults to 1/16 of max_buffered_bytes', async () => {
    const always = new FakePolicy('all', () => Decision.Sampled);
    const cap = 1024 * 1024;
    const { processor, sink } = setup({ max_buffered_bytes: cap }, [always]);
    expect(processor.limits.maxTraceBytes).toBe(cap / 16);
    await processor.start(host);
    for (let t = 2; t <= 10; t++) await processor.consume(makeSpanBatch(trace(t, 3)));
    const payload = [{ key: 'payload', value: { stringValue: 'q'.repeat(500) } }];
    // 400 spans of ~550 bytes: 220 KB, more than 1/16 of the budget.
    for (let k = 0; k < 4; k++) await processor.consume(makeSpanBatch(traceSpecs(1, 100, { attributes: payload }).map((s) => ({ ...s, span: s.span + k * 100 }))));
    // The big trace was decided on its own; the small ones were not pushed out.
    expect(sink.traces()).toEqual([1]);
    expect(processor.pendingTraces).toBe(9);
  });
});

describe('tail_sampling engine: late spans', () => {
  it('with decision caches, late spans follow the cached decision (sampled forwarded at once, not sampled dropped) and are counted', async () => {
    const { processor, sink, telemetry } = setup({ decision_cache: { sampled_cache_size: 100, non_sampled_cache_size: 100 } });
    await processor.start(host);
    await processor.consume(makeSpanBatch([...trace(1, 2, true), ...trace(2, 2)]));
    await vi.advanceTimersByTimeAsync(11_000);
    expect(sink.traces()).toEqual([1]);
    // Late: an OK span for the sampled trace, an ERROR span for the not-sampled one (no fresh coin toss).
    await processor.consume(
      makeSpanBatch([
        { trace: 1, span: 1005, parent: 1000 },
        { trace: 1, span: 1006, parent: 1000 },
        { trace: 2, span: 2005, parent: 2000, status: 2 },
      ]),
    );
    expect(sink.spanNumbersOf(1)).toEqual([1000, 1001, 1005, 1006]);
    expect(sink.traces()).toEqual([1]);
    expect(processor.pendingTraces).toBe(0);
    expect(await metricValue(telemetry, `${M}early_releases_from_cache_decision`, { sampled: 'true' })).toBe(2);
    expect(await metricValue(telemetry, `${M}early_releases_from_cache_decision`, { sampled: 'false' })).toBe(1);
    expect(await metricValue(telemetry, 'tailpipe_processor_tail_sampling_late_spans', { sampled: 'false' })).toBe(1);
    expect(await metricValue(telemetry, `${M}new_trace_id_received`)).toBe(2);
  });

  it('with the caches off, recent decisions still decide late spans, counted in sampling_late_span_age', async () => {
    const { processor, sink, telemetry } = setup({ num_traces: 100 });
    await processor.start(host);
    await processor.consume(makeSpanBatch([...trace(1, 2, true), ...trace(2, 2)]));
    await vi.advanceTimersByTimeAsync(11_000);
    await vi.advanceTimersByTimeAsync(5_000);
    await processor.consume(makeSpanBatch([{ trace: 2, span: 2009, parent: 2000, status: 2 }, { trace: 1, span: 1009, parent: 1000 }]));
    expect(sink.spanNumbersOf(1)).toEqual([1000, 1001, 1009]);
    expect(sink.traces()).toEqual([1]);
    expect(processor.pendingTraces).toBe(0);
    expect(await metricValue(telemetry, `${M}sampling_late_span_age`)).toBe(2);
    // Decided at ~11 s, late spans at ~16 s: about 5 s each.
    const sum = await metricValue(telemetry, `${M}sampling_late_span_age`, {}, 'sum');
    expect(sum).toBeGreaterThanOrEqual(8);
    expect(sum).toBeLessThanOrEqual(12);
    expect(await metricValue(telemetry, `${M}early_releases_from_cache_decision`, { sampled: 'true' })).toBe(0);
    expect(await metricValue(telemetry, 'tailpipe_processor_tail_sampling_late_spans', { sampled: 'true' })).toBe(1);
    expect(await metricValue(telemetry, `${M}new_trace_id_received`)).toBe(2);
  });

  it('a trace id forgotten by every decision memory starts a new trace', async () => {
    const { processor, sink } = setup({ num_traces: 2 });
    await processor.start(host);
    await processor.consume(makeSpanBatch(trace(1, 1)));
    await vi.advanceTimersByTimeAsync(11_000);
    for (let t = 2; t <= 3; t++) await processor.consume(makeSpanBatch(trace(t, 1)));
    await vi.advanceTimersByTimeAsync(11_000);
    // The recent-decisions ring (num_traces = 2 entries) no longer holds trace 1.
    await processor.consume(makeSpanBatch([{ trace: 1, span: 1001, parent: 1000, status: 2 }]));
    expect(processor.pendingTraces).toBe(1);
    await vi.advanceTimersByTimeAsync(11_000);
    expect(sink.spanNumbersOf(1)).toEqual([1001]);
  });
});

describe('tail_sampling engine: policies', () => {
  it('sample_on_first_match stops at the first Sampled; otherwise every policy is asked', async () => {
    for (const first of [true, false]) {
      const a = new FakePolicy('a', () => Decision.Sampled);
      const b = new FakePolicy('b', () => Decision.NotSampled);
      const { processor } = setup({ sample_on_first_match: first }, [a, b]);
      await processor.consume(makeSpanBatch(trace(1, 1)));
      await processor.shutdown();
      expect(a.seen).toHaveLength(1);
      expect(b.seen).toHaveLength(first ? 0 : 1);
    }
  });

  it('a Dropped decision wins and stops the evaluation; an inverted not-sampled beats a Sampled', async () => {
    const drop = new FakePolicy('drop', () => Decision.Dropped);
    const later = new FakePolicy('later', () => Decision.Sampled);
    const r1 = setup({}, [drop, later]);
    await r1.processor.consume(makeSpanBatch(trace(1, 1, true)));
    await r1.processor.shutdown();
    expect(r1.sink.calls).toBe(0);
    expect(later.seen).toHaveLength(0);
    expect(await metricValue(r1.telemetry, `${M}global_count_traces_sampled`, { decision: 'dropped' })).toBe(1);

    const inv = new FakePolicy('inv', () => Decision.InvertNotSampled);
    const r2 = setup({}, [new FakePolicy('yes', () => Decision.Sampled), inv]);
    await r2.processor.consume(makeSpanBatch(trace(1, 1)));
    await r2.processor.shutdown();
    expect(r2.sink.calls).toBe(0);
  });

  it('an endpoint floor Sampled overrides a final not-sampled but never a Dropped, and hears the final decision', async () => {
    const floor = new FakeFloorPolicy('floor', () => Decision.Sampled, 'endpoint_floor');
    const inv = new FakePolicy('inv', (t) => (t.traceId.readUInt32BE(12) === 1 ? Decision.InvertNotSampled : Decision.Dropped));
    const { processor, sink, telemetry } = setup({ record_policy: true }, [inv, floor]);
    await processor.consume(makeSpanBatch([...trace(1, 1), ...trace(2, 1)]));
    await processor.shutdown();
    expect(sink.traces()).toEqual([1]);
    expect(sink.spans()[0]!.attributes).toContainEqual({ key: 'tailsampling.policy', value: { stringValue: 'floor' } });
    // Trace 2 was dropped before the floor was asked; it still hears the outcome.
    expect(floor.seen.map((v) => v.traceId.readUInt32BE(12))).toEqual([1]);
    expect(floor.after.map((a) => [a.trace.readUInt32BE(12), a.sampled])).toEqual([
      [1, true],
      [2, false],
    ]);
    expect(await metricValue(telemetry, `${M}global_count_traces_sampled`, { decision: 'sampled' })).toBe(1);
    expect(await metricValue(telemetry, `${M}global_count_traces_sampled`, { decision: 'dropped' })).toBe(1);
  });

  it('a policy that throws counts as an evaluation error; the others still decide', async () => {
    const broken = new FakePolicy('broken', () => {
      throw new Error('kaput');
    });
    const { processor, sink, telemetry, logs } = setup({}, [broken, errorPolicy()]);
    await processor.consume(makeSpanBatch([...trace(1, 1, true), ...trace(2, 1)]));
    await processor.shutdown();
    expect(sink.traces()).toEqual([1]);
    expect(await metricValue(telemetry, `${M}sampling_policy_evaluation_error`, { policy: 'broken' })).toBe(2);
    expect(logs.filter((l) => l.msg.startsWith('Sampling policy error'))).toHaveLength(1);
  });

  it('per-policy metrics: traces and spans by decision, decision latency; named processors prefix the policy label', async () => {
    const { processor, telemetry } = setup({}, [errorPolicy('errs'), new FakePolicy('never', () => Decision.NotSampled)], 'tail_sampling/edge');
    await processor.consume(makeSpanBatch([...trace(1, 3, true), ...trace(2, 2), ...trace(3, 4)]));
    await processor.shutdown();
    const v = (name: string, labels: Record<string, string>) => metricValue(telemetry, `${M}${name}`, { processor: 'tail_sampling/edge', ...labels });
    expect(await v('count_traces_sampled', { policy: 'edge.errs', sampled: 'true', decision: 'sampled' })).toBe(1);
    expect(await v('count_traces_sampled', { policy: 'edge.errs', sampled: 'false', decision: 'not_sampled' })).toBe(2);
    expect(await v('count_spans_sampled', { policy: 'edge.errs', sampled: 'true' })).toBe(3);
    expect(await v('count_spans_sampled', { policy: 'edge.never', sampled: 'false' })).toBe(9);
    expect(await v('sampling_decision_latency', { policy: 'edge.never' })).toBe(3);
    expect(await v('new_trace_id_received', {})).toBe(3);
    expect(await v('sampling_traces_on_memory', {})).toBe(0);
    expect(await metricValue(telemetry, 'otelcol_processor_incoming_items', { processor: 'tail_sampling/edge' })).toBe(9);
    expect(await metricValue(telemetry, 'otelcol_processor_outgoing_items', { processor: 'tail_sampling/edge' })).toBe(3);
  });

  it('record_policy puts tailsampling.policy on every forwarded span, replacing a value already there', async () => {
    const { processor, sink } = setup({ record_policy: true }, [new FakePolicy('never', () => Decision.NotSampled), errorPolicy('errors-policy')]);
    const specs = trace(1, 3, true);
    specs[1]!.attributes = [
      { key: 'tailsampling.policy', value: { stringValue: 'upstream' } },
      { key: 'x', value: { intValue: 1n } },
    ];
    await processor.consume(makeSpanBatch([...specs, ...trace(2, 1)]));
    await processor.shutdown();
    const spans = sink.spans();
    expect(spans).toHaveLength(3);
    for (const s of spans) {
      expect(s.attributes.filter((a) => a.key === 'tailsampling.policy')).toEqual([{ key: 'tailsampling.policy', value: { stringValue: 'errors-policy' } }]);
    }
    expect(spans.find((s) => s.span === 1001)!.attributes).toContainEqual({ key: 'x', value: { intValue: 1n } });
    expect(spans.find((s) => s.span === 1000)!.attributes).toContainEqual({ key: 'seq', value: { intValue: 1000n } });
  });
});

describe('tail_sampling engine: lifecycle and the next component', () => {
  it('shutdown decides every pending trace and forwards the sampled ones before it resolves; idempotent; no start needed', async () => {
    const { processor, sink, telemetry } = setup();
    await processor.consume(makeSpanBatch([...trace(1, 2, true), ...trace(2, 2), ...trace(3, 1, true)]));
    const first = processor.shutdown();
    expect(processor.shutdown()).toBe(first);
    await first;
    expect(sink.traces()).toEqual([1, 3]);
    expect(await metricValue(telemetry, `${M}sampling_trace_dropped_too_early`)).toBe(0);
    await expect(processor.consume(makeSpanBatch(trace(4, 1)))).rejects.toMatchObject({ code: 'TP_SHUTTING_DOWN' });
    await expect(processor.consume(makeSpanBatch(trace(4, 1)))).rejects.toBeInstanceOf(CollectorError);
  });

  it('drop_pending_traces_on_shutdown drops pending traces, counted and logged', async () => {
    const { processor, sink, telemetry, logs } = setup({ drop_pending_traces_on_shutdown: true });
    await processor.start(host);
    await processor.consume(makeSpanBatch([...trace(1, 2, true), ...trace(2, 2)]));
    await processor.shutdown();
    expect(sink.calls).toBe(0);
    expect(await metricValue(telemetry, `${M}sampling_trace_dropped_too_early`)).toBe(2);
    expect(processor.bufferedBytes).toBeLessThanOrEqual(processor.store.slabSize);
    expect(processor.store.liveBytes).toBe(0);
    expect(logs.some((l) => String(l.msg).includes('drop_pending_traces_on_shutdown'))).toBe(true);
  });

  it('a refusal by the next component is counted and logged; consume still resolves', async () => {
    const { processor, sink, telemetry, logs } = setup({ decision_cache: { sampled_cache_size: 10 } });
    sink.refuse = () => new CollectorError('TP_EXPORT_PERMANENT', 'backend says no');
    await processor.start(host);
    await processor.consume(makeSpanBatch(trace(1, 3, true)));
    await vi.advanceTimersByTimeAsync(11_000);
    await processor.consume(makeSpanBatch([{ trace: 1, span: 1007, parent: 1000 }]));
    expect(sink.calls).toBe(2);
    expect(await metricValue(telemetry, 'tailpipe_processor_tail_sampling_forward_failed_spans')).toBe(4);
    expect(logs.filter((l) => String(l.msg).startsWith('Error sending sampled spans'))).toHaveLength(2);
  });

  it('a slow next component holds decisions back (at most 4 forwards in flight) instead of piling up sends', async () => {
    const always = new FakePolicy('all', () => Decision.Sampled);
    const { processor, sink } = setup({ decision_wait: 1_000 }, [always]);
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const consume = sink.consume.bind(sink);
    sink.consume = async (batch) => {
      await gate;
      return consume(batch);
    };
    await processor.start(host);
    for (let t = 1; t <= 8; t++) {
      await processor.consume(makeSpanBatch(trace(t, 1)));
      await vi.advanceTimersByTimeAsync(1_100);
    }
    // Traces 1-4 went out (and hang); 5-8 wait, still pending.
    expect(sink.calls).toBe(0);
    expect(processor.pendingTraces).toBe(4);
    release();
    await vi.advanceTimersByTimeAsync(1_100);
    await processor.shutdown();
    expect(sink.traces()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('block_on_overflow: consume waits for room instead of deciding early', async () => {
    const always = new FakePolicy('all', () => Decision.Sampled);
    const { processor, sink, telemetry } = setup({ num_traces: 2, block_on_overflow: true, decision_wait: 10_000 }, [always]);
    await processor.start(host);
    await processor.consume(makeSpanBatch(trace(1, 1)));
    await vi.advanceTimersByTimeAsync(2_000);
    await processor.consume(makeSpanBatch(trace(2, 1)));
    let done = false;
    const third = processor.consume(makeSpanBatch(trace(3, 1))).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(done).toBe(false);
    expect(processor.pendingTraces).toBe(2);
    // Trace 1's decision_wait ends at 10 s: room for trace 3.
    await vi.advanceTimersByTimeAsync(3_500);
    await third;
    expect(sink.traces()).toEqual([1]);
    expect(always.seen.every((v) => !v.incomplete)).toBe(true);
    expect(await metricValue(telemetry, 'tailpipe_processor_tail_sampling_early_decisions', { reason: 'num_traces' })).toBe(0);
  });

  it('block_on_overflow waits at most decision_wait, then decides the oldest early (no ticker running here)', async () => {
    const always = new FakePolicy('all', () => Decision.Sampled);
    const { processor, sink, telemetry } = setup({ num_traces: 1, block_on_overflow: true, decision_wait: 10_000 }, [always]);
    await processor.consume(makeSpanBatch(trace(1, 1)));
    let done = false;
    const second = processor.consume(makeSpanBatch(trace(2, 1))).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(9_000);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1_500);
    await second;
    expect(sink.traces()).toEqual([1]);
    expect(await metricValue(telemetry, 'tailpipe_processor_tail_sampling_early_decisions', { reason: 'num_traces' })).toBe(1);
  });

  it('shutdown takes in requests waiting for room', async () => {
    const always = new FakePolicy('all', () => Decision.Sampled);
    const { processor, sink } = setup({ num_traces: 1, block_on_overflow: true }, [always]);
    await processor.consume(makeSpanBatch(trace(1, 1)));
    const waiting = processor.consume(makeSpanBatch(trace(2, 1)));
    await processor.shutdown();
    await waiting;
    expect(sink.traces()).toEqual([1, 2]);
  });

  it('spans without a trace id are one trace, as in otelcol', async () => {
    const always = new FakePolicy('all', () => Decision.Sampled);
    const { processor, sink } = setup({}, [always]);
    const batch = makeSpanBatch(trace(1, 2));
    // Blank the trace ids in the row table (the indexer maps an empty id to NONE).
    batch.spans[4] = 0xffffffff;
    batch.spans[16 + 4] = 0xffffffff;
    await processor.consume(batch);
    expect(processor.pendingTraces).toBe(1);
    await processor.shutdown();
    expect(sink.spans()).toHaveLength(2);
  });
});
