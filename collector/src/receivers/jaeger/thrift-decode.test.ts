/**
 * The Thrift decoders against Apache Thrift's own encoders (compact and binary), plus the
 * malformed inputs a UDP port sees: truncation, lying sizes, deep nesting, missing required
 * fields, wrong methods.
 */
import { describe, expect, it } from 'vitest';
import { JaegerDecodeError, type JaegerBatch } from './jaeger-model.ts';
import { decodeAgentPacket, decodeThriftBatch } from './thrift-decode.ts';
import { CompactReader, MAX_THRIFT_DEPTH, T_LIST, T_STRUCT } from './thrift-reader.ts';
import { apacheBatch, apacheEmitBatch, fullThriftBatch, TagType, type TBatch } from './test-support.ts';

const hex = (b: Buffer | null) => (b === null ? null : b.toString('hex'));

function plain(batch: JaegerBatch | null) {
  if (batch === null) return null;
  return {
    service: batch.process?.serviceName,
    processTags: batch.process?.tags,
    spans: batch.spans.map((s) => ({
      traceId: hex(s.traceId),
      spanId: hex(s.spanId),
      parent: hex(s.parentSpanId),
      name: s.operationName,
      flags: s.flags,
      start: s.startNs,
      duration: s.durationNs,
      refs: s.references.map((r) => ({ type: r.refType, traceId: hex(r.traceId), spanId: hex(r.spanId) })),
      tags: s.tags,
      logs: s.logs.map((l) => ({ time: l.timeNs, fields: l.fields })),
    })),
  };
}

function expectDecodeError(fn: () => unknown, message?: RegExp): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(JaegerDecodeError);
  if (message !== undefined) expect((thrown as Error).message).toMatch(message);
}

describe('jaeger thrift decoding', () => {
  it.each(['compact', 'binary'] as const)('decodes an Agent.emitBatch written by Apache Thrift (%s)', (protocol) => {
    const batch = decodeAgentPacket(apacheEmitBatch(protocol, fullThriftBatch()), protocol);
    const p = plain(batch)!;
    expect(p.service).toBe('checkout');
    expect(p.processTags).toEqual([
      { key: 'hostname', value: { stringValue: 'host-a' } },
      { key: 'jaeger.version', value: { stringValue: 'Go-2.30.0' } },
      { key: 'ip', value: { stringValue: '10.0.0.7' } },
      { key: 'cores', value: { intValue: 8n } },
    ]);
    expect(p.spans).toHaveLength(3);
    const [a, b, c] = p.spans;
    // traceIdHigh -0x0fedcba987654321 is 0xf0123456789abcdf as two's complement.
    expect(a!.traceId).toBe('f0123456789abcdf1122334455667788');
    expect(a!.spanId).toBe('0102030405060708');
    expect(a!.parent).toBeNull();
    expect(a!.name).toBe('GET /checkout ✓');
    expect(a!.flags).toBe(1);
    expect(a!.start).toBe(1_700_000_000_123_456_000n);
    expect(a!.duration).toBe(2_500_000n);
    expect(a!.refs).toEqual([{ type: 1, traceId: '00000000000000770000000000000099', spanId: '0000000000000055' }]);
    expect(a!.tags).toEqual([
      { key: 'span.kind', value: { stringValue: 'server' } },
      { key: 'str', value: { stringValue: 'hello wörld' } },
      { key: 'double', value: { doubleValue: -3.25 } },
      { key: 'bool.true', value: { boolValue: true } },
      { key: 'bool.false', value: { boolValue: false } },
      { key: 'long', value: { intValue: -9_007_199_254_740_993n } },
      { key: 'binary', value: { bytesValue: Buffer.from([0, 1, 254, 255]) } },
      { key: 'error', value: { boolValue: true } },
      { key: 'otel.status_description', value: { stringValue: 'payment declined' } },
      { key: 'otel.scope.name', value: { stringValue: 'checkout-lib' } },
      { key: 'otel.scope.version', value: { stringValue: '1.2.3' } },
    ]);
    expect(a!.logs).toEqual([
      {
        time: 1_700_000_000_124_000_000n,
        fields: [
          { key: 'event', value: { stringValue: 'cache.miss' } },
          { key: 'key', value: { stringValue: 'user:42' } },
          { key: 'retries', value: { intValue: 2n } },
        ],
      },
    ]);
    expect(b!.refs.map((r) => r.type)).toEqual([0, 0]);
    expect(c!.traceId).toBe('000000000000000000000000000000ab'); // 64-bit id widened
    expect(c!.parent).toBe('00000000000000ef');
    expect(c!.flags).toBe(3);
  });

  it('compact and binary encodings decode to the same batch, and a bare Batch (HTTP body) too', () => {
    const compact = plain(decodeAgentPacket(apacheEmitBatch('compact', fullThriftBatch()), 'compact'));
    const binary = plain(decodeAgentPacket(apacheEmitBatch('binary', fullThriftBatch()), 'binary'));
    const body = plain(decodeThriftBatch(apacheBatch('binary', fullThriftBatch())));
    const bodyCompact = plain(decodeThriftBatch(apacheBatch('compact', fullThriftBatch()), 'compact'));
    expect(binary).toEqual(compact);
    expect(body).toEqual(compact);
    expect(bodyCompact).toEqual(compact);
  });

  it('decodes extreme i64 values exactly (min, max, -1) in ids, times and tags', () => {
    const min = -(2n ** 63n);
    const max = 2n ** 63n - 1n;
    const batch: TBatch = {
      process: { serviceName: 's' },
      spans: [
        {
          traceIdLow: -1n,
          traceIdHigh: min,
          spanId: max,
          parentSpanId: -1n,
          operationName: '',
          flags: -1,
          startTime: max,
          duration: min,
          tags: [
            { key: 'min', vType: TagType.LONG, vLong: min },
            { key: 'max', vType: TagType.LONG, vLong: max },
            { key: 'm1', vType: TagType.LONG, vLong: -1n },
          ],
        },
      ],
    };
    for (const protocol of ['compact', 'binary'] as const) {
      const s = decodeAgentPacket(apacheEmitBatch(protocol, batch), protocol)!.spans[0]!;
      expect(s.traceId.toString('hex')).toBe('8000000000000000ffffffffffffffff');
      expect(s.spanId.toString('hex')).toBe('7fffffffffffffff');
      expect(s.parentSpanId!.toString('hex')).toBe('ffffffffffffffff');
      expect(s.flags).toBe(-1);
      expect(s.startNs).toBe(max * 1000n);
      expect(s.durationNs).toBe(min * 1000n);
      expect(s.tags.map((t) => t.value.intValue)).toEqual([min, max, -1n]);
    }
  });

  it('decodes the old non-strict binary message framing', () => {
    const strict = apacheEmitBatch('binary', fullThriftBatch());
    // strict: 80 01 00 04 | i32 name length | name | i32 seqid | args...
    const nameLen = strict.readInt32BE(4);
    const name = strict.subarray(8, 8 + nameLen);
    const seq = strict.subarray(8 + nameLen, 12 + nameLen);
    const args = strict.subarray(12 + nameLen);
    const old = Buffer.concat([strict.subarray(4, 8), name, Buffer.from([4]), seq, args]);
    expect(plain(decodeAgentPacket(old, 'binary'))).toEqual(plain(decodeAgentPacket(strict, 'binary')));
  });

  it('skips unknown fields (and known fields of an unexpected type) at every level', () => {
    // A Tag with an extra map<string,list<i32>> field 99 and vStr sent as an i32: skipped, so vStr is ''.
    const w: number[] = [];
    const i32 = (v: number) => w.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
    const i16 = (v: number) => w.push((v >>> 8) & 0xff, v & 0xff);
    const str = (s: string) => {
      i32(Buffer.byteLength(s));
      w.push(...Buffer.from(s));
    };
    // Batch { 1: Process { 1: "svc" }, 2: list<Span>[1] { ...required..., 10: list<Tag>[1] } }
    w.push(T_STRUCT);
    i16(1);
    w.push(11);
    i16(1);
    str('svc');
    w.push(0);
    w.push(T_LIST);
    i16(2);
    w.push(T_STRUCT);
    i32(1);
    for (const id of [1, 2, 3, 4]) {
      w.push(10);
      i16(id);
      i32(0);
      i32(id);
    }
    w.push(11);
    i16(5);
    str('op');
    w.push(8);
    i16(7);
    i32(1);
    for (const id of [8, 9]) {
      w.push(10);
      i16(id);
      i32(0);
      i32(1000);
    }
    w.push(T_LIST);
    i16(10);
    w.push(T_STRUCT);
    i32(1);
    // Tag
    w.push(11);
    i16(1);
    str('k');
    w.push(8);
    i16(2);
    i32(0);
    w.push(8); // vStr (3) as an i32: skipped like an unknown field
    i16(3);
    i32(7);
    w.push(13); // map field 99
    i16(99);
    w.push(11, 15);
    i32(1);
    str('key');
    w.push(8);
    i32(2);
    i32(1);
    i32(2);
    w.push(0); // end Tag
    w.push(0); // end Span
    w.push(0); // end Batch
    const batch = decodeThriftBatch(Buffer.from(w));
    expect(batch.process!.serviceName).toBe('svc');
    expect(batch.spans[0]!.tags).toEqual([{ key: 'k', value: { stringValue: '' } }]);
    expect(batch.spans[0]!.traceId.toString('hex')).toBe('00000000000000020000000000000001');
  });

  it('maps an unknown tag type to otelcol\'s placeholder string', () => {
    const b = fullThriftBatch();
    b.spans = [{ ...b.spans[2]!, tags: [{ key: 'odd', vType: 42, vStr: 'x' }] }];
    const s = decodeAgentPacket(apacheEmitBatch('compact', b), 'compact')!.spans[0]!;
    expect(s.tags).toEqual([{ key: 'odd', value: { stringValue: '<Unknown Jaeger TagType "<UNSET>">' } }]);
  });

  it('returns null for an emitBatch call without a batch argument', () => {
    const packet = Buffer.from([0x82, 0x81, 0x01, 0x09, ...Buffer.from('emitBatch'), 0x00]);
    expect(decodeAgentPacket(packet, 'compact')).toBeNull();
  });
});

describe('jaeger thrift decoding of bad input', () => {
  const valid = apacheEmitBatch('compact', fullThriftBatch());

  it('refuses every truncation of a valid packet with a JaegerDecodeError', () => {
    for (let n = 0; n < valid.length; n++) expectDecodeError(() => decodeAgentPacket(valid.subarray(0, n), 'compact'));
    const binary = apacheEmitBatch('binary', fullThriftBatch());
    for (let n = 0; n < binary.length; n++) expectDecodeError(() => decodeAgentPacket(binary.subarray(0, n), 'binary'));
  });

  it('names the missing required field', () => {
    // Binary: Batch { 1: Process { 1: "s" } } and no spans.
    const noSpans = Buffer.from([T_STRUCT, 0, 1, 11, 0, 1, 0, 0, 0, 1, 0x73, 0, 0]);
    expectDecodeError(() => decodeThriftBatch(noSpans), /required field Batch\.spans is not set/);
    expectDecodeError(() => decodeThriftBatch(Buffer.from([0])), /required field Batch\.process is not set/);
  });

  it('refuses a span without its required fields', () => {
    // Batch { process { serviceName "s" }, spans [ Span { 5: "op" } ] } in compact.
    const packet = Buffer.from([0x1c, 0x18, 0x01, 0x73, 0x00, 0x19, 0x1c, 0x58, 0x02, 0x6f, 0x70, 0x00, 0x00]);
    expectDecodeError(() => decodeThriftBatch(packet, 'compact'), /required field Span\.traceIdLow is not set/);
  });

  it('refuses a list whose declared size cannot fit in the packet', () => {
    // Compact: Batch { 2: list<struct> of 2^31-1 elements } followed by nothing.
    const packet = Buffer.from([0x29, 0xfc, 0xff, 0xff, 0xff, 0xff, 0x07]);
    expectDecodeError(() => decodeThriftBatch(packet, 'compact'), /cannot fit/);
    // Binary: negative size.
    const neg = Buffer.from([T_LIST, 0, 2, T_STRUCT, 0xff, 0xff, 0xff, 0xff]);
    expectDecodeError(() => decodeThriftBatch(neg), /negative container size/);
  });

  it('refuses a list of something other than structs where structs are expected', () => {
    const packet = Buffer.from([T_LIST, 0, 2, 8, 0, 0, 0, 1, 0, 0, 0, 5, 0]);
    expectDecodeError(() => decodeThriftBatch(packet), /expected a list of structs/);
  });

  it('caps nesting: deeply nested unknown structs are refused, not recursed into', () => {
    // Compact: field 99 (long form header) of type struct, nested MAX+1 times.
    const open = [0x0c, 0xc6, 0x01]; // delta 0, type struct; zigzag(99) = 198 = c6 01
    const parts: number[] = [];
    for (let i = 0; i <= MAX_THRIFT_DEPTH + 1; i++) parts.push(...open);
    expectDecodeError(() => decodeThriftBatch(Buffer.from(parts), 'compact'), /nesting deeper than/);
  });

  it('refuses emitZipkinBatch, unknown methods, wrong message types and bad protocol headers', () => {
    const zipkin = apacheEmitBatch('compact', fullThriftBatch(), 'emitZipkinBatch');
    expectDecodeError(() => decodeAgentPacket(zipkin, 'compact'), /emitZipkinBatch is not supported/);
    expectDecodeError(() => decodeAgentPacket(apacheEmitBatch('binary', fullThriftBatch(), 'sendStuff'), 'binary'), /unknown Agent method "sendStuff"/);
    const reply = Buffer.from(valid);
    reply[1] = (reply[1]! & 0x1f) | (2 << 5); // REPLY
    expectDecodeError(() => decodeAgentPacket(reply, 'compact'), /message type 2/);
    expectDecodeError(() => decodeAgentPacket(valid, 'binary'), /bad binary protocol version 0x82810109/);
    expectDecodeError(() => decodeAgentPacket(apacheEmitBatch('binary', fullThriftBatch()), 'compact'), /not a compact protocol message/);
    const badVersion = Buffer.from(valid);
    badVersion[1] = (badVersion[1]! & 0xe0) | 2;
    expectDecodeError(() => decodeAgentPacket(badVersion, 'compact'), /bad compact protocol version 2/);
  });

  it('refuses varints longer than 10 bytes and unknown compact types', () => {
    const r = new CompactReader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]));
    expect(() => r.readI64()).toThrow(JaegerDecodeError);
    const packet = Buffer.from([0x1e, 0x00]); // field 1, compact type 14 (undefined)
    expectDecodeError(() => decodeThriftBatch(packet, 'compact'), /unknown compact type 14/);
  });
});
