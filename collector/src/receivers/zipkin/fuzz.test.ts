/**
 * fast-check over each Zipkin decoder: random bytes and mutated valid bodies either decode or
 * throw ZipkinDecodeError — nothing else — and whatever decodes also translates (with and
 * without parse_string_tags), encodes and indexes.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeExportRequestModel } from '../../pdata/encode-model.ts';
import { indexExportRequest } from '../../pdata/index-request.ts';
import { parseZipkinV1Json } from './json-v1.ts';
import { parseZipkinV2Json } from './json-v2.ts';
import { decodeZipkinProto } from './proto-decode.ts';
import { encodeListOfSpans, fullProtoSpans } from './test-support.ts';
import { zipkinToOtlp } from './translate.ts';
import { ZipkinDecodeError, type ZipkinSpan } from './zipkin-model.ts';

type Decoder = (buf: Buffer) => ZipkinSpan[];

const v2Json = Buffer.from(
  JSON.stringify([
    {
      traceId: '5b8efff798038103d269b633813fc60c',
      id: 'eee19b7ec3c1b174',
      parentId: '00f067aa0ba902b7',
      kind: 'SERVER',
      name: 'get',
      timestamp: 1700000000123456,
      duration: 25,
      localEndpoint: { serviceName: 'fe', ipv4: '10.0.0.1', port: 80 },
      remoteEndpoint: { serviceName: 'be', ipv6: '::1' },
      annotations: [{ timestamp: 1700000000123460, value: 'ev|{"a":1}|0' }],
      tags: { 'http.status_code': '200', error: 'x', 'otel.status_code': 'ERROR', 'otlp.link.0': '0af7651916cd43dd8448eb211c80319c|b7ad6b7169203331||{}|0' },
      shared: true,
    },
  ]),
);
const v1Json = Buffer.from(
  JSON.stringify([
    {
      traceId: '5b8efff798038103d269b633813fc60c',
      id: 'eee19b7ec3c1b174',
      annotations: [{ timestamp: 1, value: 'cs', endpoint: { serviceName: 'a' } }, { timestamp: 5, value: 'cr' }],
      binaryAnnotations: [{ key: 'lc', value: 'c' }, { key: 'sa', value: true, endpoint: { serviceName: 'b', port: 9 } }],
    },
  ]),
);

const decoders: [string, Decoder, Buffer][] = [
  ['v2 JSON', parseZipkinV2Json, v2Json],
  ['v2 protobuf', decodeZipkinProto, encodeListOfSpans(fullProtoSpans())],
  ['v1 JSON', parseZipkinV1Json, v1Json],
];

function outcome(decode: Decoder, input: Buffer): 'ok' | 'refused' {
  for (const parseStringTags of [false, true]) {
    let spans: ZipkinSpan[];
    try {
      spans = decode(input);
    } catch (err) {
      if (err instanceof ZipkinDecodeError) return 'refused';
      throw err;
    }
    const batch = indexExportRequest(encodeExportRequestModel(zipkinToOtlp(spans, { parseStringTags })));
    expect(batch.spanCount).toBe(spans.length);
  }
  return 'ok';
}

type Mutation =
  | { kind: 'flip'; at: number; value: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'truncate'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

function mutate(valid: Buffer, mutations: Mutation[]): Buffer {
  let b = Buffer.from(valid);
  for (const m of mutations) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    if (m.kind === 'flip') {
      if (b.length > 0) b[at] = m.value;
    } else if (m.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from(m.bytes), b.subarray(at)]);
    else if (m.kind === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.count)]);
    else b = b.subarray(0, at);
  }
  return b;
}

// JSON-shaped noise reaches further into the JSON decoders than random bytes do.
const jsonNoise = fc.json({ maxDepth: 4 }).map((s) => Buffer.from(s));

describe('zipkin decoders under fuzzing', () => {
  it.each(decoders)('%s: random bytes and random JSON only ever decode or throw ZipkinDecodeError', (_name, decode) => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)), jsonNoise), (input) => {
        outcome(decode, input);
      }),
      { numRuns: 1500 },
    );
  });

  it.each(decoders)('%s: mutated valid input only ever decodes or throws ZipkinDecodeError', (_name, decode, valid) => {
    expect(outcome(decode, valid)).toBe('ok');
    let refused = 0;
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
        if (outcome(decode, mutate(valid, mutations)) === 'refused') refused++;
      }),
      { numRuns: 1500 },
    );
    expect(refused).toBeGreaterThan(0);
  });
});
