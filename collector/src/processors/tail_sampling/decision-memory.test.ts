import { describe, expect, it } from 'vitest';
import { DecisionRing } from './decision-memory.ts';

const id = (n: number) => new Uint32Array([n, 0xabcdef, n * 7, 1]);

describe('DecisionRing', () => {
  it('remembers decisions and their time', () => {
    const ring = new DecisionRing(4, true);
    ring.record(id(1), 0, true, 1000);
    ring.record(id(2), 0, false, 2000);
    const e1 = ring.find(id(1), 0);
    const e2 = ring.find(id(2), 0);
    expect(ring.sampled(e1)).toBe(true);
    expect(ring.sampled(e2)).toBe(false);
    expect(ring.decidedAtMs(e2)).toBe(2000);
    expect(ring.find(id(3), 0)).toBe(-1);
    expect(ring.size).toBe(2);
  });

  it('forgets the oldest decision when full (first in, first out)', () => {
    const ring = new DecisionRing(3, false);
    for (let n = 1; n <= 5; n++) ring.record(id(n), 0, n % 2 === 0, n);
    expect(ring.size).toBe(3);
    expect(ring.find(id(1), 0)).toBe(-1);
    expect(ring.find(id(2), 0)).toBe(-1);
    for (const n of [3, 4, 5]) expect(ring.sampled(ring.find(id(n), 0))).toBe(n % 2 === 0);
    expect(Number.isNaN(ring.decidedAtMs(ring.find(id(3), 0)))).toBe(true);
  });

  it('updates a remembered id in place instead of taking a second entry', () => {
    const ring = new DecisionRing(2, true);
    ring.record(id(1), 0, false, 1);
    ring.record(id(1), 0, true, 5);
    ring.record(id(2), 0, false, 6);
    expect(ring.size).toBe(2);
    const e = ring.find(id(1), 0);
    expect(ring.sampled(e)).toBe(true);
    expect(ring.decidedAtMs(e)).toBe(5);
  });

  it('keeps working over many wraps', () => {
    const ring = new DecisionRing(100, false);
    for (let n = 0; n < 10_000; n++) ring.record(id(n), 0, true, n);
    for (let n = 0; n < 10_000; n++) expect(ring.find(id(n), 0) >= 0).toBe(n >= 9_900);
  });

  it('allocates as it fills: a large capacity costs little until used, and grows without losing entries', () => {
    const ring = new DecisionRing(10_000, true);
    const empty = ring.byteSize;
    expect(empty).toBeLessThan(10_000 * 25);
    for (let n = 0; n < 25_000; n++) ring.record(id(n), 0, n % 3 === 0, n);
    expect(ring.byteSize).toBeGreaterThan(10_000 * 25);
    expect(ring.size).toBe(10_000);
    for (let n = 0; n < 25_000; n += 7) {
      const e = ring.find(id(n), 0);
      expect(e >= 0).toBe(n >= 15_000);
      if (e >= 0) {
        expect(ring.sampled(e)).toBe(n % 3 === 0);
        expect(ring.decidedAtMs(e)).toBe(n);
      }
    }
  });
});
