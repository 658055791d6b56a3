import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import protobuf from 'protobufjs/minimal.js';
import { ProtoWriter, WireType, varintSize, writeVarint, writeFixed64 } from './wire-writer.ts';
import { WireReader, WireFormatError } from './wire-reader.ts';

describe('varints', () => {
  it('match protobufjs for every value below 2^53', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (v) => {
        const buf = new Uint8Array(10);
        const end = writeVarint(buf, 0, v);
        expect(end).toBe(varintSize(v));
        const reference = protobuf.Writer.create().uint64(protobuf.util.LongBits.fromNumber(v).toLong(true)).finish();
        expect(Buffer.from(buf.subarray(0, end)).toString('hex')).toBe(Buffer.from(reference).toString('hex'));
        expect(new WireReader(buf, 0, end).varint()).toBe(v);
      }),
    );
  });

  it('rejects a truncated varint', () => {
    expect(() => new WireReader(new Uint8Array([0x80, 0x80])).varint()).toThrow(WireFormatError);
  });
});

describe('ProtoWriter', () => {
  it('writes fields that protobufjs reads back, and reports payload offsets', () => {
    fc.assert(
      fc.property(fc.string(), fc.uint8Array({ maxLength: 300 }), fc.maxSafeNat(), fc.double({ noNaN: true }), fc.nat(), fc.nat(), (s, bytes, n, d, lo, hi) => {
        const w = new ProtoWriter(4);
        w.stringField(1, s);
        const bytesAt = w.bytesField(2, bytes);
        w.varintField(3, n);
        w.doubleField(4, d);
        const fixedAt = w.fixed64Field(5, lo >>> 0, hi >>> 0);
        w.fixed32Field(6, lo >>> 0);
        w.boolField(7, true);
        const out = w.finish();
        expect(Buffer.from(out.subarray(bytesAt, bytesAt + bytes.length)).equals(Buffer.from(bytes))).toBe(true);
        const r = protobuf.Reader.create(out);
        expect(r.uint32()).toBe((1 << 3) | WireType.LEN);
        expect(r.string()).toBe(s);
        expect(r.uint32()).toBe((2 << 3) | WireType.LEN);
        expect(Buffer.from(r.bytes()).equals(Buffer.from(bytes))).toBe(true);
        expect(r.uint32()).toBe((3 << 3) | WireType.VARINT);
        expect(protobuf.util.LongBits.from(r.uint64()).toNumber(true)).toBe(n);
        expect(r.uint32()).toBe((4 << 3) | WireType.I64);
        expect(r.double()).toBe(d);
        expect(r.uint32()).toBe((5 << 3) | WireType.I64);
        expect(r.pos).toBe(fixedAt);
        const f = protobuf.util.LongBits.from(r.fixed64());
        expect([f.lo >>> 0, f.hi >>> 0]).toEqual([lo >>> 0, hi >>> 0]);
        expect(r.uint32()).toBe((6 << 3) | WireType.I32);
        expect(r.fixed32()).toBe(lo >>> 0);
        expect(r.uint32()).toBe((7 << 3) | WireType.VARINT);
        expect(r.bool()).toBe(true);
        expect(r.pos).toBe(out.length);
      }),
      { numRuns: 200 },
    );
  });

  it('writeFixed64 is little-endian', () => {
    const buf = new Uint8Array(8);
    writeFixed64(buf, 0, 0x04030201, 0x08070605);
    expect([...buf]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('refuses values it cannot write exactly', () => {
    expect(() => new ProtoWriter().varintField(1, -1)).toThrow(RangeError);
    expect(() => new ProtoWriter().varintField(1, 1.5)).toThrow(RangeError);
  });
});
