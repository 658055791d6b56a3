/**
 * A bounded memory of decided trace ids: a ring of the last `capacity` decisions (id, sampled or
 * not, when) with a hash index over it. Recording a decision into a full ring forgets the oldest.
 *
 * This is both otelcol's decision caches (sampled_cache_size / non_sampled_cache_size) and the
 * "recent decisions" memory we keep even with the caches off, so late spans follow the decision
 * already taken instead of starting a fresh trace. Eviction is first-in first-out, not LRU: a
 * look-up does not refresh an entry (otelcol's LRU does); for late spans, which arrive soon
 * after the decision, the difference is small, and it keeps the structure three typed arrays.
 *
 * Memory: 16 bytes of id + 1 byte of decision (+ 8 bytes of time when kept) per entry, plus 4-11
 * bytes of hash buckets (load <= 3/4). The arrays grow with use (doubling, from 4,096 entries) up
 * to the capacity, so a large cache costs its size only once it has filled.
 */
import { ID_WORDS, TraceIdIndex } from './trace-id-index.ts';

const INITIAL_ENTRIES = 4096;

export class DecisionRing {
  readonly capacity: number;
  private ids: Uint32Array;
  private sampledFlags: Uint8Array;
  /** Decision time per entry (ms), or null when not kept. */
  private decidedAt: Float64Array | null;
  /** Entries allocated (grows up to capacity; the ring wraps only once it is all allocated). */
  private allocated: number;
  private readonly index: TraceIdIndex;
  private nextSlot = 0;
  private count = 0;

  constructor(capacity: number, keepTime: boolean) {
    if (!(capacity >= 1)) throw new RangeError(`decision memory capacity must be >= 1, got ${capacity}`);
    this.capacity = capacity;
    this.allocated = Math.min(capacity, INITIAL_ENTRIES);
    this.ids = new Uint32Array(this.allocated * ID_WORDS);
    this.sampledFlags = new Uint8Array(this.allocated);
    this.decidedAt = keepTime ? new Float64Array(this.allocated) : null;
    this.index = new TraceIdIndex(this.ids, this.allocated);
  }

  get size(): number {
    return this.count;
  }

  get byteSize(): number {
    return this.ids.byteLength + this.sampledFlags.byteLength + (this.decidedAt?.byteLength ?? 0) + this.index.byteSize;
  }

  /** Entry holding the id in k[ko..ko+4), or -1. */
  find(k: Uint32Array, ko: number): number {
    return this.index.find(k, ko);
  }

  sampled(entry: number): boolean {
    return this.sampledFlags[entry] === 1;
  }

  decidedAtMs(entry: number): number {
    return this.decidedAt === null ? NaN : this.decidedAt[entry]!;
  }

  /** Remembers a decision for the id in k[ko..ko+4); a remembered id is updated in place. */
  record(k: Uint32Array, ko: number, sampled: boolean, nowMs: number): void {
    let e = this.index.find(k, ko);
    if (e < 0) {
      if (this.count === this.allocated && this.allocated < this.capacity) this.grow();
      e = this.nextSlot;
      if (this.count === this.capacity) this.index.remove(e);
      else this.count++;
      const o = e * ID_WORDS;
      this.ids[o] = k[ko]!;
      this.ids[o + 1] = k[ko + 1]!;
      this.ids[o + 2] = k[ko + 2]!;
      this.ids[o + 3] = k[ko + 3]!;
      this.index.insert(e);
      this.nextSlot = e + 1 === this.capacity ? 0 : e + 1;
    }
    this.sampledFlags[e] = sampled ? 1 : 0;
    if (this.decidedAt !== null) this.decidedAt[e] = nowMs;
  }

  /** Before the ring first wraps, entries are 0..count-1 in order: growing is a copy. */
  private grow(): void {
    const n = Math.min(this.capacity, this.allocated * 2);
    const ids = new Uint32Array(n * ID_WORDS);
    ids.set(this.ids);
    this.ids = ids;
    this.index.keys = ids;
    const flags = new Uint8Array(n);
    flags.set(this.sampledFlags);
    this.sampledFlags = flags;
    if (this.decidedAt !== null) {
      const at = new Float64Array(n);
      at.set(this.decidedAt);
      this.decidedAt = at;
    }
    this.allocated = n;
  }
}
