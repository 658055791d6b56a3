/**
 * How the generator lays out ids so that any received span maps back to its trace and span index
 * without a hash map:
 *
 *   trace id = run tag (4 bytes BE) | trace index (4 bytes BE) | salt (8 random-looking bytes)
 *   span id  = trace index (4 bytes BE) | span index (2 bytes BE) | run tag low 16 bits, last bit set
 *
 * The salt keeps the last 7 bytes random, which W3C trace-context level 2 and the probabilistic
 * sampler's proportional mode read as randomness. The span id's last bit is forced to 1 so no id is
 * all zeros.
 */

export function writeTraceId(buf: Uint8Array, pos: number, runTag: number, traceIndex: number, salt0: number, salt1: number): void {
  writeU32(buf, pos, runTag);
  writeU32(buf, pos + 4, traceIndex);
  writeU32(buf, pos + 8, salt0);
  writeU32(buf, pos + 12, salt1);
}

export function writeSpanId(buf: Uint8Array, pos: number, runTag: number, traceIndex: number, spanIndex: number): void {
  writeU32(buf, pos, traceIndex);
  buf[pos + 4] = spanIndex >>> 8;
  buf[pos + 5] = spanIndex & 0xff;
  buf[pos + 6] = (runTag >>> 8) & 0xff;
  buf[pos + 7] = (runTag & 0xff) | 1;
}

export function readU32(buf: Uint8Array, pos: number): number {
  return ((buf[pos]! << 24) | (buf[pos + 1]! << 16) | (buf[pos + 2]! << 8) | buf[pos + 3]!) >>> 0;
}

function writeU32(buf: Uint8Array, pos: number, v: number): void {
  buf[pos] = v >>> 24;
  buf[pos + 1] = (v >>> 16) & 0xff;
  buf[pos + 2] = (v >>> 8) & 0xff;
  buf[pos + 3] = v & 0xff;
}

export function traceIdRunTag(buf: Uint8Array, pos: number): number {
  return readU32(buf, pos);
}
export function traceIdIndex(buf: Uint8Array, pos: number): number {
  return readU32(buf, pos + 4);
}
export function spanIdTraceIndex(buf: Uint8Array, pos: number): number {
  return readU32(buf, pos);
}
export function spanIdSpanIndex(buf: Uint8Array, pos: number): number {
  return (buf[pos + 4]! << 8) | buf[pos + 5]!;
}
export function spanIdRunBits(runTag: number): number {
  return (((runTag >>> 8) & 0xff) << 8) | ((runTag & 0xff) | 1);
}
export function spanIdTrailer(buf: Uint8Array, pos: number): number {
  return (buf[pos + 6]! << 8) | buf[pos + 7]!;
}

const HEX = '0123456789abcdef';

/** Lower-case hex of bytes [pos, pos + len). Cold path (tests, reports). */
export function toHex(buf: Uint8Array, pos: number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) {
    const b = buf[pos + i]!;
    s += HEX[b >>> 4]! + HEX[b & 15]!;
  }
  return s;
}
