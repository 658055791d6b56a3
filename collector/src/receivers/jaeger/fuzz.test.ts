/**
 * fast-check over each Jaeger decoder: random bytes and mutated valid encodings (byte flips,
 * insertions, deletions, truncation) either decode or throw JaegerDecodeError — nothing else —
 * and whatever decodes also translates, encodes and indexes (the full receive path).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeExportRequestModel } from '../../pdata/encode-model.ts';
import { indexExportRequest } from '../../pdata/index-request.ts';
import { JaegerDecodeError, type JaegerBatch } from './jaeger-model.ts';
import { decodePostSpansRequest } from './proto-decode.ts';
import { decodeAgentPacket, decodeThriftBatch } from './thrift-decode.ts';
import { apacheBatch, apacheEmitBatch, encodePostSpans, fullPostSpans, fullThriftBatch } from './test-support.ts';
import { jaegerToOtlp } from './translate.ts';

type Decoder = (buf: Buffer) => JaegerBatch[];

const decoders: [string, Decoder, Buffer][] = [
  ['agent compact', (b) => nonNull(decodeAgentPacket(b, 'compact')), apacheEmitBatch('compact', fullThriftBatch())],
  ['agent binary', (b) => nonNull(decodeAgentPacket(b, 'binary')), apacheEmitBatch('binary', fullThriftBatch())],
  ['thrift_http batch', (b) => [decodeThriftBatch(b)], apacheBatch('binary', fullThriftBatch())],
  ['api_v2 protobuf', decodePostSpansRequest, encodePostSpans(fullPostSpans())],
];

function nonNull(b: JaegerBatch | null): JaegerBatch[] {
  return b === null ? [] : [b];
}

/** Decodes; a successful decode must also make it through translation and indexing. */
function outcome(decode: Decoder, input: Buffer): 'ok' | 'refused' {
  let batches: JaegerBatch[];
  try {
    batches = decode(input);
  } catch (err) {
    if (err instanceof JaegerDecodeError) return 'refused';
    throw err;
  }
  const batch = indexExportRequest(encodeExportRequestModel(jaegerToOtlp(batches)));
  expect(batch.spanCount).toBeGreaterThanOrEqual(0);
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

describe('jaeger decoders under fuzzing', () => {
  it.each(decoders)('%s: random bytes only ever decode or throw JaegerDecodeError', (_name, decode) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        outcome(decode, Buffer.from(bytes));
      }),
      { numRuns: 1500 },
    );
  });

  it.each(decoders)('%s: mutated valid input only ever decodes or throws JaegerDecodeError', (_name, decode, valid) => {
    // The unmutated input decodes (so the property is not vacuous).
    expect(outcome(decode, valid)).toBe('ok');
    let refused = 0;
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
        if (outcome(decode, mutate(valid, mutations)) === 'refused') refused++;
      }),
      { numRuns: 1500 },
    );
    // Mutations do reach the error paths.
    expect(refused).toBeGreaterThan(0);
  });
});
