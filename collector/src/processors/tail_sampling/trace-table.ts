/**
 * The pending traces: one slot per trace in struct-of-arrays form (typed arrays indexed by slot,
 * no object per trace), a hash index from trace id to slot, and two intrusive doubly linked
 * lists through the slots:
 *  - arrival order (oldest first): the ticker takes traces whose decision_wait ran out from the
 *    head, and overflow decides the head early, both without scanning;
 *  - root-arrival order, for decision_wait_after_root_received.
 * 56 bytes per slot (72 with the root list) plus 8-16 bytes of hash buckets. The table grows
 * by doubling up to `capacityHint` (num_traces), then in small steps: one request may bring new
 * traces before the overflow is decided, and that must not double a full table for good.
 */
import { ID_WORDS, TraceIdIndex } from './trace-id-index.ts';

/** Not linked in the root list. */
const UNLINKED = -2;

export class TraceTable {
  capacity: number;
  ids: Uint32Array;
  firstMs: Float64Array;
  /** Arrival of the first root span (only with trackRoot; empty otherwise). */
  rootMs: Float64Array;
  spanCount: Uint32Array;
  /** Framed wire bytes of the trace's buffered spans (the per-trace cap keeps it below 2^32). */
  bytes: Uint32Array;
  fragHead: Int32Array;
  fragTail: Int32Array;
  prev: Int32Array;
  next: Int32Array;
  /** Root list links (only with trackRoot); UNLINKED when the trace is not in the list. */
  rootPrev: Int32Array;
  rootNext: Int32Array;
  readonly trackRoot: boolean;
  private readonly capacityHint: number;
  /** Scratch for grouping one batch's spans by trace (processor.ts). */
  stamp: Uint32Array;
  local: Int32Array;

  head = -1;
  tail = -1;
  rootHead = -1;
  rootTail = -1;
  count = 0;
  private freeHead = -1;
  private used = 0;
  private readonly index: TraceIdIndex;

  constructor(initialCapacity: number, capacityHint: number, trackRoot: boolean) {
    const n = Math.max(16, initialCapacity);
    this.capacity = n;
    this.capacityHint = capacityHint;
    this.trackRoot = trackRoot;
    const r = trackRoot ? n : 0;
    this.ids = new Uint32Array(n * ID_WORDS);
    this.firstMs = new Float64Array(n);
    this.rootMs = new Float64Array(r);
    this.spanCount = new Uint32Array(n);
    this.bytes = new Uint32Array(n);
    this.fragHead = new Int32Array(n);
    this.fragTail = new Int32Array(n);
    this.prev = new Int32Array(n);
    this.next = new Int32Array(n);
    this.rootPrev = new Int32Array(r);
    this.rootNext = new Int32Array(r);
    this.stamp = new Uint32Array(n);
    this.local = new Int32Array(n);
    this.index = new TraceIdIndex(this.ids, n);
  }

  /** Bytes of the tables (what a pending trace costs besides its spans). */
  get byteSize(): number {
    return this.capacity * (ID_WORDS * 4 + 8 + 4 * 8 + (this.trackRoot ? 16 : 0)) + this.index.byteSize;
  }

  /** Whether the trace is in the root list. */
  hasRoot(slot: number): boolean {
    return this.trackRoot && this.rootPrev[slot] !== UNLINKED;
  }

  find(k: Uint32Array, ko: number): number {
    return this.index.find(k, ko);
  }

  /** A new pending trace for the id in k[ko..ko+4), appended to the arrival list. */
  create(k: Uint32Array, ko: number, nowMs: number): number {
    let slot = this.freeHead;
    if (slot !== -1) {
      this.freeHead = this.next[slot]!;
    } else {
      if (this.used === this.capacity) {
        const c = this.capacity;
        this.grow(c < this.capacityHint ? Math.min(c * 2, this.capacityHint) : c + Math.max(1024, c >>> 3));
      }
      slot = this.used++;
    }
    const o = slot * ID_WORDS;
    this.ids[o] = k[ko]!;
    this.ids[o + 1] = k[ko + 1]!;
    this.ids[o + 2] = k[ko + 2]!;
    this.ids[o + 3] = k[ko + 3]!;
    this.index.insert(slot);
    this.firstMs[slot] = nowMs;
    this.spanCount[slot] = 0;
    this.bytes[slot] = 0;
    this.fragHead[slot] = -1;
    this.fragTail[slot] = -1;
    this.stamp[slot] = 0;
    if (this.trackRoot) {
      this.rootMs[slot] = NaN;
      this.rootPrev[slot] = UNLINKED;
      this.rootNext[slot] = UNLINKED;
    }
    // Append to the arrival list.
    this.prev[slot] = this.tail;
    this.next[slot] = -1;
    if (this.tail !== -1) this.next[this.tail] = slot;
    else this.head = slot;
    this.tail = slot;
    this.count++;
    return slot;
  }

  /** Records the first root span's arrival and links the trace at the end of the root list. */
  markRoot(slot: number, nowMs: number): void {
    if (!this.trackRoot || this.rootPrev[slot] !== UNLINKED) return;
    this.rootMs[slot] = nowMs;
    this.rootPrev[slot] = this.rootTail;
    this.rootNext[slot] = -1;
    if (this.rootTail !== -1) this.rootNext[this.rootTail] = slot;
    else this.rootHead = slot;
    this.rootTail = slot;
  }

  /** Unlinks and frees a slot (its fragments must have been released by the caller). */
  remove(slot: number): void {
    this.index.remove(slot);
    const p = this.prev[slot]!;
    const n = this.next[slot]!;
    if (p !== -1) this.next[p] = n;
    else this.head = n;
    if (n !== -1) this.prev[n] = p;
    else this.tail = p;
    if (this.trackRoot && this.rootPrev[slot] !== UNLINKED) {
      const rp = this.rootPrev[slot]!;
      const rn = this.rootNext[slot]!;
      if (rp !== -1) this.rootNext[rp] = rn;
      else this.rootHead = rn;
      if (rn !== -1) this.rootPrev[rn] = rp;
      else this.rootTail = rp;
      this.rootPrev[slot] = UNLINKED;
      this.rootNext[slot] = UNLINKED;
    }
    this.fragHead[slot] = -1;
    this.fragTail[slot] = -1;
    this.next[slot] = this.freeHead;
    this.freeHead = slot;
    this.count--;
  }

  private grow(n: number): void {
    const r = this.trackRoot ? n : 0;
    this.ids = growU32(this.ids, n * ID_WORDS);
    this.firstMs = growF64(this.firstMs, n);
    this.rootMs = growF64(this.rootMs, r);
    this.spanCount = growU32(this.spanCount, n);
    this.bytes = growU32(this.bytes, n);
    this.fragHead = growI32(this.fragHead, n);
    this.fragTail = growI32(this.fragTail, n);
    this.prev = growI32(this.prev, n);
    this.next = growI32(this.next, n);
    this.rootPrev = growI32(this.rootPrev, r);
    this.rootNext = growI32(this.rootNext, r);
    this.stamp = growU32(this.stamp, n);
    this.local = growI32(this.local, n);
    this.index.keys = this.ids;
    this.capacity = n;
  }
}

function growU32(a: Uint32Array, n: number): Uint32Array {
  const b = new Uint32Array(n);
  b.set(a);
  return b;
}
function growI32(a: Int32Array, n: number): Int32Array {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}
function growF64(a: Float64Array, n: number): Float64Array {
  const b = new Float64Array(n);
  b.set(a);
  return b;
}
