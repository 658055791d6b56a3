/**
 * Lazy attribute look-ups: scan a message's KeyValue fields in place and stop at the first key
 * that matches, comparing bytes against a key encoded once (config keys are constants). The
 * result goes into a caller-owned AttributeRef, so a look-up allocates nothing.
 */
import { WIRE_LEN, WireReader } from './wire-reader.ts';
import {
  C_BUF,
  C_MSG_END,
  C_MSG_START,
  R_BUF,
  R_MSG_END,
  R_MSG_START,
  RES_STRIDE,
  SCOPE_STRIDE,
  SPAN_STRIDE,
  S_END,
  S_SCOPE,
  S_START,
  type SpanBatch,
} from './span-batch.ts';
import { C_RES } from './span-batch.ts';

/** AnyValue oneof field numbers; 0 = no value set. */
export const AV_EMPTY = 0;
export const AV_STRING = 1;
export const AV_BOOL = 2;
export const AV_INT = 3;
export const AV_DOUBLE = 4;
export const AV_ARRAY = 5;
export const AV_KVLIST = 6;
export const AV_BYTES = 7;

const EMPTY = Buffer.alloc(0);

/** Where a found attribute's value is. Reuse one per call site. */
export class AttributeRef {
  /** Reused by every look-up through this ref: no reader allocated per span. */
  readonly reader = new WireReader(EMPTY, 0);
  type = AV_EMPTY;
  buf: Buffer = EMPTY;
  /** Payload of the value: string/bytes/array/kvlist bytes, or the varint / 8 double bytes. */
  start = 0;
  end = 0;

  stringValue(): string {
    return this.buf.toString('utf8', this.start, this.end);
  }

  /** True when the value is a string equal to the given UTF-8 bytes (no string allocated). */
  stringEquals(bytes: Buffer): boolean {
    return this.type === AV_STRING && this.end - this.start === bytes.length && this.buf.compare(bytes, 0, bytes.length, this.start, this.end) === 0;
  }

  boolValue(): boolean {
    return this.buf[this.start] !== 0;
  }

  /** int64 value as a number (exact within ±2^53; beyond that, nearest double). */
  intValue(): number {
    // Up to 7 varint bytes (49 bits) a double holds the value exactly: no BigInt (~0.3 µs) needed.
    // Negative int64s are always 10 bytes and take the BigInt path.
    if (this.end - this.start <= 7) {
      const r = this.reader;
      r.buf = this.buf;
      r.pos = this.start;
      return r.varint(this.end);
    }
    return Number(this.intValueBig());
  }

  intValueBig(): bigint {
    const r = this.reader;
    r.buf = this.buf;
    r.pos = this.start;
    return r.varint64(this.end);
  }

  doubleValue(): number {
    return this.buf.readDoubleLE(this.start);
  }

  /** Numeric value for int or double attributes, NaN otherwise. */
  numberValue(): number {
    if (this.type === AV_INT) return this.intValue();
    if (this.type === AV_DOUBLE) return this.doubleValue();
    return NaN;
  }
}

/**
 * Finds `key` among the KeyValue fields numbered `field` in the message payload [start, end) of
 * buf. Input was validated by the indexer, so this scan trusts the structure.
 */
export function findAttribute(buf: Buffer, start: number, end: number, field: number, key: Buffer, out: AttributeRef): boolean {
  const r = out.reader;
  r.buf = buf;
  r.pos = start;
  const wantTag = (field << 3) | WIRE_LEN;
  while (r.pos < end) {
    const tag = r.varint(end);
    if (tag !== wantTag) {
      r.skip(tag & 7, end, tag >>> 3);
      continue;
    }
    const kvEnd = r.lenEnd(end);
    // Scan the KeyValue: key (1) and value (2), in any order.
    // An absent key field is the empty string (proto3 default).
    let keyMatch = key.length === 0;
    let valStart = -1;
    let valEnd = -1;
    while (r.pos < kvEnd) {
      const t = r.varint(kvEnd);
      if (t === ((1 << 3) | WIRE_LEN)) {
        const kEnd = r.lenEnd(kvEnd);
        keyMatch = kEnd - r.pos === key.length && buf.compare(key, 0, key.length, r.pos, kEnd) === 0;
        r.pos = kEnd;
      } else if (t === ((2 << 3) | WIRE_LEN)) {
        valEnd = r.lenEnd(kvEnd);
        valStart = r.pos;
        r.pos = valEnd;
      } else {
        r.skip(t & 7, kvEnd, t >>> 3);
      }
    }
    if (keyMatch) {
      readAnyValue(buf, valStart, valEnd, out);
      return true;
    }
  }
  return false;
}

/** Fills `out` from an AnyValue payload [start, end); start = -1 means the value was absent. */
function readAnyValue(buf: Buffer, start: number, end: number, out: AttributeRef): void {
  out.buf = buf;
  out.type = AV_EMPTY;
  out.start = out.end = 0;
  if (start < 0) return;
  const r = out.reader;
  r.pos = start;
  // Last oneof member wins, as protobuf merges.
  while (r.pos < end) {
    const tag = r.varint(end);
    const f = tag >>> 3;
    const wt = tag & 7;
    if (wt === WIRE_LEN) {
      const stop = r.lenEnd(end);
      if (f === AV_STRING || f === AV_ARRAY || f === AV_KVLIST || f === AV_BYTES) {
        out.type = f;
        out.start = r.pos;
        out.end = stop;
      }
      r.pos = stop;
    } else if (wt === 0 && (f === AV_BOOL || f === AV_INT)) {
      out.type = f;
      out.start = r.pos;
      r.varint64(end);
      out.end = r.pos;
    } else if (wt === 1 && f === AV_DOUBLE) {
      out.type = f;
      out.start = r.pos;
      r.pos += 8;
      out.end = r.pos;
    } else {
      r.skip(wt, end, f);
    }
  }
}

/** Span attribute look-up (Span.attributes is field 9). */
export function findSpanAttribute(batch: SpanBatch, i: number, key: Buffer, out: AttributeRef): boolean {
  const o = i * SPAN_STRIDE;
  const s = batch.spans;
  return findAttribute(batch.spanBuffer(i), s[o + S_START]!, s[o + S_END]!, 9, key, out);
}

/** Resource attribute look-up for span i's resource (Resource.attributes is field 1). */
export function findResourceAttribute(batch: SpanBatch, i: number, key: Buffer, out: AttributeRef): boolean {
  const scope = batch.spans[i * SPAN_STRIDE + S_SCOPE]!;
  const res = batch.scopes[scope * SCOPE_STRIDE + C_RES]!;
  return findResourceAttributeByIndex(batch, res, key, out);
}

export function findResourceAttributeByIndex(batch: SpanBatch, res: number, key: Buffer, out: AttributeRef): boolean {
  const ro = res * RES_STRIDE;
  const r = batch.resources;
  const start = r[ro + R_MSG_START]!;
  const end = r[ro + R_MSG_END]!;
  if (end <= start) return false;
  return findAttribute(batch.buffers[r[ro + R_BUF]!]!, start, end, 1, key, out);
}

/** Scope attribute look-up (InstrumentationScope.attributes is field 3). */
export function findScopeAttribute(batch: SpanBatch, i: number, key: Buffer, out: AttributeRef): boolean {
  const scope = batch.spans[i * SPAN_STRIDE + S_SCOPE]!;
  const co = scope * SCOPE_STRIDE;
  const c = batch.scopes;
  const start = c[co + C_MSG_START]!;
  const end = c[co + C_MSG_END]!;
  if (end <= start) return false;
  return findAttribute(batch.buffers[c[co + C_BUF]!]!, start, end, 3, key, out);
}
