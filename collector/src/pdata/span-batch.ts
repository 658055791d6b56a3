/**
 * SpanBatch: spans as bytes plus a compact index (../shared/DESIGN.md, "Spans travel as bytes").
 *
 * The request buffers are kept as received and never mutated; the batch owns three tables of
 * fixed-stride rows in Uint32Arrays (one allocation per table, cache-friendly, no object per
 * span): resources, scopes and spans. A span row holds its byte range and the fields routing and
 * sampling read (ids, times, status, kind, name); everything else (attributes, events, links) is
 * read lazily from the bytes.
 *
 * Ownership: buffers are immutable and may be shared between batches; resource and scope tables
 * are immutable after indexing and shared by select(); the span table is owned by one batch.
 * After consume(batch) resolves, the caller must not touch the batch again.
 */

export const NONE = 0xffffffff;

// Span row layout (u32 words).
export const S_BUF = 0; // index into buffers
export const S_START = 1; // span message payload [start, end)
export const S_END = 2;
export const S_SCOPE = 3; // scope row index
export const S_TRACE_ID = 4; // offset of the 16 trace id bytes, NONE if empty
export const S_SPAN_ID = 5; // offset of the 8 span id bytes, NONE if empty
export const S_PARENT_ID = 6; // offset of the 8 parent span id bytes, NONE if root
export const S_START_LO = 7; // start_time_unix_nano, low and high u32
export const S_START_HI = 8;
export const S_END_LO = 9;
export const S_END_HI = 10;
export const S_NAME_OFF = 11; // name bytes (UTF-8) offset and length
export const S_NAME_LEN = 12;
export const S_STATUS_KIND = 13; // status code | kind << 8
export const S_FLAGS = 14;
/**
 * Offset of the span's own tag in its ScopeSpans when it is still framed as received (NONE for a
 * rewritten span). Spans whose framed bytes are adjacent are copied as one run when re-framing.
 */
export const S_FIELD_START = 15;
export const SPAN_STRIDE = 16;

// Resource row layout: where ResourceSpans' own fields are, to copy them verbatim when re-framing.
export const R_BUF = 0;
export const R_FIELD_START = 1; // the whole `resource` field (tag + length + payload); start = end if absent
export const R_FIELD_END = 2;
export const R_SCHEMA_START = 3; // the whole `schema_url` field
export const R_SCHEMA_END = 4;
export const R_MSG_START = 5; // Resource message payload, for attribute look-ups
export const R_MSG_END = 6;
export const RES_STRIDE = 8;

// Scope row layout.
export const C_RES = 0; // resource row index
export const C_BUF = 1;
export const C_FIELD_START = 2; // the whole `scope` field
export const C_FIELD_END = 3;
export const C_SCHEMA_START = 4; // the whole `schema_url` field
export const C_SCHEMA_END = 5;
export const C_MSG_START = 6; // InstrumentationScope payload
export const C_MSG_END = 7;
export const SCOPE_STRIDE = 8;

const TWO_32 = 4294967296;

/** Client metadata (gRPC metadata / HTTP headers, lower-cased keys) for include_metadata. */
export type ClientMetadata = ReadonlyMap<string, readonly string[]>;

export class SpanBatch {
  buffers: Buffer[];
  resources: Uint32Array;
  resourceCount: number;
  scopes: Uint32Array;
  scopeCount: number;
  spans: Uint32Array;
  spanCount: number;
  metadata: ClientMetadata | null;
  /**
   * Whole ExportTraceServiceRequest encodings equal to this batch, when it is exactly some
   * requests unchanged and in order; encoding is then a concatenation (repeated fields concatenate
   * in protobuf). null once spans were selected or rewritten.
   */
  pristine: Buffer[] | null;
  /** False while `buffers` may be shared with other batches (select/clone share it). */
  buffersOwned: boolean;

  constructor(
    buffers: Buffer[],
    resources: Uint32Array,
    resourceCount: number,
    scopes: Uint32Array,
    scopeCount: number,
    spans: Uint32Array,
    spanCount: number,
    pristine: Buffer[] | null,
  ) {
    this.buffers = buffers;
    this.resources = resources;
    this.resourceCount = resourceCount;
    this.scopes = scopes;
    this.scopeCount = scopeCount;
    this.spans = spans;
    this.spanCount = spanCount;
    this.metadata = null;
    this.pristine = pristine;
    this.buffersOwned = false;
  }

  static empty(): SpanBatch {
    return new SpanBatch([], new Uint32Array(0), 0, new Uint32Array(0), 0, new Uint32Array(0), 0, []);
  }

  // ---- per-span readers (no allocation unless they return a string or Buffer) ----

  spanBuffer(i: number): Buffer {
    return this.buffers[this.spans[i * SPAN_STRIDE + S_BUF]!]!;
  }

  /** Bytes of the span message payload (without tag and length). */
  spanByteLength(i: number): number {
    const o = i * SPAN_STRIDE;
    return this.spans[o + S_END]! - this.spans[o + S_START]!;
  }

  spanBytes(i: number): Buffer {
    const o = i * SPAN_STRIDE;
    return this.spanBuffer(i).subarray(this.spans[o + S_START]!, this.spans[o + S_END]!);
  }

  startTimeNs(i: number): number {
    const o = i * SPAN_STRIDE;
    return this.spans[o + S_START_HI]! * TWO_32 + this.spans[o + S_START_LO]!;
  }

  endTimeNs(i: number): number {
    const o = i * SPAN_STRIDE;
    return this.spans[o + S_END_HI]! * TWO_32 + this.spans[o + S_END_LO]!;
  }

  startTimeBig(i: number): bigint {
    const o = i * SPAN_STRIDE;
    return (BigInt(this.spans[o + S_START_HI]!) << 32n) | BigInt(this.spans[o + S_START_LO]!);
  }

  endTimeBig(i: number): bigint {
    const o = i * SPAN_STRIDE;
    return (BigInt(this.spans[o + S_END_HI]!) << 32n) | BigInt(this.spans[o + S_END_LO]!);
  }

  statusCode(i: number): number {
    return this.spans[i * SPAN_STRIDE + S_STATUS_KIND]! & 0xff;
  }

  kind(i: number): number {
    return this.spans[i * SPAN_STRIDE + S_STATUS_KIND]! >>> 8;
  }

  flags(i: number): number {
    return this.spans[i * SPAN_STRIDE + S_FLAGS]!;
  }

  name(i: number): string {
    const o = i * SPAN_STRIDE;
    const off = this.spans[o + S_NAME_OFF]!;
    return this.spanBuffer(i).toString('utf8', off, off + this.spans[o + S_NAME_LEN]!);
  }

  isRoot(i: number): boolean {
    return this.spans[i * SPAN_STRIDE + S_PARENT_ID] === NONE;
  }

  /** Trace id as 32 lower-case hex characters ('' when empty). Allocates: not for hot loops. */
  traceIdHex(i: number): string {
    const off = this.spans[i * SPAN_STRIDE + S_TRACE_ID]!;
    if (off === NONE) return '';
    return this.spanBuffer(i).toString('hex', off, off + 16);
  }

  spanIdHex(i: number): string {
    const off = this.spans[i * SPAN_STRIDE + S_SPAN_ID]!;
    if (off === NONE) return '';
    return this.spanBuffer(i).toString('hex', off, off + 8);
  }

  parentSpanIdHex(i: number): string {
    const off = this.spans[i * SPAN_STRIDE + S_PARENT_ID]!;
    if (off === NONE) return '';
    return this.spanBuffer(i).toString('hex', off, off + 8);
  }

  /** Copies the 16 trace id bytes into dst at dstOff (zeros when empty). */
  copyTraceId(i: number, dst: Uint8Array, dstOff: number): void {
    const off = this.spans[i * SPAN_STRIDE + S_TRACE_ID]!;
    if (off === NONE) {
      dst.fill(0, dstOff, dstOff + 16);
      return;
    }
    this.spanBuffer(i).copy(dst, dstOff, off, off + 16);
  }

  /** Same trace? Compares 16 bytes in place. */
  sameTrace(i: number, other: SpanBatch, j: number): boolean {
    const a = this.spans[i * SPAN_STRIDE + S_TRACE_ID]!;
    const b = other.spans[j * SPAN_STRIDE + S_TRACE_ID]!;
    if (a === NONE || b === NONE) return a === b;
    return this.spanBuffer(i).compare(other.spanBuffer(j), b, b + 16, a, a + 16) === 0;
  }

  resourceIndexOf(i: number): number {
    return this.scopes[this.spans[i * SPAN_STRIDE + S_SCOPE]! * SCOPE_STRIDE + C_RES]!;
  }

  scopeIndexOf(i: number): number {
    return this.spans[i * SPAN_STRIDE + S_SCOPE]!;
  }

  /** Sum of span payload sizes: a cheap proxy for wire size (bytes limits, batch sizer). */
  spanBytesTotal(): number {
    let n = 0;
    const s = this.spans;
    for (let o = 0, end = this.spanCount * SPAN_STRIDE; o < end; o += SPAN_STRIDE) n += s[o + S_END]! - s[o + S_START]!;
    return n;
  }

  // ---- structural operations ----

  /**
   * A new batch holding the given spans in the given order; buffers, resources and scopes are
   * shared (they are immutable), only the span rows are copied.
   */
  select(indices: ArrayLike<number>, count: number = indices.length): SpanBatch {
    const rows = new Uint32Array(count * SPAN_STRIDE);
    let identity = count === this.spanCount;
    const src = this.spans;
    for (let k = 0; k < count; k++) {
      const i = indices[k]!;
      if (i !== k) identity = false;
      // A word loop, not rows.set(src.subarray(...)): subarray would allocate a view per span.
      const from = i * SPAN_STRIDE;
      const to = k * SPAN_STRIDE;
      for (let w = 0; w < SPAN_STRIDE; w++) rows[to + w] = src[from + w]!;
    }
    const out = new SpanBatch(
      this.buffers,
      this.resources,
      this.resourceCount,
      this.scopes,
      this.scopeCount,
      rows,
      count,
      identity ? this.pristine : null,
    );
    out.metadata = this.metadata;
    return out;
  }

  /** Spans [from, to) as a new batch (batch processor's send_batch_max_size split). */
  slice(from: number, to: number): SpanBatch {
    const rows = this.spans.slice(from * SPAN_STRIDE, to * SPAN_STRIDE);
    const whole = from === 0 && to === this.spanCount;
    const out = new SpanBatch(
      this.buffers,
      this.resources,
      this.resourceCount,
      this.scopes,
      this.scopeCount,
      rows,
      to - from,
      whole ? this.pristine : null,
    );
    out.metadata = this.metadata;
    return out;
  }

  /** An independent copy (fan-out to several pipelines: each may rewrite spans). */
  clone(): SpanBatch {
    const out = new SpanBatch(
      this.buffers.slice(),
      this.resources,
      this.resourceCount,
      this.scopes,
      this.scopeCount,
      this.spans.slice(0, this.spanCount * SPAN_STRIDE),
      this.spanCount,
      this.pristine,
    );
    out.metadata = this.metadata;
    return out;
  }

  /** Concatenation of batches (the batch processor). Row indices are rebased; bytes are not copied. */
  static concat(batches: readonly SpanBatch[]): SpanBatch {
    if (batches.length === 1) return batches[0]!;
    let nBuf = 0;
    let nRes = 0;
    let nScope = 0;
    let nSpan = 0;
    let allPristine = true;
    for (const b of batches) {
      nBuf += b.buffers.length;
      nRes += b.resourceCount;
      nScope += b.scopeCount;
      nSpan += b.spanCount;
      if (b.pristine === null) allPristine = false;
    }
    const buffers: Buffer[] = new Array(nBuf);
    const resources = new Uint32Array(nRes * RES_STRIDE);
    const scopes = new Uint32Array(nScope * SCOPE_STRIDE);
    const spans = new Uint32Array(nSpan * SPAN_STRIDE);
    const pristine: Buffer[] | null = allPristine ? [] : null;
    let bufBase = 0;
    let resBase = 0;
    let scopeBase = 0;
    let spanBase = 0;
    for (const b of batches) {
      for (let k = 0; k < b.buffers.length; k++) buffers[bufBase + k] = b.buffers[k]!;
      resources.set(b.resources.subarray(0, b.resourceCount * RES_STRIDE), resBase * RES_STRIDE);
      for (let r = resBase; r < resBase + b.resourceCount; r++) resources[r * RES_STRIDE + R_BUF]! += bufBase;
      scopes.set(b.scopes.subarray(0, b.scopeCount * SCOPE_STRIDE), scopeBase * SCOPE_STRIDE);
      for (let c = scopeBase; c < scopeBase + b.scopeCount; c++) {
        scopes[c * SCOPE_STRIDE + C_BUF]! += bufBase;
        scopes[c * SCOPE_STRIDE + C_RES]! += resBase;
      }
      spans.set(b.spans.subarray(0, b.spanCount * SPAN_STRIDE), spanBase * SPAN_STRIDE);
      for (let s = spanBase; s < spanBase + b.spanCount; s++) {
        spans[s * SPAN_STRIDE + S_BUF]! += bufBase;
        spans[s * SPAN_STRIDE + S_SCOPE]! += scopeBase;
      }
      if (pristine !== null) for (const p of b.pristine!) pristine.push(p);
      bufBase += b.buffers.length;
      resBase += b.resourceCount;
      scopeBase += b.scopeCount;
      spanBase += b.spanCount;
    }
    const out = new SpanBatch(buffers, resources, nRes, scopes, nScope, spans, nSpan, pristine);
    out.metadata = batches[0]?.metadata ?? null;
    return out;
  }
}
