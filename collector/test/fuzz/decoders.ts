/**
 * Every decoder that reads bytes from outside, called directly: what a receiver decodes (OTLP
 * protobuf and JSON, Jaeger's and Zipkin's formats when those receivers are registered) and what
 * an exporter decodes from a backend's answer (ExportTraceServiceResponse, google.rpc.Status,
 * RetryInfo). For each: its valid seed encodings, hand-made hostile inputs, and the errors that
 * count as a clear refusal. Anything else thrown is a finding. Whatever decodes is pushed on
 * through the rest of the receive path (translate, encode, index).
 */
import fc from 'fast-check';
import { builtinRegistry } from '../../src/components.ts';
import { decodeExportRequest } from '../../src/pdata/decode-model.ts';
import { encodeExportRequestModel } from '../../src/pdata/encode-model.ts';
import { indexExportRequest } from '../../src/pdata/index-request.ts';
import type { ExportRequestModel } from '../../src/pdata/model.ts';
import { OtlpJsonError, otlpJsonToProtobuf, protobufToOtlpJson } from '../../src/pdata/otlp-json.ts';
import {
  decodeExportTraceServiceResponse,
  decodeRetryInfo,
  decodeRpcStatus,
  encodeExportTraceServiceResponse,
  encodeRetryInfoStatus,
  retryDelayMsFromStatusDetails,
} from '../../src/pdata/rpc.ts';
import { arbExportRequest } from '../../src/pdata/test-arbitraries.ts';
import { WireError } from '../../src/pdata/wire-reader.ts';

export interface DecoderTarget {
  name: string;
  seeds: Buffer[];
  hostile: Buffer[];
  /** 'refused' for a clear decode error; throws anything else. */
  run(input: Buffer): 'ok' | 'refused';
}

// ---- hand-made protobuf ----

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

function field(tag: number, payload: Buffer): Buffer {
  return Buffer.concat([varint(tag), varint(payload.length), payload]);
}

/** A request whose only span has one attribute whose value nests `depth` arrays deep. */
export function deepAnyValueRequest(depth: number): Buffer {
  let value = field(0x0a, Buffer.from('x')); // AnyValue{string_value}
  for (let i = 0; i < depth; i++) value = field(0x2a, field(0x0a, value)); // AnyValue{array_value{values}}
  const kv = Buffer.concat([field(0x0a, Buffer.from('k')), field(0x12, value)]);
  const span = Buffer.concat([field(0x0a, Buffer.alloc(16, 1)), field(0x12, Buffer.alloc(8, 2)), field(0x4a, kv)]);
  return field(0x0a, field(0x12, field(0x12, span))); // request{resource_spans{scope_spans{spans}}}
}

/** A request whose only span has `n` attributes (each a few bytes). */
export function manyAttributesRequest(n: number): Buffer {
  const kv = field(0x4a, Buffer.concat([field(0x0a, Buffer.from('k')), field(0x12, field(0x0a, Buffer.from('v')))]));
  const span = Buffer.concat([field(0x0a, Buffer.alloc(16, 1)), field(0x12, Buffer.alloc(8, 2)), Buffer.concat(Array.from({ length: n }, () => kv))]);
  return field(0x0a, field(0x12, field(0x12, span)));
}

const OTLP_HOSTILE: Buffer[] = [
  deepAnyValueRequest(33),
  deepAnyValueRequest(5000),
  manyAttributesRequest(20_000),
  Buffer.concat([Buffer.from([0x0a]), varint(0x7fffffff)]), // a length far past the end
  Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), // 11-byte varint
  Buffer.from([0x0b, 0x0a, 0x00]), // a group that never ends
  Buffer.concat(Array.from({ length: 50_000 }, () => Buffer.from([0x0a, 0x00]))), // 50k empty ResourceSpans
];

function otlpSeedModels(): ExportRequestModel[] {
  return fc.sample(
    arbExportRequest({ maxSpans: 3, maxAttributes: 3 }).filter((m) => m.resourceSpans.length > 0),
    { numRuns: 6, seed: 42 },
  );
}

function isWireError(err: unknown): boolean {
  return err instanceof WireError;
}

function refusedOn(isExpected: (err: unknown) => boolean, fn: () => void): 'ok' | 'refused' {
  try {
    fn();
    return 'ok';
  } catch (err) {
    if (isExpected(err)) return 'refused';
    throw err;
  }
}

function jsonDeepNesting(depth: number): Buffer {
  let v = '{"stringValue":"x"}';
  for (let i = 0; i < depth; i++) v = `{"arrayValue":{"values":[${v}]}}`;
  return Buffer.from(
    `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","attributes":[{"key":"a","value":${v}}]}]}]}]}`,
  );
}

/** The OTLP and exporter-side decoders (always there), and the Jaeger / Zipkin ones when registered. */
export async function decoderTargets(): Promise<DecoderTarget[]> {
  const protoSeeds = otlpSeedModels().map((m) => encodeExportRequestModel(m));
  const jsonSeeds = protoSeeds.map((b) => Buffer.from(protobufToOtlpJson(b)));
  const targets: DecoderTarget[] = [
    {
      name: 'otlp protobuf: indexExportRequest',
      seeds: protoSeeds,
      hostile: OTLP_HOSTILE,
      run: (b) => refusedOn(isWireError, () => void indexExportRequest(b)),
    },
    {
      name: 'otlp protobuf: decodeExportRequest (model)',
      seeds: protoSeeds,
      hostile: OTLP_HOSTILE,
      run: (b) => refusedOn(isWireError, () => void decodeExportRequest(b)),
    },
    {
      name: 'otlp json: otlpJsonToProtobuf',
      seeds: jsonSeeds,
      hostile: [jsonDeepNesting(40), jsonDeepNesting(20_000), Buffer.from('['.repeat(100_000) + ']'.repeat(100_000)), Buffer.from('{"resourceSpans":[' + '{},'.repeat(100_000) + '{}]}')],
      run: (b) =>
        refusedOn(
          (e) => e instanceof OtlpJsonError,
          () => void indexExportRequest(otlpJsonToProtobuf(b)),
        ),
    },
    {
      name: 'exporter: decodeExportTraceServiceResponse',
      seeds: [encodeExportTraceServiceResponse({ partialSuccess: { rejectedSpans: 3, errorMessage: 'too old' } })],
      hostile: [],
      run: (b) => refusedOn(isWireError, () => void decodeExportTraceServiceResponse(b)),
    },
    {
      name: 'exporter: decodeRpcStatus / RetryInfo',
      seeds: [encodeRetryInfoStatus(8, 'slow down', 1500)],
      hostile: [],
      run: (b) =>
        refusedOn(isWireError, () => {
          // retryDelayMsFromStatusDetails must never throw: it reads a trailer from the network.
          retryDelayMsFromStatusDetails(b);
          const status = decodeRpcStatus(b);
          for (const d of status.details) {
            try {
              decodeRetryInfo(d.value);
            } catch (err) {
              if (!isWireError(err)) throw err;
            }
          }
        }),
    },
  ];
  const registry = builtinRegistry();
  if (registry.get('receiver', 'jaeger') !== undefined) targets.push(...(await jaegerDecoders()));
  if (registry.get('receiver', 'zipkin') !== undefined) targets.push(...(await zipkinDecoders()));
  return targets;
}

async function jaegerDecoders(): Promise<DecoderTarget[]> {
  const [{ JaegerDecodeError }, { decodePostSpansRequest }, { decodeAgentPacket, decodeThriftBatch }, { jaegerToOtlp }, support] = await Promise.all([
    import('../../src/receivers/jaeger/jaeger-model.ts'),
    import('../../src/receivers/jaeger/proto-decode.ts'),
    import('../../src/receivers/jaeger/thrift-decode.ts'),
    import('../../src/receivers/jaeger/translate.ts'),
    import('../../src/receivers/jaeger/test-support.ts'),
  ]);
  type Batches = Parameters<typeof jaegerToOtlp>[0];
  const through = (batches: Batches): void => void indexExportRequest(encodeExportRequestModel(jaegerToOtlp(batches)));
  const expected = (e: unknown) => e instanceof JaegerDecodeError;
  // A Thrift list header claiming 2^31 - 1 elements, right after a struct start.
  const hugeList = Buffer.from([0x0c, 0x00, 0x01, 0x0f, 0x00, 0x02, 0x0c, 0x7f, 0xff, 0xff, 0xff]);
  return [
    {
      name: 'jaeger agent thrift compact (UDP)',
      seeds: [support.apacheEmitBatch('compact', support.fullThriftBatch())],
      hostile: [hugeList],
      run: (b) => refusedOn(expected, () => {
        const batch = decodeAgentPacket(b, 'compact');
        if (batch !== null) through([batch]);
      }),
    },
    {
      name: 'jaeger agent thrift binary (UDP)',
      seeds: [support.apacheEmitBatch('binary', support.fullThriftBatch())],
      hostile: [hugeList],
      run: (b) => refusedOn(expected, () => {
        const batch = decodeAgentPacket(b, 'binary');
        if (batch !== null) through([batch]);
      }),
    },
    {
      name: 'jaeger thrift_http batch',
      seeds: [support.apacheBatch('binary', support.fullThriftBatch())],
      hostile: [hugeList],
      run: (b) => refusedOn(expected, () => through([decodeThriftBatch(b)])),
    },
    {
      name: 'jaeger api_v2 protobuf (gRPC)',
      seeds: [support.encodePostSpans(support.fullPostSpans())],
      hostile: OTLP_HOSTILE.slice(3),
      run: (b) => refusedOn(expected, () => through(decodePostSpansRequest(b))),
    },
  ];
}

async function zipkinDecoders(): Promise<DecoderTarget[]> {
  const [{ ZipkinDecodeError }, { parseZipkinV1Json }, { parseZipkinV2Json }, { decodeZipkinProto }, { zipkinToOtlp }, support] = await Promise.all([
    import('../../src/receivers/zipkin/zipkin-model.ts'),
    import('../../src/receivers/zipkin/json-v1.ts'),
    import('../../src/receivers/zipkin/json-v2.ts'),
    import('../../src/receivers/zipkin/proto-decode.ts'),
    import('../../src/receivers/zipkin/translate.ts'),
    import('../../src/receivers/zipkin/test-support.ts'),
  ]);
  type Spans = Parameters<typeof zipkinToOtlp>[0];
  const through = (spans: Spans): void => void indexExportRequest(encodeExportRequestModel(zipkinToOtlp(spans, { parseStringTags: true })));
  const expected = (e: unknown) => e instanceof ZipkinDecodeError;
  const deepJson = Buffer.from('['.repeat(50_000) + ']'.repeat(50_000));
  return [
    {
      name: 'zipkin v2 JSON',
      seeds: ZIPKIN_V2_JSON,
      hostile: [deepJson, Buffer.from(`[${'{"traceId":"1","id":"1"},'.repeat(20_000)}{}]`)],
      run: (b) => refusedOn(expected, () => through(parseZipkinV2Json(b))),
    },
    {
      name: 'zipkin v2 protobuf',
      seeds: [support.encodeListOfSpans(support.fullProtoSpans())],
      hostile: OTLP_HOSTILE.slice(3),
      run: (b) => refusedOn(expected, () => through(decodeZipkinProto(b))),
    },
    {
      name: 'zipkin v1 JSON',
      seeds: ZIPKIN_V1_JSON,
      hostile: [deepJson],
      run: (b) => refusedOn(expected, () => through(parseZipkinV1Json(b))),
    },
  ];
}

export const ZIPKIN_V2_JSON = [
  Buffer.from(
    JSON.stringify([
      {
        traceId: '5b8efff798038103d269b633813fc60c',
        id: 'eee19b7ec3c1b174',
        parentId: '53995c3f42cd8ad8',
        kind: 'SERVER',
        name: 'get /checkout',
        timestamp: 1700000000123456,
        duration: 2500,
        localEndpoint: { serviceName: 'checkout', ipv4: '10.0.0.1', port: 8080 },
        remoteEndpoint: { serviceName: 'be', ipv6: '::1' },
        annotations: [{ timestamp: 1700000000123460, value: 'cache miss' }],
        tags: { 'http.status_code': '200', error: 'x' },
        shared: true,
      },
    ]),
  ),
];

export const ZIPKIN_V1_JSON = [
  Buffer.from(
    JSON.stringify([
      {
        traceId: '5b8efff798038103d269b633813fc60c',
        id: 'eee19b7ec3c1b174',
        annotations: [{ timestamp: 1, value: 'cs', endpoint: { serviceName: 'a' } }, { timestamp: 5, value: 'cr' }],
        binaryAnnotations: [{ key: 'lc', value: 'c' }, { key: 'sa', value: true, endpoint: { serviceName: 'b', port: 9 } }],
      },
    ]),
  ),
];
