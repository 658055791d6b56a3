/**
 * Protobuf wire-format writing into a pre-sized Buffer. Encoders compute the exact size first
 * (sizes of nested messages are known from the slices they copy), allocate once with
 * Buffer.allocUnsafe, then write: no growing, no intermediate buffers.
 */

export function varintSize(v: number): number {
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  let n = 4;
  v = Math.floor(v / 0x10000000);
  while (v > 0) {
    n++;
    v = Math.floor(v / 128);
  }
  return n;
}

/** Bytes of a LEN field (tag + length prefix + payload) for a tag below 16 (one byte). */
export function lenFieldSize(payloadLen: number): number {
  return 1 + varintSize(payloadLen) + payloadLen;
}

export class WireWriter {
  buf: Buffer;
  pos: number;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
    this.pos = 0;
  }

  varint(v: number): void {
    const buf = this.buf;
    let pos = this.pos;
    while (v >= 0x80) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    buf[pos++] = v;
    this.pos = pos;
  }

  byte(b: number): void {
    this.buf[this.pos++] = b;
  }

  /** Copies src[start, end) verbatim. */
  copy(src: Buffer, start: number, end: number): void {
    const n = end - start;
    if (n <= 32) {
      // Short copies (headers, ids): a JS loop beats the native Buffer#copy call overhead.
      const dst = this.buf;
      let p = this.pos;
      for (let k = start; k < end; k++) dst[p++] = src[k]!;
      this.pos = p;
      return;
    }
    src.copy(this.buf, this.pos, start, end);
    this.pos += n;
  }

  /** Tag + length of a LEN field whose payload the caller writes next. */
  lenHeader(fieldNumber: number, payloadLen: number): void {
    this.varint((fieldNumber << 3) | 2);
    this.varint(payloadLen);
  }

  /** int32 / enum: negative values are sign-extended to 64 bits (10 bytes), as protobuf requires. */
  int32(v: number): void {
    if (v >= 0) this.varint(v);
    else this.varint64(BigInt(v));
  }

  /** int64 / uint64 varint from a bigint (two's complement: negative values take 10 bytes). */
  varint64(v: bigint): void {
    const u = BigInt.asUintN(64, v);
    if (u <= 0x1fffffffffffffn) {
      this.varint(Number(u));
      return;
    }
    const buf = this.buf;
    let pos = this.pos;
    let lo = Number(u & 0xffffffffn);
    let hi = Number(u >> 32n);
    while (hi > 0) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    while (lo > 0x7f) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo >>>= 7;
    }
    buf[pos++] = lo;
    this.pos = pos;
  }

  fixed32(v: number): void {
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }

  /** fixed64 from a bigint (taken modulo 2^64). */
  fixed64(v: bigint): void {
    this.buf.writeBigUInt64LE(BigInt.asUintN(64, v), this.pos);
    this.pos += 8;
  }

  double(v: number): void {
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  /** Writes `s` as UTF-8; `byteLength` must be utf8Length(s) (the caller already sized it). */
  utf8(s: string, byteLength: number): void {
    const buf = this.buf;
    let pos = this.pos;
    if (byteLength === s.length && byteLength < 32) {
      // Short ASCII (byte length equals UTF-16 length only when every char is ASCII): a plain loop beats the native call.
      for (let i = 0; i < byteLength; i++) buf[pos++] = s.charCodeAt(i);
      this.pos = pos;
      return;
    }
    buf.write(s, pos, byteLength, 'utf8');
    this.pos = pos + byteLength;
  }

  /** Copies all of `src`. */
  bytes(src: Uint8Array): void {
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }

  /** Checks that the precomputed size was exact; a mismatch is a bug, never user input. */
  finish(): Buffer {
    if (this.pos !== this.buf.length) {
      throw new Error(`wire writer size mismatch: wrote ${this.pos} of ${this.buf.length} bytes`);
    }
    return this.buf;
  }
}

/** Varint size of an int32 / enum value (negative values take 10 bytes). */
export function int32Size(v: number): number {
  return v < 0 ? 10 : varintSize(v);
}

/** Varint size of an int64 / uint64 given as a bigint (two's complement for negatives). */
export function varint64Size(v: bigint): number {
  if (v < 0n) return 10;
  if (v <= 0x1fffffffffffffn) return varintSize(Number(v));
  let n = 1;
  let u = BigInt.asUintN(64, v) >> 7n;
  while (u > 0n) {
    n++;
    u >>= 7n;
  }
  return n;
}

/**
 * UTF-8 byte length of a JS string, as Buffer.write encodes it (a lone surrogate becomes
 * U+FFFD, 3 bytes). A JS loop for short strings, the native call for long ones.
 */
export function utf8Length(s: string): number {
  const n = s.length;
  if (n > 64) return Buffer.byteLength(s, 'utf8');
  let len = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) len += 1;
    else if (c < 0x800) len += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        len += 4;
        i++;
      } else len += 3;
    } else len += 3;
  }
  return len;
}
