/**
 * Splits a batch into one sub-batch per backend by routing key: a counting sort of span indices
 * by owner, then select() per owner (rows move, span bytes never do; the exporters re-frame
 * them). One pass hashes every span; the only allocations are the index array and the
 * sub-batches. When every span goes to one backend the batch is passed on whole, so a pristine
 * batch keeps its zero-copy encoding.
 */
import { SPAN_STRIDE, SpanBatch } from '../../pdata/span-batch.ts';
import type { HashRing } from './ring.ts';
import type { KeyHasher } from './routing-key.ts';

export interface SplitPart {
  /** Index into ring.endpoints. */
  readonly owner: number;
  /** Span indices (into the split batch) this part holds; null = all of them, in order. */
  readonly indices: Uint32Array | null;
  readonly batch: SpanBatch;
}

/** Reused owner scratch, so a split does not allocate per span. One per router, used synchronously. */
export class SplitScratch {
  owners = new Uint16Array(1024);
  counts = new Uint32Array(16);

  prepare(spans: number, backends: number): void {
    if (this.owners.length < spans) this.owners = new Uint16Array(Math.max(spans, this.owners.length * 2));
    if (this.counts.length < backends) this.counts = new Uint32Array(Math.max(backends, this.counts.length * 2));
    this.counts.fill(0, 0, backends);
  }
}

/** Marks of spans already settled, skipped by a split (see delivery.ts): 0 = still to send. */
export type SettledMask = Uint8Array;

export function splitByOwner(
  batch: SpanBatch,
  ring: HashRing,
  hasher: KeyHasher,
  scratch: SplitScratch,
  settled: SettledMask | null,
): SplitPart[] {
  const n = batch.spanCount;
  const backends = ring.endpoints.length;
  scratch.prepare(n, backends);
  const owners = scratch.owners;
  const counts = scratch.counts;
  hasher.begin(batch, ring);
  let todo = 0;
  for (let i = 0; i < n; i++) {
    if (settled !== null && settled[i] !== 0) continue;
    const owner = ring.ownerOf(hasher.hash(batch, i));
    owners[i] = owner;
    counts[owner]!++;
    todo++;
  }
  if (todo === 0) return [];
  let used = 0;
  let single = 0;
  for (let b = 0; b < backends; b++) {
    if (counts[b]! > 0) {
      used++;
      single = b;
    }
  }
  if (used === 1 && todo === n) return [{ owner: single, indices: null, batch }];
  // Counting sort: offsets per owner, then each span index into its owner's run (order kept).
  const order = new Uint32Array(todo);
  const starts = new Uint32Array(backends + 1);
  for (let b = 0; b < backends; b++) starts[b + 1] = starts[b]! + counts[b]!;
  const fill = starts.slice(0, backends);
  for (let i = 0; i < n; i++) {
    if (settled !== null && settled[i] !== 0) continue;
    order[fill[owners[i]!]!++] = i;
  }
  const parts: SplitPart[] = [];
  for (let b = 0; b < backends; b++) {
    const c = counts[b]!;
    if (c === 0) continue;
    const indices = order.subarray(starts[b]!, starts[b]! + c);
    parts.push({ owner: b, indices, batch: selectRows(batch, indices, c) });
  }
  return parts;
}

/**
 * batch.select() without its per-span subarray view: the 16 words of each row are copied in a
 * plain loop (measured: select() spends more on the views than on the copy). Same result:
 * buffers, resources and scopes shared, rows copied, metadata kept, not pristine.
 */
function selectRows(batch: SpanBatch, indices: Uint32Array, count: number): SpanBatch {
  const src = batch.spans;
  const rows = new Uint32Array(count * SPAN_STRIDE);
  for (let k = 0, o = 0; k < count; k++) {
    let from = indices[k]! * SPAN_STRIDE;
    for (let w = 0; w < SPAN_STRIDE; w++) rows[o++] = src[from++]!;
  }
  const out = new SpanBatch(batch.buffers, batch.resources, batch.resourceCount, batch.scopes, batch.scopeCount, rows, count, null);
  out.metadata = batch.metadata;
  return out;
}
