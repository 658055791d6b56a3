/**
 * Thrift TBinaryProtocol and TCompactProtocol readers over one Buffer, for the few structs the
 * Jaeger receiver needs (thrift-decode.ts) and for skipping anything else. Written for hostile
 * input: every read is bounds-checked against `end`, a container's declared size must fit in
 * the bytes left (each element takes at least one byte, so a lying header cannot make us
 * allocate or loop more than the packet allows), nesting is capped, and every failure is a
 * JaegerDecodeError with the byte offset.
 *
 * Both readers report types in TBinaryProtocol's numbering (T_*), so the struct decoders are
 * written once. A reader is a moving `pos` over the buffer, with results that are not plain
 * numbers left in fields (fieldId, elemType, the i64 halves) instead of returned objects: no
 * allocation per field.
 */
import { JaegerDecodeError } from './jaeger-model.ts';
import { utf8 } from './utf8.ts';

// Thrift type ids as TBinaryProtocol writes them.
export const T_STOP = 0;
export const T_BOOL = 2;
export const T_BYTE = 3;
export const T_DOUBLE = 4;
export const T_I16 = 6;
export const T_I32 = 8;
export const T_I64 = 10;
export const T_STRING = 11;
export const T_STRUCT = 12;
export const T_MAP = 13;
export const T_SET = 14;
export const T_LIST = 15;
export const T_UUID = 16;

export const MESSAGE_CALL = 1;
export const MESSAGE_ONEWAY = 4;

/** Nesting limit for structs and containers (Apache Thrift's default recursion depth is 64). */
export const MAX_THRIFT_DEPTH = 64;

const BINARY_VERSION_MASK = 0xffff0000 | 0;
const BINARY_VERSION_1 = 0x80010000 | 0;
const COMPACT_PROTOCOL_ID = 0x82;
const COMPACT_VERSION = 1;

// Compact type nibble -> T_* (1 and 2 are BOOL true / false; 0 is STOP only in a field header).
const COMPACT_TYPES = [T_STOP, T_BOOL, T_BOOL, T_BYTE, T_I16, T_I32, T_I64, T_DOUBLE, T_STRING, T_LIST, T_SET, T_MAP, T_STRUCT, T_UUID];

export function thriftError(message: string, at: number): JaegerDecodeError {
  return new JaegerDecodeError(`${message} at byte ${at}`);
}

export abstract class ThriftReader {
  readonly buf: Buffer;
  pos: number;
  readonly end: number;
  /** Field id of the last readFieldBegin(). */
  fieldId = 0;
  /** Element type of the last readListBegin() (T_*). */
  elemType = 0;
  /** The last readI64(): high 32 bits (signed) and low 32 bits (unsigned). */
  hi = 0;
  lo = 0;
  /** The last readMessageBegin(). */
  messageName = '';
  messageType = 0;
  seqId = 0;

  constructor(buf: Buffer, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  abstract readMessageBegin(): void;
  abstract readStructBegin(): void;
  abstract readStructEnd(): void;
  /** The next field's type (T_STOP at the end of the struct); its id goes to `fieldId`. */
  abstract readFieldBegin(): number;
  /** A list or set header: returns the size, the element type goes to `elemType`. */
  abstract readListBegin(): number;
  abstract readBool(): boolean;
  abstract readI16(): number;
  abstract readI32(): number;
  /** Sets `hi` / `lo`. */
  abstract readI64(): void;
  abstract readDouble(): number;
  /** Length prefix of a string / binary, checked against the bytes left. */
  protected abstract readLength(): number;
  protected abstract skipMap(depth: number): void;

  readByte(): number {
    const pos = this.pos;
    if (pos >= this.end) throw thriftError('truncated byte', pos);
    this.pos = pos + 1;
    return (this.buf[pos]! << 24) >> 24;
  }

  readString(): string {
    const len = this.readLength();
    const start = this.pos;
    this.pos = start + len;
    return utf8(this.buf, start, start + len);
  }

  /** Binary field as a view into the input buffer (no copy: the caller copies if it keeps it). */
  readBinary(): Buffer {
    const len = this.readLength();
    const start = this.pos;
    this.pos = start + len;
    return this.buf.subarray(start, start + len);
  }

  /** The last readI64() as a bigint (exact). */
  i64AsBigInt(): bigint {
    const hi = this.hi;
    // Within +-2^53 a double holds it exactly: one BigInt() instead of shifts on bigints.
    if (hi >= -0x200000 && hi < 0x200000) return BigInt(hi * 4294967296 + this.lo);
    return (BigInt(hi) << 32n) | BigInt(this.lo);
  }

  /** Writes the last readI64() big-endian at `out[at..at+8)`. */
  writeI64(out: Buffer, at: number): void {
    const hi = this.hi;
    const lo = this.lo;
    out[at] = hi >>> 24;
    out[at + 1] = (hi >>> 16) & 0xff;
    out[at + 2] = (hi >>> 8) & 0xff;
    out[at + 3] = hi & 0xff;
    out[at + 4] = lo >>> 24;
    out[at + 5] = (lo >>> 16) & 0xff;
    out[at + 6] = (lo >>> 8) & 0xff;
    out[at + 7] = lo & 0xff;
  }

  /** Skips one value of type `type` (T_*), nested values included, `depth` levels deep already. */
  skip(type: number, depth: number): void {
    if (depth >= MAX_THRIFT_DEPTH) throw thriftError(`nesting deeper than ${MAX_THRIFT_DEPTH}`, this.pos);
    switch (type) {
      case T_BOOL:
        this.readBool();
        return;
      case T_BYTE:
        this.readByte();
        return;
      case T_I16:
        this.readI16();
        return;
      case T_I32:
        this.readI32();
        return;
      case T_I64:
        this.readI64();
        return;
      case T_DOUBLE:
        this.readDouble();
        return;
      case T_STRING: {
        // (Not `this.pos += this.readLength()`: that would read pos before readLength moves it.)
        const len = this.readLength();
        this.pos += len;
        return;
      }
      case T_UUID:
        this.need(16);
        this.pos += 16;
        return;
      case T_STRUCT:
        this.readStructBegin();
        for (;;) {
          const t = this.readFieldBegin();
          if (t === T_STOP) break;
          this.skip(t, depth + 1);
        }
        this.readStructEnd();
        return;
      case T_LIST:
      case T_SET: {
        const n = this.readListBegin();
        const elem = this.elemType;
        for (let i = 0; i < n; i++) this.skip(elem, depth + 1);
        return;
      }
      case T_MAP:
        this.skipMap(depth + 1);
        return;
      default:
        throw thriftError(`unknown thrift type ${type}`, this.pos);
    }
  }

  /** Throws unless `n` more bytes are available. */
  need(n: number): void {
    if (this.pos + n > this.end) throw thriftError(`truncated: need ${n} bytes, ${this.end - this.pos} left`, this.pos);
  }

  /** Checks a container size against the bytes left (every element takes >= `minBytes`). */
  protected checkSize(size: number, minBytes: number, at: number): number {
    if (size < 0) throw thriftError(`negative container size ${size}`, at);
    if (size * minBytes > this.end - this.pos) {
      throw thriftError(`container of ${size} elements cannot fit in the ${this.end - this.pos} bytes left`, at);
    }
    return size;
  }
}

/** TBinaryProtocol: big-endian fixed-width numbers, i32 length prefixes. */
export class BinaryReader extends ThriftReader {
  readMessageBegin(): void {
    const at = this.pos;
    const first = this.readI32();
    if (first < 0) {
      if ((first & BINARY_VERSION_MASK) !== BINARY_VERSION_1) {
        throw thriftError(`bad binary protocol version 0x${(first >>> 0).toString(16)}`, at);
      }
      this.messageType = first & 0xff;
      this.messageName = this.readString();
      this.seqId = this.readI32();
      return;
    }
    // Old, non-strict framing: the name's length comes first.
    if (first > this.end - this.pos) throw thriftError(`message name length ${first} runs past the end`, at);
    const start = this.pos;
    this.pos = start + first;
    this.messageName = utf8(this.buf, start, start + first);
    this.messageType = this.readByte() & 0xff;
    this.seqId = this.readI32();
  }

  readStructBegin(): void {}
  readStructEnd(): void {}

  readFieldBegin(): number {
    const pos = this.pos;
    if (pos >= this.end) throw thriftError('truncated struct (no STOP)', pos);
    const type = this.buf[pos]!;
    if (type === T_STOP) {
      this.pos = pos + 1;
      return T_STOP;
    }
    if (pos + 3 > this.end) throw thriftError('truncated field header', pos);
    this.fieldId = this.buf.readInt16BE(pos + 1);
    this.pos = pos + 3;
    return type;
  }

  readListBegin(): number {
    const at = this.pos;
    this.need(5);
    this.elemType = this.buf[at]!;
    const size = this.buf.readInt32BE(at + 1);
    this.pos = at + 5;
    return this.checkSize(size, 1, at);
  }

  readBool(): boolean {
    return this.readByte() !== 0;
  }

  readI16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  readI32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  readI64(): void {
    this.need(8);
    const buf = this.buf;
    const pos = this.pos;
    this.hi = buf.readInt32BE(pos);
    this.lo = buf.readUInt32BE(pos + 4);
    this.pos = pos + 8;
  }

  readDouble(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  protected readLength(): number {
    const at = this.pos;
    const len = this.readI32();
    if (len < 0) throw thriftError(`negative length ${len}`, at);
    if (len > this.end - this.pos) throw thriftError(`length ${len} runs past the end (${this.end - this.pos} bytes left)`, at);
    return len;
  }

  protected skipMap(depth: number): void {
    const at = this.pos;
    this.need(6);
    const kt = this.buf[at]!;
    const vt = this.buf[at + 1]!;
    const size = this.buf.readInt32BE(at + 2);
    this.pos = at + 6;
    this.checkSize(size, 2, at);
    for (let i = 0; i < size; i++) {
      this.skip(kt, depth);
      this.skip(vt, depth);
    }
  }
}

/**
 * TCompactProtocol: zigzag varints, field ids as deltas from the previous field of the same
 * struct (hence the stack), booleans folded into the field header, little-endian doubles.
 */
export class CompactReader extends ThriftReader {
  private lastFieldId = 0;
  private readonly fieldIdStack: number[] = [];
  private boolPending = false;
  private boolValue = false;

  readMessageBegin(): void {
    const at = this.pos;
    this.need(2);
    const protocolId = this.buf[at]!;
    if (protocolId !== COMPACT_PROTOCOL_ID) throw thriftError(`not a compact protocol message (first byte 0x${protocolId.toString(16)})`, at);
    const versionAndType = this.buf[at + 1]!;
    if ((versionAndType & 0x1f) !== COMPACT_VERSION) throw thriftError(`bad compact protocol version ${versionAndType & 0x1f}`, at + 1);
    this.messageType = (versionAndType >> 5) & 0x07;
    this.pos = at + 2;
    this.readVarint64();
    this.seqId = this.lo | 0;
    this.messageName = this.readString();
  }

  readStructBegin(): void {
    this.fieldIdStack.push(this.lastFieldId);
    this.lastFieldId = 0;
  }

  readStructEnd(): void {
    this.lastFieldId = this.fieldIdStack.pop() ?? 0;
  }

  readFieldBegin(): number {
    const at = this.pos;
    if (at >= this.end) throw thriftError('truncated struct (no STOP)', at);
    const b = this.buf[at]!;
    this.pos = at + 1;
    const nibble = b & 0x0f;
    if (nibble === 0) return T_STOP;
    const delta = b >> 4;
    this.fieldId = delta !== 0 ? this.lastFieldId + delta : this.readI16();
    this.lastFieldId = this.fieldId;
    const type = this.typeOf(nibble, at);
    if (type === T_BOOL) {
      this.boolPending = true;
      this.boolValue = nibble === 1;
    }
    return type;
  }

  readListBegin(): number {
    const at = this.pos;
    if (at >= this.end) throw thriftError('truncated list header', at);
    const b = this.buf[at]!;
    this.pos = at + 1;
    this.elemType = this.typeOf(b & 0x0f, at);
    let size = b >> 4;
    if (size === 15) size = this.readVarint32();
    return this.checkSize(size, 1, at);
  }

  readBool(): boolean {
    if (this.boolPending) {
      this.boolPending = false;
      return this.boolValue;
    }
    // In a container a bool is one byte: 1 true, anything else false (as Apache Thrift reads it).
    return this.readByte() === 1;
  }

  readI16(): number {
    return this.readZigzag32();
  }

  readI32(): number {
    return this.readZigzag32();
  }

  readI64(): void {
    this.readVarint64();
    // Zigzag over 64 bits: n >>> 1, then flip every bit when the low bit was set.
    const neg = this.lo & 1;
    let lo = ((this.lo >>> 1) | (this.hi << 31)) >>> 0;
    let hi = this.hi >>> 1;
    if (neg !== 0) {
      lo = ~lo >>> 0;
      hi = ~hi;
    }
    this.lo = lo;
    this.hi = hi | 0;
  }

  readDouble(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  protected readLength(): number {
    const at = this.pos;
    const len = this.readVarint32();
    if (len < 0) throw thriftError(`negative length ${len}`, at);
    if (len > this.end - this.pos) throw thriftError(`length ${len} runs past the end (${this.end - this.pos} bytes left)`, at);
    return len;
  }

  protected skipMap(depth: number): void {
    const at = this.pos;
    const size = this.readVarint32();
    if (size === 0) return;
    if (this.pos >= this.end) throw thriftError('truncated map header', this.pos);
    const kv = this.buf[this.pos++]!;
    const kt = this.typeOf(kv >> 4, at);
    const vt = this.typeOf(kv & 0x0f, at);
    this.checkSize(size, 2, at);
    for (let i = 0; i < size; i++) {
      this.skip(kt, depth);
      this.skip(vt, depth);
    }
  }

  private typeOf(nibble: number, at: number): number {
    const t = COMPACT_TYPES[nibble];
    if (t === undefined || t === T_STOP) throw thriftError(`unknown compact type ${nibble}`, at);
    return t;
  }

  /** Varint (up to 10 bytes) into `hi` / `lo`, without bigint. */
  private readVarint64(): void {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    if (pos < end) {
      const b0 = buf[pos]!;
      if (b0 < 0x80) {
        // One byte: the common case (small ids, sizes, enums).
        this.pos = pos + 1;
        this.lo = b0;
        this.hi = 0;
        return;
      }
    }
    let lo = 0;
    let hi = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (pos >= end) throw thriftError('truncated varint', pos);
      const b = buf[pos++]!;
      const bits = b & 0x7f;
      if (shift < 28) lo |= bits << shift;
      else if (shift === 28) {
        lo |= bits << 28;
        hi |= bits >>> 4;
      } else hi |= bits << (shift - 32);
      if (b < 0x80) {
        this.pos = pos;
        this.lo = lo >>> 0;
        this.hi = hi | 0;
        return;
      }
    }
    throw thriftError('varint longer than 10 bytes', this.pos);
  }

  /** A varint read as int32 (lengths, sizes, message seqid): its low 32 bits, signed. */
  private readVarint32(): number {
    this.readVarint64();
    return this.lo | 0;
  }

  private readZigzag32(): number {
    this.readVarint64();
    const n = this.lo;
    return (n >>> 1) ^ -(n & 1);
  }
}
