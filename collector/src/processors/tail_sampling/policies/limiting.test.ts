/**
 * Stateful policies on the engine clock (passed to evaluate, as the engine passes
 * PolicySettings.now()): rate_limiting, bytes_limiting, composite budgets.
 */
import { describe, expect, it } from 'vitest';
import { buildPolicy, Decision, policiesSchema, type PolicyConfig } from './index.ts';
import { TokenBucket } from './token-bucket.ts';
import { makeTrace, policySettings, span1 } from './testdata/make-trace.ts';

const S = Decision.Sampled;
const N = Decision.NotSampled;

function policy(entry: Record<string, unknown>) {
  const parsed = policiesSchema.parse([{ name: 'p', ...entry }]) as PolicyConfig[];
  return buildPolicy(parsed[0]!, policySettings());
}

const trace = (spans: number) => makeTrace({ spans: Array.from({ length: spans }, () => ({})) });

describe('TokenBucket (x/time/rate AllowN semantics)', () => {
  it('starts full, refills continuously, caps at burst', () => {
    const b = new TokenBucket(10, 20);
    expect(b.allow(0, 20)).toBe(true); // full bucket
    expect(b.allow(0, 1)).toBe(false);
    expect(b.allow(100, 1)).toBe(true); // 0.1 s * 10/s = 1 token
    expect(b.allow(100, 1)).toBe(false);
    expect(b.allow(60_000, 21)).toBe(false); // more than the burst never passes
    expect(b.allow(60_000, 20)).toBe(true); // capped at 20, not 600
    expect(b.allow(60_000, 1)).toBe(false);
  });

  it('a refused request does not consume tokens', () => {
    const b = new TokenBucket(1, 2);
    expect(b.allow(0, 3)).toBe(false);
    expect(b.allow(0, 2)).toBe(true);
  });

  it('a clock going back counts as no time elapsed', () => {
    const b = new TokenBucket(1, 1);
    expect(b.allow(10_000, 1)).toBe(true);
    expect(b.allow(5_000, 1)).toBe(false);
    expect(b.allow(11_000, 1)).toBe(true);
  });

  it('rate 0 lets the burst through once (Go quirk)', () => {
    const b = new TokenBucket(0, 3);
    expect(b.allow(0, 2)).toBe(true);
    expect(b.allow(10_000, 2)).toBe(false);
    expect(b.allow(10_000, 1)).toBe(true);
  });
});

describe('rate_limiting', () => {
  it('spans_per_second with a burst of twice that', () => {
    const p = policy({ type: 'rate_limiting', rate_limiting: { spans_per_second: 10 } });
    expect(p.evaluate(trace(15), 0)).toBe(S); // burst 20
    expect(p.evaluate(trace(5), 0)).toBe(S);
    expect(p.evaluate(trace(1), 0)).toBe(N);
    expect(p.evaluate(trace(5), 500)).toBe(S); // +5 tokens after 0.5 s
    expect(p.evaluate(trace(1), 500)).toBe(N);
    expect(p.evaluate(trace(21), 10_000)).toBe(N); // bigger than the burst
    expect(p.evaluate(trace(20), 10_000)).toBe(S);
  });
});

describe('bytes_limiting', () => {
  it('counts the trace wire size against bytes_per_second and burst_capacity', () => {
    const t = span1({ attrs: { k: 'x'.repeat(100) } });
    const size = t.byteSize;
    expect(size).toBeGreaterThan(100);
    const p = policy({ type: 'bytes_limiting', bytes_limiting: { bytes_per_second: size, burst_capacity: size * 3 } });
    expect([0, 0, 0, 0].map((now) => p.evaluate(t, now))).toEqual([S, S, S, N]);
    expect(p.evaluate(t, 999)).toBe(N);
    expect(p.evaluate(t, 1000)).toBe(S);
  });

  it('burst defaults to twice bytes_per_second', () => {
    const t = span1({});
    const p = policy({ type: 'bytes_limiting', bytes_limiting: { bytes_per_second: t.byteSize } });
    expect([p.evaluate(t, 0), p.evaluate(t, 0), p.evaluate(t, 0)]).toEqual([S, S, N]);
  });
});

describe('composite', () => {
  const cfg = (overrides: Record<string, unknown> = {}) => ({
    type: 'composite',
    composite: {
      max_total_spans_per_second: 100,
      policy_order: ['errors', 'everything'],
      composite_sub_policy: [
        { name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } },
        { name: 'everything', type: 'always_sample' },
      ],
      rate_allocation: [
        { policy: 'errors', percent: 50 },
        { policy: 'everything', percent: 25 },
      ],
      ...overrides,
    },
  });
  const errTrace = (n: number) => makeTrace({ spans: Array.from({ length: n }, () => ({ status: 2 })) });

  it('gives each sub-policy its share of the span budget per second', () => {
    const p = policy(cfg());
    expect(p.evaluate(errTrace(30), 0)).toBe(S); // errors: 30/50
    expect(p.evaluate(errTrace(20), 100)).toBe(S); // errors: 50/50
    expect(p.evaluate(errTrace(1), 200)).toBe(N); // over: first sampling sub-policy decides, no fall-through
    expect(p.evaluate(trace(25), 300)).toBe(S); // everything: 25/25
    expect(p.evaluate(trace(1), 400)).toBe(N);
    // A new second resets the counters.
    expect(p.evaluate(errTrace(50), 1000)).toBe(S);
    expect(p.evaluate(trace(25), 1999)).toBe(S);
  });

  it('an over-budget trace is not counted, so a smaller one still fits', () => {
    const p = policy(cfg());
    expect(p.evaluate(errTrace(45), 0)).toBe(S);
    expect(p.evaluate(errTrace(10), 0)).toBe(N);
    expect(p.evaluate(errTrace(5), 0)).toBe(S);
  });

  it('percent 0 means an equal share; a sub-policy without allocation never samples', () => {
    const p = policy(cfg({ rate_allocation: [{ policy: 'errors', percent: 0 }] }));
    expect(p.evaluate(errTrace(50), 0)).toBe(S); // 100 / 2 sub-policies
    expect(p.evaluate(errTrace(1), 0)).toBe(N);
    expect(p.evaluate(trace(1), 0)).toBe(N); // "everything" has no allocation
  });

  it('each sub-policy count is also capped by max_total_spans_per_second', () => {
    const p = policy(cfg({ max_total_spans_per_second: 10, rate_allocation: [{ policy: 'errors', percent: 200 }] }));
    expect(p.evaluate(errTrace(11), 0)).toBe(N);
    expect(p.evaluate(errTrace(10), 0)).toBe(S);
  });

  it('warns about sub-policies that can never sample', () => {
    const settings = policySettings();
    const parsed = policiesSchema.parse([{ name: 'c', ...cfg({ rate_allocation: [{ policy: 'errors', percent: 50 }] }) }]) as PolicyConfig[];
    buildPolicy(parsed[0]!, settings);
    expect(settings.logs.some((l) => l.msg.includes('no span budget') && l['sub_policy'] === 'everything')).toBe(true);
  });
});
