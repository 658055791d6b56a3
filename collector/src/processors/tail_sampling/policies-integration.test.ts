/**
 * The engine with the real policies, built by the factory from otelcol-shaped config: the
 * classic set (status_code ERROR + latency 250 ms), a drop policy winning over a sample, and
 * the endpoint floor keeping quiet endpoints visible under a sampler that keeps nothing.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Processor } from '../../component/types.ts';
import { tailSamplingFactory } from './factory.ts';
import { metricValue, testSettings } from './testdata/harness.ts';
import { CollectingSink, makeSpanBatch, traceSpecs, type SpanSpec } from './testdata/spans.ts';

const host = { getExtension: () => undefined, status: 'running' as const };
let running: Processor[] = [];

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});

afterEach(async () => {
  for (const p of running) await p.shutdown();
  running = [];
  vi.useRealTimers();
});

function create(raw: Record<string, unknown>) {
  const { settings, telemetry } = testSettings();
  const sink = new CollectingSink();
  const processor = tailSamplingFactory.createTracesProcessor(settings, tailSamplingFactory.configSchema.parse(raw), sink);
  running.push(processor);
  return { processor, sink, telemetry };
}

const CLASSIC = [
  { name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } },
  { name: 'slow', type: 'latency', latency: { threshold_ms: 250 } },
];

/** Trace t: 3 spans; an error on the last child, or a root lasting 300 ms, or neither. */
function classicTrace(t: number, kind: 'error' | 'slow' | 'normal'): SpanSpec[] {
  const specs = traceSpecs(t, 3);
  specs[0]!.durationMs = kind === 'slow' ? 300 : 40;
  specs[1]!.startMs = 5;
  specs[2]!.startMs = 10;
  if (kind === 'error') specs[2]!.status = 2;
  return specs;
}

describe('tail_sampling with the real policies', () => {
  it('status_code ERROR + latency 250ms: keeps error and slow traces whole after decision_wait, drops the rest', async () => {
    const { processor, sink, telemetry } = create({ decision_wait: '5s', policies: CLASSIC });
    await processor.start(host);
    const kinds = ['error', 'slow', 'normal', 'normal'] as const;
    const specs = Array.from({ length: 40 }, (_, k) => classicTrace(k + 1, kinds[k % 4]!)).flat();
    // Two requests, each trace's spans split between them.
    await processor.consume(makeSpanBatch(specs.filter((_, i) => i % 3 !== 2)));
    await vi.advanceTimersByTimeAsync(2_000);
    await processor.consume(makeSpanBatch(specs.filter((_, i) => i % 3 === 2)));
    await vi.advanceTimersByTimeAsync(2_000);
    expect(sink.calls).toBe(0);
    await vi.advanceTimersByTimeAsync(1_500);
    const kept = Array.from({ length: 40 }, (_, k) => k + 1).filter((t) => kinds[(t - 1) % 4] !== 'normal');
    expect(sink.traces()).toEqual(kept);
    for (const t of kept) expect(sink.spanNumbersOf(t)).toEqual([t * 1000, t * 1000 + 1, t * 1000 + 2]);
    const count = (policy: string, decision: string) =>
      metricValue(telemetry, 'otelcol_processor_tail_sampling_count_traces_sampled', { policy, decision });
    expect(await count('errors', 'sampled')).toBe(10);
    expect(await count('slow', 'sampled')).toBe(10);
    expect(await count('errors', 'not_sampled')).toBe(30);
    expect(await metricValue(telemetry, 'otelcol_processor_tail_sampling_global_count_traces_sampled', { decision: 'sampled' })).toBe(20);
  });

  it('a drop policy wins over a sampling policy', async () => {
    const { processor, sink } = create({
      policies: [
        ...CLASSIC,
        {
          name: 'no-health',
          type: 'drop',
          drop: { drop_sub_policy: [{ name: 'health', type: 'ottl_condition', ottl_condition: { span: ['name == "GET /health"'] } }] },
        },
      ],
    });
    const health = classicTrace(1, 'error').map((s, i) => (i === 0 ? { ...s, name: 'GET /health' } : s));
    await processor.consume(makeSpanBatch([...health, ...classicTrace(2, 'error')]));
    await processor.shutdown();
    expect(sink.traces()).toEqual([2]);
  });

  it('endpoint_floor keeps a few traces of every endpoint per minute when the other policies keep none', async () => {
    const { processor, sink, telemetry } = create({
      decision_wait: '1s',
      record_policy: true,
      policies: [
        { name: 'one-in-a-million', type: 'probabilistic', probabilistic: { sampling_percentage: 0.0001 } },
        { name: 'floor', type: 'endpoint_floor', endpoint_floor: { min_traces_per_minute: 2 } },
      ],
    });
    await processor.start(host);
    const endpoint = (t: number, name: string): SpanSpec[] => traceSpecs(t, 2).map((s, i) => (i === 0 ? { ...s, name } : s));
    const specs: SpanSpec[] = [];
    for (let t = 1; t <= 10; t++) specs.push(...endpoint(t, 'GET /busy'));
    specs.push(...endpoint(11, 'GET /quiet'));
    await processor.consume(makeSpanBatch(specs));
    await vi.advanceTimersByTimeAsync(2_500);
    expect(sink.traces()).toEqual([1, 2, 11]);
    for (const s of sink.spans()) expect(s.attributes).toContainEqual({ key: 'tailsampling.policy', value: { stringValue: 'floor' } });
    expect(await metricValue(telemetry, 'otelcol_processor_tail_sampling_global_count_traces_sampled', { decision: 'not_sampled' })).toBe(8);
    // A new minute refills the floor.
    await vi.advanceTimersByTimeAsync(60_000);
    await processor.consume(makeSpanBatch([...endpoint(12, 'GET /busy'), ...endpoint(13, 'GET /busy'), ...endpoint(14, 'GET /busy')]));
    await vi.advanceTimersByTimeAsync(2_500);
    expect(sink.traces()).toEqual([1, 2, 11, 12, 13]);
  });
});
