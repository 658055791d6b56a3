import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeExportRequest, decodeSpan } from './decode-model.ts';
import {
  encodeAnyValue,
  encodeExportRequestModel,
  encodeKeyValue,
  encodeResource,
  encodeScope,
  encodeSpan,
} from './encode-model.ts';
import { indexExportRequest } from './index-request.ts';
import { newSpan, type ExportRequestModel, type SpanModel } from './model.ts';
import {
  arbAnyValue,
  arbExportRequest,
  ReferenceExportRequest,
  ReferenceSpan,
  referenceEncode,
  referenceRoot,
  stripFlags,
} from './test-arbitraries.ts';
import { int32Size, utf8Length, varint64Size, WireWriter } from './wire-writer.ts';

const hex = (b: Buffer) => b.toString('hex');

function oneSpan(span: SpanModel): ExportRequestModel {
  return { resourceSpans: [{ resource: null, schemaUrl: '', scopeSpans: [{ scope: null, schemaUrl: '', spans: [span] }] }] };
}

describe('encodeExportRequestModel against the reference encoder', () => {
  it('writes the same bytes as protobufjs for the same data', () => {
    fc.assert(
      fc.property(arbExportRequest({ flags: false }), (m) => {
        expect(hex(encodeExportRequestModel(m))).toBe(hex(referenceEncode(m)));
      }),
      { numRuns: 200 },
    );
  });

  it('encode(decode(x)) is byte-identical for canonical encodings', () => {
    fc.assert(
      fc.property(arbExportRequest({ flags: false }), (m) => {
        const canonical = referenceEncode(m);
        expect(encodeExportRequestModel(decodeExportRequest(canonical)).equals(canonical)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('with flags: the reference reads everything else the same (flags are unknown fields to it)', () => {
    fc.assert(
      fc.property(arbExportRequest(), (m) => {
        const ours = encodeExportRequestModel(m);
        const viaReference = Buffer.from(ReferenceExportRequest.encode(ReferenceExportRequest.decode(ours)).finish());
        expect(hex(viaReference)).toBe(hex(referenceEncode(stripFlags(m))));
      }),
      { numRuns: 100 },
    );
  });

  it('encodeSpan writes the span payload the reference writes for a Span message', () => {
    fc.assert(
      fc.property(arbExportRequest({ flags: false, maxResourceSpans: 1 }), (m) => {
        const canonical = referenceEncode(m);
        const batch = indexExportRequest(canonical);
        const spans = decodeExportRequest(canonical).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
        spans.forEach((s, i) => {
          const bytes = encodeSpan(s);
          expect(hex(bytes)).toBe(hex(batch.spanBytes(i)));
          // and the reference reads the payload as the same span
          expect(ReferenceSpan.toObject(ReferenceSpan.decode(bytes), { longs: String })).toStrictEqual(
            ReferenceSpan.toObject(ReferenceSpan.decode(batch.spanBytes(i)), { longs: String }),
          );
        });
      }),
      { numRuns: 100 },
    );
  });

  it('encodes resource, scope, KeyValue and AnyValue payloads as the reference does', () => {
    const common = referenceRoot.opentelemetry.proto.common.v1;
    const resource = referenceRoot.opentelemetry.proto.resource.v1.Resource;
    fc.assert(
      fc.property(arbExportRequest({ flags: false, maxResourceSpans: 1 }), (m) => {
        const rs = m.resourceSpans[0];
        if (rs?.resource) {
          const ref = Buffer.from(referenceEncode({ resourceSpans: [{ ...rs, scopeSpans: [], schemaUrl: '' }] }));
          // ExportTraceServiceRequest{ResourceSpans{resource}}: the resource payload is the tail after 2 headers.
          const payload = encodeResource(rs.resource);
          expect(ref.subarray(ref.length - payload.length).equals(payload)).toBe(true);
          expect(Buffer.from(resource.encode(resource.decode(payload)).finish()).equals(payload)).toBe(true);
        }
        const scope = rs?.scopeSpans[0]?.scope;
        if (scope) {
          const payload = encodeScope(scope);
          const t = common.InstrumentationScope;
          expect(Buffer.from(t.encode(t.decode(payload)).finish()).equals(payload)).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
    fc.assert(
      fc.property(arbAnyValue(4), (v) => {
        const payload = encodeAnyValue(v);
        const kv = encodeKeyValue({ key: 'k', value: v });
        const ref = common.KeyValue.encode(common.KeyValue.decode(kv)).finish();
        expect(hex(Buffer.from(ref))).toBe(hex(kv));
        expect(hex(kv.subarray(kv.length - payload.length))).toBe(hex(payload));
      }),
      { numRuns: 300 },
    );
  });
});

describe('encoding details (hand-computed bytes)', () => {
  it('omits proto3 defaults and writes an empty span as zero bytes', () => {
    expect(encodeSpan(newSpan()).length).toBe(0);
    expect(hex(encodeExportRequestModel({ resourceSpans: [] }))).toBe('');
  });

  it('writes resource / scope when non-null even if empty, and omits them when null', () => {
    const m: ExportRequestModel = {
      resourceSpans: [
        {
          resource: { attributes: [], droppedAttributesCount: 0 },
          schemaUrl: '',
          scopeSpans: [{ scope: { name: '', version: '', attributes: [], droppedAttributesCount: 0 }, schemaUrl: '', spans: [] }],
        },
        { resource: null, schemaUrl: '', scopeSpans: [] },
      ],
    };
    expect(hex(encodeExportRequestModel(m))).toBe('0a06' + '0a00' + '12020a00' + '0a00');
  });

  it('writes flags as field 16 fixed32 (two-byte tag) last, link flags as field 6', () => {
    const span = newSpan({
      name: 'a',
      flags: 0x301,
      links: [{ traceId: Buffer.alloc(0), spanId: Buffer.alloc(0), traceState: '', attributes: [], droppedAttributesCount: 0, flags: 1 }],
    });
    expect(hex(encodeSpan(span))).toBe('2a0161' + '6a05' + '3501000000' + '8501' + '01030000');
  });

  it('writes oneof members even when they hold the default value', () => {
    expect(hex(encodeAnyValue({ stringValue: '' }))).toBe('0a00');
    expect(hex(encodeAnyValue({ boolValue: false }))).toBe('1000');
    expect(hex(encodeAnyValue({ intValue: 0n }))).toBe('1800');
    expect(hex(encodeAnyValue({ doubleValue: 0 }))).toBe('210000000000000000');
    expect(hex(encodeAnyValue({ doubleValue: -0 }))).toBe('210000000000000080');
    expect(hex(encodeAnyValue({ arrayValue: [] }))).toBe('2a00');
    expect(hex(encodeAnyValue({ kvlistValue: [] }))).toBe('3200');
    expect(hex(encodeAnyValue({ bytesValue: Buffer.alloc(0) }))).toBe('3a00');
    expect(hex(encodeAnyValue({}))).toBe('');
    expect(hex(encodeKeyValue({ key: '', value: {} }))).toBe('1200'); // value always written
  });

  it('encodes negative int64 and int32 enums as 10-byte two\'s complement varints', () => {
    expect(hex(encodeAnyValue({ intValue: -1n }))).toBe('18ffffffffffffffffff01');
    expect(hex(encodeAnyValue({ intValue: -(1n << 63n) }))).toBe('1880808080808080808001');
    expect(hex(encodeAnyValue({ intValue: (1n << 63n) - 1n }))).toBe('18ffffffffffffffff7f');
    expect(hex(encodeSpan(newSpan({ kind: -2 })))).toBe('30feffffffffffffffff01');
    expect(hex(encodeSpan(newSpan({ status: { message: '', code: -1 } })))).toBe('7a0b18ffffffffffffffffff01');
  });

  it('writes fixed64 times little-endian', () => {
    expect(hex(encodeSpan(newSpan({ startTimeUnixNano: 1n, endTimeUnixNano: (1n << 64n) - 1n })))).toBe(
      '390100000000000000' + '41ffffffffffffffff',
    );
  });

  it('measures and writes UTF-8 exactly (astral characters, lone surrogates become U+FFFD)', () => {
    const names = ['é', '€', '😀', 'a😀b', '\ud800', 'x\udc00y', '\ud800\ud800', 'x'.repeat(100) + '😀', 'é'.repeat(40)];
    for (const name of names) {
      expect(utf8Length(name)).toBe(Buffer.byteLength(name));
      const bytes = encodeSpan(newSpan({ name }));
      expect(bytes.subarray(bytes.length - utf8Length(name)).equals(Buffer.from(name))).toBe(true);
      expect(decodeSpan(bytes).name).toBe(Buffer.from(name).toString());
    }
  });

  it('a long attribute list and deep nesting (sizes of nested messages cached, one pass)', () => {
    let v: { arrayValue: unknown[] } | { stringValue: string } = { stringValue: 's' };
    for (let i = 0; i < 31; i++) v = { arrayValue: [v] };
    const attributes = Array.from({ length: 2000 }, (_, i) => ({ key: `k${i}`, value: { intValue: BigInt(i) } }));
    const span = newSpan({ attributes: [...attributes, { key: 'deep', value: v as never }] });
    const m = oneSpan(span);
    expect(decodeExportRequest(encodeExportRequestModel(m))).toStrictEqual(m);
    expect(hex(encodeExportRequestModel(m))).toBe(hex(referenceEncode(m)));
  });
});

describe('wire-writer additions', () => {
  it('varint64 / int32 sizes match what is written', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(1n << 63n), max: (1n << 64n) - 1n }), fc.integer({ min: -0x80000000, max: 0x7fffffff }), (b, i) => {
        const w = new WireWriter(varint64Size(b) + int32Size(i));
        w.varint64(b);
        w.int32(i);
        expect(w.finish().length).toBe(varint64Size(b) + int32Size(i));
      }),
    );
  });
});
