import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { FastHistogram } from './fast-histogram.ts';

describe('FastHistogram', () => {
  it('exposes cumulative buckets, +Inf, sum and count per series in the Prometheus text format', async () => {
    const registry = new Registry();
    const h = FastHistogram.in(registry, 'test_latency', 'Latency of things', [1, 5, 10]);
    expect(FastHistogram.in(registry, 'test_latency', 'ignored', [1])).toBe(h);
    const a = h.bind({ processor: 'p', policy: 'a' });
    expect(h.bind({ policy: 'a', processor: 'p' })).toBe(a);
    const b = h.bind({ processor: 'p', policy: 'b' });
    for (const v of [0.5, 1, 3, 7, 50]) a.observe(v);
    b.observe(2);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE test_latency histogram');
    expect(text).toContain('test_latency_bucket{processor="p",policy="a",le="1"} 2');
    expect(text).toContain('test_latency_bucket{processor="p",policy="a",le="5"} 3');
    expect(text).toContain('test_latency_bucket{processor="p",policy="a",le="10"} 4');
    expect(text).toContain('test_latency_bucket{processor="p",policy="a",le="+Inf"} 5');
    expect(text).toContain('test_latency_sum{processor="p",policy="a"} 61.5');
    expect(text).toContain('test_latency_count{processor="p",policy="a"} 5');
    expect(text).toContain('test_latency_bucket{processor="p",policy="b",le="1"} 0');
    expect(text).toContain('test_latency_count{processor="p",policy="b"} 1');
    h.reset();
    expect(await registry.metrics()).toContain('test_latency_count{processor="p",policy="a"} 0');
  });
});
