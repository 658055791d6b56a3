/**
 * Decisions against fixed vectors computed outside this code (Python, from otelcol's formulas:
 * FNV-1a-32 with the seed's 4 little-endian bytes, float32 scaling, OTEP 235 thresholds), so
 * that a mixed fleet of otelcol and this collector makes the same decision for the same trace.
 */
import { describe, expect, it } from 'vitest';
import type { AnyValue } from '../../pdata/model.ts';
import { probabilisticSamplerConfigSchema } from './config.ts';
import { goParseFloat } from './go-parse-float.ts';
import { POLICIES, SpanSampler } from './sampler.ts';
import { spansBatch } from './testdata/make-spans.ts';
import { hashRandomness, parseTValue, probabilityToThreshold, tValue, toPair, fromPair } from './threshold.ts';
import { parseW3CTraceState, TraceStateError } from './tracestate.ts';
import { fnv32a } from '../tail_sampling/policies/fnv.ts';

const ID_A = '0102030405060708090a0b0c0d0e0f10';
const ID_B = '4bf92f3577b34da6a3ce929d0e0e4736';
const ID_C = 'ffffffffffffffffffffffffffffffff';
const ID_D = '5b8efff798038103d269b633813fc60c';

function sampler(cfg: Record<string, unknown>): SpanSampler {
  return new SpanSampler(probabilisticSamplerConfigSchema.parse(cfg));
}

function run(cfg: Record<string, unknown>, traceId: string, traceState = '', priority?: AnyValue) {
  const s = sampler(cfg);
  const b = spansBatch([{ traceId, traceState, priority }]);
  s.decide(b, 0);
  return { sampled: s.sampled, policy: POLICIES[s.policy], traceState: s.newTraceState, error: s.error };
}

describe('hash_seed mode (otelcol legacy hashing)', () => {
  it.each([
    // [seed, trace id, (hash & 0x3fff)] from Python
    [0, ID_A, 6693],
    [0, ID_B, 141],
    [22, ID_A, 13379],
    [22, ID_D, 3273],
    [4294967295, ID_A, 14753],
  ])('FNV-1a-32(seed %s LE, %s) & 0x3fff = %s', (seed, id, hashed) => {
    const seedBytes = Buffer.alloc(4);
    seedBytes.writeUInt32LE(seed);
    expect(fnv32a(Buffer.concat([seedBytes, Buffer.from(id, 'hex')])) & 0x3fff).toBe(hashed);
  });

  it.each([
    // [pct, scaled = trunc(f32(pct) * f32(163.84)), th value of (0x4000 - scaled) << 42]
    [0.01, 'fffc'],
    [1, 'fd74'],
    [10, 'e668'],
    [15.3, 'd8d8'],
    [33.33, 'aab'],
    [50, '8'],
    [99.99, '0008'],
    [100, '0'],
  ])('threshold at %s%% is th:%s', (pct, tv) => {
    expect(tValue(sampler({ sampling_percentage: pct }).configuredThreshold)).toBe(tv);
  });

  it.each([
    // seed, id, pct, sampled, tracestate written (rv from Python)
    [0, ID_B, 1, true, 'ot=rv:fdc8d0b520408d;th:fd74'], // hashed 141 < 163
    [0, ID_B, 0.01, false, null], // hashed 141 >= 1
    [22, ID_A, 15.3, false, null], // 13379 >= 2506
    [22, ID_D, 15.3, false, null], // 3273 >= 2506
    [22, ID_D, 33.33, true, 'ot=rv:ccda8a3ba64cc9;th:aab'], // 3273 < 5460
    [4294967295, ID_A, 100, true, 'ot=rv:1978845e1ff9a1;th:0'],
  ] as const)('seed %s, trace %s at %s%%: sampled %s', (seed, id, pct, sampled, ts) => {
    const r = run({ hash_seed: seed, sampling_percentage: pct }, id);
    expect(r).toEqual({ sampled, policy: 'trace_id_hash', traceState: ts, error: null });
  });

  it('keeps other tracestate members after ot', () => {
    const r = run({ hash_seed: 22, sampling_percentage: 33.33 }, ID_D, 'vendor=x , other=y');
    expect(r.traceState).toBe('ot=rv:ccda8a3ba64cc9;th:aab,vendor=x,other=y');
  });

  it('an arriving rv or th is an error: fail_closed drops, fail open keeps unchanged', () => {
    expect(run({ hash_seed: 22, sampling_percentage: 100 }, ID_D, 'ot=rv:ffffffffffffff')).toMatchObject({ sampled: false, error: 'randomness_in_use' });
    expect(run({ hash_seed: 22, sampling_percentage: 100 }, ID_D, 'ot=th:8')).toMatchObject({ sampled: false, error: 'threshold_in_use' });
    expect(run({ hash_seed: 22, sampling_percentage: 1, fail_closed: false }, ID_D, 'ot=th:8')).toEqual({
      sampled: true,
      policy: 'trace_id_hash',
      traceState: null,
      error: 'threshold_in_use',
    });
  });

  it('the hash randomness encodes the legacy decision in its top 14 bits', () => {
    for (const h of [0, 1, 0x3fff, 0x4000, 0xdeadbeef, 0xffffffff]) {
      const r = fromPair(hashRandomness(h).hi, hashRandomness(h).lo);
      expect(Number(r >> 42n)).toBe(0x3fff - (h & 0x3fff));
      expect(Number(r & 0x3fffn)).toBe(h & 0x3fff);
    }
  });
});

describe('equalizing and proportional modes (OTEP 235)', () => {
  it.each([
    // [pct, precision, th value] from Python (Go's ProbabilityToThresholdWithPrecision)
    [1, 4, 'fd70a'],
    [10, 4, 'e666'],
    [15.3, 4, 'd8d5'],
    [33.33, 4, 'aaad'],
    [50, 4, '8'],
    [99.99, 4, '00068e1'],
    [0.0001, 4, 'ffffef39'],
    [10, 14, 'e6666666666666'],
    [10, 1, 'e'],
  ])('%s%% with precision %s is th:%s', (pct, precision, tv) => {
    expect(tValue(probabilityToThreshold(Math.fround(pct) / 100, precision)!)).toBe(tv);
  });

  it.each([
    // randomness = trace id bytes 9..15; ID_B: ce929d0e0e4736 (0.807), ID_D: 69b633813fc60c (0.413)
    ['equalizing', ID_B, 15.3, false, null],
    ['equalizing', ID_B, 33.33, true, 'ot=th:aaad'],
    ['equalizing', ID_D, 50, false, null],
    ['equalizing', ID_D, 60, true, 'ot=th:6666'],
    ['proportional', ID_B, 50, true, 'ot=th:8'],
    ['proportional', ID_B, 10, false, null],
  ] as const)('%s: trace %s at %s%%', (mode, id, pct, sampled, ts) => {
    expect(run({ mode, sampling_percentage: pct }, id)).toEqual({ sampled, policy: 'trace_id_w3c', traceState: ts, error: null });
  });

  it('rv in the tracestate is the randomness', () => {
    expect(run({ mode: 'proportional', sampling_percentage: 10 }, ID_A, 'ot=rv:ffffffffffffff')).toEqual({
      sampled: true,
      policy: 'sampling_randomness',
      traceState: 'ot=rv:ffffffffffffff;th:e666',
      error: null,
    });
  });

  it('proportional multiplies an arriving probability (th:8 = 50% times 50% -> th:c)', () => {
    expect(run({ mode: 'proportional', sampling_percentage: 50 }, ID_B, 'ot=th:8')).toMatchObject({ sampled: true, traceState: 'ot=th:c' });
  });

  it('equalizing never lowers an arriving threshold; an unchanged tracestate is not rewritten', () => {
    expect(run({ mode: 'equalizing', sampling_percentage: 50 }, ID_C, 'ot=th:e668')).toEqual({ sampled: true, policy: 'trace_id_w3c', traceState: null, error: null });
  });

  it('an arriving threshold the randomness contradicts is cleared and fails (closed by default)', () => {
    // ID_B randomness ce92.. is below th:e668: the span should not have been sampled upstream.
    expect(run({ mode: 'equalizing', sampling_percentage: 50 }, ID_B, 'ot=th:e668')).toMatchObject({ sampled: false, error: 'inconsistent_threshold' });
    expect(run({ mode: 'equalizing', sampling_percentage: 50, fail_closed: false }, ID_B, 'ot=th:e668,v=1')).toMatchObject({
      sampled: true,
      traceState: 'ot=th:0,v=1',
    });
  });
});

describe('fail_closed with a malformed tracestate', () => {
  it.each(['ot=th:zz', 'ot=rv:123', 'Bad=1', 'ot=th:8;', 'a=1,a', ['x=1', ...Array.from({ length: 31 }, (_, i) => `k${i}=v`)].join(',')])('%j', (ts) => {
    for (const mode of ['hash_seed', 'proportional', 'equalizing']) {
      expect(run({ mode, sampling_percentage: 100 }, ID_C, ts)).toMatchObject({ sampled: false, error: 'tracestate' });
      // Fail open: kept, and the malformed tracestate is left as it is.
      expect(run({ mode, sampling_percentage: 100, fail_closed: false }, ID_C, ts)).toMatchObject({ sampled: true, traceState: null, error: 'tracestate' });
    }
  });

  it('an empty trace id is missing randomness', () => {
    expect(run({ mode: 'proportional', sampling_percentage: 100 }, '')).toMatchObject({ sampled: false, policy: 'missing_randomness', error: 'missing_randomness' });
    expect(run({ mode: 'proportional', sampling_percentage: 1, fail_closed: false }, '')).toMatchObject({ sampled: true, traceState: 'ot=th:0' });
    // hash_seed sets the fake all-probabilities rv first, as otelcol does.
    expect(run({ sampling_percentage: 1, fail_closed: false }, '')).toMatchObject({ sampled: true, traceState: 'ot=rv:ffffffffffffff;th:0' });
  });
});

const PRIORITIES: Record<string, AnyValue> = {
  'int 0n': { intValue: 0n },
  'int 1n': { intValue: 1n },
  'int -1n': { intValue: -1n },
  'double 0': { doubleValue: 0 },
  'double 0.5': { doubleValue: 0.5 },
  'string 0': { stringValue: '0' },
  'string 2.5': { stringValue: '2.5' },
  'string 1e3': { stringValue: '1e3' },
  'string abc': { stringValue: 'abc' },
  'string 1e400': { stringValue: '1e400' },
  'bool true': { boolValue: true },
};

describe('sampling.priority', () => {
  it.each([
    ['int 0n', 100, false],
    ['int 1n', 0, true],
    ['int -1n', 100, true], // negative: defer to the percentage
    ['double 0', 100, false],
    ['double 0.5', 0, true],
    ['string 0', 100, false],
    ['string 2.5', 0, true],
    ['string 1e3', 0, true],
    ['string abc', 100, true], // unparseable: defer
    ['string 1e400', 0, false], // out of range is a ParseFloat error: defer
    ['bool true', 0, false], // other types: defer
  ] as const)('%s at %s%%: sampled %s', (label, pct, sampled) => {
    const priority = PRIORITIES[label]!;
    for (const mode of ['hash_seed', 'proportional']) {
      const r = run({ mode, sampling_percentage: pct }, ID_B, '', priority as AnyValue);
      expect(r.sampled).toBe(sampled);
    }
  });

  it('a forced keep is labelled sampling_priority and writes th:0', () => {
    expect(run({ sampling_percentage: 0 }, ID_B, '', { intValue: 5n })).toEqual({ sampled: true, policy: 'sampling_priority', traceState: 'ot=th:0', error: null });
    expect(run({ mode: 'equalizing', sampling_percentage: 1 }, ID_A, '', { intValue: 5n })).toEqual({ sampled: true, policy: 'sampling_priority', traceState: 'ot=th:0', error: null });
  });

  it('goParseFloat follows strconv.ParseFloat for what matters (value, zero, sign)', () => {
    expect(['1', '-2', '+.5', '1.', '1e-3', 'Inf', '-infinity', '0x1p-2', '0x0p0'].map(goParseFloat)).toEqual([1, -2, 0.5, 1, 0.001, Infinity, -Infinity, 1, 0]);
    expect(['', ' 1', '1 ', '0x10', '1_0', 'abc', '1e400'].map(goParseFloat)).toEqual([undefined, undefined, undefined, undefined, undefined, undefined, undefined]);
  });
});

describe('fast path = general path', () => {
  it('gives the same decisions for spans without a tracestate', () => {
    const ids: string[] = [];
    for (let k = 0; k < 300; k++) ids.push(Buffer.from(Array.from({ length: 16 }, (_, j) => (Math.imul(k + 1, 2654435761 + j * 97) >>> (j % 24)) & 0xff)).toString('hex'));
    const batch = spansBatch(ids.map((traceId, k) => ({ traceId, priority: k % 37 === 0 ? { intValue: BigInt(k % 2) } : undefined })));
    for (const cfg of [
      { sampling_percentage: 25, hash_seed: 7 },
      { sampling_percentage: 0 },
      { sampling_percentage: 100 },
      { mode: 'equalizing', sampling_percentage: 12.5 },
      { mode: 'proportional', sampling_percentage: 33, sampling_precision: 2 },
    ]) {
      const fast = sampler(cfg);
      const general = sampler(cfg);
      let kept = 0;
      for (let i = 0; i < batch.spanCount; i++) {
        fast.decide(batch, i);
        general.decideGeneral(batch, i, '');
        expect([fast.sampled, fast.policy, fast.newTraceState]).toEqual([general.sampled, general.policy, general.newTraceState]);
        if (fast.sampled) kept++;
      }
      expect(kept).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('tracestate parsing and serialization (pkg/sampling)', () => {
  it('moves ot first, keeps the other members in order, trims OWS and empty members', () => {
    const ts = parseW3CTraceState(' a=1 ,, ot=th:8;x:y ,b=2');
    expect(ts.th).toBe(parseTValue('8'));
    expect(ts.serialize()).toBe('ot=th:8;x:y,a=1,b=2');
    ts.setRValue(0xabn);
    ts.updateTValue(parseTValue('c')!);
    expect(ts.serialize()).toBe('ot=rv:000000000000ab;th:c;x:y,a=1,b=2');
  });

  it('updateTValue refuses to raise the probability', () => {
    const ts = parseW3CTraceState('ot=th:c');
    expect(ts.updateTValue(parseTValue('8')!)).toBe(false);
    expect(ts.serialize()).toBe('ot=th:c');
  });

  it.each(['ot=th:', 'ot=th:123456789abcdef', 'ot=rv:abc', 'ot=:1', 'ot=th:8;', 'ot=TH:8', 'k=v=w', '1k=v', 'k=', 'a@b=1,t@=2', 'x'.repeat(1025)])('rejects %j', (s) => {
    expect(() => parseW3CTraceState(s)).toThrow(TraceStateError);
  });

  it('accepts 31 segments, rejects 32', () => {
    const m = (n: number) => Array.from({ length: n }, (_, i) => `k${i}=v`).join(',');
    expect(() => parseW3CTraceState(m(31))).not.toThrow();
    expect(() => parseW3CTraceState(m(32))).toThrow('32 or more');
  });

  it('pairs of 56-bit values round-trip', () => {
    for (const v of [0n, 1n, (1n << 56n) - 1n, 1n << 56n, 0xe6660000000000n]) expect(fromPair(toPair(v).hi, toPair(v).lo)).toBe(v);
  });
});
