/**
 * Ingest cost per span of the translating receivers, in-process (no sockets): the same spans as
 * a Jaeger agent packet (Thrift compact), a Jaeger api_v2 PostSpansRequest (gRPC body), a Zipkin
 * v2 JSON body, and an OTLP ExportTraceServiceRequest, each taken from bytes to the SpanBatch the
 * pipeline sees:
 *
 *   jaeger thrift_compact  decodeAgentPacket + jaegerToOtlp + encodeExportRequestModel + indexExportRequest
 *   jaeger grpc (api_v2)   decodePostSpansRequest + the same
 *   zipkin v2 JSON         parseZipkinV2Json + zipkinToOtlp + the same
 *   otlp protobuf          indexExportRequest (what the otlp receiver does)
 *
 * plus the decode step alone for each. One thread = one core; rounds alternate between the
 * formats so a noisy neighbour hits them alike. Prints JSON.
 *
 *   node --import tsx collector/src/receivers/jaeger/bench/ingest.bench.ts [spansPerRequest] [roundMs] [rounds]
 */
import os from 'node:os';
import { encodeExportRequestModel } from '../../../pdata/encode-model.ts';
import { indexExportRequest } from '../../../pdata/index-request.ts';
import { parseZipkinV2Json } from '../../zipkin/json-v2.ts';
import { zipkinToOtlp } from '../../zipkin/translate.ts';
import { decodePostSpansRequest } from '../proto-decode.ts';
import { apacheEmitBatch, encodePostSpans, TagType, type TSpan, type TTag } from '../test-support.ts';
import { decodeAgentPacket } from '../thrift-decode.ts';
import { jaegerToOtlp } from '../translate.ts';

const spansPerRequest = Number(process.argv[2] ?? 50);
const roundMs = Number(process.argv[3] ?? 300);
const rounds = Number(process.argv[4] ?? 7);
const REQUESTS = 16;

// ---------- one span shape, written in every format ----------

/** An instrumented-HTTP-server-like span: 10 attributes, one event, a parent, status, kind. */
interface Shape {
  traceHi: bigint;
  traceLo: bigint;
  spanId: bigint;
  parentId: bigint;
  name: string;
  startUs: bigint;
  durationUs: bigint;
  strings: [string, string][];
  ints: [string, bigint][];
  bools: [string, boolean][];
  event: { name: string; timeUs: bigint; key: string; value: string };
  error: boolean;
}

function rnd64(): bigint {
  return BigInt.asUintN(64, (BigInt(Math.floor(Math.random() * 2 ** 32)) << 32n) | BigInt(Math.floor(Math.random() * 2 ** 32))) | 1n;
}

function shape(i: number): Shape {
  const startUs = BigInt(Date.now()) * 1000n + BigInt(i);
  return {
    traceHi: rnd64(),
    traceLo: rnd64(),
    spanId: rnd64(),
    parentId: rnd64(),
    name: `GET /api/v1/orders/${i % 50}`,
    startUs,
    durationUs: 5000n,
    strings: [
      ['http.request.method', 'GET'],
      ['url.path', `/api/v1/orders/${i % 977}`],
      ['server.address', 'orders.internal.example.com'],
      ['user_agent.original', 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0'],
      ['http.route', '/api/v1/orders/:id'],
      ['client.address', '10.1.2.3'],
      ['db.system', 'postgresql'],
    ],
    ints: [['http.response.status_code', 200n], ['retry.count', BigInt(i % 3)]],
    bools: [['sampled', true]],
    event: { name: 'cache.miss', timeUs: startUs + 100n, key: 'cache.key', value: `order:${i}` },
    error: i % 50 === 0,
  };
}

const hex = (v: bigint) => v.toString(16).padStart(16, '0');

function toThrift(s: Shape): TSpan {
  const tags: TTag[] = [{ key: 'span.kind', vType: TagType.STRING, vStr: 'server' }];
  for (const [k, v] of s.strings) tags.push({ key: k, vType: TagType.STRING, vStr: v });
  for (const [k, v] of s.ints) tags.push({ key: k, vType: TagType.LONG, vLong: v });
  for (const [k, v] of s.bools) tags.push({ key: k, vType: TagType.BOOL, vBool: v });
  if (s.error) tags.push({ key: 'error', vType: TagType.BOOL, vBool: true });
  return {
    traceIdLow: BigInt.asIntN(64, s.traceLo),
    traceIdHigh: BigInt.asIntN(64, s.traceHi),
    spanId: BigInt.asIntN(64, s.spanId),
    parentSpanId: BigInt.asIntN(64, s.parentId),
    operationName: s.name,
    flags: 1,
    startTime: s.startUs,
    duration: s.durationUs,
    tags,
    logs: [{ timestamp: s.event.timeUs, fields: [{ key: 'event', vType: TagType.STRING, vStr: s.event.name }, { key: s.event.key, vType: TagType.STRING, vStr: s.event.value }] }],
  };
}

function toApiV2(s: Shape): Record<string, unknown> {
  const tags: Record<string, unknown>[] = [{ key: 'span.kind', v_type: 0, v_str: 'server' }];
  for (const [k, v] of s.strings) tags.push({ key: k, v_type: 0, v_str: v });
  for (const [k, v] of s.ints) tags.push({ key: k, v_type: 2, v_int64: v.toString() });
  for (const [k, v] of s.bools) tags.push({ key: k, v_type: 1, v_bool: v });
  if (s.error) tags.push({ key: 'error', v_type: 1, v_bool: true });
  const ts = (us: bigint) => ({ seconds: (us / 1_000_000n).toString(), nanos: Number((us % 1_000_000n) * 1000n) });
  return {
    trace_id: Buffer.from(hex(s.traceHi) + hex(s.traceLo), 'hex'),
    span_id: Buffer.from(hex(s.spanId), 'hex'),
    operation_name: s.name,
    references: [{ trace_id: Buffer.from(hex(s.traceHi) + hex(s.traceLo), 'hex'), span_id: Buffer.from(hex(s.parentId), 'hex'), ref_type: 0 }],
    flags: 1,
    start_time: ts(s.startUs),
    duration: ts(s.durationUs),
    tags,
    logs: [{ timestamp: ts(s.event.timeUs), fields: [{ key: 'event', v_type: 0, v_str: s.event.name }, { key: s.event.key, v_type: 0, v_str: s.event.value }] }],
  };
}

function toZipkin(s: Shape): Record<string, unknown> {
  const tags: Record<string, string> = {};
  for (const [k, v] of s.strings) tags[k] = v;
  for (const [k, v] of s.ints) tags[k] = v.toString();
  for (const [k, v] of s.bools) tags[k] = String(v);
  if (s.error) tags['error'] = 'true';
  return {
    traceId: hex(s.traceHi) + hex(s.traceLo),
    id: hex(s.spanId),
    parentId: hex(s.parentId),
    kind: 'SERVER',
    name: s.name,
    timestamp: Number(s.startUs),
    duration: Number(s.durationUs),
    localEndpoint: { serviceName: 'orders' },
    annotations: [{ timestamp: Number(s.event.timeUs), value: s.event.name }],
    tags,
  };
}

const process0 = { serviceName: 'orders', tags: [{ key: 'hostname', vType: TagType.STRING, vStr: 'orders-7f9c' }, { key: 'jaeger.version', vType: TagType.STRING, vStr: 'Go-2.30.0' }] };

const compactPackets: Buffer[] = [];
const apiV2Bodies: Buffer[] = [];
const zipkinBodies: Buffer[] = [];
const otlpBodies: Buffer[] = [];
for (let r = 0; r < REQUESTS; r++) {
  const shapes = Array.from({ length: spansPerRequest }, (_, i) => shape(r * spansPerRequest + i));
  compactPackets.push(apacheEmitBatch('compact', { process: process0, spans: shapes.map(toThrift) }));
  apiV2Bodies.push(
    encodePostSpans({
      batch: { process: { service_name: 'orders', tags: [{ key: 'hostname', v_type: 0, v_str: 'orders-7f9c' }, { key: 'jaeger.version', v_type: 0, v_str: 'Go-2.30.0' }] }, spans: shapes.map(toApiV2) },
    }),
  );
  zipkinBodies.push(Buffer.from(JSON.stringify(shapes.map(toZipkin))));
  // The OTLP form of the very same spans: what our translation produces for them.
  otlpBodies.push(encodeExportRequestModel(jaegerToOtlp([decodeAgentPacket(compactPackets[r]!, 'compact')!])));
}

// ---------- the paths ----------

let sink = 0;
type Path = { name: string; bytesPerSpan: number; run: (k: number) => void };

const paths: Path[] = [
  { name: 'jaeger thrift_compact: decode', bytesPerSpan: avg(compactPackets), run: (k) => (sink += decodeAgentPacket(compactPackets[k]!, 'compact')!.spans.length) },
  {
    name: 'jaeger thrift_compact: decode+translate+index',
    bytesPerSpan: avg(compactPackets),
    run: (k) => (sink += indexExportRequest(encodeExportRequestModel(jaegerToOtlp([decodeAgentPacket(compactPackets[k]!, 'compact')!]))).spanCount),
  },
  { name: 'jaeger grpc api_v2: decode', bytesPerSpan: avg(apiV2Bodies), run: (k) => (sink += decodePostSpansRequest(apiV2Bodies[k]!).length) },
  {
    name: 'jaeger grpc api_v2: decode+translate+index',
    bytesPerSpan: avg(apiV2Bodies),
    run: (k) => (sink += indexExportRequest(encodeExportRequestModel(jaegerToOtlp(decodePostSpansRequest(apiV2Bodies[k]!)))).spanCount),
  },
  { name: 'zipkin v2 JSON: decode', bytesPerSpan: avg(zipkinBodies), run: (k) => (sink += parseZipkinV2Json(zipkinBodies[k]!).length) },
  {
    name: 'zipkin v2 JSON: decode+translate+index',
    bytesPerSpan: avg(zipkinBodies),
    run: (k) => (sink += indexExportRequest(encodeExportRequestModel(zipkinToOtlp(parseZipkinV2Json(zipkinBodies[k]!), { parseStringTags: false }))).spanCount),
  },
  { name: 'otlp protobuf: indexExportRequest', bytesPerSpan: avg(otlpBodies), run: (k) => (sink += indexExportRequest(otlpBodies[k]!).spanCount) },
];

function avg(bufs: Buffer[]): number {
  return Math.round(bufs.reduce((n, b) => n + b.length, 0) / bufs.length / spansPerRequest);
}

function timeRound(path: Path, ms: number): number {
  let requests = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 8; i++) path.run(requests++ % REQUESTS);
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return (requests * spansPerRequest) / (elapsed / 1000);
}

for (const p of paths) timeRound(p, 200); // warm-up (JIT)
const perRound = new Map<string, number[]>(paths.map((p) => [p.name, []]));
for (let r = 0; r < rounds; r++) for (const p of paths) perRound.get(p.name)!.push(timeRound(p, roundMs));

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
const otlp = median(perRound.get('otlp protobuf: indexExportRequest')!);
const results = paths.map((p) => {
  const spansPerSec = median(perRound.get(p.name)!);
  return {
    path: p.name,
    bytesPerSpan: p.bytesPerSpan,
    spansPerSecPerCore: Math.round(spansPerSec),
    microsPerSpan: Number((1e6 / spansPerSec).toFixed(3)),
    vsOtlpIndex: Number((otlp / spansPerSec).toFixed(1)),
  };
});

console.log(
  JSON.stringify(
    {
      bench: 'receivers/jaeger/bench/ingest.bench.ts',
      node: process.version,
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.cpus().length,
      spansPerRequest,
      rounds,
      roundMs,
      results,
      checksum: sink,
    },
    null,
    2,
  ),
);
