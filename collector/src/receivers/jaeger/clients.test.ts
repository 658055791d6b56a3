/**
 * Real Jaeger clients against a real jaeger receiver on loopback: jaeger-client (its UDP sender,
 * TBinaryProtocol to thrift_binary, and its HTTP sender to thrift_http), the OpenTelemetry
 * Jaeger exporter (UDP and HTTP), Apache Thrift's compact protocol over UDP to thrift_compact,
 * and api_v2 protobuf over gRPC. What reaches the sink is decoded with the reference OTLP
 * decoder and checked field by field.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSocket, type Socket } from 'node:dgram';
import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { JaegerExporter } from '@opentelemetry/exporter-jaeger';
import { initTracer, opentracing, type JaegerTracer } from 'jaeger-client';
import { POST_SPANS_PATH } from './grpc-server.ts';
import {
  apacheBatch,
  apacheEmitBatch,
  encodePostSpans,
  fullPostSpans,
  fullThriftBatch,
  hostPort,
  JaegerPool,
  OTEL_OTHER_TRACE,
  OTEL_TRACE,
  otelSpans,
  referencePlainSpans,
  SinkConsumer,
  type PlainSpan,
  type PlainValue,
} from './test-support.ts';

const pool = new JaegerPool();
const sockets: Socket[] = [];
const clients: Client[] = [];
const tracers: JaegerTracer[] = [];
const exporters: JaegerExporter[] = [];

afterEach(async () => {
  await Promise.all(tracers.splice(0).map((t) => new Promise<void>((resolve) => t.close(() => resolve()))));
  await Promise.all(exporters.splice(0).map((e) => e.shutdown().catch(() => {})));
  for (const s of sockets.splice(0)) s.close();
  for (const c of clients.splice(0)) c.close();
  await pool.stopAll();
});

const ALL = {
  protocols: {
    grpc: { endpoint: '127.0.0.1:0' },
    thrift_http: { endpoint: '127.0.0.1:0' },
    thrift_compact: { endpoint: '127.0.0.1:0' },
    thrift_binary: { endpoint: '127.0.0.1:0' },
  },
};

const str = (s: string): PlainValue => ({ s });
const dbl = (d: number): PlainValue => ({ d });

function sendUdp(address: string, packet: Buffer): Promise<void> {
  const { host, port } = hostPort(address);
  const socket = createSocket('udp4');
  sockets.push(socket);
  return new Promise((resolve, reject) => socket.send(packet, port, host, (err) => (err ? reject(err) : resolve())));
}

function postSpans(address: string, body: Buffer): Promise<ServiceError | null> {
  const client = new Client(address, credentials.createInsecure());
  clients.push(client);
  const identity = (b: Buffer) => b;
  return new Promise((resolve) => client.makeUnaryRequest(POST_SPANS_PATH, identity, identity, body, new Metadata(), (err) => resolve(err ?? null)));
}

function byName(spans: PlainSpan[]): Map<string, PlainSpan> {
  return new Map(spans.map((s) => [s.name, s]));
}

interface ClientLog {
  errors: string[];
  logger: { info(msg: string): void; error(msg: string): void };
}

function clientLog(): ClientLog {
  const errors: string[] = [];
  return { errors, logger: { info: () => {}, error: (msg: string) => errors.push(msg) } };
}

type OtSpan = ReturnType<JaegerTracer['startSpan']>;

/**
 * Spans made through jaeger-client's OpenTracing API, with explicit times (ms, exact in binary):
 * a root, a child of it that also follows from a span of another trace, and that other span.
 */
function emitJaegerClientSpans(tracer: JaegerTracer): { root: OtSpan; child: OtSpan; other: OtSpan } {
  const root = tracer.startSpan('GET /orders', {
    startTime: 1700000000123.5,
    tags: { 'span.kind': 'server', 'http.method': 'GET', count: 7, ratio: 0.25, cached: false },
  });
  root.log({ event: 'cache.miss', key: 'user:42' }, 1700000000124);
  const other = tracer.startSpan('enqueue', { startTime: 1700000000100 });
  const child = tracer.startSpan('SELECT orders', { references: [opentracing.childOf(root.context()), opentracing.followsFrom(other.context())], startTime: 1700000000200 });
  child.setTag('span.kind', 'client');
  child.setTag('error', true);
  child.finish(1700000000201.25);
  other.finish(1700000000101);
  root.finish(1700000000125.75);
  return { root, child, other };
}

type Ids = { toTraceId(): string; toSpanId(): string };

function checkJaegerClientSpans(got: PlainSpan[], service: string, root: OtSpan, child: OtSpan, other: OtSpan): void {
  const rootCtx = root.context() as unknown as Ids;
  const childCtx = child.context() as unknown as Ids;
  const otherCtx = other.context() as unknown as Ids;
  expect(got).toHaveLength(3);
  const spans = byName(got);
  const r = spans.get('GET /orders')!;
  const c = spans.get('SELECT orders')!;
  // Resource: service name, the tracer's process tags translated as otelcol does.
  expect(r.resource.attributes['service.name']).toEqual(str(service));
  expect(r.resource.attributes['opencensus.exporterversion']).toEqual(str('Jaeger-Node-3.19.0'));
  expect(r.resource.attributes['host.name']).toHaveProperty('s');
  expect(r.resource.attributes['hostname']).toBeUndefined();
  expect(r.resource.attributes['jaeger.version']).toBeUndefined();
  expect(r.resource.attributes['deploy.env']).toEqual(str('test'));
  // Ids: jaeger-client's 64-bit trace id is widened to 128 bits with zeros.
  expect(r.traceId).toBe(rootCtx.toTraceId().padStart(32, '0'));
  expect(r.spanId).toBe(rootCtx.toSpanId().padStart(16, '0'));
  expect(r.parentSpanId).toBe('');
  expect(c.traceId).toBe(r.traceId);
  expect(c.spanId).toBe(childCtx.toSpanId().padStart(16, '0'));
  expect(c.parentSpanId).toBe(r.spanId);
  // The CHILD_OF reference is the parent, not a link; FOLLOWS_FROM the other trace's span is a link.
  expect(c.links).toEqual([
    {
      traceId: otherCtx.toTraceId().padStart(32, '0'),
      spanId: otherCtx.toSpanId().padStart(16, '0'),
      traceState: '',
      flags: 0,
      attributes: { 'opentracing.ref_type': str('follows_from') },
      droppedAttributesCount: 0,
    },
  ]);
  expect(otherCtx.toTraceId()).not.toBe(rootCtx.toTraceId());
  expect(spans.get('enqueue')!.links).toEqual([]);
  // No scope in Jaeger clients' spans.
  expect(r.scope).toEqual({ name: '', version: '', schemaUrl: '' });
  // Kind, status.
  expect(r.kind).toBe(2);
  expect(c.kind).toBe(3);
  expect(r.status).toEqual({ code: 0, message: '' });
  expect(c.status).toEqual({ code: 2, message: '' });
  // Attributes by type (jaeger-client sends every number as a double); the sampler tags stay.
  expect(r.attributes).toMatchObject({ 'http.method': str('GET'), count: dbl(7), ratio: dbl(0.25), cached: { b: false } });
  expect(r.attributes['sampler.type']).toEqual(str('const'));
  expect(r.attributes['span.kind']).toBeUndefined();
  expect(c.attributes['error']).toBeUndefined();
  // Times: jaeger-client reports microseconds.
  expect(r.start).toBe('1700000000123500000');
  expect(r.end).toBe('1700000000125750000');
  expect(c.start).toBe('1700000000200000000');
  expect(c.end).toBe('1700000000201250000');
  // Logs -> events.
  expect(r.events).toEqual([{ name: 'cache.miss', time: '1700000000124000000', attributes: { key: str('user:42') }, droppedAttributesCount: 0 }]);
  // Sampled.
  expect(r.flags).toBe(1);
}

describe('jaeger receiver with real clients', () => {
  it('jaeger-client over UDP (TBinaryProtocol, the agent port 6832 protocol) to thrift_binary', async () => {
    const sink = new SinkConsumer();
    const { addresses } = await pool.start(ALL, sink);
    const { host, port } = hostPort(addresses.thrift_binary!);
    const log = clientLog();
    const tracer = initTracer(
      { serviceName: 'orders-udp', sampler: { type: 'const', param: 1 }, reporter: { agentHost: host, agentPort: port, flushIntervalMs: 60_000 } },
      { logger: log.logger, tags: { 'deploy.env': 'test' } },
    );
    tracers.push(tracer);
    const { root, child, other } = emitJaegerClientSpans(tracer);
    await new Promise<void>((resolve) => tracer.close(() => resolve()));
    tracers.length = 0;
    await vi.waitFor(() => expect(sink.spans).toBe(3));
    expect(log.errors).toEqual([]);
    checkJaegerClientSpans(referencePlainSpans(sink.requests), 'orders-udp', root, child, other);
  });

  it('jaeger-client over HTTP (its HTTPSender, application/x-thrift) to thrift_http, with 128-bit trace ids', async () => {
    const sink = new SinkConsumer();
    const { addresses } = await pool.start(ALL, sink);
    const log = clientLog();
    const tracer = initTracer(
      { serviceName: 'orders-http', sampler: { type: 'const', param: 1 }, reporter: { collectorEndpoint: `http://${addresses.thrift_http}/api/traces` } },
      { logger: log.logger, tags: { 'deploy.env': 'test' }, traceId128bit: true } as Parameters<typeof initTracer>[1],
    );
    tracers.push(tracer);
    const { root, child, other } = emitJaegerClientSpans(tracer);
    await new Promise<void>((resolve) => tracer.close(() => resolve()));
    tracers.length = 0;
    // The HTTP sender's flush completes with the response: the spans are already in.
    expect(log.errors).toEqual([]);
    expect(sink.spans).toBe(3);
    const got = referencePlainSpans(sink.requests);
    expect(got[0]!.traceId).not.toMatch(/^0{16}/); // a real 128-bit id
    checkJaegerClientSpans(got, 'orders-http', root, child, other);
  });

  it.each(['udp', 'http'] as const)('the OpenTelemetry Jaeger exporter over %s', async (via) => {
    const sink = new SinkConsumer();
    const { addresses } = await pool.start(ALL, sink);
    const { host, port } = hostPort(addresses.thrift_binary!);
    const exporter =
      via === 'udp'
        ? new JaegerExporter({ host, port, tags: [{ key: 'exporter.tag', value: 'x' }] })
        : new JaegerExporter({ endpoint: `http://${addresses.thrift_http}/api/traces`, tags: [{ key: 'exporter.tag', value: 'x' }] });
    exporters.push(exporter);
    const result = await new Promise<ExportResult>((resolve) => exporter.export(otelSpans(), resolve));
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    await vi.waitFor(() => expect(sink.spans).toBe(5));
    const spans = byName(referencePlainSpans(sink.requests));

    const a = spans.get('GET /checkout')!;
    // The exporter names the process after the first span's service.name and adds its config tags.
    expect(a.resource.attributes).toEqual({ 'service.name': str('checkout'), 'exporter.tag': str('x') });
    // otel.library.* tags -> scope.
    expect(a.scope).toEqual({ name: 'checkout-lib', version: '0.9.1', schemaUrl: '' });
    expect(a.traceId).toBe(OTEL_TRACE);
    expect(a.spanId).toBe('eee19b7ec3c1b174');
    expect(a.parentSpanId).toBe('');
    expect(a.flags).toBe(1);
    expect(a.kind).toBe(2);
    // error=true + otel.status_description -> ERROR with the message; the status tags are gone.
    expect(a.status).toEqual({ code: 2, message: 'payment declined' });
    // Attributes by type (numbers travel as doubles); the exporter copies resource attributes into every span.
    expect(a.attributes).toEqual({
      str: str('hello wörld'),
      int: dbl(42),
      dbl: dbl(3.25),
      bool: { b: true },
      'bool.false': { b: false },
      'service.name': str('checkout'),
      'service.version': str('1.2.3'),
    });
    expect(a.start).toBe('1700000000123456000');
    expect(a.end).toBe('1700000002987654000');
    expect(a.events).toEqual([{ name: 'cache.miss', time: '1700000000500000000', attributes: { key: str('user:42') }, droppedAttributesCount: 0 }]);
    // Links travel as FOLLOWS_FROM references (their attributes are not carried by Jaeger).
    expect(a.links).toEqual([
      { traceId: OTEL_OTHER_TRACE, spanId: 'b7ad6b7169203331', traceState: '', flags: 0, attributes: { 'opentracing.ref_type': str('follows_from') }, droppedAttributesCount: 0 },
    ]);

    const b = spans.get('SELECT orders')!;
    expect(b.parentSpanId).toBe('eee19b7ec3c1b174');
    expect(b.kind).toBe(3);
    expect(b.status).toEqual({ code: 1, message: '' });
    expect(b.attributes['db.rows']).toEqual(dbl(17));
    expect(spans.get('publish')!.kind).toBe(4);
    expect(spans.get('consume')!.kind).toBe(5);
    // INTERNAL is sent without a span.kind tag, which maps to UNSPECIFIED (as in otelcol).
    expect(spans.get('compute')!.kind).toBe(0);
    expect(spans.get('compute')!.status).toEqual({ code: 0, message: '' });
  });

  it.each(['compact', 'binary'] as const)('Apache Thrift %s-protocol Agent.emitBatch over UDP', async (protocol) => {
    const sink = new SinkConsumer();
    const { addresses } = await pool.start(ALL, sink);
    await sendUdp(protocol === 'compact' ? addresses.thrift_compact! : addresses.thrift_binary!, apacheEmitBatch(protocol, fullThriftBatch()));
    await vi.waitFor(() => expect(sink.spans).toBe(3));
    const spans = byName(referencePlainSpans(sink.requests));
    const a = spans.get('GET /checkout ✓')!;
    expect(a.resource.attributes).toEqual({
      'service.name': str('checkout'),
      ip: str('10.0.0.7'),
      cores: { i: '8' },
      'host.name': str('host-a'),
      'opencensus.exporterversion': str('Jaeger-Go-2.30.0'),
    });
    expect(a.scope).toEqual({ name: 'checkout-lib', version: '1.2.3', schemaUrl: '' });
    expect(a.traceId).toBe('f0123456789abcdf1122334455667788');
    expect(a.attributes).toEqual({
      str: str('hello wörld'),
      double: dbl(-3.25),
      'bool.true': { b: true },
      'bool.false': { b: false },
      long: { i: '-9007199254740993' },
      binary: { bytes: '0001feff' },
    });
    expect(a.status).toEqual({ code: 2, message: 'payment declined' });
    expect(a.start).toBe('1700000000123456000');
    expect(a.end).toBe('1700000000125956000');
    const c = spans.get('publish')!;
    expect(c.traceId).toBe('000000000000000000000000000000ab');
    expect(c.parentSpanId).toBe('00000000000000ef');
    expect(c.scope.name).toBe('');
  });

  it('Apache Thrift binary Batch over HTTP, with application/vnd.apache.thrift.binary and gzip', async () => {
    const sink = new SinkConsumer();
    const { addresses } = await pool.start(ALL, sink);
    const { gzipSync } = await import('node:zlib');
    const res = await fetch(`http://${addresses.thrift_http}/api/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.apache.thrift.binary', 'content-encoding': 'gzip' },
      body: gzipSync(apacheBatch('binary', fullThriftBatch())),
    });
    expect(res.status).toBe(202);
    expect(await res.text()).toBe('');
    expect(sink.spans).toBe(3);
  });

  it('api_v2 PostSpans over gRPC (protobufjs-encoded), a span with its own process as its own resource', async () => {
    const sink = new SinkConsumer();
    const { addresses } = await pool.start(ALL, sink);
    expect(await postSpans(addresses.grpc!, encodePostSpans(fullPostSpans()))).toBeNull();
    expect(sink.spans).toBe(3);
    const spans = byName(referencePlainSpans(sink.requests));
    const a = spans.get('GET /')!;
    expect(a.resource.attributes).toEqual({ 'service.name': str('frontend'), region: str('eu-west-1'), 'host.name': str('web-1') });
    expect(a.traceState).toBe('vendor=x');
    expect(a.kind).toBe(2);
    // No error / otel.status_code: http.status_code 503 on a server span -> ERROR.
    expect(a.status).toEqual({ code: 2, message: '' });
    expect(a.attributes).toEqual({ str: str('v'), bool: { b: true }, int: { i: '-42' }, double: dbl(2.5), bytes: { bytes: '090807' }, 'http.status_code': { i: '503' } });
    expect(a.start).toBe('1700000000123456789');
    expect(a.end).toBe('1700000001123457289');
    expect(a.events).toEqual([{ name: 'retry', time: '1700000000500000000', attributes: { n: { i: '3' } }, droppedAttributesCount: 0 }]);
    const b = spans.get('call backend')!;
    expect(b.parentSpanId).toBe('eee19b7ec3c1b174');
    expect(b.links.map((l) => [l.traceId, l.spanId, l.attributes['opentracing.ref_type']])).toEqual([
      ['0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331', str('follows_from')],
    ]);
    const c = spans.get('consume')!;
    expect(c.resource.attributes).toEqual({ 'service.name': str('worker'), queue: str('payments') });
    expect(c.scope).toEqual({ name: 'kafka-lib', version: '0.1', schemaUrl: '' });
  });
});
