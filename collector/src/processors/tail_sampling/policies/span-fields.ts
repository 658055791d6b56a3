/**
 * Lazy readers for the span fields the SpanBatch index does not keep (trace_state, status
 * message, events, scope name): they scan the span's bytes in place into caller-owned cursor
 * objects, so a look-up allocates nothing. The input was validated by the indexer, so the scans
 * trust the structure.
 */
import { WIRE_I64, WIRE_LEN, WireReader } from '../../../pdata/wire-reader.ts';
import { C_BUF, C_MSG_END, C_MSG_START, SCOPE_STRIDE, SPAN_STRIDE, S_END, S_SCOPE, S_START, type SpanBatch } from '../../../pdata/span-batch.ts';

const EMPTY = Buffer.alloc(0);

/** A byte range of one buffer; reused per call site. */
export class ByteRange {
  buf: Buffer = EMPTY;
  start = 0;
  end = 0;

  get length(): number {
    return this.end - this.start;
  }

  toString(): string {
    return this.buf.toString('utf8', this.start, this.end);
  }

  equals(bytes: Buffer): boolean {
    return this.end - this.start === bytes.length && this.buf.compare(bytes, 0, bytes.length, this.start, this.end) === 0;
  }
}

const TAG_TRACE_STATE = (3 << 3) | WIRE_LEN; // Span.trace_state
const TAG_EVENTS = (11 << 3) | WIRE_LEN; // Span.events
const TAG_STATUS = (15 << 3) | WIRE_LEN; // Span.status

/**
 * Finds the last LEN field with the given tag at the top level of msg [start, end) (protobuf:
 * the last occurrence of a string field wins). Fills `out`; false (and an empty range) if absent.
 */
export function findLenField(r: WireReader, buf: Buffer, start: number, end: number, tag: number, out: ByteRange): boolean {
  r.buf = buf;
  r.pos = start;
  let found = false;
  out.buf = buf;
  out.start = out.end = 0;
  while (r.pos < end) {
    const t = r.varint(end);
    if (t === tag) {
      const stop = r.lenEnd(end);
      out.start = r.pos;
      out.end = stop;
      found = true;
      r.pos = stop;
    } else {
      r.skip(t & 7, end, t >>> 3);
    }
  }
  return found;
}

/** Reads span i's W3C trace_state bytes (Span field 3) into `out`; false when absent. */
export function readTraceState(batch: SpanBatch, i: number, r: WireReader, out: ByteRange): boolean {
  const o = i * SPAN_STRIDE;
  const s = batch.spans;
  return findLenField(r, batch.spanBuffer(i), s[o + S_START]!, s[o + S_END]!, TAG_TRACE_STATE, out) && out.end > out.start;
}

/** Reads span i's status message (Span.status.message) into `out`; false when absent or empty. */
export function readStatusMessage(batch: SpanBatch, i: number, r: WireReader, out: ByteRange): boolean {
  const o = i * SPAN_STRIDE;
  const s = batch.spans;
  const buf = batch.spanBuffer(i);
  if (!findLenField(r, buf, s[o + S_START]!, s[o + S_END]!, TAG_STATUS, out)) return false;
  return findLenField(r, buf, out.start, out.end, (2 << 3) | WIRE_LEN, out) && out.end > out.start;
}

/** Reads span i's scope name (field 1) or version (field 2) into `out`; false when absent. */
export function readScopeString(batch: SpanBatch, i: number, field: 1 | 2, r: WireReader, out: ByteRange): boolean {
  const c = batch.spans[i * SPAN_STRIDE + S_SCOPE]! * SCOPE_STRIDE;
  const start = batch.scopes[c + C_MSG_START]!;
  const end = batch.scopes[c + C_MSG_END]!;
  if (end <= start) return false;
  return findLenField(r, batch.buffers[batch.scopes[c + C_BUF]!]!, start, end, (field << 3) | WIRE_LEN, out);
}

/**
 * Walks the events of one span: reset(batch, i), then next() until false. After next(), the
 * event's message is buf[msgStart, msgEnd) (Event.attributes is field 3, for findAttribute), its
 * name is nameStart..nameEnd and its time is timeLo/timeHi.
 */
export class EventCursor {
  readonly reader = new WireReader(EMPTY, 0);
  /** A second reader for scans inside the current event, so next() keeps its place. */
  private readonly inner = new WireReader(EMPTY, 0);
  buf: Buffer = EMPTY;
  private end = 0;
  msgStart = 0;
  msgEnd = 0;
  nameStart = 0;
  nameEnd = 0;
  timeLo = 0;
  timeHi = 0;

  reset(batch: SpanBatch, i: number): void {
    const o = i * SPAN_STRIDE;
    this.buf = batch.spanBuffer(i);
    this.reader.buf = this.buf;
    this.reader.pos = batch.spans[o + S_START]!;
    this.end = batch.spans[o + S_END]!;
  }

  next(): boolean {
    const r = this.reader;
    const end = this.end;
    while (r.pos < end) {
      const t = r.varint(end);
      if (t !== TAG_EVENTS) {
        r.skip(t & 7, end, t >>> 3);
        continue;
      }
      const stop = r.lenEnd(end);
      this.msgStart = r.pos;
      this.msgEnd = stop;
      r.pos = stop;
      this.scanEvent();
      return true;
    }
    return false;
  }

  nameEquals(bytes: Buffer): boolean {
    return this.nameEnd - this.nameStart === bytes.length && this.buf.compare(bytes, 0, bytes.length, this.nameStart, this.nameEnd) === 0;
  }

  private scanEvent(): void {
    const r = this.inner;
    r.buf = this.buf;
    r.pos = this.msgStart;
    const end = this.msgEnd;
    this.nameStart = this.nameEnd = 0;
    this.timeLo = this.timeHi = 0;
    while (r.pos < end) {
      const t = r.varint(end);
      if (t === ((1 << 3) | WIRE_I64)) {
        this.timeLo = this.buf.readUInt32LE(r.pos);
        this.timeHi = this.buf.readUInt32LE(r.pos + 4);
        r.pos += 8;
      } else if (t === ((2 << 3) | WIRE_LEN)) {
        const stop = r.lenEnd(end);
        this.nameStart = r.pos;
        this.nameEnd = stop;
        r.pos = stop;
      } else {
        r.skip(t & 7, end, t >>> 3);
      }
    }
  }
}
