/**
 * Protobuf wire-format reading primitives over a Buffer. One reader object per request and a
 * moving `pos`, instead of returning {value, pos} tuples: no allocation per field (hot path).
 * Errors are thrown as WireError with the byte offset, so a receiver can answer 400 with a
 * message that points at the problem.
 */

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_SGROUP = 3;
export const WIRE_EGROUP = 4;
export const WIRE_I32 = 5;

export class WireError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} at byte ${offset}`);
    this.name = 'WireError';
  }
}

const TWO_32 = 4294967296;

export class WireReader {
  buf: Buffer;
  pos: number;

  constructor(buf: Buffer, pos = 0) {
    this.buf = buf;
    this.pos = pos;
  }

  /**
   * Varint as a JS number; exact up to 2^53, which covers tags, lengths, enums and counts.
   * (int64 attribute values use readVarint64 instead.)
   */
  varint(end: number): number {
    // Fast path kept tiny so V8 inlines it into the decode loops: one byte (tags, small lengths,
    // enums) is by far the most common case. Longer varints take varintSlow.
    const pos = this.pos;
    const b = this.buf[pos]!;
    if (b < 0x80 && pos < end) {
      this.pos = pos + 1;
      return b;
    }
    return this.varintSlow(end);
  }

  private varintSlow(end: number): number {
    const buf = this.buf;
    let pos = this.pos;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= end) throw new WireError('truncated varint', pos);
      const b = buf[pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) {
        this.pos = pos;
        return result;
      }
      mul *= 128;
    }
    throw new WireError('varint longer than 10 bytes', this.pos);
  }

  /**
   * Varint read as int32 (enums): the low 32 bits, signed. Negative enums arrive as 10-byte
   * varints whose value a double cannot hold exactly, so the bits are assembled here.
   */
  int32(end: number): number {
    const start = this.pos;
    const b = this.buf[start]!;
    if (b < 0x80 && start < end) {
      this.pos = start + 1;
      return b;
    }
    let result = 0;
    let pos = start;
    for (let i = 0; i < 10; i++) {
      if (pos >= end) throw new WireError('truncated varint', pos);
      const byte = this.buf[pos++]!;
      if (i < 5) result |= (byte & 0x7f) << (7 * i); // bits beyond 32 fall off, as int32 wants
      if (byte < 0x80) {
        this.pos = pos;
        return result | 0;
      }
    }
    throw new WireError('varint longer than 10 bytes', start);
  }

  /** Full 64-bit varint as two's-complement signed bigint (int64 semantics). */
  varint64(end: number): bigint {
    const buf = this.buf;
    let pos = this.pos;
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (pos >= end) throw new WireError('truncated varint', pos);
      const b = buf[pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return BigInt.asIntN(64, result);
      }
      shift += 7n;
    }
    throw new WireError('varint longer than 10 bytes', this.pos);
  }

  /** Length prefix of a LEN field; returns the end offset of its payload, checked against `end`. */
  lenEnd(end: number): number {
    const len = this.varint(end);
    const stop = this.pos + len;
    if (stop > end) throw new WireError(`length ${len} runs past the end of its message`, this.pos);
    return stop;
  }

  /** fixed64 as a float number of the same magnitude (exact below 2^53; ns timestamps lose < 256 ns). */
  fixed64AsNumber(end: number): number {
    const pos = this.pos;
    if (pos + 8 > end) throw new WireError('truncated fixed64', pos);
    const lo = this.buf.readUInt32LE(pos);
    const hi = this.buf.readUInt32LE(pos + 4);
    this.pos = pos + 8;
    return hi * TWO_32 + lo;
  }

  fixed32(end: number): number {
    const pos = this.pos;
    if (pos + 4 > end) throw new WireError('truncated fixed32', pos);
    this.pos = pos + 4;
    return this.buf.readUInt32LE(pos);
  }

  /** Skips one field's payload of the given wire type (groups included, as protobuf allows). */
  skip(wireType: number, end: number, fieldNumber: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint(end);
        return;
      case WIRE_I64:
        if (this.pos + 8 > end) throw new WireError('truncated fixed64', this.pos);
        this.pos += 8;
        return;
      case WIRE_LEN:
        this.pos = this.lenEnd(end);
        return;
      case WIRE_I32:
        if (this.pos + 4 > end) throw new WireError('truncated fixed32', this.pos);
        this.pos += 4;
        return;
      case WIRE_SGROUP: {
        // Deprecated groups: skip nested fields until the matching end-group tag.
        for (;;) {
          if (this.pos >= end) throw new WireError('unterminated group', this.pos);
          const tag = this.varint(end);
          const wt = tag & 7;
          if (wt === WIRE_EGROUP) {
            if (tag >>> 3 !== fieldNumber) throw new WireError('mismatched end group', this.pos);
            return;
          }
          this.skip(wt, end, tag >>> 3);
        }
      }
      default:
        throw new WireError(`invalid wire type ${wireType}`, this.pos);
    }
  }
}

/** Reads a tag and checks it: field number > 0, valid wire type. Returns the tag. */
export function readTag(r: WireReader, end: number): number {
  const at = r.pos;
  const tag = r.varint(end);
  if (tag >>> 3 === 0 || tag > 0xffffffff) throw new WireError('invalid field number 0', at);
  const wt = tag & 7;
  if (wt > 5 || wt === WIRE_EGROUP) throw new WireError(`invalid wire type ${wt}`, at);
  return tag;
}

/**
 * readTag with the one-byte case inline (fields 1..15, the common case). A one-byte tag with a
 * bad wire type is caught by expectWire() for known fields and by skip() for unknown ones.
 */
export function nextTag(r: WireReader, end: number): number {
  const b = r.buf[r.pos]!;
  if (b >= 8 && b < 0x80) {
    r.pos++;
    return b;
  }
  return readTag(r, end);
}

export function expectWire(tag: number, wireType: number, what: string, at: number): void {
  if ((tag & 7) !== wireType) throw new WireError(`${what}: wrong wire type ${tag & 7}`, at);
}
