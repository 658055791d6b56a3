import { describe, expect, it } from 'vitest';
import { resolveLoadgenConfig, plannedTraceCount, type LoadgenConfigInput } from './config.ts';
import { TracePlan, newTraceFacts } from './trace-plan.ts';
import { TraceTruth } from './trace-truth.ts';

const input = (shape: LoadgenConfigInput['shape'] = {}, extra: Partial<LoadgenConfigInput> = {}): LoadgenConfigInput => ({
  endpoint: 'x:1',
  rate: 10_000,
  shape,
  ...extra,
});

describe('TracePlan', () => {
  it('builds a tree of the requested depth whose children lie inside their parents', () => {
    const plan = new TracePlan(resolveLoadgenConfig(input({ spans_per_trace: 12, depth: 4 })));
    expect(plan.parentOf[0]).toBe(-1);
    expect(Math.max(...plan.levelOf)).toBe(3);
    for (let j = 1; j < 12; j++) {
      const p = plan.parentOf[j]!;
      expect(p).toBeLessThan(j);
      expect(plan.levelOf[j]).toBe(plan.levelOf[p]! + 1);
      expect(plan.startFraction[j]).toBeGreaterThan(plan.startFraction[p]!);
      expect(plan.endFraction[j]).toBeLessThan(plan.endFraction[p]!);
      expect(plan.endFraction[j]).toBeGreaterThan(plan.startFraction[j]!);
    }
  });

  it('gives every trace the same facts on every call (workers agree without talking)', () => {
    const a = new TracePlan(resolveLoadgenConfig(input({}, { seed: 3, tenants: ['a', 'b'] })));
    const b = new TracePlan(resolveLoadgenConfig(input({}, { seed: 3, tenants: ['a', 'b'] })));
    for (let t = 0; t < 1000; t += 37) expect(a.describe(t, newTraceFacts())).toEqual(b.describe(t, newTraceFacts()));
  });

  it('skews endpoints (Zipf) and hits the configured error and slow shares', () => {
    const config = resolveLoadgenConfig(input({ endpoints: 20, zipf_exponent: 1.2, error_rate: 0.1, slow_share: 0.2 }, { tenants: ['a', 'b', 'c'] }));
    const plan = new TracePlan(config);
    const N = 50_000;
    const truth = TraceTruth.fromPlan(plan, N, config.tenants);
    const perEndpoint = new Array<number>(20).fill(0);
    const perTenant = new Array<number>(3).fill(0);
    let errors = 0;
    let slow = 0;
    let misclassified = 0;
    for (let t = 0; t < N; t++) {
      perEndpoint[truth.endpoint[t]!]!++;
      perTenant[truth.tenant[t]!]!++;
      if (truth.isError(t)) errors++;
      if (truth.isSlow(t)) slow++;
      if (truth.isSlow(t) !== truth.durationMs[t]! > 250) misclassified++;
    }
    expect(misclassified).toBe(0);
    for (let e = 0; e < 20; e++) expect(Math.abs(perEndpoint[e]! / N - plan.zipf.probability(e))).toBeLessThan(0.01);
    expect(perEndpoint[0]! / perEndpoint[19]!).toBeGreaterThan(20);
    expect(Math.abs(errors / N - 0.1)).toBeLessThan(0.01);
    expect(Math.abs(slow / N - 0.2)).toBeLessThan(0.01);
    for (const c of perTenant) expect(Math.abs(c / N - 1 / 3)).toBeLessThan(0.02);
  });

  it('spreads a trace over several services', () => {
    const plan = new TracePlan(resolveLoadgenConfig(input({ spans_per_trace: 5, services: 5 })));
    expect(new Set(plan.serviceOf.subarray(0, 5)).size).toBe(5);
  });
});

describe('config', () => {
  it('applies presets and SDK defaults', () => {
    const c = resolveLoadgenConfig({ endpoint: 'x:1', shape: { preset: 'otelcol-testbed' } });
    expect(c.shape).toMatchObject({ spans_per_trace: 1, attributes: 2, attribute_type: 'int' });
    expect(c).toMatchObject({ flush_interval: 1000, max_queue_size: 100, max_export_batch_size: 512, max_concurrent_exports: 1 });
    expect(c.retry).toMatchObject({ max_attempts: 5, initial_interval: 1000, max_interval: 5000, multiplier: 1.5 });
  });

  it('reads durations with units and derives the trace count', () => {
    const c = resolveLoadgenConfig({ endpoint: 'x:1', rate: 1000, duration: '2s', flush_interval: '250ms', shape: { spans_per_trace: 4, depth: 2 } });
    expect(c.flush_interval).toBe(250);
    expect(plannedTraceCount(c)).toBe(500);
  });

  it('rejects inconsistent knobs with every problem listed', () => {
    expect(() => resolveLoadgenConfig({ endpoint: 'x:1', workers: 9, shape: { services: 3, depth: 20, spans_per_trace: 2 } })).toThrow(
      /depth must not exceed.*workers must not exceed/,
    );
    expect(() => resolveLoadgenConfig({ endpoint: 'x:1', duration: 'soon' })).toThrow(/not a duration/);
  });
});
