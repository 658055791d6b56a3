/**
 * Encodes a SpanBatch as an ExportTraceServiceRequest by re-framing: ResourceSpans and ScopeSpans
 * headers are written around span payloads copied verbatim. Spans are never re-serialized here.
 *
 * Consecutive spans of the same scope (and scopes of the same resource) share one header, so a
 * batch in its original order encodes as compactly as it arrived. A pristine batch (whole
 * requests, unchanged) is just the concatenation of those requests.
 */
import { lenFieldSize, varintSize, WireWriter } from './wire-writer.ts';
import {
  C_BUF,
  C_FIELD_END,
  C_FIELD_START,
  C_RES,
  C_SCHEMA_END,
  C_SCHEMA_START,
  R_BUF,
  R_FIELD_END,
  R_FIELD_START,
  R_SCHEMA_END,
  R_SCHEMA_START,
  RES_STRIDE,
  SCOPE_STRIDE,
  SPAN_STRIDE,
  NONE,
  S_BUF,
  S_END,
  S_FIELD_START,
  S_SCOPE,
  S_START,
  SpanBatch,
} from './span-batch.ts';

const TAG_RESOURCE_SPANS = (1 << 3) | 2; // ExportTraceServiceRequest.resource_spans
const TAG_SCOPE_SPANS = (2 << 3) | 2; // ResourceSpans.scope_spans
const TAG_SPANS = (2 << 3) | 2; // ScopeSpans.spans

export function encodeExportRequest(batch: SpanBatch): Buffer {
  const pristine = batch.pristine;
  if (pristine !== null) {
    if (pristine.length === 1) return pristine[0]!;
    return Buffer.concat(pristine);
  }
  return reframe(batch);
}

function reframe(batch: SpanBatch): Buffer {
  const n = batch.spanCount;
  if (n === 0) return Buffer.alloc(0);
  const s = batch.spans;
  const sc = batch.scopes;
  const rs = batch.resources;
  // Pass 1: payload size of every scope run and resource run (at most one run per span).
  const scopeRunSize = new Uint32Array(n);
  const resRunSize = new Uint32Array(n);
  let nScopeRuns = 0;
  let nResRuns = 0;
  let prevScope = -1;
  let prevRes = -1;
  let scopeAcc = 0;
  let resAcc = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const o = i * SPAN_STRIDE;
    const scope = s[o + S_SCOPE]!;
    const co = scope * SCOPE_STRIDE;
    const res = sc[co + C_RES]!;
    if (scope !== prevScope || res !== prevRes) {
      if (prevScope !== -1) {
        scopeRunSize[nScopeRuns++] = scopeAcc;
        resAcc += lenFieldSize(scopeAcc);
      }
      if (res !== prevRes) {
        if (prevRes !== -1) {
          resRunSize[nResRuns++] = resAcc;
          total += lenFieldSize(resAcc);
        }
        const ro = res * RES_STRIDE;
        resAcc = rs[ro + R_FIELD_END]! - rs[ro + R_FIELD_START]! + (rs[ro + R_SCHEMA_END]! - rs[ro + R_SCHEMA_START]!);
        prevRes = res;
      }
      scopeAcc = sc[co + C_FIELD_END]! - sc[co + C_FIELD_START]! + (sc[co + C_SCHEMA_END]! - sc[co + C_SCHEMA_START]!);
      prevScope = scope;
    }
    const fieldStart = s[o + S_FIELD_START]!;
    // A span still framed as received is copied with its original tag and length bytes.
    scopeAcc += fieldStart !== NONE ? s[o + S_END]! - fieldStart : lenFieldSize(s[o + S_END]! - s[o + S_START]!);
  }
  scopeRunSize[nScopeRuns++] = scopeAcc;
  resAcc += lenFieldSize(scopeAcc);
  resRunSize[nResRuns++] = resAcc;
  total += lenFieldSize(resAcc);

  // Pass 2: write headers and copy slices in the same order. Spans whose framed bytes are
  // adjacent in the same buffer are copied as one run: one native copy instead of one per span.
  const w = new WireWriter(total);
  const buffers = batch.buffers;
  let scopeRun = 0;
  let resRun = 0;
  let runBuf = -1;
  let runStart = 0;
  let runEnd = 0;
  prevScope = -1;
  prevRes = -1;
  for (let i = 0; i < n; i++) {
    const o = i * SPAN_STRIDE;
    const scope = s[o + S_SCOPE]!;
    const co = scope * SCOPE_STRIDE;
    const res = sc[co + C_RES]!;
    if (scope !== prevScope || res !== prevRes) {
      if (runBuf !== -1) {
        w.copy(buffers[runBuf]!, runStart, runEnd);
        runBuf = -1;
      }
      if (prevScope !== -1) writeScopeTail(w, batch, prevScope);
      if (res !== prevRes) {
        if (prevRes !== -1) writeResourceTail(w, batch, prevRes);
        const ro = res * RES_STRIDE;
        w.byte(TAG_RESOURCE_SPANS);
        w.varint(resRunSize[resRun++]!);
        const rbuf = buffers[rs[ro + R_BUF]!]!;
        w.copy(rbuf, rs[ro + R_FIELD_START]!, rs[ro + R_FIELD_END]!);
        prevRes = res;
      }
      w.byte(TAG_SCOPE_SPANS);
      w.varint(scopeRunSize[scopeRun++]!);
      const cbuf = buffers[sc[co + C_BUF]!]!;
      w.copy(cbuf, sc[co + C_FIELD_START]!, sc[co + C_FIELD_END]!);
      prevScope = scope;
    }
    const bufIndex = s[o + S_BUF]!;
    const fieldStart = s[o + S_FIELD_START]!;
    const end = s[o + S_END]!;
    if (fieldStart !== NONE) {
      if (bufIndex === runBuf && fieldStart === runEnd) {
        runEnd = end;
      } else {
        if (runBuf !== -1) w.copy(buffers[runBuf]!, runStart, runEnd);
        runBuf = bufIndex;
        runStart = fieldStart;
        runEnd = end;
      }
    } else {
      if (runBuf !== -1) {
        w.copy(buffers[runBuf]!, runStart, runEnd);
        runBuf = -1;
      }
      const start = s[o + S_START]!;
      w.byte(TAG_SPANS);
      w.varint(end - start);
      w.copy(buffers[bufIndex]!, start, end);
    }
  }
  if (runBuf !== -1) w.copy(buffers[runBuf]!, runStart, runEnd);
  writeScopeTail(w, batch, prevScope);
  writeResourceTail(w, batch, prevRes);
  return w.finish();
}

function writeScopeTail(w: WireWriter, batch: SpanBatch, scope: number): void {
  const sc = batch.scopes;
  const co = scope * SCOPE_STRIDE;
  const a = sc[co + C_SCHEMA_START]!;
  const b = sc[co + C_SCHEMA_END]!;
  if (b > a) w.copy(batch.buffers[sc[co + C_BUF]!]!, a, b);
}

function writeResourceTail(w: WireWriter, batch: SpanBatch, res: number): void {
  const rs = batch.resources;
  const ro = res * RES_STRIDE;
  const a = rs[ro + R_SCHEMA_START]!;
  const b = rs[ro + R_SCHEMA_END]!;
  if (b > a) w.copy(batch.buffers[rs[ro + R_BUF]!]!, a, b);
}

/** Encoded size without encoding (for byte-based batching and queue sizers). */
export function encodedSize(batch: SpanBatch): number {
  if (batch.pristine !== null) {
    let n = 0;
    for (const p of batch.pristine) n += p.length;
    return n;
  }
  // Approximate (a lower bound): the framed spans, without resource and scope headers.
  let n = 0;
  const s = batch.spans;
  for (let o = 0, end = batch.spanCount * SPAN_STRIDE; o < end; o += SPAN_STRIDE) {
    const len = s[o + S_END]! - s[o + S_START]!;
    n += 1 + varintSize(len) + len;
  }
  return n;
}
