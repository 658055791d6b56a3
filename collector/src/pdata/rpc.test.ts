import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  decodeExportTraceServiceResponse,
  decodeRetryInfo,
  decodeRpcStatus,
  encodeExportTraceServiceResponse,
  encodeRetryInfo,
  encodeRetryInfoStatus,
  encodeRpcStatus,
  exportTraceServiceResponseFromJson,
  exportTraceServiceResponseToJson,
  RETRY_INFO_TYPE_URL,
  retryDelayMsFromStatusDetails,
  rpcStatusFromJson,
  rpcStatusToJson,
  type RpcStatus,
} from './rpc.ts';
import { OtlpJsonError } from './otlp-json.ts';
import { WireError } from './wire-reader.ts';
import { ReferenceExportResponse } from './test-arbitraries.ts';

const hex = (b: Buffer) => b.toString('hex');
const bytes = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const URL_HEX = Buffer.from(RETRY_INFO_TYPE_URL).toString('hex');

// An independent codec for google.rpc.Status / RetryInfo: protobufjs reflection over a schema
// transcribed from google/rpc/status.proto, error_details.proto, protobuf/any.proto, duration.proto.
// protobufjs is resolved through the reference package that depends on it.
const requireFromReference = createRequire(createRequire(import.meta.url).resolve('otlp-reference/package.json'));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const protobuf: any = requireFromReference('protobufjs');
const googleRoot = protobuf.Root.fromJSON({
  nested: {
    google: {
      nested: {
        protobuf: {
          nested: {
            Any: { fields: { type_url: { type: 'string', id: 1 }, value: { type: 'bytes', id: 2 } } },
            Duration: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } },
          },
        },
        rpc: {
          nested: {
            Status: {
              fields: {
                code: { type: 'int32', id: 1 },
                message: { type: 'string', id: 2 },
                details: { rule: 'repeated', type: 'google.protobuf.Any', id: 3 },
              },
            },
            RetryInfo: { fields: { retry_delay: { type: 'google.protobuf.Duration', id: 1 } } },
          },
        },
      },
    },
  },
});
const RefStatus = googleRoot.lookupType('google.rpc.Status');
const RefRetryInfo = googleRoot.lookupType('google.rpc.RetryInfo');

describe('ExportTraceServiceResponse', () => {
  it('hand-computed bytes', () => {
    expect(hex(encodeExportTraceServiceResponse({ partialSuccess: null }))).toBe('');
    expect(hex(encodeExportTraceServiceResponse({ partialSuccess: { rejectedSpans: 5, errorMessage: 'bad' } }))).toBe(
      '0a07' + '0805' + '1203626164',
    );
    expect(hex(encodeExportTraceServiceResponse({ partialSuccess: { rejectedSpans: 0, errorMessage: '' } }))).toBe('0a00');
    expect(hex(encodeExportTraceServiceResponse({ partialSuccess: { rejectedSpans: 300, errorMessage: '' } }))).toBe('0a03' + '08ac02');
  });

  it('decodes', () => {
    expect(decodeExportTraceServiceResponse(Buffer.alloc(0))).toStrictEqual({ partialSuccess: null });
    expect(decodeExportTraceServiceResponse(bytes('0a07 0805 1203626164'))).toStrictEqual({
      partialSuccess: { rejectedSpans: 5, errorMessage: 'bad' },
    });
    expect(decodeExportTraceServiceResponse(bytes('0a00'))).toStrictEqual({ partialSuccess: { rejectedSpans: 0, errorMessage: '' } });
    // unknown fields skipped, wrong wire type refused, truncation refused
    expect(decodeExportTraceServiceResponse(bytes('1001 0a02 0807'))).toStrictEqual({ partialSuccess: { rejectedSpans: 7, errorMessage: '' } });
    expect(() => decodeExportTraceServiceResponse(bytes('0a02 0a00'))).toThrow(WireError);
    expect(() => decodeExportTraceServiceResponse(bytes('0a05 0805'))).toThrow(WireError);
  });

  it('matches the reference codec', () => {
    fc.assert(
      fc.property(fc.option(fc.record({ rejectedSpans: fc.nat(), errorMessage: fc.string() }, { noNullPrototype: true }), { nil: null }), (ps) => {
        const ours = encodeExportTraceServiceResponse({ partialSuccess: ps });
        const refObj = ps === null ? {} : { partialSuccess: { ...(ps.rejectedSpans ? { rejectedSpans: ps.rejectedSpans } : {}), ...(ps.errorMessage ? { errorMessage: ps.errorMessage } : {}) } };
        expect(hex(ours)).toBe(hex(Buffer.from(ReferenceExportResponse.encode(ReferenceExportResponse.fromObject(refObj)).finish())));
        expect(decodeExportTraceServiceResponse(ours)).toStrictEqual({ partialSuccess: ps });
      }),
    );
  });

  it('JSON form', () => {
    expect(exportTraceServiceResponseToJson({ partialSuccess: null })).toStrictEqual({});
    expect(exportTraceServiceResponseToJson({ partialSuccess: { rejectedSpans: 5, errorMessage: 'bad' } })).toStrictEqual({
      partialSuccess: { rejectedSpans: '5', errorMessage: 'bad' },
    });
    expect(exportTraceServiceResponseFromJson({})).toStrictEqual({ partialSuccess: null });
    expect(exportTraceServiceResponseFromJson({ partialSuccess: { rejectedSpans: '5', errorMessage: 'bad' } })).toStrictEqual({
      partialSuccess: { rejectedSpans: 5, errorMessage: 'bad' },
    });
    expect(exportTraceServiceResponseFromJson({ partial_success: { rejected_spans: 2, unknown: 1 } })).toStrictEqual({
      partialSuccess: { rejectedSpans: 2, errorMessage: '' },
    });
    expect(() => exportTraceServiceResponseFromJson({ partialSuccess: { rejectedSpans: 'x' } })).toThrow(OtlpJsonError);
    expect(() => exportTraceServiceResponseFromJson('x')).toThrow(OtlpJsonError);
  });
});

describe('google.rpc.Status and RetryInfo', () => {
  const retryInfo1500 = '0a08' + '0801' + '1080cab5ee01'; // Duration{seconds: 1, nanos: 500000000}

  it('hand-computed bytes', () => {
    expect(hex(encodeRpcStatus({ code: 8, message: 'slow', details: [] }))).toBe('0808' + '1204736c6f77');
    expect(hex(encodeRpcStatus({ code: 0, message: '', details: [] }))).toBe('');
    expect(hex(encodeRetryInfo(1500))).toBe(retryInfo1500);
    expect(hex(encodeRetryInfo(2000))).toBe('0a02' + '0802');
    expect(hex(encodeRetryInfo(250))).toBe('0a05' + '1080e59a77'); // nanos 250000000
    expect(hex(encodeRetryInfo(0))).toBe('0a00');
    expect(hex(encodeRetryInfo(-5))).toBe('0a00');
    expect(RETRY_INFO_TYPE_URL.length).toBe(0x28);
    // Status{code: 8, message: 'x', details: [Any{type_url, value: RetryInfo}]}
    expect(hex(encodeRetryInfoStatus(8, 'x', 1500))).toBe('0808' + '120178' + '1a36' + '0a28' + URL_HEX + '120a' + retryInfo1500);
  });

  it('agrees with protobufjs reflection', () => {
    fc.assert(
      fc.property(fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.string(), fc.integer({ min: 0, max: 10_000_000 }), (code, message, ms) => {
        const ours = encodeRetryInfoStatus(code, message, ms);
        const ref = RefStatus.decode(ours);
        expect(ref.code).toBe(code);
        expect(ref.message).toBe(message);
        expect(ref.details[0].type_url).toBe(RETRY_INFO_TYPE_URL);
        const ri = RefRetryInfo.decode(ref.details[0].value);
        const seconds = ri.retry_delay?.seconds ?? 0;
        expect(Number(seconds) * 1000 + (ri.retry_delay?.nanos ?? 0) / 1e6).toBe(ms);
        // and the reference's own encoding of the same message is byte-identical
        expect(hex(Buffer.from(RefStatus.encode(ref).finish()))).toBe(hex(ours));
        expect(retryDelayMsFromStatusDetails(ours)).toBe(ms);
      }),
    );
  });

  it('decodes Status', () => {
    const bin = encodeRetryInfoStatus(14, 'unavailable', 1500);
    expect(decodeRpcStatus(bin)).toStrictEqual({
      code: 14,
      message: 'unavailable',
      details: [{ typeUrl: RETRY_INFO_TYPE_URL, value: bytes(retryInfo1500) }],
    });
    expect(decodeRpcStatus(bytes('08ffffffffffffffffff01')).code).toBe(-1);
    expect(() => decodeRpcStatus(bytes('0a00'))).toThrow(/Status.code: wrong wire type/);
  });

  it('retryDelayMsFromStatusDetails', () => {
    expect(retryDelayMsFromStatusDetails(encodeRetryInfoStatus(8, 'x', 1500))).toBe(1500);
    expect(retryDelayMsFromStatusDetails(encodeRetryInfoStatus(8, 'x', 0))).toBe(0);
    expect(retryDelayMsFromStatusDetails(encodeRpcStatus({ code: 8, message: 'x', details: [] }))).toBeUndefined();
    // another detail first, RetryInfo second
    const other = { typeUrl: 'type.googleapis.com/google.rpc.ErrorInfo', value: bytes('0a0161') };
    const status: RpcStatus = { code: 8, message: '', details: [other, { typeUrl: RETRY_INFO_TYPE_URL, value: encodeRetryInfo(250) }] };
    expect(retryDelayMsFromStatusDetails(encodeRpcStatus(status))).toBe(250);
    // RetryInfo without retry_delay, malformed RetryInfo, malformed Status: undefined
    expect(retryDelayMsFromStatusDetails(encodeRpcStatus({ code: 8, message: '', details: [{ typeUrl: RETRY_INFO_TYPE_URL, value: Buffer.alloc(0) }] }))).toBeUndefined();
    expect(retryDelayMsFromStatusDetails(encodeRpcStatus({ code: 8, message: '', details: [{ typeUrl: RETRY_INFO_TYPE_URL, value: bytes('0a05') }] }))).toBeUndefined();
    expect(retryDelayMsFromStatusDetails(bytes('1a05'))).toBeUndefined();
    expect(retryDelayMsFromStatusDetails(Buffer.alloc(0))).toBeUndefined();
    expect(decodeRetryInfo(bytes('0a0b 08ffffffffffffffffff01'))).toBe(0); // negative clamps to 0
  });

  it('JSON form: RetryInfo in its well-known form, other details as base64', () => {
    const status: RpcStatus = {
      code: 8,
      message: 'slow down',
      details: [
        { typeUrl: RETRY_INFO_TYPE_URL, value: encodeRetryInfo(1500) },
        { typeUrl: 'type.googleapis.com/google.rpc.ErrorInfo', value: bytes('0a0161') },
      ],
    };
    const json = rpcStatusToJson(status);
    expect(json).toStrictEqual({
      code: 8,
      message: 'slow down',
      details: [
        { '@type': RETRY_INFO_TYPE_URL, retryDelay: '1.500s' },
        { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', value: 'CgFh' },
      ],
    });
    expect(rpcStatusFromJson(JSON.parse(JSON.stringify(json)))).toStrictEqual(status);
    expect(rpcStatusToJson({ code: 3, message: 'bad', details: [] })).toStrictEqual({ code: 3, message: 'bad' });
    expect(rpcStatusToJson({ code: 0, message: '', details: [{ typeUrl: RETRY_INFO_TYPE_URL, value: encodeRetryInfo(2000) }] })).toStrictEqual({
      details: [{ '@type': RETRY_INFO_TYPE_URL, retryDelay: '2s' }],
    });
    expect(rpcStatusToJson({ code: 0, message: '', details: [{ typeUrl: RETRY_INFO_TYPE_URL, value: encodeRetryInfo(0.25) }] })).toStrictEqual({
      details: [{ '@type': RETRY_INFO_TYPE_URL, retryDelay: '0.000250s' }],
    });
    expect(rpcStatusFromJson({ details: [{ '@type': RETRY_INFO_TYPE_URL, retryDelay: '0.5s' }] }).details[0]!.value).toStrictEqual(encodeRetryInfo(500));
    expect(() => rpcStatusFromJson({ details: [{ '@type': RETRY_INFO_TYPE_URL, retryDelay: '5 s' }] })).toThrow(/details\[0\].retryDelay/);
    expect(() => rpcStatusFromJson({ code: 'x' })).toThrow(OtlpJsonError);
  });

  it('round-trips arbitrary statuses; malformed bytes only ever throw WireError', () => {
    const arbStatus = fc.record({
      code: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
      message: fc.string({ unit: 'binary' }),
      details: fc.array(fc.record({ typeUrl: fc.string(), value: fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a)) }, { noNullPrototype: true }), { maxLength: 3 }),
    }, { noNullPrototype: true });
    fc.assert(
      fc.property(arbStatus, (s) => {
        const bin = encodeRpcStatus(s);
        expect(decodeRpcStatus(bin)).toStrictEqual(s);
        expect(hex(Buffer.from(RefStatus.encode(RefStatus.decode(bin)).finish()))).toBe(hex(bin));
        for (let n = 0; n < bin.length; n++) {
          try {
            decodeRpcStatus(bin.subarray(0, n));
          } catch (err) {
            expect(err).toBeInstanceOf(WireError);
          }
          expect(() => retryDelayMsFromStatusDetails(bin.subarray(0, n))).not.toThrow();
        }
      }),
      { numRuns: 100 },
    );
  });
});
