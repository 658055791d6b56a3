/**
 * A small protobuf wire-format writer, enough to build OTLP messages once (span templates, resource
 * and scope headers) and to frame requests around pre-encoded bytes. Numbers up to 2^53 only: every
 * varint the testbed writes is a length, an enum, a count or a small int attribute.
 *
 * Two layers:
 *  - free functions (varintSize, writeVarint, writeFixed64) for the hot path, writing into a buffer
 *    the caller sized exactly, with no allocation;
 *  - ProtoWriter, a growable builder for the cold path (templates), which reports where each field's
 *    payload landed so callers can patch ids and timestamps in place later.
 */

export const WireType = { VARINT: 0, I64: 1, LEN: 2, I32: 5 } as const;

/** Bytes a varint of `value` (0 <= value < 2^53) takes. */
export function varintSize(value: number): number {
  // Comparisons instead of a loop or Math.log: this runs once per framed message on the hot path.
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  if (value < 0x800000000) return 5;
  if (value < 0x40000000000) return 6;
  if (value < 0x2000000000000) return 7;
  return 8;
}

/** Writes `value` (0 <= value < 2^53) as a varint at `pos`; returns the position after it. */
export function writeVarint(buf: Uint8Array, pos: number, value: number): number {
  // Bit operators only work on 32 bits, so the part above 2^28 uses division (still exact below 2^53).
  while (value >= 0x80) {
    buf[pos++] = (value % 0x80) | 0x80;
    value = Math.floor(value / 0x80);
  }
  buf[pos++] = value;
  return pos;
}

/** Writes a little-endian fixed64 given as two 32-bit halves. */
export function writeFixed64(buf: Uint8Array, pos: number, lo: number, hi: number): void {
  buf[pos] = lo & 0xff;
  buf[pos + 1] = (lo >>> 8) & 0xff;
  buf[pos + 2] = (lo >>> 16) & 0xff;
  buf[pos + 3] = lo >>> 24;
  buf[pos + 4] = hi & 0xff;
  buf[pos + 5] = (hi >>> 8) & 0xff;
  buf[pos + 6] = (hi >>> 16) & 0xff;
  buf[pos + 7] = hi >>> 24;
}

export function tagOf(field: number, wireType: number): number {
  return field * 8 + wireType;
}

/** Size of a length-delimited field (tag + length prefix + payload). */
export function lenFieldSize(field: number, payloadLength: number): number {
  return varintSize(tagOf(field, WireType.LEN)) + varintSize(payloadLength) + payloadLength;
}

const textEncoder = new TextEncoder();

/** Growable builder for cold-path encoding. Each *Field method returns the payload offset. */
export class ProtoWriter {
  private buf: Uint8Array;
  private pos = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(initialCapacity);
  }

  get length(): number {
    return this.pos;
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + extra) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  private tag(field: number, wireType: number): void {
    this.ensure(10);
    this.pos = writeVarint(this.buf, this.pos, tagOf(field, wireType));
  }

  varintField(field: number, value: number): number {
    if (value < 0 || !Number.isInteger(value) || value > Number.MAX_SAFE_INTEGER) {
      throw new RangeError(`varint out of range: ${value}`);
    }
    this.tag(field, WireType.VARINT);
    this.ensure(10);
    const at = this.pos;
    this.pos = writeVarint(this.buf, this.pos, value);
    return at;
  }

  /** int64 field for non-negative values (all the testbed writes). */
  int64Field(field: number, value: number): number {
    return this.varintField(field, value);
  }

  boolField(field: number, value: boolean): number {
    return this.varintField(field, value ? 1 : 0);
  }

  doubleField(field: number, value: number): number {
    this.tag(field, WireType.I64);
    this.ensure(8);
    const at = this.pos;
    new DataView(this.buf.buffer, this.buf.byteOffset).setFloat64(this.pos, value, true);
    this.pos += 8;
    return at;
  }

  fixed64Field(field: number, lo: number, hi: number): number {
    this.tag(field, WireType.I64);
    this.ensure(8);
    const at = this.pos;
    writeFixed64(this.buf, this.pos, lo >>> 0, hi >>> 0);
    this.pos += 8;
    return at;
  }

  fixed32Field(field: number, value: number): number {
    this.tag(field, WireType.I32);
    this.ensure(4);
    const at = this.pos;
    new DataView(this.buf.buffer, this.buf.byteOffset).setUint32(this.pos, value >>> 0, true);
    this.pos += 4;
    return at;
  }

  bytesField(field: number, payload: Uint8Array): number {
    this.tag(field, WireType.LEN);
    this.ensure(10 + payload.length);
    this.pos = writeVarint(this.buf, this.pos, payload.length);
    const at = this.pos;
    this.buf.set(payload, this.pos);
    this.pos += payload.length;
    return at;
  }

  stringField(field: number, value: string): number {
    return this.bytesField(field, textEncoder.encode(value));
  }

  /** Appends an already encoded nested message as field `field`; returns the payload offset. */
  messageField(field: number, encoded: Uint8Array): number {
    return this.bytesField(field, encoded);
  }

  /** Appends raw bytes (already framed fields). */
  raw(bytes: Uint8Array): number {
    this.ensure(bytes.length);
    const at = this.pos;
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
    return at;
  }

  /** A copy of the bytes written so far. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}
