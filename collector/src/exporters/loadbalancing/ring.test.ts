/**
 * The rings. otelcol_classic is checked against fixed vectors and against a deliberately naive
 * implementation of otelcol's description written here (zlib's CRC32, a list of points, a linear
 * scan), never against our own table. The default ring is checked for spread (1,000,000 random
 * trace ids over 30 backends: every share within 10% of the mean), for movement when a backend
 * joins or leaves (about 1/N of the keys), and for independence from the resolver's order.
 */
import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, murmur3 } from './hash.ts';
import { buildRing, ClassicRing, MaglevRing, type HashRing } from './ring.ts';

/** otelcol's ring, as described, in the most obvious code. */
function naiveClassic(endpoints: string[]): (key: Buffer) => string {
  const sorted = [...new Set(endpoints)].sort();
  const taken = new Set<number>();
  const points: { pos: number; ep: string }[] = [];
  for (const ep of sorted) {
    for (let i = 0; i < 100; i++) {
      const pos = zlib.crc32(Buffer.concat([Buffer.from(ep, 'utf8'), Buffer.from([i])])) % 36000;
      if (taken.has(pos)) continue;
      taken.add(pos);
      points.push({ pos, ep });
    }
  }
  points.sort((a, b) => a.pos - b.pos);
  return (key) => {
    const p = zlib.crc32(key) % 36000;
    for (const pt of points) if (pt.pos >= p) return pt.ep;
    return points[0]!.ep;
  };
}

const route = (ring: HashRing, key: Buffer): string => ring.endpoints[ring.ownerOf(ring.hash(key, 0, key.length))]!;

describe('hash functions', () => {
  it('crc32 is CRC32-IEEE (zlib), streaming included', () => {
    for (const s of ['', 'a', 'hello', 'gateway-1:4317', '\u00e9\u4e2d']) {
      const b = Buffer.from(s);
      expect(crc32(b, 0, b.length)).toBe(zlib.crc32(b));
    }
    const whole = Buffer.from('gateway-1:4317\x05', 'latin1');
    expect(crc32(whole, 14, 15, crc32(whole, 0, 14))).toBe(zlib.crc32(whole));
  });

  it('murmur3 x86_32 matches the reference vectors', () => {
    // Published test vectors of MurmurHash3_x86_32.
    const m = (s: string, seed: number) => murmur3(Buffer.from(s), 0, Buffer.byteLength(s), seed);
    expect(m('', 0)).toBe(0);
    expect(m('', 1)).toBe(0x514e28b7);
    expect(m('', 0xffffffff)).toBe(0x81f16f39);
    expect(murmur3(Buffer.from([0xff, 0xff, 0xff, 0xff]), 0, 4, 0)).toBe(0x76293b50);
    expect(murmur3(Buffer.from([0x21, 0x43, 0x65, 0x87]), 0, 4, 0)).toBe(0xf55b516b);
    expect(murmur3(Buffer.from([0x21, 0x43, 0x65]), 0, 3, 0)).toBe(0x7e4a8634);
    expect(murmur3(Buffer.from([0x21, 0x43]), 0, 2, 0)).toBe(0xa0f7b07a);
    expect(murmur3(Buffer.from([0x21]), 0, 1, 0)).toBe(0x72661cf4);
    expect(m('Hello, world!', 0x9747b28c)).toBe(0x24884cba);
    expect(m('The quick brown fox jumps over the lazy dog', 0x9747b28c)).toBe(0x2fa826cd);
  });
});

describe('otelcol_classic ring', () => {
  const gateways = ['gateway-3:4317', 'gateway-1:4317', 'gateway-2:4317'];

  it('routes the fixed vectors as otelcol does', () => {
    const ring = buildRing('otelcol_classic', gateways);
    const vectors: [string, string][] = [
      ['0af7651916cd43dd8448eb211c80319c', 'gateway-1:4317'],
      ['4bf92f3577b34da6a3ce929d0e0e4736', 'gateway-1:4317'],
      ['00000000000000000000000000000001', 'gateway-3:4317'],
      ['ffffffffffffffffffffffffffffffff', 'gateway-1:4317'],
      ['5b8efff798038103d269b633813fc60c', 'gateway-3:4317'],
      ['80f198ee56343ba864fe8b2a57d3eff7', 'gateway-3:4317'],
    ];
    for (const [traceId, want] of vectors) expect(route(ring, Buffer.from(traceId, 'hex'))).toBe(want);
    // service routing hashes the service.name bytes; the empty key lands on gateway-2
    expect(route(ring, Buffer.from('checkout'))).toBe('gateway-1:4317');
    expect(route(ring, Buffer.from(''))).toBe('gateway-2:4317');

    const five = buildRing('otelcol_classic', ['10.0.0.5:4317', '10.0.0.7:4317', '10.0.0.6:4317', '10.0.0.8:4317', '10.0.0.9:4317']);
    const fiveVectors: [string, string][] = [
      ['0af7651916cd43dd8448eb211c80319c', '10.0.0.6:4317'],
      ['4bf92f3577b34da6a3ce929d0e0e4736', '10.0.0.8:4317'],
      ['00000000000000000000000000000001', '10.0.0.8:4317'],
      ['ffffffffffffffffffffffffffffffff', '10.0.0.5:4317'],
      ['80f198ee56343ba864fe8b2a57d3eff7', '10.0.0.5:4317'],
    ];
    for (const [traceId, want] of fiveVectors) expect(route(five, Buffer.from(traceId, 'hex'))).toBe(want);
  });

  it('agrees with the naive implementation on 20,000 random keys and several fleets', () => {
    const fleets = [gateways, ['a:1'], Array.from({ length: 30 }, (_, k) => `10.1.${k >> 4}.${k}:4317`), ['[::1]:4317', '[::2]:4317', 'x:4317']];
    for (const fleet of fleets) {
      const ring = buildRing('otelcol_classic', fleet);
      const naive = naiveClassic(fleet);
      const keys = randomBytes(16 * 20_000);
      for (let k = 0; k < 20_000; k++) {
        const key = keys.subarray(k * 16, k * 16 + 16);
        expect(route(ring, key)).toBe(naive(key));
      }
    }
  });

  it('has at most 100 points per backend, unique positions in order, and skips taken positions', () => {
    const ring = buildRing('otelcol_classic', gateways) as ClassicRing;
    expect(ring.positions.length).toBeLessThanOrEqual(300);
    for (let k = 1; k < ring.positions.length; k++) expect(ring.positions[k]!).toBeGreaterThan(ring.positions[k - 1]!);
    // Backends are placed in sorted order: the first point of gateway-1 is crc32("gateway-1:4317\0") % 36000.
    const first = zlib.crc32(Buffer.concat([Buffer.from('gateway-1:4317'), Buffer.from([0])])) % 36000;
    const at = ring.positions.indexOf(first);
    expect(ring.endpoints[ring.owners[at]!]).toBe('gateway-1:4317');
  });
});

describe('maglev ring (default)', () => {
  const backends = Array.from({ length: 30 }, (_, k) => `gateway-${k}.gateways.observability.svc:4317`);

  it('spreads 1,000,000 random trace ids over 30 backends within 10% of the mean', () => {
    const ring = buildRing('maglev', backends);
    const n = 1_000_000;
    const ids = randomBytes(16 * n);
    const counts = new Array<number>(30).fill(0);
    for (let k = 0; k < n; k++) counts[ring.ownerOf(ring.hash(ids, k * 16, k * 16 + 16))]!++;
    const mean = n / 30;
    const worst = Math.max(...counts.map((c) => Math.abs(c - mean) / mean));
    console.log(`maglev spread over 30 backends: worst share ${(worst * 100).toFixed(2)}% from the mean`);
    for (const c of counts) {
      expect(c).toBeGreaterThan(mean * 0.9);
      expect(c).toBeLessThan(mean * 1.1);
    }
  });

  it('does not depend on the order the resolver lists backends in (nor on duplicates)', () => {
    const a = buildRing('maglev', backends) as MaglevRing;
    const shuffled = [...backends].reverse();
    shuffled.splice(3, 0, backends[7]!);
    const b = buildRing('maglev', shuffled) as MaglevRing;
    expect(b.endpoints).toEqual(a.endpoints);
    expect(Buffer.from(b.table.buffer).equals(Buffer.from(a.table.buffer))).toBe(true);
  });

  it('moves about 1/N of the keys when one backend joins or leaves', () => {
    const before = buildRing('maglev', backends);
    const joined = buildRing('maglev', [...backends, 'gateway-30.gateways.observability.svc:4317']);
    const left = buildRing('maglev', backends.filter((b) => b !== backends[12]));
    const n = 200_000;
    const ids = randomBytes(16 * n);
    let movedOnJoin = 0;
    let movedOnLeave = 0;
    let movedOnLeaveNotFromLeaver = 0;
    for (let k = 0; k < n; k++) {
      const key = ids.subarray(k * 16, k * 16 + 16);
      const was = route(before, key);
      if (route(joined, key) !== was) movedOnJoin++;
      const now = route(left, key);
      if (now !== was) {
        movedOnLeave++;
        if (was !== backends[12]) movedOnLeaveNotFromLeaver++;
      }
    }
    console.log(
      `maglev movement: join ${((movedOnJoin / n) * 100).toFixed(2)}% (ideal ${(100 / 31).toFixed(2)}%), ` +
        `leave ${((movedOnLeave / n) * 100).toFixed(2)}% (ideal ${(100 / 30).toFixed(2)}%), of which not from the leaver ${((movedOnLeaveNotFromLeaver / n) * 100).toFixed(2)}%`,
    );
    expect(movedOnJoin / n).toBeGreaterThan(0.8 / 31);
    expect(movedOnJoin / n).toBeLessThan(1.5 / 31);
    expect(movedOnLeave / n).toBeGreaterThan(0.8 / 30);
    expect(movedOnLeave / n).toBeLessThan(1.5 / 30);
  });

  it('routes every key of a one-backend ring to it, and refuses an empty ring', () => {
    const ring = buildRing('maglev', ['only:4317']);
    expect(route(ring, randomBytes(16))).toBe('only:4317');
    expect(() => buildRing('maglev', [])).toThrow(RangeError);
  });
});
