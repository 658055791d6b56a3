/**
 * One pass over a span's top-level fields for what the sampler needs: where its trace_state is
 * (field 3) and the sign of its `sampling.priority` attribute (field 9). The generic readers
 * (pdata/attributes.ts + span-fields.ts) take two scans and decode an int64 through BigInt;
 * this is the per-span hot path of the processor, so it is one scan with inlined varints,
 * byte loops instead of native compares for the 17-byte key, and the int's sign read from the
 * varint's length (a 10-byte varint is a negative int64).
 */
import { WIRE_LEN, WireReader } from '../../pdata/wire-reader.ts';
import { goParseFloat } from './go-parse-float.ts';

const TAG_TRACE_STATE = (3 << 3) | WIRE_LEN;
const TAG_ATTRIBUTE = (9 << 3) | WIRE_LEN;
const KEY = Buffer.from('sampling.priority', 'latin1');
const KEY_LEN = KEY.length;

export const PRIORITY_DEFER = 0;
export const PRIORITY_MUST = 1;
export const PRIORITY_NEVER = 2;

export class SpanScan {
  private readonly r = new WireReader(Buffer.alloc(0), 0);
  /** trace_state bytes, tsStart = -1 when absent or empty. */
  tsStart = -1;
  tsEnd = -1;
  priority = PRIORITY_DEFER;

  scan(buf: Buffer, start: number, end: number): void {
    const r = this.r;
    r.buf = buf;
    r.pos = start;
    this.tsStart = this.tsEnd = -1;
    this.priority = PRIORITY_DEFER;
    let priorityFound = false;
    while (r.pos < end) {
      let tag = buf[r.pos]!;
      if (tag < 0x80) r.pos++;
      else tag = r.varint(end);
      if (tag === TAG_TRACE_STATE) {
        const stop = r.lenEnd(end);
        if (stop > r.pos) {
          this.tsStart = r.pos;
          this.tsEnd = stop;
        } else {
          this.tsStart = this.tsEnd = -1; // a later empty field wins too
        }
        r.pos = stop;
      } else if (tag === TAG_ATTRIBUTE && !priorityFound) {
        const stop = r.lenEnd(end);
        priorityFound = this.keyValue(buf, r.pos, stop);
        r.pos = stop;
      } else {
        r.skip(tag & 7, end, tag >>> 3);
      }
    }
  }

  /** One KeyValue; true (and `priority` set) when its key is sampling.priority. */
  private keyValue(buf: Buffer, start: number, end: number): boolean {
    let p = start;
    let keyMatch = false;
    let vStart = -1;
    let vEnd = -1;
    while (p < end) {
      const tag = buf[p++]!;
      if (tag === 0x0a || tag === 0x12) {
        // key (1) or value (2): lengths of attribute keys and values fit in a short varint
        let len = 0;
        let shift = 0;
        let b: number;
        do {
          b = buf[p++]!;
          len += (b & 0x7f) * 2 ** shift;
          shift += 7;
        } while (b >= 0x80 && shift < 35);
        const stop = p + len;
        if (tag === 0x0a) {
          keyMatch = len === KEY_LEN;
          for (let k = 0; keyMatch && k < KEY_LEN; k++) if (buf[p + k] !== KEY[k]) keyMatch = false;
        } else {
          vStart = p;
          vEnd = stop;
        }
        p = stop;
      } else {
        // Unknown KeyValue fields (key_strindex...): the validated generic skip.
        const r = this.r;
        const save = r.pos;
        r.pos = p - 1;
        const t = r.varint(end);
        r.skip(t & 7, end, t >>> 3);
        p = r.pos;
        r.pos = save;
      }
    }
    if (!keyMatch) return false;
    this.priority = vStart < 0 ? PRIORITY_DEFER : anyValuePriority(buf, vStart, vEnd);
    return true;
  }
}

/** otelcol's parseSpanSamplingPriority on an AnyValue payload (the last oneof member wins). */
function anyValuePriority(buf: Buffer, start: number, end: number): number {
  let result = PRIORITY_DEFER;
  let p = start;
  while (p < end) {
    const tag = buf[p++]!;
    if (tag === 0x18) {
      // int: 0 is one zero byte; a 10-byte varint is negative; anything else is > 0
      const s = p;
      while (buf[p]! >= 0x80) p++;
      p++;
      const len = p - s;
      result = len === 1 && buf[s] === 0 ? PRIORITY_NEVER : len >= 10 ? PRIORITY_DEFER : isZeroVarint(buf, s, p) ? PRIORITY_NEVER : PRIORITY_MUST;
    } else if (tag === 0x21) {
      result = signPriority(buf.readDoubleLE(p));
      p += 8;
    } else if (tag === 0x0a || (tag & 7) === 2) {
      let len = 0;
      let shift = 0;
      let b: number;
      do {
        b = buf[p++]!;
        len += (b & 0x7f) * 2 ** shift;
        shift += 7;
      } while (b >= 0x80 && shift < 35);
      if (tag === 0x0a) result = signPriority(goParseFloat(buf.toString('utf8', p, p + len)));
      else result = PRIORITY_DEFER; // array, kvlist, bytes
      p += len;
    } else if ((tag & 7) === 0) {
      while (buf[p]! >= 0x80) p++;
      p++;
      result = PRIORITY_DEFER; // bool
    } else if ((tag & 7) === 1) {
      p += 8;
    } else if ((tag & 7) === 5) {
      p += 4;
    } else {
      return PRIORITY_DEFER;
    }
  }
  return result;
}

function isZeroVarint(buf: Buffer, s: number, e: number): boolean {
  for (let k = s; k < e; k++) if ((buf[k]! & 0x7f) !== 0) return false;
  return true;
}

function signPriority(v: number | undefined): number {
  if (v === undefined || Number.isNaN(v)) return PRIORITY_DEFER;
  if (v === 0) return PRIORITY_NEVER;
  return v > 0 ? PRIORITY_MUST : PRIORITY_DEFER;
}
