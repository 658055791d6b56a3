/**
 * Trace id -> small integer, as an open-addressing hash table over the 16 id bytes held as four
 * u32 words. Used for the pending traces and for the decision memories.
 *
 * Why not a Map keyed by a string of the id: that costs one string per trace (~40 bytes of heap
 * object plus the Map entry, ~80-100 bytes a trace) and a string allocation for every look-up of
 * a span whose trace we already know, unless the caller caches it. Here a look-up reads the bytes
 * where they are and allocates nothing; an entry is one Int32 bucket (the keys live in the
 * owner's Uint32Array, one row of four words per value). The bench measures both
 * (bench/tail-sampling.bench.ts, "lookup").
 *
 * Linear probing at load <= 3/4 (about 2 probes per miss), backward-shift deletion (no
 * tombstones, so a long-lived table does not degrade).
 */

export const ID_WORDS = 4;

/** Mixes the four words of an id (murmur3's finalizer on a multiply-combined word). Ids from SDKs are random, but tests and some generators are not. */
export function hashIdWords(w0: number, w1: number, w2: number, w3: number): number {
  let h = (w0 ^ Math.imul(w1, 0x9e3779b1) ^ Math.imul(w2, 0x85ebca77) ^ Math.imul(w3, 0xc2b2ae3d)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Reads 16 id bytes at buf[off] into words[wo..wo+4) (little-endian words). */
export function readIdWords(buf: Uint8Array, off: number, words: Uint32Array, wo: number): void {
  words[wo] = buf[off]! | (buf[off + 1]! << 8) | (buf[off + 2]! << 16) | (buf[off + 3]! << 24);
  words[wo + 1] = buf[off + 4]! | (buf[off + 5]! << 8) | (buf[off + 6]! << 16) | (buf[off + 7]! << 24);
  words[wo + 2] = buf[off + 8]! | (buf[off + 9]! << 8) | (buf[off + 10]! << 16) | (buf[off + 11]! << 24);
  words[wo + 3] = buf[off + 12]! | (buf[off + 13]! << 8) | (buf[off + 14]! << 16) | (buf[off + 15]! << 24);
}

/** The 16 id bytes of words[wo..wo+4) as a Buffer (allocates: once per decided trace, not per span). */
export function idWordsToBuffer(words: Uint32Array, wo: number): Buffer {
  const b = Buffer.allocUnsafe(16);
  for (let k = 0; k < 4; k++) {
    const w = words[wo + k]!;
    const o = k * 4;
    b[o] = w & 0xff;
    b[o + 1] = (w >>> 8) & 0xff;
    b[o + 2] = (w >>> 16) & 0xff;
    b[o + 3] = w >>> 24;
  }
  return b;
}

function pow2AtLeast(n: number): number {
  let p = 16;
  while (p < n) p *= 2;
  return p;
}

export class TraceIdIndex {
  /** Bucket -> value + 1 (0 = empty). */
  private buckets: Int32Array;
  private mask: number;
  /** Values' keys: value v's id is keys[v*4 .. v*4+4). The owner may replace the array when it grows. */
  keys: Uint32Array;
  size = 0;

  constructor(keys: Uint32Array, expectedEntries: number) {
    this.keys = keys;
    const n = pow2AtLeast(Math.ceil((expectedEntries * 4) / 3));
    this.buckets = new Int32Array(n);
    this.mask = n - 1;
  }

  /** Bytes held by the table itself (not the keys). */
  get byteSize(): number {
    return this.buckets.byteLength;
  }

  /** The value stored for the id in k[ko..ko+4), or -1. */
  find(k: Uint32Array, ko: number): number {
    const w0 = k[ko]!;
    const w1 = k[ko + 1]!;
    const w2 = k[ko + 2]!;
    const w3 = k[ko + 3]!;
    const keys = this.keys;
    const buckets = this.buckets;
    const mask = this.mask;
    let i = hashIdWords(w0, w1, w2, w3) & mask;
    for (;;) {
      const v = buckets[i]! - 1;
      if (v < 0) return -1;
      const o = v * ID_WORDS;
      if (keys[o] === w0 && keys[o + 1] === w1 && keys[o + 2] === w2 && keys[o + 3] === w3) return v;
      i = (i + 1) & mask;
    }
  }

  /** Adds value (whose key is already in keys[value*4..]); the id must not be present. */
  insert(value: number): void {
    if ((this.size + 1) * 4 > this.buckets.length * 3) this.rehash(this.buckets.length * 2);
    this.place(value);
    this.size++;
  }

  /** Removes value (looked up by its key in keys). False if it was not there. */
  remove(value: number): boolean {
    const keys = this.keys;
    const o = value * ID_WORDS;
    const buckets = this.buckets;
    const mask = this.mask;
    let i = hashIdWords(keys[o]!, keys[o + 1]!, keys[o + 2]!, keys[o + 3]!) & mask;
    for (;;) {
      const v = buckets[i]! - 1;
      if (v < 0) return false;
      if (v === value) break;
      i = (i + 1) & mask;
    }
    // Backward shift: pull later members of the probe run into the hole when their home
    // bucket does not lie (cyclically) after the hole.
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const v = buckets[j]! - 1;
      if (v < 0) break;
      const vo = v * ID_WORDS;
      const home = hashIdWords(keys[vo]!, keys[vo + 1]!, keys[vo + 2]!, keys[vo + 3]!) & mask;
      const movable = hole <= j ? home <= hole || home > j : home <= hole && home > j;
      if (movable) {
        buckets[hole] = v + 1;
        hole = j;
      }
    }
    buckets[hole] = 0;
    this.size--;
    return true;
  }

  clear(): void {
    this.buckets.fill(0);
    this.size = 0;
  }

  private place(value: number): void {
    const keys = this.keys;
    const o = value * ID_WORDS;
    const buckets = this.buckets;
    const mask = this.mask;
    let i = hashIdWords(keys[o]!, keys[o + 1]!, keys[o + 2]!, keys[o + 3]!) & mask;
    while (buckets[i] !== 0) i = (i + 1) & mask;
    buckets[i] = value + 1;
  }

  private rehash(n: number): void {
    const old = this.buckets;
    this.buckets = new Int32Array(n);
    this.mask = n - 1;
    for (let i = 0; i < old.length; i++) {
      const v = old[i]! - 1;
      if (v >= 0) this.place(v);
    }
  }
}
