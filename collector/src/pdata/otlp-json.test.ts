import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeExportRequest } from './decode-model.ts';
import { encodeExportRequestModel } from './encode-model.ts';
import {
  anyValueToJson,
  exportRequestToJson,
  jsonToAnyValue,
  jsonToExportRequest,
  jsonToSpan,
  OtlpJsonError,
  otlpJsonToProtobuf,
  parseJsonText,
  protobufToOtlpJson,
} from './otlp-json.ts';
import { newSpan, type AnyValue, type ExportRequestModel, type KeyValue } from './model.ts';
import {
  arbAnyValue,
  arbExportRequest,
  ReferenceExportRequest,
  referenceDecodeToObject,
  referenceEncode,
  referenceTimeToBigInt,
  stripFlags,
} from './test-arbitraries.ts';
import { WireError } from './wire-reader.ts';

const ID_KEYS = new Set(['traceId', 'spanId', 'parentSpanId']);
const TIME_KEYS = new Set(['startTimeUnixNano', 'endTimeUnixNano', 'timeUnixNano']);

/** Deep copy of a JSON-ish tree with `fn(key, value)` applied to every object member. */
function mapJson(v: unknown, fn: (key: string, value: unknown) => [string, unknown] | null): unknown {
  if (Array.isArray(v)) return v.map((x) => mapJson(x, fn));
  if (v !== null && typeof v === 'object' && !Buffer.isBuffer(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const r = fn(k, mapJson(x, fn));
      if (r !== null) out[r[0]] = r[1];
    }
    return out;
  }
  return v;
}

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** -0 does not survive JSON text (JSON.stringify(-0) is "0"): compare text round trips modulo that. */
function noNegZero(m: ExportRequestModel): ExportRequestModel {
  const fixValue = (v: AnyValue): AnyValue => {
    if (v.doubleValue !== undefined) return Object.is(v.doubleValue, -0) ? { doubleValue: 0 } : v;
    if (v.arrayValue !== undefined) return { arrayValue: v.arrayValue.map(fixValue) };
    if (v.kvlistValue !== undefined) return { kvlistValue: v.kvlistValue.map(fixKv) };
    return v;
  };
  const fixKv = (kv: KeyValue): KeyValue => ({ key: kv.key, value: fixValue(kv.value) });
  const fixAttrs = <T extends { attributes: KeyValue[] }>(x: T): T => ({ ...x, attributes: x.attributes.map(fixKv) });
  return {
    resourceSpans: m.resourceSpans.map((rs) => ({
      ...rs,
      resource: rs.resource && fixAttrs(rs.resource),
      scopeSpans: rs.scopeSpans.map((ss) => ({
        ...ss,
        scope: ss.scope && fixAttrs(ss.scope),
        spans: ss.spans.map((s) => ({ ...fixAttrs(s), events: s.events.map(fixAttrs), links: s.links.map(fixAttrs) })),
      })),
    })),
  };
}

function errorOf(fn: () => unknown): OtlpJsonError {
  try {
    fn();
  } catch (err) {
    if (err instanceof OtlpJsonError) return err;
    throw err;
  }
  throw new Error('expected an OtlpJsonError');
}

/** A request with one span whose fields are `span` (JSON form). */
const withSpan = (span: Record<string, unknown>) => ({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] });
const firstSpan = (m: ExportRequestModel) => m.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;

describe('OTLP/JSON round trips', () => {
  it('model -> JSON object -> model is the identity', () => {
    fc.assert(
      fc.property(arbExportRequest(), (m) => {
        expect(jsonToExportRequest(exportRequestToJson(m))).toStrictEqual(m);
      }),
      { numRuns: 300 },
    );
  });

  it('protobuf -> JSON text -> protobuf is byte-identical (modulo -0.0)', () => {
    fc.assert(
      fc.property(arbExportRequest(), (m) => {
        const pb = encodeExportRequestModel(m);
        const text = protobufToOtlpJson(pb);
        expect(otlpJsonToProtobuf(text).equals(encodeExportRequestModel(noNegZero(m)))).toBe(true);
        expect(otlpJsonToProtobuf(Buffer.from(text)).equals(otlpJsonToProtobuf(text))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('snake_case field names are read like lowerCamelCase ones', () => {
    fc.assert(
      fc.property(arbExportRequest(), fc.boolean(), (m, all) => {
        let i = 0;
        const json = mapJson(exportRequestToJson(m), (k, v) => [all || i++ % 2 ? snake(k) : k, v]);
        expect(jsonToExportRequest(json)).toStrictEqual(m);
      }),
      { numRuns: 150 },
    );
  });

  it('our JSON is what protobufjs fromObject reads (ids adapted from hex to base64)', () => {
    fc.assert(
      fc.property(arbExportRequest({ flags: false }), (m) => {
        const json = JSON.parse(JSON.stringify(exportRequestToJson(m)));
        // protobufjs writes every field set on the object: drop the `key: ''` we always print.
        const adapted = mapJson(json, (k, v) =>
          k === 'key' && v === '' ? null : [k, ID_KEYS.has(k) ? Buffer.from(v as string, 'hex').toString('base64') : v],
        );
        const bytes = Buffer.from(ReferenceExportRequest.encode(ReferenceExportRequest.fromObject(adapted)).finish());
        expect(bytes.toString('hex')).toBe(referenceEncode(noNegZero(m)).toString('hex'));
      }),
      { numRuns: 200 },
    );
  });

  it('reads protobufjs toObject JSON (enum names, "NaN" strings; ids adapted to hex)', () => {
    fc.assert(
      fc.property(arbExportRequest({ flags: false }), (m) => {
        const obj = referenceDecodeToObject(referenceEncode(m));
        const adapted = mapJson(obj, (k, v) => {
          if (ID_KEYS.has(k)) return [k, Buffer.from(v as string, 'base64').toString('hex')];
          if (TIME_KEYS.has(k)) return [k, referenceTimeToBigInt(v as string).toString()];
          return [k, v];
        });
        expect(jsonToExportRequest(adapted)).toStrictEqual(m);
      }),
      { numRuns: 200 },
    );
  });

  it('AnyValue on its own', () => {
    fc.assert(
      fc.property(arbAnyValue(4), (v) => {
        expect(jsonToAnyValue(anyValueToJson(v))).toStrictEqual(v);
      }),
    );
  });
});

describe('OTLP/JSON output form', () => {
  it('hex ids, decimal-string 64-bit integers, integer enums, base64 bytes, special doubles', () => {
    const span = newSpan({
      traceId: Buffer.from('5B8EFFF798038103D269B633813FC60C', 'hex'),
      spanId: Buffer.from('eee19b7ec3c1b174', 'hex'),
      parentSpanId: Buffer.alloc(0),
      name: 'GET /',
      kind: 2,
      flags: 0x301,
      startTimeUnixNano: 1544712660000000000n,
      endTimeUnixNano: 18446744073709551615n,
      attributes: [
        { key: 'i', value: { intValue: -9223372036854775808n } },
        { key: 'b', value: { bytesValue: Buffer.from([0xfb, 0xff]) } },
        { key: 'n', value: { doubleValue: NaN } },
        { key: 'p', value: { doubleValue: Infinity } },
        { key: 'm', value: { doubleValue: -Infinity } },
        { key: 'd', value: { doubleValue: 1.5 } },
        { key: 'e', value: {} },
        { key: 'a', value: { arrayValue: [] } },
      ],
      status: { message: '', code: 2 },
    });
    const m: ExportRequestModel = {
      resourceSpans: [{ resource: { attributes: [], droppedAttributesCount: 0 }, schemaUrl: '', scopeSpans: [{ scope: null, schemaUrl: '', spans: [span] }] }],
    };
    expect(exportRequestToJson(m)).toStrictEqual({
      resourceSpans: [
        {
          resource: {},
          scopeSpans: [
            {
              spans: [
                {
                  traceId: '5b8efff798038103d269b633813fc60c',
                  spanId: 'eee19b7ec3c1b174',
                  flags: 0x301,
                  name: 'GET /',
                  kind: 2,
                  startTimeUnixNano: '1544712660000000000',
                  endTimeUnixNano: '18446744073709551615',
                  attributes: [
                    { key: 'i', value: { intValue: '-9223372036854775808' } },
                    { key: 'b', value: { bytesValue: '+/8=' } },
                    { key: 'n', value: { doubleValue: 'NaN' } },
                    { key: 'p', value: { doubleValue: 'Infinity' } },
                    { key: 'm', value: { doubleValue: '-Infinity' } },
                    { key: 'd', value: { doubleValue: 1.5 } },
                    { key: 'e', value: {} },
                    { key: 'a', value: { arrayValue: {} } },
                  ],
                  status: { code: 2 },
                },
              ],
            },
          ],
        },
      ],
    });
  });

  it('an empty request is {}', () => {
    expect(protobufToOtlpJson(Buffer.alloc(0))).toBe('{}');
    expect(otlpJsonToProtobuf('{}').length).toBe(0);
  });

  it('protobufToOtlpJson lets WireError through for bad bytes', () => {
    expect(() => protobufToOtlpJson(Buffer.from([0x0a, 0x05]))).toThrow(WireError);
  });
});

describe('OTLP/JSON input leniency', () => {
  it('accepts upper-case hex, enum names, numbers for 64-bit fields, numeric strings for counts and doubles', () => {
    const m = jsonToExportRequest(
      withSpan({
        traceId: '5B8EFFF798038103D269B633813FC60C',
        spanId: 'EEE19B7EC3C1B174',
        kind: 'SPAN_KIND_SERVER',
        startTimeUnixNano: 1544712660000000000,
        endTimeUnixNano: '1544712661000000000',
        droppedAttributesCount: '3',
        status: { code: 'STATUS_CODE_ERROR', message: 'boom' },
        attributes: [
          { key: 'i', value: { intValue: 42 } },
          { key: 'd', value: { doubleValue: '2.5' } },
          { key: 'inf', value: { doubleValue: '-Infinity' } },
          { key: 'b', value: { bytesValue: '-_8' } }, // URL-safe, unpadded
        ],
      }),
    );
    const s = firstSpan(m);
    expect(s.traceId.toString('hex')).toBe('5b8efff798038103d269b633813fc60c');
    expect(s.kind).toBe(2);
    expect(s.startTimeUnixNano).toBe(1544712660000000000n);
    expect(s.endTimeUnixNano).toBe(1544712661000000000n);
    expect(s.droppedAttributesCount).toBe(3);
    expect(s.status).toStrictEqual({ code: 2, message: 'boom' });
    expect(s.attributes.map((a) => a.value)).toStrictEqual([
      { intValue: 42n },
      { doubleValue: 2.5 },
      { doubleValue: -Infinity },
      { bytesValue: Buffer.from([0xfb, 0xff]) },
    ]);
  });

  it('null means the default; unknown fields are ignored; empty id strings are empty ids', () => {
    const m = jsonToExportRequest({
      resourceSpans: [
        {
          resource: null,
          unknownThing: { deep: [1, 2, 3] },
          scopeSpans: [{ scope: null, spans: [{ traceId: '', spanId: null, name: null, kind: null, status: null, attributes: null, extra: 1 }] }],
        },
      ],
      alsoUnknown: true,
    });
    expect(m).toStrictEqual({
      resourceSpans: [{ resource: null, schemaUrl: '', scopeSpans: [{ scope: null, schemaUrl: '', spans: [newSpan()] }] }],
    });
  });

  it('keeps integer literals beyond 2^53 exact when parsing text', () => {
    const text = `{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"12345678901234567890 \\" 98765432109876543210","startTimeUnixNano":1700000000123456789,
      "endTimeUnixNano" : 18446744073709551615, "attributes":[{"key":"k","value":{"intValue":-9223372036854775808}},
      {"key":"d","value":{"doubleValue":12345678901234567.5}},{"key":"e","value":{"doubleValue":1e300}}]}]}]}]}`;
    const s = firstSpan(decodeExportRequest(otlpJsonToProtobuf(text)));
    expect(s.name).toBe('12345678901234567890 " 98765432109876543210');
    expect(s.startTimeUnixNano).toBe(1700000000123456789n);
    expect(s.endTimeUnixNano).toBe(18446744073709551615n);
    expect(s.attributes[0]!.value).toStrictEqual({ intValue: -9223372036854775808n });
    expect(s.attributes[1]!.value).toStrictEqual({ doubleValue: 12345678901234567.5 });
    expect(s.attributes[2]!.value).toStrictEqual({ doubleValue: 1e300 });
    // a long digit run in key position is not turned into valid JSON
    expect(() => parseJsonText('{12345678901234567: 1}')).toThrow(OtlpJsonError);
    // and bigint values are accepted on the object API
    expect(firstSpan(jsonToExportRequest(withSpan({ startTimeUnixNano: 2n ** 64n - 1n }))).startTimeUnixNano).toBe(2n ** 64n - 1n);
  });

  it('strips a UTF-8 BOM', () => {
    expect(otlpJsonToProtobuf(Buffer.from('\ufeff{}')).length).toBe(0);
  });

  it('AnyValue: the last oneof member wins', () => {
    expect(jsonToAnyValue({ stringValue: 'a', intValue: '5' })).toStrictEqual({ intValue: 5n });
    expect(jsonToAnyValue({ stringValue: 'a', intValue: null })).toStrictEqual({ stringValue: 'a' });
  });
});

describe('OTLP/JSON errors name the JSON path', () => {
  const bad = (span: Record<string, unknown>) => ({
    resourceSpans: [{ scopeSpans: [{ spans: [] }, { spans: [{}, {}, {}, span] }] }],
  });

  it('trace id of the wrong length', () => {
    const err = errorOf(() => jsonToExportRequest(bad({ traceId: 'abcd' })));
    expect(err.message).toBe('resourceSpans[0].scopeSpans[1].spans[3].traceId: expected 32 hex characters, got 4');
    expect(err.path).toBe('resourceSpans[0].scopeSpans[1].spans[3].traceId');
    expect(() => jsonToExportRequest(bad({ traceId: 'abcd' }))).toThrow(
      'resourceSpans[0].scopeSpans[1].spans[3].traceId: expected 32 hex characters',
    );
  });

  it.each([
    [{ spanId: 'zz19b7ec3c1b1745' }, 'spans[3].spanId: expected 16 hex characters, got a non-hex character'],
    [{ parentSpanId: 12 }, 'spans[3].parentSpanId: expected 16 hex characters, got a number'],
    [{ links: [{ traceId: '00' }] }, 'spans[3].links[0].traceId: expected 32 hex characters, got 2'],
    [{ kind: 'SERVER' }, 'spans[3].kind: expected a SpanKind integer or name, got "SERVER"'],
    [{ kind: 1.5 }, 'spans[3].kind: expected a SpanKind integer, got 1.5'],
    [{ status: { code: 'STATUS_CODE_BAD' } }, 'spans[3].status.code: expected a StatusCode integer or name'],
    [{ startTimeUnixNano: '-1' }, 'spans[3].startTimeUnixNano: -1 is out of range for fixed64'],
    [{ startTimeUnixNano: '1.5' }, 'spans[3].startTimeUnixNano: expected an unsigned 64-bit integer'],
    [{ start_time_unix_nano: true }, 'spans[3].start_time_unix_nano: expected an unsigned 64-bit integer'],
    [{ droppedAttributesCount: -1 }, 'spans[3].droppedAttributesCount: expected an unsigned 32-bit integer, got -1'],
    [{ flags: 4294967296 }, 'spans[3].flags: expected an unsigned 32-bit integer'],
    [{ name: 5 }, 'spans[3].name: expected a string, got a number'],
    [{ attributes: {} }, 'spans[3].attributes: expected an array, got an object'],
    [{ attributes: [{ key: 'k', value: { intValue: '9223372036854775808' } }] }, 'spans[3].attributes[0].value.intValue: 9223372036854775808 is out of range for int64'],
    [{ attributes: [{ key: 'k', value: { boolValue: 'true' } }] }, 'spans[3].attributes[0].value.boolValue: expected a boolean'],
    [{ attributes: [{ key: 'k', value: { doubleValue: 'nan' } }] }, 'spans[3].attributes[0].value.doubleValue: expected a number'],
    [{ attributes: [{ key: 'k', value: { bytesValue: 'a' } }] }, 'spans[3].attributes[0].value.bytesValue: expected a base64 string'],
    [{ attributes: [{ key: 'k', value: { bytesValue: 'ab!c' } }] }, 'spans[3].attributes[0].value.bytesValue: expected a base64 string'],
    [
      { attributes: [{ key: 'k', value: { kvlistValue: { values: [{ key: 'x', value: { arrayValue: { values: [1] } } }] } } }] },
      'spans[3].attributes[0].value.kvlistValue.values[0].value.arrayValue.values[0]: expected an object, got a number',
    ],
    [{ events: [null] }, 'spans[3].events[0]: expected an object, got null'],
  ])('%j', (span, message) => {
    const err = errorOf(() => jsonToExportRequest(bad(span)));
    expect(err.message).toContain(`resourceSpans[0].scopeSpans[1].${message}`);
  });

  it('document-level problems', () => {
    expect(errorOf(() => jsonToExportRequest([])).message).toBe('expected an object, got an array');
    expect(errorOf(() => jsonToExportRequest({ resourceSpans: 'x' })).message).toBe('resourceSpans: expected an array, got a string');
    expect(errorOf(() => otlpJsonToProtobuf('{"resourceSpans": [')).message).toMatch(/^invalid JSON: /);
    expect(errorOf(() => otlpJsonToProtobuf(Buffer.from('nope'))).message).toMatch(/^invalid JSON: /);
  });

  it('bounds AnyValue nesting', () => {
    let v: unknown = { stringValue: 'x' };
    for (let i = 0; i < 31; i++) v = { arrayValue: { values: [v] } };
    expect(() => jsonToAnyValue(v)).not.toThrow();
    expect(errorOf(() => jsonToAnyValue({ arrayValue: { values: [v] } })).message).toMatch(/nested too deeply$/);
  });

  it('jsonToSpan reads a single span', () => {
    expect(jsonToSpan({ name: 'x', kind: 3 })).toStrictEqual(newSpan({ name: 'x', kind: 3 }));
  });

  it('never throws anything but OtlpJsonError on arbitrary JSON', () => {
    const arbJson = fc.letrec<{ value: unknown }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.constantFrom(null, true, 1, -1, 1.5, '', 'x', 'NaN', 'ab', '00000000000000000000000000000001', 'SPAN_KIND_SERVER'),
        fc.array(tie('value'), { maxLength: 3 }),
        fc.dictionary(
          fc.constantFrom('resourceSpans', 'scopeSpans', 'spans', 'resource', 'scope', 'attributes', 'key', 'value', 'traceId', 'kind', 'status',
            'code', 'intValue', 'arrayValue', 'kvlistValue', 'values', 'events', 'links', 'bytesValue', 'doubleValue', 'name'),
          tie('value'),
          { maxKeys: 4 },
        ),
      ),
    }));
    fc.assert(
      fc.property(arbJson.value, (v) => {
        try {
          const m = jsonToExportRequest(v);
          // whatever it accepted encodes and decodes back to itself
          expect(decodeExportRequest(encodeExportRequestModel(m))).toStrictEqual(m);
        } catch (err) {
          if (!(err instanceof OtlpJsonError)) throw err;
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('stripFlags models survive the reference and JSON both ways', () => {
    fc.assert(
      fc.property(arbExportRequest(), (m) => {
        const viaJson = jsonToExportRequest(JSON.parse(protobufToOtlpJson(referenceEncode(stripFlags(m)))));
        expect(viaJson).toStrictEqual(noNegZero(stripFlags(m)));
      }),
      { numRuns: 100 },
    );
  });
});
