/**
 * W3C tracestate look-up in place, with the semantics otelcol's trace_state policy gets from
 * go.opentelemetry.io/otel/trace ParseTraceState + Get: the whole header must be valid (keys and
 * values per W3C, no duplicate keys, at most 32 list-members) or nothing matches; empty members
 * are skipped; a key is left-trimmed and a value right-trimmed of spaces and tabs.
 *
 * Works on bytes with a preallocated member table (duplicate check by pairwise compare of at most
 * 32 keys): no allocation per span.
 */
import type { ByteRange } from './span-fields.ts';

const MAX_MEMBERS = 32;
const COMMA = 0x2c;
const EQUALS = 0x3d;
const AT = 0x40;

/** indexOf bounded to [from, to): Buffer#indexOf would scan the rest of a whole request buffer. */
function indexOfIn(buf: Buffer, b: number, from: number, to: number): number {
  for (let p = from; p < to; p++) if (buf[p] === b) return p;
  return -1;
}

function isOws(b: number): boolean {
  return b === 0x20 || b === 0x09;
}

function isAlphaNum(b: number): boolean {
  return (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39);
}

/**
 * Go's checkKeyRemain ranges over runes and tests `isAlphaNum(byte(rune))`, so a multi-byte rune
 * passes when its low byte is [a-z0-9]; `_ - * /` must be the whole rune. Reproduced as is.
 */
function checkKeyRemain(buf: Buffer, start: number, end: number): boolean {
  let p = start;
  while (p < end) {
    const b = buf[p]!;
    if (b < 0x80) {
      if (!isAlphaNum(b) && b !== 0x5f && b !== 0x2d && b !== 0x2a && b !== 0x2f) return false;
      p++;
      continue;
    }
    // Decode one UTF-8 rune; an invalid sequence is U+FFFD (low byte 0xfd: not alphanumeric).
    let cp = 0xfffd;
    let len = 1;
    if (b >= 0xc2 && b <= 0xdf && p + 1 < end && (buf[p + 1]! & 0xc0) === 0x80) {
      cp = ((b & 0x1f) << 6) | (buf[p + 1]! & 0x3f);
      len = 2;
    } else if (b >= 0xe0 && b <= 0xef && p + 2 < end && (buf[p + 1]! & 0xc0) === 0x80 && (buf[p + 2]! & 0xc0) === 0x80) {
      cp = ((b & 0x0f) << 12) | ((buf[p + 1]! & 0x3f) << 6) | (buf[p + 2]! & 0x3f);
      if (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)) cp = 0xfffd;
      else len = 3;
    } else if (
      b >= 0xf0 &&
      b <= 0xf4 &&
      p + 3 < end &&
      (buf[p + 1]! & 0xc0) === 0x80 &&
      (buf[p + 2]! & 0xc0) === 0x80 &&
      (buf[p + 3]! & 0xc0) === 0x80
    ) {
      cp = ((b & 0x07) << 18) | ((buf[p + 1]! & 0x3f) << 12) | ((buf[p + 2]! & 0x3f) << 6) | (buf[p + 3]! & 0x3f);
      if (cp < 0x10000 || cp > 0x10ffff) cp = 0xfffd;
      else len = 4;
    }
    if (!isAlphaNum(cp & 0xff)) return false;
    p += len;
  }
  return true;
}

/** simple-key / system-id: lcalpha then at most `maxRest` more bytes. */
function checkKeyPart(buf: Buffer, start: number, end: number, maxRest: number): boolean {
  if (end <= start) return false;
  const first = buf[start]!;
  return end - start - 1 <= maxRest && first >= 0x61 && first <= 0x7a && checkKeyRemain(buf, start + 1, end);
}

function checkKey(buf: Buffer, start: number, end: number): boolean {
  const at = indexOfIn(buf, AT, start, end);
  if (at < 0) return checkKeyPart(buf, start, end, 255);
  // tenant-id: (lcalpha / DIGIT) then at most 240 more; system-id: like a simple key, at most 13 more.
  if (at === start || !isAlphaNum(buf[start]!) || at - start - 1 > 240 || !checkKeyRemain(buf, start + 1, at)) return false;
  return checkKeyPart(buf, at + 1, end, 13);
}

function checkValue(buf: Buffer, start: number, end: number): boolean {
  const n = end - start;
  if (n === 0 || n > 256) return false;
  for (let p = start; p < end - 1; p++) {
    const b = buf[p]!;
    if (b < 0x20 || b > 0x7e || b === COMMA || b === EQUALS) return false;
  }
  const last = buf[end - 1]!;
  return last >= 0x21 && last <= 0x7e && last !== COMMA && last !== EQUALS;
}

export class TraceStateReader {
  /** Key ranges of the members seen so far (duplicate detection). */
  private readonly keyStart = new Int32Array(MAX_MEMBERS + 1);
  private readonly keyEnd = new Int32Array(MAX_MEMBERS + 1);

  /**
   * Looks `key` up in the tracestate buf[start, end). True with the value's range in `out` when
   * the tracestate is valid and has the key; false otherwise (invalid, or key absent).
   */
  lookup(buf: Buffer, start: number, end: number, key: Buffer, out: ByteRange): boolean {
    let members = 0;
    let found = false;
    let pos = start;
    while (pos < end) {
      let comma = indexOfIn(buf, COMMA, pos, end);
      if (comma < 0) comma = end;
      const memberEnd = comma;
      const next = comma < end ? comma + 1 : end;
      if (memberEnd === pos) {
        pos = next;
        continue;
      }
      const eq = indexOfIn(buf, EQUALS, pos, memberEnd);
      if (eq < 0) return false;
      let ks = pos;
      while (ks < eq && isOws(buf[ks]!)) ks++;
      const vs = eq + 1;
      let ve = memberEnd;
      while (ve > vs && isOws(buf[ve - 1]!)) ve--;
      if (!checkKey(buf, ks, eq) || !checkValue(buf, vs, ve)) return false;
      const klen = eq - ks;
      for (let j = 0; j < members; j++) {
        const s = this.keyStart[j]!;
        const e = this.keyEnd[j]!;
        if (e - s === klen && buf.compare(buf, ks, eq, s, e) === 0) return false; // duplicate list-member
      }
      this.keyStart[members] = ks;
      this.keyEnd[members] = eq;
      members++;
      if (members > MAX_MEMBERS) return false;
      if (!found && klen === key.length && buf.compare(key, 0, key.length, ks, eq) === 0) {
        found = true;
        out.buf = buf;
        out.start = vs;
        out.end = ve;
      }
      pos = next;
    }
    return found;
  }
}
