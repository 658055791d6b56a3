import { describe, expect, it } from 'vitest';
import { hashIdWords, ID_WORDS, idWordsToBuffer, readIdWords, TraceIdIndex } from './trace-id-index.ts';

/** Keys for values 0..n-1 in one Uint32Array; `sequential` ids differ only in one word (worst case for a weak hash). */
function keysFor(n: number, sequential: boolean): Uint32Array {
  const keys = new Uint32Array(n * ID_WORDS);
  for (let v = 0; v < n; v++) {
    if (sequential) keys[v * ID_WORDS + 3] = v;
    else for (let k = 0; k < ID_WORDS; k++) keys[v * ID_WORDS + k] = (Math.random() * 0x100000000) >>> 0;
  }
  return keys;
}

describe('TraceIdIndex', () => {
  it('reads id bytes into words and back', () => {
    const id = Buffer.from('5b8efff798038103d269b633813fc60c', 'hex');
    const words = new Uint32Array(8);
    readIdWords(Buffer.concat([Buffer.alloc(3), id]), 3, words, 4);
    expect(idWordsToBuffer(words, 4).equals(id)).toBe(true);
    expect(words.subarray(0, 4)).toEqual(new Uint32Array(4));
  });

  it('finds what was inserted and nothing else, across growth', () => {
    const n = 5000;
    const keys = keysFor(n, true);
    const index = new TraceIdIndex(keys, 16);
    for (let v = 0; v < n; v++) index.insert(v);
    expect(index.size).toBe(n);
    for (let v = 0; v < n; v++) expect(index.find(keys, v * ID_WORDS)).toBe(v);
    const absent = new Uint32Array([0, 0, 0, n + 7]);
    expect(index.find(absent, 0)).toBe(-1);
  });

  it('removes with backward shift: every remaining key stays reachable (randomised against a Map)', () => {
    const n = 3000;
    const keys = keysFor(n, false);
    // Many values share a few home buckets: a small table and sequential ids in word 0 only.
    for (let v = 0; v < n; v++) keys[v * ID_WORDS] = v % 7;
    const index = new TraceIdIndex(keys, 8);
    const present = new Set<number>();
    let seed = 12345;
    const rand = (m: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % m;
    };
    for (let step = 0; step < 20000; step++) {
      const v = rand(n);
      if (present.has(v)) {
        expect(index.remove(v)).toBe(true);
        present.delete(v);
      } else {
        index.insert(v);
        present.add(v);
      }
      if (step % 997 === 0) {
        for (let u = 0; u < n; u++) expect(index.find(keys, u * ID_WORDS)).toBe(present.has(u) ? u : -1);
      }
    }
    expect(index.size).toBe(present.size);
    let absentValue = 0;
    while (present.has(absentValue)) absentValue++;
    expect(index.remove(absentValue)).toBe(false);
  });

  it('hash spreads ids that differ in any one word', () => {
    const seen = new Set<number>();
    for (let w = 0; w < 4; w++) for (let v = 0; v < 256; v++) seen.add(hashIdWords(w === 0 ? v : 0, w === 1 ? v : 0, w === 2 ? v : 0, w === 3 ? v : 0) & 1023);
    // 1021 distinct inputs (v=0 repeats) over 1024 buckets: a good mix leaves few collisions.
    expect(seen.size).toBeGreaterThan(600);
  });
});
