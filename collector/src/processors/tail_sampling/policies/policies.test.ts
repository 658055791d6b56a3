/**
 * A table of cases per policy type, on traces encoded and indexed like received ones.
 */
import { describe, expect, it } from 'vitest';
import { buildPolicy, Decision, policiesSchema, type PolicyConfig, type TraceView } from './index.ts';
import { probabilisticThreshold } from './probabilistic.ts';
import { Fnv64a, fnv32a } from './fnv.ts';
import { ByteRange } from './span-fields.ts';
import { TraceStateReader } from './tracestate.ts';
import { EPOCH_NS, makeTrace, policySettings, span1, type SpanSpec } from './testdata/make-trace.ts';

const S = Decision.Sampled;
const N = Decision.NotSampled;
const IS = Decision.InvertSampled;
const INS = Decision.InvertNotSampled;

/** Validates one policy entry through the real schema and builds it. */
function policy(entry: Record<string, unknown>) {
  const parsed = policiesSchema.parse([{ name: 'p', ...entry }]) as PolicyConfig[];
  return buildPolicy(parsed[0]!, policySettings());
}

function decide(entry: Record<string, unknown>, trace: TraceView, nowMs = 0): Decision {
  return policy(entry).evaluate(trace, nowMs);
}

describe('always_sample', () => {
  it('samples everything', () => {
    expect(decide({ type: 'always_sample' }, span1({}))).toBe(S);
  });
});

describe('latency', () => {
  const lat = (threshold_ms: number, upper_threshold_ms = 0) => ({ type: 'latency', latency: { threshold_ms, upper_threshold_ms } });
  const spans = (...s: SpanSpec[]) => makeTrace({ spans: s });
  it.each([
    ['duration equal to threshold (no upper): sampled', lat(100), spans({ start: 0, end: 100 }), S],
    ['1 ns below threshold truncates to 99 ms: not sampled', lat(100), spans({ startNs: EPOCH_NS, endNs: EPOCH_NS + 99_999_999n }), N],
    ['exactly 100 ms in ns: sampled', lat(100), spans({ startNs: EPOCH_NS, endNs: EPOCH_NS + 100_000_000n }), S],
    ['duration over spans: min start to max end', lat(100), spans({ start: 0, end: 50 }, { start: 60, end: 120 }), S],
    ['short trace', lat(100), spans({ start: 0, end: 50 }, { start: 10, end: 60 }), N],
    ['with upper: lower bound is exclusive', lat(100, 200), spans({ start: 0, end: 100 }), N],
    ['with upper: just above lower', lat(100, 200), spans({ start: 0, end: 101 }), S],
    ['with upper: upper bound inclusive', lat(100, 200), spans({ start: 0, end: 200 }), S],
    ['with upper: above upper', lat(100, 200), spans({ start: 0, end: 201 }), N],
    ['with upper: a prefix in range decides (otelcol running min/max)', lat(100, 200), spans({ start: 0, end: 150 }, { start: 0, end: 500 }), S],
    ['with upper: out of range when the long span comes first', lat(100, 200), spans({ start: 0, end: 500 }, { start: 0, end: 150 }), N],
    ['threshold 0 samples everything', lat(0), spans({ start: 0, end: 0 }), S],
  ] as const)('%s', (_n, cfg, trace, want) => {
    expect(decide(cfg, trace)).toBe(want);
  });
});

describe('numeric_attribute', () => {
  const num = (c: Record<string, unknown>) => ({ type: 'numeric_attribute', numeric_attribute: { key: 'http.status_code', ...c } });
  it.each([
    ['in range on the span', num({ min_value: 400, max_value: 599 }), span1({ attrs: { 'http.status_code': 500 } }), S],
    ['equal to min', num({ min_value: 400, max_value: 599 }), span1({ attrs: { 'http.status_code': 400 } }), S],
    ['equal to max', num({ min_value: 400, max_value: 599 }), span1({ attrs: { 'http.status_code': 599 } }), S],
    ['below min', num({ min_value: 400, max_value: 599 }), span1({ attrs: { 'http.status_code': 399 } }), N],
    ['only min set', num({ min_value: 400 }), span1({ attrs: { 'http.status_code': 1_000_000 } }), S],
    ['only max set', num({ max_value: 10 }), span1({ attrs: { 'http.status_code': -5 } }), S],
    ['missing attribute', num({ min_value: 400 }), span1({ attrs: { other: 500 } }), N],
    ['on the resource', num({ min_value: 400 }), span1({}, { resources: [{ 'http.status_code': 503 }] }), S],
    ['a double reads as 0 (pcommon Value.Int)', num({ min_value: 0, max_value: 0 }), span1({ attrs: { 'http.status_code': { double: 5.5 } } }), S],
    ['a string reads as 0', num({ min_value: 1 }), span1({ attrs: { 'http.status_code': '500' } }), N],
    ['invert: matched -> InvertNotSampled', num({ min_value: 400, invert_match: true }), span1({ attrs: { 'http.status_code': 500 } }), INS],
    ['invert: not matched -> InvertSampled', num({ min_value: 400, invert_match: true }), span1({ attrs: { 'http.status_code': 200 } }), IS],
    ['invert: missing -> InvertSampled', num({ min_value: 400, invert_match: true }), span1({}), IS],
  ] as const)('%s', (_n, cfg, trace, want) => {
    expect(decide(cfg, trace)).toBe(want);
  });

  it('any span of the trace counts; resource of the second span too', () => {
    const t = makeTrace({
      resources: [{ 'service.name': 'a' }, { 'service.name': 'b', 'http.status_code': 501 }],
      spans: [{ attrs: { 'http.status_code': 200 } }, { resource: 1 }],
    });
    expect(decide(num({ min_value: 500 }), t)).toBe(S);
  });
});

describe('string_attribute', () => {
  const str = (c: Record<string, unknown>) => ({ type: 'string_attribute', string_attribute: { key: 'http.route', ...c } });
  it.each([
    ['exact match on the span', str({ values: ['/a', '/b'] }), span1({ attrs: { 'http.route': '/b' } }), S],
    ['exact: no match', str({ values: ['/a'] }), span1({ attrs: { 'http.route': '/ab' } }), N],
    ['exact: resource attribute', str({ values: ['/a'] }), span1({}, { resources: [{ 'http.route': '/a' }] }), S],
    ['exact: missing attribute', str({ values: ['/a'] }), span1({ attrs: { other: '/a' } }), N],
    ['exact: empty value in config is ignored', str({ values: [''] }), span1({ attrs: { 'http.route': '' } }), N],
    ['exact: a non-string attribute is ""', str({ values: ['1'] }), span1({ attrs: { 'http.route': 1 } }), N],
    ['exact: many values (Set path)', str({ values: Array.from({ length: 20 }, (_, i) => `/r${i}`) }), span1({ attrs: { 'http.route': '/r17' } }), S],
    ['exact: many values, no match', str({ values: Array.from({ length: 20 }, (_, i) => `/r${i}`) }), span1({ attrs: { 'http.route': '/r20' } }), N],
    ['regex: unanchored search', str({ values: ['health'], enabled_regex_matching: true }), span1({ attrs: { 'http.route': '/api/healthz' } }), S],
    ['regex: anchored by the pattern', str({ values: ['^/health$'], enabled_regex_matching: true }), span1({ attrs: { 'http.route': '/healthz' } }), N],
    ['regex: RE2 class', str({ values: ['^/v[[:digit:]]+/'], enabled_regex_matching: true }), span1({ attrs: { 'http.route': '/v12/x' } }), S],
    ['regex: span empty value never matches', str({ values: ['.*'], enabled_regex_matching: true }), span1({ attrs: { 'http.route': '' } }), N],
    ['regex: resource non-string value is "" and is tested', str({ values: ['^$'], enabled_regex_matching: true }), span1({}, { resources: [{ 'http.route': 7 }] }), S],
    ['invert: matched', str({ values: ['/a'], invert_match: true }), span1({ attrs: { 'http.route': '/a' } }), INS],
    ['invert: not matched', str({ values: ['/a'], invert_match: true }), span1({ attrs: { 'http.route': '/b' } }), IS],
    ['invert: missing key samples (InvertSampled)', str({ values: ['/a'], invert_match: true }), span1({}), IS],
  ] as const)('%s', (_n, cfg, trace, want) => {
    expect(decide(cfg, trace)).toBe(want);
  });

  it('keeps regex results in a bounded LRU (cache_max_size)', () => {
    const p = policy(str({ values: ['^/x'], enabled_regex_matching: true, cache_max_size: 2 }));
    for (const r of ['/x1', '/y', '/x2', '/x3']) p.evaluate(span1({ attrs: { 'http.route': r } }), 0);
    const cache = (p as unknown as { cache: Map<string, boolean> }).cache;
    expect([...cache.entries()]).toEqual([
      ['/x2', true],
      ['/x3', true],
    ]);
  });
});

describe('boolean_attribute', () => {
  const bool = (c: Record<string, unknown>) => ({ type: 'boolean_attribute', boolean_attribute: { key: 'force', ...c } });
  it.each([
    ['true matches true', bool({ value: true }), span1({ attrs: { force: true } }), S],
    ['false does not match true', bool({ value: true }), span1({ attrs: { force: false } }), N],
    ['resource attribute', bool({ value: true }), span1({}, { resources: [{ force: true }] }), S],
    ['missing', bool({ value: false }), span1({}), N],
    ['a non-bool reads as false (pcommon Value.Bool)', bool({ value: false }), span1({ attrs: { force: 'true' } }), S],
    ['invert: matched', bool({ value: true, invert_match: true }), span1({ attrs: { force: true } }), INS],
    ['invert: not matched', bool({ value: true, invert_match: true }), span1({ attrs: { force: false } }), IS],
  ] as const)('%s', (_n, cfg, trace, want) => {
    expect(decide(cfg, trace)).toBe(want);
  });
});

describe('status_code, span_count, trace_flags', () => {
  it.each([
    ['status ERROR', { type: 'status_code', status_code: { status_codes: ['ERROR'] } }, makeTrace({ spans: [{ status: 0 }, { status: 2 }] }), S],
    ['status OK only', { type: 'status_code', status_code: { status_codes: ['OK'] } }, makeTrace({ spans: [{ status: 0 }, { status: 2 }] }), N],
    ['status UNSET', { type: 'status_code', status_code: { status_codes: ['UNSET', 'OK'] } }, span1({ status: 0 }), S],
    ['span_count at min', { type: 'span_count', span_count: { min_spans: 2 } }, makeTrace({ spans: [{}, {}] }), S],
    ['span_count below min', { type: 'span_count', span_count: { min_spans: 3 } }, makeTrace({ spans: [{}, {}] }), N],
    ['span_count at max', { type: 'span_count', span_count: { min_spans: 1, max_spans: 2 } }, makeTrace({ spans: [{}, {}] }), S],
    ['span_count above max', { type: 'span_count', span_count: { min_spans: 1, max_spans: 2 } }, makeTrace({ spans: [{}, {}, {}] }), N],
    ['trace_flags sampled bit', { type: 'trace_flags' }, makeTrace({ spans: [{ flags: 0 }, { flags: 0x301 }] }), S],
    ['trace_flags no sampled bit (is-remote bits only)', { type: 'trace_flags' }, makeTrace({ spans: [{ flags: 0x300 }] }), N],
  ] as const)('%s', (_n, cfg, trace, want) => {
    expect(decide(cfg, trace)).toBe(want);
  });
});

describe('trace_state', () => {
  const ts = (values: string[]) => ({ type: 'trace_state', trace_state: { key: 'vendor', values } });
  it.each([
    ['key with a listed value', ['a', 'b'], 'x=1,vendor=b', S],
    ['key with another value', ['a'], 'vendor=c', N],
    ['OWS around members', ['a'], ' x=1 ,\tvendor=a\t', S],
    ['empty members skipped', ['a'], ',,vendor=a,', S],
    ['duplicate key invalidates the whole tracestate', ['a'], 'vendor=a,vendor=b', N],
    ['an invalid member invalidates the whole tracestate', ['a'], 'vendor=a,Bad=1', N],
    ['multi-tenant key elsewhere is fine', ['a'], 't1@sys=v,vendor=a', S],
    ['no tracestate', ['a'], '', N],
    ['33 members is too many', ['a'], [...Array.from({ length: 32 }, (_, i) => `k${i}=v`), 'vendor=a'].join(','), N],
    ['32 members is fine', ['a'], [...Array.from({ length: 31 }, (_, i) => `k${i}=v`), 'vendor=a'].join(','), S],
  ] as const)('%s', (_n, values, state, want) => {
    expect(decide(ts([...values]), makeTrace({ spans: [{}, { traceState: state }] }))).toBe(want);
  });

  it('follows Go checkKeyRemain on multi-byte runes (low byte alphanumeric passes)', () => {
    const r = new TraceStateReader();
    const out = new ByteRange();
    const key = Buffer.from('vendor');
    // U+0161 (š) has low byte 0x61 'a': Go accepts it in a key; U+00FF (ÿ) has 0xff: rejected.
    expect(r.lookup(Buffer.from('kš=1,vendor=x'), 0, Buffer.byteLength('kš=1,vendor=x'), key, out)).toBe(true);
    expect(out.toString()).toBe('x');
    expect(r.lookup(Buffer.from('kÿ=1,vendor=x'), 0, Buffer.byteLength('kÿ=1,vendor=x'), key, out)).toBe(false);
  });
});

describe('probabilistic', () => {
  // Computed with exact rationals in Python from otelcol's formula (see README): threshold =
  // trunc(round64((2^64 - 1) * (pct / 100))), hash = FNV-1a-64(salt + trace id).
  it.each([
    [0, 0n],
    [0.01, 1844674407370955n],
    [1, 184467440737095519n],
    [10, 1844674407370955263n],
    [33.3, 6142765776545279999n],
    [50, 9223372036854775807n],
    [99.99, 18444899399302178815n],
    [100, 18446744073709551615n],
    [150, 18446744073709551615n],
  ])('threshold for %s%% is %s', (pct, want) => {
    expect(probabilisticThreshold(pct / 100)).toBe(want);
  });

  it.each([
    ['default-hash-seed', '0102030405060708090a0b0c0d0e0f10', 15838989281584434349n],
    ['default-hash-seed', 'ffffffffffffffffffffffffffffffff', 1711019809656077869n],
    ['default-hash-seed', '4bf92f3577b34da6a3ce929d0e0e4736', 11908981664384643253n],
    ['my-salt', '00000000000000000000000000000001', 7959616958859997177n],
    ['my-salt', '5b8efff798038103d269b633813fc60c', 18380332472284992548n],
  ])('FNV-1a-64(%s + %s) = %s', (salt, id, want) => {
    const h = new Fnv64a();
    h.update(Buffer.concat([Buffer.from(salt), Buffer.from(id, 'hex')]));
    expect(h.value()).toBe(want);
  });

  it('FNV-1a-32 matches Go hash/fnv (known vectors)', () => {
    expect(fnv32a(Buffer.from(''))).toBe(0x811c9dc5);
    expect(fnv32a(Buffer.from('a'))).toBe(0xe40c292c);
    expect(fnv32a(Buffer.from('foobar'))).toBe(0xbf9cf968);
  });

  it.each([
    // hash 1711019809656077869 is 9.28% of 2^64: sampled at 10%, not at 9%.
    ['', 10, 'ffffffffffffffffffffffffffffffff', S],
    ['', 9, 'ffffffffffffffffffffffffffffffff', N],
    // hash 15838989281584434349 is 85.9%.
    ['', 85, '0102030405060708090a0b0c0d0e0f10', N],
    ['', 86, '0102030405060708090a0b0c0d0e0f10', S],
    ['my-salt', 43.1, '00000000000000000000000000000001', N], // 43.15%
    ['my-salt', 43.2, '00000000000000000000000000000001', S],
    ['', 0, '0102030405060708090a0b0c0d0e0f10', N],
    ['', 100, '0102030405060708090a0b0c0d0e0f10', S],
  ] as const)('salt %j at %s%%: trace %s', (salt, pct, id, want) => {
    const d = decide(
      { type: 'probabilistic', probabilistic: { hash_salt: salt, sampling_percentage: pct } },
      span1({}, { traceId: Buffer.from(id, 'hex') }),
    );
    expect(d).toBe(want);
  });

  it('samples about the configured share of random traces', () => {
    const p = policy({ type: 'probabilistic', probabilistic: { sampling_percentage: 25 } });
    let kept = 0;
    const id = Buffer.alloc(16);
    const t = span1({});
    for (let k = 0; k < 4000; k++) {
      id.writeUInt32BE(Math.imul(k, 2654435761) >>> 0, 0);
      id.writeUInt32BE(k, 12);
      if (p.evaluate({ ...t, traceId: id }, 0) === S) kept++;
    }
    expect(kept).toBeGreaterThan(850);
    expect(kept).toBeLessThan(1150);
  });
});

describe('and / drop', () => {
  const subs = [
    { name: 'err', type: 'status_code', status_code: { status_codes: ['ERROR'] } },
    { name: 'route', type: 'string_attribute', string_attribute: { key: 'r', values: ['/a'] } },
  ];
  it.each([
    ['and: all match', { type: 'and', and: { and_sub_policy: subs } }, span1({ status: 2, attrs: { r: '/a' } }), S],
    ['and: one does not', { type: 'and', and: { and_sub_policy: subs } }, span1({ status: 2, attrs: { r: '/b' } }), N],
    [
      'and: inverted sub-policy not matched counts as sampled',
      { type: 'and', and: { and_sub_policy: [{ name: 'x', type: 'string_attribute', string_attribute: { key: 'r', values: ['/a'], invert_match: true } }] } },
      span1({ attrs: { r: '/b' } }),
      S,
    ],
    ['drop: all match', { type: 'drop', drop: { drop_sub_policy: subs } }, span1({ status: 2, attrs: { r: '/a' } }), Decision.Dropped],
    ['drop: one does not', { type: 'drop', drop: { drop_sub_policy: subs } }, span1({ status: 0, attrs: { r: '/a' } }), N],
  ] as const)('%s', (_n, cfg, trace, want) => {
    expect(decide(cfg, trace)).toBe(want);
  });
});

describe('int attribute values without BigInt', () => {
  it.each([0, 1, 127, 128, 300, 2 ** 31, 2 ** 48 + 5, 2 ** 53 - 1, -1, -500, -(2 ** 40)])('%s reads back exactly', async (n) => {
    const { AttributeRef, findSpanAttribute } = await import('../../../pdata/attributes.ts');
    const { intAttributeValue } = await import('./int-value.ts');
    const t = span1({ attrs: { n: BigInt(n) } });
    const ref = new AttributeRef();
    expect(findSpanAttribute(t.batch, 0, Buffer.from('n'), ref)).toBe(true);
    expect(intAttributeValue(ref)).toBe(n);
  });
});
