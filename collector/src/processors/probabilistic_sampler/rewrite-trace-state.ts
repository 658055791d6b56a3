/**
 * Replaces a span's trace_state (Span field 3) in its wire bytes: every other field is copied
 * as it is, byte for byte; old trace_state fields are left out; the new one goes before the
 * first field numbered above 3 (where an encoder puts it). Much cheaper than decoding and
 * re-encoding the span, and it cannot change anything else.
 *
 * Performance: one scan with an inlined varint reader, then at most a few copies of contiguous
 * runs (a native Buffer#copy per field would cost more than the scan); the tracestate is ASCII
 * (validated or generated), so it is written with latin1 and its length is its byte length.
 */
import { WIRE_LEN, WireReader } from '../../pdata/wire-reader.ts';
import { varintSize } from '../../pdata/wire-writer.ts';

const TAG_TRACE_STATE = (3 << 3) | WIRE_LEN;
/** Removed trace_state fields kept track of; more (absurd, but legal) fall back to a slow path. */
const MAX_REMOVED = 4;

export class TraceStateRewriter {
  private readonly reader = new WireReader(Buffer.alloc(0), 0);
  private readonly removedStart = new Int32Array(MAX_REMOVED);
  private readonly removedEnd = new Int32Array(MAX_REMOVED);

  /** span[start, end) with its trace_state replaced by `traceState` (ASCII). */
  rewrite(span: Buffer, start: number, end: number, traceState: string): Buffer {
    const r = this.reader;
    r.buf = span;
    r.pos = start;
    let insertAt = end;
    let removedBytes = 0;
    let nRemoved = 0;
    while (r.pos < end) {
      const fieldStart = r.pos;
      const b = span[r.pos]!;
      let tag: number;
      if (b < 0x80) {
        tag = b;
        r.pos++;
      } else {
        tag = r.varint(end);
      }
      r.skip(tag & 7, end, tag >>> 3);
      if (tag === TAG_TRACE_STATE) {
        if (nRemoved === MAX_REMOVED) return this.rewriteSlow(span, start, end, traceState);
        this.removedStart[nRemoved] = fieldStart;
        this.removedEnd[nRemoved] = r.pos;
        nRemoved++;
        removedBytes += r.pos - fieldStart;
      } else if (insertAt === end && tag >>> 3 > 3) {
        insertAt = fieldStart;
      }
    }
    const tsLen = traceState.length;
    const fieldLen = tsLen === 0 ? 0 : 1 + varintSize(tsLen) + tsLen;
    const out = Buffer.allocUnsafe(end - start - removedBytes + fieldLen);
    let w = 0;
    let pos = start;
    let inserted = fieldLen === 0;
    // Copy [start, end) without the removed fields; the new field goes at insertAt (a kept
    // field's start, or the end).
    for (let k = 0; k <= nRemoved; k++) {
      const segEnd = k < nRemoved ? this.removedStart[k]! : end;
      if (!inserted && insertAt >= pos && insertAt < segEnd) {
        w = copyRun(span, pos, insertAt, out, w);
        w = writeField(out, w, traceState);
        inserted = true;
        w = copyRun(span, insertAt, segEnd, out, w);
      } else {
        w = copyRun(span, pos, segEnd, out, w);
      }
      pos = k < nRemoved ? this.removedEnd[k]! : end;
    }
    if (!inserted) writeField(out, w, traceState);
    return out;
  }

  /** Many trace_state fields: field by field. */
  private rewriteSlow(span: Buffer, start: number, end: number, traceState: string): Buffer {
    const kept: Buffer[] = [];
    const r = this.reader;
    r.buf = span;
    r.pos = start;
    let inserted = false;
    const field = Buffer.allocUnsafe(traceState.length === 0 ? 0 : 1 + varintSize(traceState.length) + traceState.length);
    if (field.length > 0) writeField(field, 0, traceState);
    while (r.pos < end) {
      const fieldStart = r.pos;
      const tag = r.varint(end);
      r.skip(tag & 7, end, tag >>> 3);
      if (tag === TAG_TRACE_STATE) continue;
      if (!inserted && tag >>> 3 > 3) {
        kept.push(field);
        inserted = true;
      }
      kept.push(span.subarray(fieldStart, r.pos));
    }
    if (!inserted) kept.push(field);
    return Buffer.concat(kept);
  }
}

function copyRun(src: Buffer, from: number, to: number, out: Buffer, w: number): number {
  const n = to - from;
  if (n <= 0) return w;
  if (n <= 32) {
    for (let i = from; i < to; i++) out[w++] = src[i]!;
    return w;
  }
  return w + src.copy(out, w, from, to);
}

/** Writes the trace_state field; returns the new offset. */
function writeField(out: Buffer, w: number, ts: string): number {
  out[w++] = TAG_TRACE_STATE;
  let v = ts.length;
  while (v >= 0x80) {
    out[w++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[w++] = v;
  return w + out.write(ts, w, ts.length, 'latin1');
}

/** One-off convenience (tests): the whole buffer is the span payload. */
export function withTraceState(span: Buffer, traceState: string): Buffer {
  return new TraceStateRewriter().rewrite(span, 0, span.length, traceState);
}
