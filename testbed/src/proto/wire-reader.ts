/**
 * A cursor over protobuf wire bytes: varints, fixed fields, skipping unknown fields. One instance
 * per message scan (not per field), so scanning a request allocates a handful of objects in total.
 */
import { WireType } from './wire-writer.ts';

export class WireFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireFormatError';
  }
}

export class WireReader {
  pos: number;
  end: number;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    end = buf.length,
  ) {
    this.pos = start;
    this.end = end;
  }

  atEnd(): boolean {
    return this.pos >= this.end;
  }

  /** Reads a varint as a number; values above 2^53 lose precision (never matters for lengths/tags). */
  varint(): number {
    const buf = this.buf;
    let result = 0;
    let multiplier = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new WireFormatError('truncated varint');
      const b = buf[this.pos++]!;
      result += (b & 0x7f) * multiplier;
      if (b < 0x80) return result;
      multiplier *= 128;
    }
    throw new WireFormatError('varint longer than 10 bytes');
  }

  /** Reads a length prefix and returns the end offset of the payload (pos is left at its start). */
  lengthDelimitedEnd(): number {
    const len = this.varint();
    const end = this.pos + len;
    if (end > this.end) throw new WireFormatError('length-delimited field overruns its parent');
    return end;
  }

  fixed32(): number {
    if (this.pos + 4 > this.end) throw new WireFormatError('truncated fixed32');
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  }

  /** Skips one field's payload of the given wire type. */
  skip(wireType: number): void {
    switch (wireType) {
      case WireType.VARINT:
        this.varint();
        return;
      case WireType.I64:
        this.pos += 8;
        break;
      case WireType.LEN:
        this.pos = this.lengthDelimitedEnd();
        return;
      case WireType.I32:
        this.pos += 4;
        break;
      default:
        throw new WireFormatError(`unsupported wire type ${wireType}`);
    }
    if (this.pos > this.end) throw new WireFormatError('truncated fixed field');
  }
}
