/**
 * Where buffered spans live until their trace is decided: their wire bytes, copied out of the
 * request into large slabs, plus the resource and scope they belong to, interned.
 *
 * Why copy instead of keeping `batch.select()` slices: a slice keeps its whole request buffer
 * alive. A request carries spans of many traces; the buffer is freed only when the last of them
 * is decided, and then its late spans (already decided, forwarded or dropped at once) and every
 * other trace's bytes were held for nothing. Worse, each select() adds a 64-byte span row, a
 * SpanBatch object and a typed array per trace per request. Copying costs one memcpy per run of
 * adjacent spans of a trace, and buys memory that is exactly the framed span bytes.
 *
 * Layout:
 *  - Slabs: Buffers of `slabSize` (1 MiB by default), filled in arrival order (a log). A span
 *    larger than a slab gets a slab of its own. A slab is freed when its last live byte is
 *    released. Traces are decided roughly in arrival order, so slabs die roughly in order and
 *    the dead space inside live slabs stays small (measured by the bench: held vs live bytes).
 *  - Fragments: (context, slab, offset, length, next) rows in typed arrays, a singly linked list
 *    per trace. A fragment is one or more adjacent spans, each still framed as a
 *    `ScopeSpans.spans` field (tag + length + payload, the original bytes), all of one context.
 *    A trace whose spans arrive in one request usually has one fragment.
 *  - Contexts: the resource (ResourceSpans' `resource` and `schema_url` fields) and the scope
 *    (ScopeSpans' `scope` and `schema_url`) bytes of a span, interned and reference-counted by
 *    fragments, so a trace does not repeat its resource (often hundreds of bytes of k8s
 *    attributes) once per request.
 *
 * build() turns a trace's fragments back into ExportTraceServiceRequest bytes (ResourceSpans /
 * ScopeSpans headers around the fragments, consecutive fragments of one context under one
 * header); the processor indexes those bytes to get the SpanBatch its policies read, and an
 * unchanged sampled trace is forwarded as exactly those bytes.
 */
import {
  C_BUF,
  C_FIELD_END,
  C_FIELD_START,
  C_SCHEMA_END,
  C_SCHEMA_START,
  NONE,
  R_BUF,
  R_FIELD_END,
  R_FIELD_START,
  R_SCHEMA_END,
  R_SCHEMA_START,
  RES_STRIDE,
  SCOPE_STRIDE,
  SPAN_STRIDE,
  S_BUF,
  S_END,
  S_FIELD_START,
  S_SCOPE,
  S_START,
  C_RES,
  SpanBatch,
} from '../../pdata/span-batch.ts';
import { DEFAULT_MAX_ANYVALUE_DEPTH, indexSpan } from '../../pdata/index-request.ts';
import { WireReader } from '../../pdata/wire-reader.ts';
import { lenFieldSize } from '../../pdata/wire-writer.ts';

export const DEFAULT_SLAB_SIZE = 1 << 20;
const MIN_SLAB_SIZE = 4096;

const TAG_RESOURCE_SPANS = (1 << 3) | 2;
const TAG_SCOPE_SPANS = (2 << 3) | 2;
const TAG_SPANS = (2 << 3) | 2;

/** Slab size for a byte budget: 1/256 of it (so slab granularity is a small part of the cap), 4 KiB to 1 MiB. */
export function slabSizeFor(maxBufferedBytes: number): number {
  return Math.max(MIN_SLAB_SIZE, Math.min(DEFAULT_SLAB_SIZE, Math.floor(maxBufferedBytes / 256)));
}

function fnv1a(buf: Buffer, start: number, end: number, h: number): number {
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return h >>> 0;
}

/** Interned byte strings with reference counts (resources, or scopes under a resource). */
class InternTable {
  /** Head part then tail part (e.g. `resource` field then `schema_url` field). */
  readonly bytes: (Buffer | null)[] = [];
  readonly split: number[] = [];
  readonly refs: number[] = [];
  /** For scopes: the interned resource they belong to; -1 for resources. */
  readonly parent: number[] = [];
  private readonly hashes: number[] = [];
  private readonly byHash = new Map<number, number[]>();
  private readonly freeIds: number[] = [];
  /** Ids whose count reached zero since the last sweep (freed then if still unused). */
  private readonly zero: number[] = [];
  byteSize = 0;
  live = 0;

  intern(parent: number, buf: Buffer, aStart: number, aEnd: number, bStart: number, bEnd: number): number {
    const h = fnv1a(buf, bStart, bEnd, fnv1a(buf, aStart, aEnd, (0x811c9dc5 ^ Math.imul(parent + 1, 0x9e3779b1)) >>> 0));
    const aLen = aEnd - aStart;
    const len = aLen + (bEnd - bStart);
    const candidates = this.byHash.get(h);
    if (candidates !== undefined) {
      for (const id of candidates) {
        const b = this.bytes[id]!;
        if (
          this.parent[id] === parent &&
          b.length === len &&
          this.split[id] === aLen &&
          buf.compare(b, 0, aLen, aStart, aEnd) === 0 &&
          buf.compare(b, aLen, len, bStart, bEnd) === 0
        ) {
          return id;
        }
      }
    }
    const copy = Buffer.allocUnsafeSlow(len);
    buf.copy(copy, 0, aStart, aEnd);
    buf.copy(copy, aLen, bStart, bEnd);
    const id = this.freeIds.length > 0 ? this.freeIds.pop()! : this.bytes.length;
    this.bytes[id] = copy;
    this.split[id] = aLen;
    this.refs[id] = 0;
    this.parent[id] = parent;
    this.hashes[id] = h;
    if (candidates !== undefined) candidates.push(id);
    else this.byHash.set(h, [id]);
    this.byteSize += len;
    this.live++;
    // Counted as zero until a fragment takes it, so an entry interned and never used is swept.
    this.zero.push(id);
    return id;
  }

  ref(id: number): void {
    this.refs[id]!++;
  }

  unref(id: number): void {
    if (--this.refs[id]! === 0) this.zero.push(id);
  }

  /** Frees entries still unreferenced. Returns the parents whose reference was dropped. */
  sweep(onFree: (parent: number) => void): void {
    const zero = this.zero;
    for (let k = 0; k < zero.length; k++) {
      const id = zero[k]!;
      if (this.refs[id] !== 0 || this.bytes[id] === null) continue;
      const h = this.hashes[id]!;
      const list = this.byHash.get(h)!;
      const at = list.indexOf(id);
      list.splice(at, 1);
      if (list.length === 0) this.byHash.delete(h);
      this.byteSize -= this.bytes[id]!.length;
      this.bytes[id] = null;
      this.live--;
      this.freeIds.push(id);
      if (this.parent[id]! >= 0) onFree(this.parent[id]!);
    }
    zero.length = 0;
  }
}

export class SpanStore {
  readonly slabSize: number;
  private readonly slabs: (Buffer | null)[] = [];
  private readonly slabLive: number[] = [];
  private readonly freeSlabIds: number[] = [];
  private cur = -1;
  private curPos = 0;
  private curCap = 0;
  /** Bytes of allocated slabs (live, dead and not yet written). */
  slabBytes = 0;
  /** Bytes of span data in the slabs that belong to pending traces. */
  liveBytes = 0;

  // Fragment rows.
  private fCtx: Uint32Array;
  private fSlab: Uint32Array;
  private fOff: Uint32Array;
  private fLen: Uint32Array;
  private fNext: Int32Array;
  private fFree = -1;
  private fUsed = 0;
  fragments = 0;

  private readonly resources = new InternTable();
  private readonly scopes = new InternTable();

  // Per-batch caches: resource row / scope row of the batch being appended -> interned id.
  private resOfRow = new Int32Array(16);
  private ctxOfRow = new Int32Array(16);
  private batch: SpanBatch | null = null;

  // Scratch for build().
  private scopeSizes: number[] = [];
  private resSizes: number[] = [];

  constructor(slabSize: number = DEFAULT_SLAB_SIZE, initialFragments = 1024) {
    this.slabSize = slabSize;
    this.fCtx = new Uint32Array(initialFragments);
    this.fSlab = new Uint32Array(initialFragments);
    this.fOff = new Uint32Array(initialFragments);
    this.fLen = new Uint32Array(initialFragments);
    this.fNext = new Int32Array(initialFragments);
  }

  /** Interned resource and scope bytes. */
  get contextBytes(): number {
    return this.resources.byteSize + this.scopes.byteSize;
  }

  /** What counts against max_buffered_bytes: slabs (whole) plus interned contexts. */
  get heldBytes(): number {
    return this.slabBytes + this.resources.byteSize + this.scopes.byteSize;
  }

  /** Bytes of the bookkeeping tables (fragment rows). */
  get tableBytes(): number {
    return this.fCtx.byteLength * 4 + this.fNext.byteLength;
  }

  get contextCount(): number {
    return this.scopes.live;
  }

  /** Starts appending spans of `batch`; call endBatch() when done with it. */
  beginBatch(batch: SpanBatch): void {
    this.batch = batch;
    if (this.resOfRow.length < batch.resourceCount) this.resOfRow = new Int32Array(Math.max(batch.resourceCount, this.resOfRow.length * 2));
    if (this.ctxOfRow.length < batch.scopeCount) this.ctxOfRow = new Int32Array(Math.max(batch.scopeCount, this.ctxOfRow.length * 2));
    this.resOfRow.fill(-1, 0, batch.resourceCount);
    this.ctxOfRow.fill(-1, 0, batch.scopeCount);
  }

  /**
   * Frees contexts no fragment uses any more. Deferred to here (end of a consume or a tick), so
   * context ids cached for the batch being appended cannot be freed and reused under it.
   */
  endBatch(): void {
    this.batch = null;
    this.scopes.sweep((res) => this.resources.unref(res));
    this.resources.sweep(() => {});
  }

  /**
   * Copies spans order[from..to) of the current batch (all of one trace) into the slabs and
   * links them at the end of that trace's fragment list (heads[slot] / tails[slot], -1 when
   * empty). Returns the framed bytes added.
   */
  append(order: Int32Array, from: number, to: number, heads: Int32Array, tails: Int32Array, slot: number): number {
    const batch = this.batch!;
    const s = batch.spans;
    const buffers = batch.buffers;
    let added = 0;
    // The run being gathered: adjacent framed spans of one buffer and one context.
    let runBuf = -1;
    let runStart = 0;
    let runEnd = 0;
    let runCtx = -1;
    for (let k = from; k < to; k++) {
      const o = order[k]! * SPAN_STRIDE;
      const ctx = this.contextOf(s[o + S_SCOPE]!);
      const bufIndex = s[o + S_BUF]!;
      const fieldStart = s[o + S_FIELD_START]!;
      const end = s[o + S_END]!;
      const framed = fieldStart !== NONE ? end - fieldStart : lenFieldSize(end - s[o + S_START]!);
      added += framed;
      if (runBuf !== -1) {
        if (ctx === runCtx && bufIndex === runBuf && fieldStart === runEnd && this.curPos + (runEnd - runStart) + framed <= this.curCap) {
          runEnd = end;
          continue;
        }
        this.flushRun(buffers[runBuf]!, runStart, runEnd, runCtx, heads, tails, slot);
        runBuf = -1;
      }
      if (this.curPos + framed > this.curCap) this.newSlab(framed);
      if (fieldStart !== NONE) {
        runBuf = bufIndex;
        runStart = fieldStart;
        runEnd = end;
        runCtx = ctx;
      } else {
        // A rewritten span has no framing of its own: write tag and length before the payload.
        this.writeUnframed(buffers[bufIndex]!, s[o + S_START]!, end, framed, ctx, heads, tails, slot);
      }
    }
    if (runBuf !== -1) this.flushRun(buffers[runBuf]!, runStart, runEnd, runCtx, heads, tails, slot);
    this.liveBytes += added;
    return added;
  }

  /** Releases a trace's fragments (its list from `head`). */
  release(head: number): void {
    let f = head;
    while (f !== -1) {
      const next = this.fNext[f]!;
      const slab = this.fSlab[f]!;
      const len = this.fLen[f]!;
      this.liveBytes -= len;
      this.slabLive[slab]! -= len;
      if (this.slabLive[slab] === 0 && slab !== this.cur) this.freeSlab(slab);
      this.scopes.unref(this.fCtx[f]!);
      this.fNext[f] = this.fFree;
      this.fFree = f;
      this.fragments--;
      f = next;
    }
  }

  /**
   * The trace's spans as ExportTraceServiceRequest bytes (see the file comment), written into
   * `out`'s reusable buffer, with `out`'s row tables filled as indexExportRequest would fill
   * them. Returns a SpanBatch over that scratch: valid until the next build into `out`.
   *
   * Why not indexExportRequest(bytes): it allocates three row tables per call, which measured
   * at ~3 us per trace, more than everything else a one-span trace costs. Spans are still read
   * with the indexer's indexSpan (same fields, same checks); resource and scope rows are known
   * from where they are written.
   */
  build(head: number, spanCount: number, out: TraceScratch): SpanBatch {
    const fCtx = this.fCtx;
    const fLen = this.fLen;
    const fNext = this.fNext;
    const scopeBytes = this.scopes.bytes;
    const scopeRes = this.scopes.parent;
    const resBytes = this.resources.bytes;
    const scopeSizes = this.scopeSizes;
    const resSizes = this.resSizes;
    // Pass 1: payload sizes of each ScopeSpans and ResourceSpans run.
    let nScope = 0;
    let nRes = 0;
    let total = 0;
    let prevCtx = -1;
    let prevRes = -1;
    let scopeAcc = 0;
    let resAcc = 0;
    for (let f = head; f !== -1; f = fNext[f]!) {
      const ctx = fCtx[f]!;
      if (ctx !== prevCtx) {
        const res = scopeRes[ctx]!;
        if (prevCtx !== -1) {
          scopeSizes[nScope++] = scopeAcc;
          resAcc += lenFieldSize(scopeAcc);
        }
        if (res !== prevRes) {
          if (prevRes !== -1) {
            resSizes[nRes++] = resAcc;
            total += lenFieldSize(resAcc);
          }
          resAcc = resBytes[res]!.length;
          prevRes = res;
        }
        scopeAcc = scopeBytes[ctx]!.length;
        prevCtx = ctx;
      }
      scopeAcc += fLen[f]!;
    }
    if (prevCtx !== -1) {
      scopeSizes[nScope++] = scopeAcc;
      resAcc += lenFieldSize(scopeAcc);
      resSizes[nRes++] = resAcc;
      total += lenFieldSize(resAcc);
    }
    out.reserve(total, nRes, nScope, spanCount);

    // Pass 2: the same walk, writing bytes and rows. Field order as protobuf encoders write
    // it: the resource / scope field, the nested messages, then schema_url.
    const buf = out.buf;
    const rr = out.resources;
    const cr = out.scopes;
    const sr = out.spans;
    const reader = out.reader;
    const resSplit = this.resources.split;
    const scopeSplit = this.scopes.split;
    const fSlab = this.fSlab;
    const fOff = this.fOff;
    const slabs = this.slabs;
    let p = 0;
    let si = 0;
    let ri = 0;
    let nSpans = 0;
    prevCtx = -1;
    prevRes = -1;
    for (let f = head; f !== -1; f = fNext[f]!) {
      const ctx = fCtx[f]!;
      if (ctx !== prevCtx) {
        const res = scopeRes[ctx]!;
        if (prevCtx !== -1) p = writeTail(buf, p, scopeBytes[prevCtx]!, scopeSplit[prevCtx]!, cr, (si - 1) * SCOPE_STRIDE + C_SCHEMA_START);
        if (res !== prevRes) {
          if (prevRes !== -1) p = writeTail(buf, p, resBytes[prevRes]!, resSplit[prevRes]!, rr, (ri - 1) * RES_STRIDE + R_SCHEMA_START);
          buf[p++] = TAG_RESOURCE_SPANS;
          p = writeVarint(buf, p, resSizes[ri]!);
          const ro = ri * RES_STRIDE;
          rr[ro + R_BUF] = 0;
          rr[ro + R_SCHEMA_START] = rr[ro + R_SCHEMA_END] = 0;
          p = writeHead(buf, p, resBytes[res]!, resSplit[res]!, rr, ro + R_FIELD_START);
          ri++;
          prevRes = res;
        }
        buf[p++] = TAG_SCOPE_SPANS;
        p = writeVarint(buf, p, scopeSizes[si]!);
        const co = si * SCOPE_STRIDE;
        cr[co + C_RES] = ri - 1;
        cr[co + C_BUF] = 0;
        cr[co + C_SCHEMA_START] = cr[co + C_SCHEMA_END] = 0;
        p = writeHead(buf, p, scopeBytes[ctx]!, scopeSplit[ctx]!, cr, co + C_FIELD_START);
        si++;
        prevCtx = ctx;
      }
      const off = fOff[f]!;
      const len = fLen[f]!;
      slabs[fSlab[f]!]!.copy(buf, p, off, off + len);
      // Index the framed spans of the fragment: tag, length, payload, ...
      const end = p + len;
      while (p < end) {
        const at = p;
        while (buf[p++]! >= 0x80); // the tag (one byte unless written non-minimally)
        let n = 0;
        let shift = 0;
        let b: number;
        do {
          b = buf[p++]!;
          n += (b & 0x7f) * 2 ** shift;
          shift += 7;
        } while (b >= 0x80);
        const so = nSpans * SPAN_STRIDE;
        indexSpan(reader, p, p + n, sr, so, DEFAULT_MAX_ANYVALUE_DEPTH);
        sr[so + S_BUF] = 0;
        sr[so + S_SCOPE] = si - 1;
        sr[so + S_FIELD_START] = at;
        nSpans++;
        p += n;
      }
    }
    if (prevCtx !== -1) {
      p = writeTail(buf, p, scopeBytes[prevCtx]!, scopeSplit[prevCtx]!, cr, (si - 1) * SCOPE_STRIDE + C_SCHEMA_START);
      p = writeTail(buf, p, resBytes[prevRes]!, resSplit[prevRes]!, rr, (ri - 1) * RES_STRIDE + R_SCHEMA_START);
    }
    if (p !== total || nSpans !== spanCount) throw new Error(`span store: rebuilt ${p} of ${total} bytes, ${nSpans} of ${spanCount} spans`);
    out.length = total;
    const batch = new SpanBatch(out.buffers, rr, nRes, cr, nScope, sr, nSpans, null);
    return batch;
  }

  // ---- internals ----

  private contextOf(scopeRow: number): number {
    let ctx = this.ctxOfRow[scopeRow]!;
    if (ctx >= 0) return ctx;
    const batch = this.batch!;
    const c = batch.scopes;
    const co = scopeRow * SCOPE_STRIDE;
    const resRow = c[co + C_RES]!;
    let res = this.resOfRow[resRow]!;
    if (res < 0) {
      const r = batch.resources;
      const ro = resRow * RES_STRIDE;
      const rbuf = batch.buffers[r[ro + R_BUF]!]!;
      res = this.resources.intern(-1, rbuf, r[ro + R_FIELD_START]!, r[ro + R_FIELD_END]!, r[ro + R_SCHEMA_START]!, r[ro + R_SCHEMA_END]!);
      this.resOfRow[resRow] = res;
    }
    const cbuf = batch.buffers[c[co + C_BUF]!]!;
    const before = this.scopes.live;
    ctx = this.scopes.intern(res, cbuf, c[co + C_FIELD_START]!, c[co + C_FIELD_END]!, c[co + C_SCHEMA_START]!, c[co + C_SCHEMA_END]!);
    // A new scope entry holds its resource.
    if (this.scopes.live !== before) this.resources.ref(res);
    this.ctxOfRow[scopeRow] = ctx;
    return ctx;
  }

  private flushRun(src: Buffer, start: number, end: number, ctx: number, heads: Int32Array, tails: Int32Array, slot: number): void {
    const len = end - start;
    const slab = this.slabs[this.cur]!;
    if (len <= 32) {
      // Short copies: a JS loop beats Buffer#copy's native call.
      let p = this.curPos;
      for (let i = start; i < end; i++) slab[p++] = src[i]!;
    } else {
      src.copy(slab, this.curPos, start, end);
    }
    this.addBytes(len, ctx, heads, tails, slot);
  }

  private writeUnframed(src: Buffer, start: number, end: number, framed: number, ctx: number, heads: Int32Array, tails: Int32Array, slot: number): void {
    const slab = this.slabs[this.cur]!;
    let p = this.curPos;
    slab[p++] = TAG_SPANS;
    let v = end - start;
    while (v >= 0x80) {
      slab[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    slab[p++] = v;
    src.copy(slab, p, start, end);
    if (p + (end - start) - this.curPos !== framed) throw new Error('span store: framing size mismatch');
    this.addBytes(framed, ctx, heads, tails, slot);
  }

  /** Accounts `len` bytes just written at curPos to the trace, extending its last fragment when adjacent. */
  private addBytes(len: number, ctx: number, heads: Int32Array, tails: Int32Array, slot: number): void {
    const cur = this.cur;
    const tail = tails[slot]!;
    if (tail !== -1 && this.fSlab[tail] === cur && this.fCtx[tail] === ctx && this.fOff[tail]! + this.fLen[tail]! === this.curPos) {
      this.fLen[tail]! += len;
    } else {
      const f = this.newFragment();
      this.fCtx[f] = ctx;
      this.fSlab[f] = cur;
      this.fOff[f] = this.curPos;
      this.fLen[f] = len;
      this.fNext[f] = -1;
      this.scopes.ref(ctx);
      if (tail === -1) heads[slot] = f;
      else this.fNext[tail] = f;
      tails[slot] = f;
    }
    this.curPos += len;
    this.slabLive[cur]! += len;
  }

  private newFragment(): number {
    this.fragments++;
    if (this.fFree !== -1) {
      const f = this.fFree;
      this.fFree = this.fNext[f]!;
      return f;
    }
    if (this.fUsed === this.fNext.length) {
      // x1.5: this table is most of the bookkeeping of one-span traces; less slack than doubling.
      const n = Math.ceil(this.fNext.length * 1.5);
      this.fCtx = grow(this.fCtx, n);
      this.fSlab = grow(this.fSlab, n);
      this.fOff = grow(this.fOff, n);
      this.fLen = grow(this.fLen, n);
      const next = new Int32Array(n);
      next.set(this.fNext);
      this.fNext = next;
    }
    return this.fUsed++;
  }

  private newSlab(minBytes: number): void {
    const prev = this.cur;
    const size = Math.max(this.slabSize, minBytes);
    // allocUnsafeSlow: never a slice of Node's shared 8 KiB pool, which a long-lived slice would pin.
    const buf = Buffer.allocUnsafeSlow(size);
    const id = this.freeSlabIds.length > 0 ? this.freeSlabIds.pop()! : this.slabs.length;
    this.slabs[id] = buf;
    this.slabLive[id] = 0;
    this.slabBytes += size;
    this.cur = id;
    this.curPos = 0;
    this.curCap = size;
    if (prev !== -1 && this.slabLive[prev] === 0) this.freeSlab(prev);
  }

  private freeSlab(id: number): void {
    this.slabBytes -= this.slabs[id]!.length;
    this.slabs[id] = null;
    this.freeSlabIds.push(id);
  }
}

function grow(a: Uint32Array, n: number): Uint32Array {
  const b = new Uint32Array(n);
  b.set(a);
  return b;
}

/**
 * Reusable output of SpanStore.build: one trace's request bytes and row tables, grown as needed
 * and overwritten by the next build (the evaluation of one trace never outlives it).
 */
export class TraceScratch {
  buf: Buffer = Buffer.allocUnsafeSlow(4096);
  /** Bytes of `buf` the last build wrote. */
  length = 0;
  resources = new Uint32Array(4 * RES_STRIDE);
  scopes = new Uint32Array(4 * SCOPE_STRIDE);
  spans = new Uint32Array(64 * SPAN_STRIDE);
  readonly reader = new WireReader(this.buf, 0);
  /** [buf], shared by the batches built over this scratch. */
  buffers: Buffer[] = [this.buf];

  reserve(bytes: number, resources: number, scopes: number, spans: number): void {
    if (this.buf.length < bytes) {
      this.buf = Buffer.allocUnsafeSlow(Math.max(bytes, this.buf.length * 2));
      this.reader.buf = this.buf;
      this.buffers = [this.buf];
    }
    if (this.resources.length < resources * RES_STRIDE) this.resources = new Uint32Array(Math.max(resources, (this.resources.length / RES_STRIDE) * 2) * RES_STRIDE);
    if (this.scopes.length < scopes * SCOPE_STRIDE) this.scopes = new Uint32Array(Math.max(scopes, (this.scopes.length / SCOPE_STRIDE) * 2) * SCOPE_STRIDE);
    if (this.spans.length < spans * SPAN_STRIDE) this.spans = new Uint32Array(Math.max(spans, (this.spans.length / SPAN_STRIDE) * 2) * SPAN_STRIDE);
  }

  /** A copy of the last built request's bytes (for a trace that is kept). */
  copyBytes(): Buffer {
    const b = Buffer.allocUnsafe(this.length);
    this.buf.copy(b, 0, 0, this.length);
    return b;
  }
}

function writeVarint(buf: Buffer, p: number, v: number): number {
  while (v >= 0x80) {
    buf[p++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[p++] = v;
  return p;
}

/**
 * Writes an interned head (a `resource` / `scope` field: tag, length, payload; empty when the
 * message was absent) and records field start/end and message start/end at rows[at..at+4).
 */
function writeHead(buf: Buffer, p: number, bytes: Buffer, split: number, rows: Uint32Array, at: number): number {
  if (split === 0) {
    rows[at] = rows[at + 1] = rows[at + 4] = rows[at + 5] = 0;
    return p;
  }
  bytes.copy(buf, p, 0, split);
  let q = p + 1; // past the one-byte tag
  while (buf[q]! >= 0x80) q++;
  rows[at] = p; // field start
  rows[at + 1] = p + split; // field end
  rows[at + 4] = q + 1; // message payload start
  rows[at + 5] = p + split; // message payload end
  return p + split;
}

/** Writes an interned tail (a `schema_url` field, or nothing) and records where at rows[at..at+2). */
function writeTail(buf: Buffer, p: number, bytes: Buffer, split: number, rows: Uint32Array, at: number): number {
  const n = bytes.length - split;
  if (n <= 0) return p;
  bytes.copy(buf, p, split, bytes.length);
  rows[at] = p;
  rows[at + 1] = p + n;
  return p + n;
}

