/**
 * The zipkin receiver on loopback with real senders: the OpenTelemetry Zipkin exporter (v2 JSON)
 * behind the OTel SDK, and raw v2 JSON / v2 protobuf / v1 JSON bodies; bad input, compression,
 * refusals, lifecycle. What reaches the sink is decoded with the reference OTLP decoder.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import { deflateSync, gzipSync } from 'node:zlib';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { CollectorError } from '../../errors/codes.ts';
import { INVALID_REQUESTS_METRIC } from '../jaeger/handoff.ts';
import { OTEL_TRACE, otelSpans } from '../jaeger/test-support.ts';
import { testSettings } from '../otlp/test-support.ts';
import { zipkinReceiverConfigSchema } from './config.ts';
import { ZipkinReceiver } from './receiver.ts';
import {
  counterValue,
  encodeListOfSpans,
  fullProtoSpans,
  referencePlainSpans,
  SinkConsumer,
  testHost,
  ZipkinPool,
  type PlainSpan,
  type PlainValue,
} from './test-support.ts';

const pool = new ZipkinPool();
const providers: BasicTracerProvider[] = [];
const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.shutdown()));
  await pool.stopAll();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

const CONFIG = { endpoint: '127.0.0.1:0' };
const str = (s: string): PlainValue => ({ s });
const byName = (spans: PlainSpan[]) => new Map(spans.map((s) => [s.name, s]));

/** POSTs bytes (a string body is sent as bytes too, so fetch adds no text/plain content type). */
function post(address: string, path: string, body: Buffer | string, headers: Record<string, string> = {}, method = 'POST') {
  return fetch(`http://${address}${path}`, { method, headers, ...(method === 'GET' ? {} : { body: new Uint8Array(Buffer.from(body)) }) });
}

describe('zipkin receiver with the OpenTelemetry Zipkin exporter', () => {
  it.each([false, true])('maps every field the exporter sends (parse_string_tags: %s)', async (parseStringTags) => {
    const sink = new SinkConsumer();
    const { address } = await pool.start({ ...CONFIG, parse_string_tags: parseStringTags }, sink);
    const exporter = new ZipkinExporter({ url: `http://${address}/api/v2/spans` });
    const result = await new Promise<ExportResult>((resolve) => exporter.export(otelSpans(), resolve));
    await exporter.shutdown();
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(sink.spans).toBe(5);
    const spans = byName(referencePlainSpans(sink.requests));

    const a = spans.get('GET /checkout')!;
    // service.name from localEndpoint; the resource attributes the exporter copies into the tags go back to the resource.
    expect(a.resource.attributes).toEqual({ 'service.name': str('checkout'), 'service.version': str('1.2.3') });
    expect(a.scope).toEqual({ name: '', version: '', schemaUrl: '' }); // the Zipkin exporter does not send the scope
    expect(a.traceId).toBe(OTEL_TRACE);
    expect(a.spanId).toBe('eee19b7ec3c1b174');
    expect(a.parentSpanId).toBe('');
    expect(a.kind).toBe(2);
    expect(a.status).toEqual({ code: 2, message: 'payment declined' });
    expect(a.attributes).toEqual(
      parseStringTags
        ? { str: str('hello wörld'), int: { i: '42' }, dbl: { d: 3.25 }, bool: { b: true }, 'bool.false': { b: false } }
        : { str: str('hello wörld'), int: str('42'), dbl: str('3.25'), bool: str('true'), 'bool.false': str('false') },
    );
    expect(a.start).toBe('1700000000123456000');
    expect(a.end).toBe('1700000002987654000');
    expect(a.events).toEqual([{ name: 'cache.miss', time: '1700000000500000000', attributes: {}, droppedAttributesCount: 0 }]);
    expect(a.links).toEqual([]); // Zipkin has no links

    const b = spans.get('SELECT orders')!;
    expect(b.parentSpanId).toBe('eee19b7ec3c1b174');
    expect(b.kind).toBe(3);
    expect(b.status).toEqual({ code: 1, message: '' });
    expect(b.attributes['db.system']).toEqual(str('postgresql'));
    expect(spans.get('publish')!.kind).toBe(4);
    expect(spans.get('consume')!.kind).toBe(5);
    expect(spans.get('compute')!.kind).toBe(0); // INTERNAL travels as "no kind" (as otelcol reads it)
  });

  it('spans created through the SDK (BasicTracerProvider + SimpleSpanProcessor) arrive with their ids and parent', async () => {
    const sink = new SinkConsumer();
    const { address } = await pool.start(CONFIG, sink);
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'sdk-svc' }),
      spanProcessors: [new SimpleSpanProcessor(new ZipkinExporter({ url: `http://${address}/api/v2/spans` }))],
    });
    providers.push(provider);
    const tracer = provider.getTracer('sdk-lib', '1.0.0');
    const parent = tracer.startSpan('parent', { kind: SpanKind.SERVER, attributes: { 'http.route': '/x' } });
    const child = tracer.startSpan('child', { kind: SpanKind.CLIENT }, trace.setSpan(context.active(), parent));
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
    child.addEvent('retry', { attempt: 2 });
    child.end();
    parent.end();
    await provider.forceFlush();
    expect(sink.spans).toBe(2);
    const spans = byName(referencePlainSpans(sink.requests));
    const p = spans.get('parent')!;
    const c = spans.get('child')!;
    expect(p.traceId).toBe(parent.spanContext().traceId);
    expect(p.spanId).toBe(parent.spanContext().spanId);
    expect(c.spanId).toBe(child.spanContext().spanId);
    expect(c.parentSpanId).toBe(p.spanId);
    expect(c.status).toEqual({ code: 2, message: 'boom' });
    expect(c.events.map((e) => e.name)).toEqual(['retry']);
    expect(p.resource.attributes['service.name']).toEqual(str('sdk-svc'));
    expect(p.attributes['http.route']).toEqual(str('/x'));
  });
});

describe('zipkin receiver formats', () => {
  it('v2 protobuf (protobufjs-encoded): endpoints, 64-bit ids, shared spans, debug', async () => {
    const sink = new SinkConsumer();
    const { address, settings } = await pool.start(CONFIG, sink);
    const res = await post(address, '/api/v2/spans', encodeListOfSpans(fullProtoSpans()), { 'content-type': 'application/x-protobuf' });
    expect(res.status).toBe(202);
    expect(sink.spans).toBe(3);
    const spans = byName(referencePlainSpans(sink.requests));
    const a = spans.get('get /api')!;
    expect(a.resource.attributes).toEqual({ 'service.name': str('frontend') });
    expect(a.kind).toBe(2);
    expect(a.status).toEqual({ code: 2, message: 'upstream timed out' });
    expect(a.attributes).toEqual({
      'http.method': str('GET'),
      'http.status_code': str('200'),
      'net.host.ip': str('10.0.0.1'),
      'net.host.port': { i: '8080' },
      'peer.service': str('browser'),
      'net.peer.ip': str('2001:db8::1'),
      'net.peer.port': { i: '51234' },
    });
    expect(a.events).toEqual([{ name: 'wr', time: '1700000000124000000', attributes: {}, droppedAttributesCount: 0 }]);
    const client = spans.get('call db')!;
    expect(client.traceId).toBe('0000000000000000d269b633813fc60c');
    const server = spans.get('query')!;
    // The shared server span keeps the client's span id and parent; only its resource and kind differ.
    expect(server.spanId).toBe(client.spanId);
    expect(server.parentSpanId).toBe(client.parentSpanId);
    expect(server.kind).toBe(2);
    expect(server.resource.attributes).toEqual({ 'service.name': str('db') });
    expect(await counterValue(settings.telemetry, 'otelcol_receiver_accepted_spans', { receiver: 'zipkin', transport: 'http_v2_proto' })).toBe(3);
  });

  it('v2 JSON without a content type, gzip- and deflate-compressed', async () => {
    const sink = new SinkConsumer();
    const { address } = await pool.start(CONFIG, sink);
    const body = Buffer.from(JSON.stringify([{ traceId: 'd269b633813fc60c', id: '1', name: 'x', timestamp: 1_700_000_000_000_000, duration: 5, localEndpoint: { serviceName: 's' } }]));
    expect((await post(address, '/api/v2/spans', body)).status).toBe(202);
    expect((await post(address, '/api/v2/spans', gzipSync(body), { 'content-type': 'application/json', 'content-encoding': 'gzip' })).status).toBe(202);
    expect((await post(address, '/api/v2/spans', deflateSync(body), { 'content-type': 'application/json; charset=utf-8', 'content-encoding': 'deflate' })).status).toBe(202);
    expect(sink.spans).toBe(3);
    expect(referencePlainSpans(sink.requests)[0]!.traceId).toBe('0000000000000000d269b633813fc60c');
  });

  it('v1 JSON: annotations and binary annotations mapped like v2, counted under http_v1_json', async () => {
    const sink = new SinkConsumer();
    const { address, settings } = await pool.start(CONFIG, sink);
    const v1 = [
      {
        traceId: '5b8efff798038103d269b633813fc60c',
        id: 'eee19b7ec3c1b174',
        name: 'get',
        annotations: [
          { timestamp: 1_700_000_000_000_000, value: 'sr', endpoint: { serviceName: 'api', ipv4: '10.1.1.1', port: 80 } },
          { timestamp: 1_700_000_000_001_000, value: 'cache.hit' },
          { timestamp: 1_700_000_000_004_000, value: 'ss', endpoint: { serviceName: 'api' } },
        ],
        binaryAnnotations: [
          { key: 'http.path', value: '/users', endpoint: { serviceName: 'api' } },
          { key: 'error', value: 'db down' },
          { key: 'ca', value: true, endpoint: { serviceName: 'web', ipv4: '10.2.2.2' } },
        ],
      },
    ];
    const res = await post(address, '/api/v1/spans', JSON.stringify(v1), { 'content-type': 'application/json' });
    expect(res.status).toBe(202);
    const [s] = referencePlainSpans(sink.requests);
    expect(s!.resource.attributes).toEqual({ 'service.name': str('api') });
    expect(s!.kind).toBe(2);
    expect(s!.start).toBe('1700000000000000000');
    expect(s!.end).toBe('1700000000004000000');
    expect(s!.status).toEqual({ code: 2, message: 'db down' });
    expect(s!.events).toEqual([{ name: 'cache.hit', time: '1700000000001000000', attributes: {}, droppedAttributesCount: 0 }]);
    expect(s!.attributes).toEqual({
      'http.path': str('/users'),
      'net.host.ip': str('10.1.1.1'),
      'net.host.port': { i: '80' },
      'peer.service': str('web'),
      'net.peer.ip': str('10.2.2.2'),
    });
    expect(await counterValue(settings.telemetry, 'otelcol_receiver_accepted_spans', { receiver: 'zipkin', transport: 'http_v1_json' })).toBe(1);
  });
});

describe('zipkin receiver refusals', () => {
  it.each([
    ['bad JSON', '/api/v2/spans', '[{"traceId":', { 'content-type': 'application/json' }, 400, /invalid JSON/, 'http_v2_json'],
    ['a span without id', '/api/v2/spans', '[{"traceId":"1"}]', {}, 400, /spans\[0\]\.id: valid span id required/, 'http_v2_json'],
    ['truncated protobuf', '/api/v2/spans', encodeListOfSpans(fullProtoSpans()).subarray(0, 30), { 'content-type': 'application/x-protobuf' }, 400, /invalid zipkin protobuf/, 'http_v2_proto'],
    ['an unknown content type', '/api/v2/spans', '[]', { 'content-type': 'text/plain' }, 415, /unsupported content type: text\/plain/, 'http_v2_json'],
    ['v1 Thrift', '/api/v1/spans', 'x', { 'content-type': 'application/x-thrift' }, 415, /Zipkin v1 Thrift is not supported yet/, 'http_v1_thrift'],
    ['v1 protobuf', '/api/v1/spans', 'x', { 'content-type': 'application/x-protobuf' }, 415, /supported: \[application\/json\]/, 'http_v1_json'],
    ['an unknown encoding', '/api/v2/spans', '[]', { 'content-encoding': 'zstd' }, 400, /unsupported content encoding/, 'http_v2_json'],
    ['a corrupt gzip body', '/api/v2/spans', 'not gzip', { 'content-encoding': 'gzip' }, 400, /invalid gzip body/, 'http_v2_json'],
    ['another path', '/api/v3/spans', '[]', {}, 404, /no such path/, 'http_v2_json'],
  ] as const)('%s: answered with a clear message and counted as invalid', async (_what, path, body, headers, code, message, transport) => {
    const sink = new SinkConsumer();
    const { address, settings } = await pool.start(CONFIG, sink);
    const res = await post(address, path, typeof body === 'string' ? body : Buffer.from(body), headers as Record<string, string>);
    expect(res.status).toBe(code);
    expect(await res.text()).toMatch(message);
    expect(sink.calls).toBe(0);
    expect(await counterValue(settings.telemetry, INVALID_REQUESTS_METRIC, { receiver: 'zipkin', transport })).toBe(1);
  });

  it('405 with Allow: POST for GET', async () => {
    const { address } = await pool.start(CONFIG, new SinkConsumer());
    const res = await post(address, '/api/v2/spans', '', {}, 'GET');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('413 past max_request_body_size, also for a compressed body that inflates past it', async () => {
    const sink = new SinkConsumer();
    const { address } = await pool.start({ ...CONFIG, max_request_body_size: 8192 }, sink);
    expect((await post(address, '/api/v2/spans', Buffer.alloc(10_000, 0x20))).status).toBe(413);
    const bomb = gzipSync(Buffer.alloc(4 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(8192);
    expect((await post(address, '/api/v2/spans', bomb, { 'content-encoding': 'gzip' })).status).toBe(413);
    expect(sink.calls).toBe(0);
  });

  it('an empty list is accepted without bothering the pipeline', async () => {
    const sink = new SinkConsumer();
    const { address } = await pool.start(CONFIG, sink);
    expect((await post(address, '/api/v2/spans', '[]')).status).toBe(202);
    expect(sink.calls).toBe(0);
  });

  it('a pipeline refusal answers 503, spans counted as refused', async () => {
    const sink = new SinkConsumer();
    sink.refuse = () => new CollectorError('TP_MEMORY_LIMITED');
    const { address, settings } = await pool.start(CONFIG, sink);
    const res = await post(address, '/api/v2/spans', JSON.stringify([{ traceId: '1', id: '2' }]));
    expect(res.status).toBe(503);
    expect(await res.text()).toMatch(/high memory usage/);
    expect(await counterValue(settings.telemetry, 'otelcol_receiver_refused_spans', { receiver: 'zipkin', transport: 'http_v2_json' })).toBe(1);
  });
});

describe('zipkin receiver lifecycle', () => {
  it('shutdown works twice and without start; start after shutdown is refused', async () => {
    const sink = new SinkConsumer();
    const { receiver } = await pool.start(CONFIG, sink);
    await receiver.shutdown();
    await receiver.shutdown();
    expect(receiver.boundAddress()).toBeUndefined();
    const never = new ZipkinReceiver(testSettings('zipkin'), zipkinReceiverConfigSchema.parse(null), sink);
    await never.shutdown();
    await never.shutdown();
    await expect(never.start(testHost())).rejects.toThrow(/start\(\) after shutdown\(\)/);
  });

  it('a bind failure names the endpoint', async () => {
    const blocker = createServer();
    servers.push(blocker);
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const receiver = new ZipkinReceiver(testSettings('zipkin'), zipkinReceiverConfigSchema.parse({ endpoint: `127.0.0.1:${port}` }), new SinkConsumer());
    await expect(receiver.start(testHost())).rejects.toThrow(new RegExp(`zipkin receiver: cannot listen on "127.0.0.1:${port}"`));
    await receiver.shutdown();
  });
});
