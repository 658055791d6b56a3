/**
 * The jaeger receiver's transports under bad input and back-pressure: HTTP and gRPC answers,
 * UDP drops (too large, queue full, undecodable, refused) with their counters, shutdown, bind
 * failures. Real sockets on loopback; no timing assertions (waits are for counters).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { gzipSync } from 'node:zlib';
import { Client, credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { CollectorError } from '../../errors/codes.ts';
import { jaegerReceiverConfigSchema } from './config.ts';
import { POST_SPANS_PATH } from './grpc-server.ts';
import { INVALID_REQUESTS_METRIC } from './handoff.ts';
import { JaegerReceiver } from './receiver.ts';
import {
  apacheBatch,
  apacheEmitBatch,
  counterValue,
  encodePostSpans,
  fullPostSpans,
  fullThriftBatch,
  hostPort,
  JaegerPool,
  SinkConsumer,
  testHost,
  type TBatch,
} from './test-support.ts';
import { DROPPED_PACKETS_METRIC } from './udp-server.ts';
import { testSettings } from '../otlp/test-support.ts';

const pool = new JaegerPool();
const sockets: Socket[] = [];
const clients: Client[] = [];
const servers: Server[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  for (const c of clients.splice(0)) c.close();
  await pool.stopAll();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

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

function post(address: string, body: Buffer | string, headers: Record<string, string>, path = '/api/traces', method = 'POST') {
  return fetch(`http://${address}${path}`, { method, headers, ...(method === 'GET' ? {} : { body: typeof body === 'string' ? body : new Uint8Array(body) }) });
}

/** A one-span batch (small packet). */
function smallBatch(spanId = 1n): TBatch {
  return {
    process: { serviceName: 'svc' },
    spans: [{ traceIdLow: 1n, traceIdHigh: 0n, spanId, parentSpanId: 0n, operationName: 'op', flags: 1, startTime: 1n, duration: 1n }],
  };
}

const refusedQueueFull = () => new CollectorError('TP_QUEUE_FULL');

describe('jaeger receiver thrift_http', () => {
  const config = { protocols: { thrift_http: { endpoint: '127.0.0.1:0', max_request_body_size: 4096 } } };
  const thrift = { 'content-type': 'application/x-thrift' };

  it('answers 202 with no body and counts accepted spans under collector_http', async () => {
    const sink = new SinkConsumer();
    const { addresses, settings } = await pool.start(config, sink);
    const res = await post(addresses.thrift_http!, apacheBatch('binary', fullThriftBatch()), thrift);
    expect(res.status).toBe(202);
    expect(await res.text()).toBe('');
    expect(sink.spans).toBe(3);
    expect(await counterValue(settings.telemetry, 'otelcol_receiver_accepted_spans', { receiver: 'jaeger', transport: 'collector_http' })).toBe(3);
  });

  it.each([
    ['no content type', {}, 400, /Cannot parse content type/],
    ['a JSON body', { 'content-type': 'application/json' }, 400, /Unsupported content type: application\/json/],
  ])('refuses %s with 400', async (_what, headers, code, message) => {
    const sink = new SinkConsumer();
    const { addresses, settings } = await pool.start(config, sink);
    const res = await post(addresses.thrift_http!, apacheBatch('binary', fullThriftBatch()), headers as Record<string, string>);
    expect(res.status).toBe(code);
    expect(await res.text()).toMatch(message);
    expect(sink.calls).toBe(0);
    expect(await counterValue(settings.telemetry, INVALID_REQUESTS_METRIC, { receiver: 'jaeger', transport: 'collector_http' })).toBe(1);
  });

  it('refuses an undecodable body with 400 and says why', async () => {
    const sink = new SinkConsumer();
    const { addresses, settings } = await pool.start(config, sink);
    const res = await post(addresses.thrift_http!, Buffer.from('this is not thrift'), thrift);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/^request could not be decoded: Unable to process request body: .+ at byte \d+/);
    const truncated = apacheBatch('binary', fullThriftBatch());
    const res2 = await post(addresses.thrift_http!, truncated.subarray(0, truncated.length - 5), thrift);
    expect(res2.status).toBe(400);
    expect(sink.calls).toBe(0);
    expect(await counterValue(settings.telemetry, INVALID_REQUESTS_METRIC, { receiver: 'jaeger', transport: 'collector_http' })).toBe(2);
  });

  it('404 for another path, 405 (Allow: POST) for another method', async () => {
    const { addresses } = await pool.start(config, new SinkConsumer());
    expect((await post(addresses.thrift_http!, '', thrift, '/api/other')).status).toBe(404);
    const res = await post(addresses.thrift_http!, '', thrift, '/api/traces', 'GET');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('413 over max_request_body_size, on the wire and inflated (a gzip bomb stops at the limit)', async () => {
    const sink = new SinkConsumer();
    const { addresses } = await pool.start(config, sink);
    expect((await post(addresses.thrift_http!, Buffer.alloc(5000), thrift)).status).toBe(413);
    const bomb = gzipSync(Buffer.alloc(2 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(4096);
    expect((await post(addresses.thrift_http!, bomb, { ...thrift, 'content-encoding': 'gzip' })).status).toBe(413);
    expect((await post(addresses.thrift_http!, Buffer.from('not gzip'), { ...thrift, 'content-encoding': 'gzip' })).status).toBe(400);
    expect((await post(addresses.thrift_http!, Buffer.from('x'), { ...thrift, 'content-encoding': 'br' })).status).toBe(400);
    expect(sink.calls).toBe(0);
  });

  it('a pipeline refusal answers 503 and counts the spans as refused', async () => {
    const sink = new SinkConsumer();
    sink.refuse = refusedQueueFull;
    const { addresses, settings } = await pool.start(config, sink);
    const res = await post(addresses.thrift_http!, apacheBatch('binary', fullThriftBatch()), thrift);
    expect(res.status).toBe(503);
    expect(await res.text()).toMatch(/sending queue is full/);
    expect(await counterValue(settings.telemetry, 'otelcol_receiver_refused_spans', { receiver: 'jaeger', transport: 'collector_http' })).toBe(3);
  });

  it('include_metadata hands the request headers on with the batch', async () => {
    const sink = new SinkConsumer();
    const { addresses } = await pool.start({ protocols: { thrift_http: { endpoint: '127.0.0.1:0', include_metadata: true } } }, sink);
    await post(addresses.thrift_http!, apacheBatch('binary', fullThriftBatch()), { ...thrift, 'x-tenant': 'acme' });
    expect(sink.metadata[0]!.get('x-tenant')).toEqual(['acme']);
  });
});

describe('jaeger receiver grpc', () => {
  const config = { protocols: { grpc: { endpoint: '127.0.0.1:0' } } };

  it('INVALID_ARGUMENT for an undecodable request (counted), OK for an empty one', async () => {
    const sink = new SinkConsumer();
    const { addresses, settings } = await pool.start(config, sink);
    const err = await postSpans(addresses.grpc!, Buffer.from([0x0a, 0x05, 0x0a, 0x10]));
    expect(err?.code).toBe(status.INVALID_ARGUMENT);
    expect(err?.details).toMatch(/invalid api_v2 PostSpansRequest/);
    expect(await postSpans(addresses.grpc!, Buffer.alloc(0))).toBeNull();
    expect(sink.calls).toBe(0);
    expect(await counterValue(settings.telemetry, INVALID_REQUESTS_METRIC, { receiver: 'jaeger', transport: 'grpc' })).toBe(1);
  });

  it('UNAVAILABLE when the pipeline refuses, spans counted as refused', async () => {
    const sink = new SinkConsumer();
    sink.refuse = refusedQueueFull;
    const { addresses, settings } = await pool.start(config, sink);
    const err = await postSpans(addresses.grpc!, encodePostSpans(fullPostSpans()));
    expect(err?.code).toBe(status.UNAVAILABLE);
    expect(await counterValue(settings.telemetry, 'otelcol_receiver_refused_spans', { receiver: 'jaeger', transport: 'grpc' })).toBe(3);
  });
});

describe('jaeger receiver UDP agent ports', () => {
  it('drops packets over max_packet_size (counted, reason too_large) and keeps serving', async () => {
    const sink = new SinkConsumer();
    const { addresses, settings } = await pool.start({ protocols: { thrift_compact: { endpoint: '127.0.0.1:0', max_packet_size: 200 } } }, sink);
    const big = apacheEmitBatch('compact', fullThriftBatch());
    expect(big.length).toBeGreaterThan(200);
    await sendUdp(addresses.thrift_compact!, big);
    const labels = { receiver: 'jaeger', transport: 'udp_thrift_compact', reason: 'too_large' };
    await vi.waitFor(async () => expect(await counterValue(settings.telemetry, DROPPED_PACKETS_METRIC, labels)).toBe(1));
    await sendUdp(addresses.thrift_compact!, apacheEmitBatch('compact', smallBatch()));
    await vi.waitFor(() => expect(sink.spans).toBe(1));
    expect(await counterValue(settings.telemetry, 'otelcol_receiver_accepted_spans', { receiver: 'jaeger', transport: 'udp_thrift_compact' })).toBe(1);
  });

  it('counts undecodable packets (garbage, truncated, the other protocol, emitZipkinBatch) as invalid', async () => {
    const sink = new SinkConsumer();
    const { addresses, settings } = await pool.start({ protocols: { thrift_compact: { endpoint: '127.0.0.1:0' } } }, sink);
    const valid = apacheEmitBatch('compact', fullThriftBatch());
    await sendUdp(addresses.thrift_compact!, Buffer.from('garbage'));
    await sendUdp(addresses.thrift_compact!, valid.subarray(0, valid.length - 3));
    await sendUdp(addresses.thrift_compact!, apacheEmitBatch('binary', fullThriftBatch()));
    await sendUdp(addresses.thrift_compact!, apacheEmitBatch('compact', fullThriftBatch(), 'emitZipkinBatch'));
    await vi.waitFor(async () =>
      expect(await counterValue(settings.telemetry, INVALID_REQUESTS_METRIC, { receiver: 'jaeger', transport: 'udp_thrift_compact' })).toBe(4),
    );
    await sendUdp(addresses.thrift_compact!, valid);
    await vi.waitFor(() => expect(sink.spans).toBe(3));
  });

  it('queues packets while all workers wait on the pipeline and drops past queue_size (reason queue_full)', async () => {
    const sink = new SinkConsumer();
    let release!: () => void;
    sink.gate = new Promise<void>((resolve) => (release = resolve));
    const { addresses, settings } = await pool.start({ protocols: { thrift_binary: { endpoint: '127.0.0.1:0', workers: 1, queue_size: 2 } } }, sink);
    for (let i = 1; i <= 5; i++) await sendUdp(addresses.thrift_binary!, apacheEmitBatch('binary', smallBatch(BigInt(i))));
    // 1 in flight (held by the gate), 2 queued, 2 dropped.
    const labels = { receiver: 'jaeger', transport: 'udp_thrift_binary', reason: 'queue_full' };
    await vi.waitFor(async () => expect(await counterValue(settings.telemetry, DROPPED_PACKETS_METRIC, labels)).toBe(2));
    expect(sink.calls).toBe(1);
    release();
    await vi.waitFor(() => expect(sink.spans).toBe(3));
    expect(sink.calls).toBe(3);
  });

  it('counts spans the pipeline refuses as refused (UDP cannot tell the agent)', async () => {
    const sink = new SinkConsumer();
    sink.refuse = refusedQueueFull;
    const { addresses, settings } = await pool.start({ protocols: { thrift_binary: { endpoint: '127.0.0.1:0' } } }, sink);
    await sendUdp(addresses.thrift_binary!, apacheEmitBatch('binary', fullThriftBatch()));
    const labels = { receiver: 'jaeger', transport: 'udp_thrift_binary' };
    await vi.waitFor(async () => expect(await counterValue(settings.telemetry, 'otelcol_receiver_refused_spans', labels)).toBe(3));
  });

  it('shutdown drains queued packets; those still queued after the grace period are dropped (reason shutdown)', async () => {
    const sink = new SinkConsumer();
    sink.gate = new Promise<void>(() => {}); // never answers
    const { receiver, addresses, settings } = await pool.start(
      { protocols: { thrift_binary: { endpoint: '127.0.0.1:0', workers: 1, queue_size: 10 } } },
      sink,
      { shutdownGraceMs: 50 },
    );
    for (let i = 1; i <= 4; i++) await sendUdp(addresses.thrift_binary!, apacheEmitBatch('binary', smallBatch(BigInt(i))));
    await vi.waitFor(() => expect(sink.calls).toBe(1));
    // The three other packets must have arrived (and be queued) before shutting down; there is no
    // public view of the queue, so peek at the UDP server's.
    const udp = (receiver as unknown as { servers: Map<string, { queue: { length: number } }> }).servers.get('thrift_binary')!;
    await vi.waitFor(() => expect(udp.queue.length).toBe(3));
    await receiver.shutdown();
    const labels = { receiver: 'jaeger', transport: 'udp_thrift_binary', reason: 'shutdown' };
    expect(await counterValue(settings.telemetry, DROPPED_PACKETS_METRIC, labels)).toBe(3);
  });

  it('"localhost" binds IPv4 loopback and an empty host every interface', async () => {
    const sink = new SinkConsumer();
    const { addresses } = await pool.start({ protocols: { thrift_compact: { endpoint: 'localhost:0' }, thrift_binary: { endpoint: ':0' } } }, sink);
    expect(addresses.thrift_compact).toMatch(/^127\.0\.0\.1:\d+$/);
    const { port } = hostPort(addresses.thrift_binary!);
    await sendUdp(`127.0.0.1:${port}`, apacheEmitBatch('binary', smallBatch()));
    await vi.waitFor(() => expect(sink.spans).toBe(1));
  });
});

describe('jaeger receiver lifecycle', () => {
  it('binds every protocol on free ports; shutdown works twice and without start', async () => {
    const sink = new SinkConsumer();
    const { receiver, addresses } = await pool.start(
      { protocols: { grpc: { endpoint: '127.0.0.1:0' }, thrift_http: { endpoint: '127.0.0.1:0' }, thrift_compact: { endpoint: '127.0.0.1:0' }, thrift_binary: { endpoint: '127.0.0.1:0' } } },
      sink,
    );
    expect(Object.keys(addresses).sort()).toEqual(['grpc', 'thrift_binary', 'thrift_compact', 'thrift_http']);
    await receiver.shutdown();
    await receiver.shutdown();
    expect(receiver.boundAddresses()).toEqual({});
    const never = new JaegerReceiver(testSettings('jaeger'), jaegerReceiverConfigSchema.parse({ protocols: { grpc: null } }), sink);
    await never.shutdown();
    await never.shutdown();
    await expect(never.start(testHost())).rejects.toThrow(/start\(\) after shutdown\(\)/);
  });

  it('a bind failure names the endpoint and releases what was already bound', async () => {
    const blocker = createServer();
    servers.push(blocker);
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const sink = new SinkConsumer();
    const config = jaegerReceiverConfigSchema.parse({ protocols: { thrift_compact: { endpoint: '127.0.0.1:0' }, thrift_http: { endpoint: `127.0.0.1:${port}` } } });
    const receiver = new JaegerReceiver(testSettings('jaeger'), config, sink);
    await expect(receiver.start(testHost())).rejects.toThrow(new RegExp(`thrift_http: cannot listen on "127.0.0.1:${port}"`));
    expect(receiver.boundAddresses()).toEqual({});
    await receiver.shutdown();
  });
});
