/** Lifecycle of the otlp receiver: binding, bind failures, draining on shutdown. */
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { createServer, type Server } from 'node:net';
import { request as httpRequest } from 'node:http';
import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { otlpReceiverConfigSchema } from './config.ts';
import { EXPORT_PATH } from './grpc-server.ts';
import { OtlpReceiver } from './receiver.ts';
import { ReceiverPool, SinkConsumer, smallRequest, testHost, testSettings } from './test-support.ts';

const pool = new ReceiverPool();
const servers: Server[] = [];
const clients: Client[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await pool.stopAll();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});
afterAll(() => pool.stopAll());

/** A TCP port held by another listener, to provoke a bind failure. */
async function occupiedPort(): Promise<number> {
  const s = createServer();
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return (s.address() as { port: number }).port;
}

/** A port that was free a moment ago (the listener that found it is closed again). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

function canBind(port: number): Promise<boolean> {
  const s = createServer();
  return new Promise((resolve) => {
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

function postHttp(address: string, body: Buffer): Promise<{ status?: number; error?: string }> {
  const [host, port] = address.split(':');
  return new Promise((resolve) => {
    const req = httpRequest({ host, port: Number(port), method: 'POST', path: '/v1/traces', headers: { 'content-type': 'application/x-protobuf' } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode! }));
    });
    req.on('error', (err) => resolve({ error: err.message }));
    req.end(body);
  });
}

function postGrpc(address: string, body: Buffer): Promise<ServiceError | null> {
  const client = new Client(address, credentials.createInsecure());
  clients.push(client);
  const identity = (b: Buffer) => b;
  return new Promise((resolve) => client.makeUnaryRequest(EXPORT_PATH, identity, identity, body, new Metadata(), (err) => resolve(err ?? null)));
}

const BOTH = { protocols: { grpc: { endpoint: '127.0.0.1:0' }, http: { endpoint: '127.0.0.1:0' } } };

describe('otlp receiver lifecycle', () => {
  it('binds both protocols on free ports and reports them', async () => {
    const sink = new SinkConsumer();
    const r = await pool.start(BOTH, sink);
    expect(r.grpc).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(r.http).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(r.grpc).not.toBe(r.http);
    expect(await postGrpc(r.grpc, smallRequest(1))).toBeNull();
    expect((await postHttp(r.http, smallRequest(1))).status).toBe(200);
    expect(sink.spans).toBe(2);
  });

  it('"localhost" and an empty host (all interfaces) are reachable over IPv4 loopback', async () => {
    for (const host of ['localhost', '']) {
      const sink = new SinkConsumer();
      const r = await pool.start({ protocols: { grpc: { endpoint: `${host}:0` }, http: { endpoint: `${host}:0` } } }, sink);
      const httpPort = r.http.slice(r.http.lastIndexOf(':') + 1);
      const grpcPort = r.grpc.slice(r.grpc.lastIndexOf(':') + 1);
      expect((await postHttp(`127.0.0.1:${httpPort}`, smallRequest(1))).status).toBe(200);
      expect(await postGrpc(`127.0.0.1:${grpcPort}`, smallRequest(1))).toBeNull();
      expect(sink.spans).toBe(2);
    }
  });

  it('shutdown() works without start() and twice; start() after shutdown() is refused', async () => {
    const config = otlpReceiverConfigSchema.parse(BOTH);
    const r = new OtlpReceiver(testSettings(), config, new SinkConsumer());
    await r.shutdown();
    await r.shutdown();
    expect(r.boundAddresses()).toEqual({});
    await expect(r.start(testHost())).rejects.toThrow(/after shutdown/);
  });

  it('a started receiver stops listening on shutdown, idempotently', async () => {
    const r = await pool.start(BOTH, new SinkConsumer());
    const httpPort = Number(r.http.split(':')[1]);
    const grpcPort = Number(r.grpc.split(':')[1]);
    await Promise.all([r.receiver.shutdown(), r.receiver.shutdown()]);
    expect(r.receiver.boundAddresses()).toEqual({});
    expect(await canBind(httpPort)).toBe(true);
    expect(await canBind(grpcPort)).toBe(true);
  });

  it('an HTTP bind failure rejects start() naming the endpoint, and releases the gRPC port', async () => {
    const taken = await occupiedPort();
    const grpcPort = await freePort();
    const config = otlpReceiverConfigSchema.parse({
      protocols: { grpc: { endpoint: `127.0.0.1:${grpcPort}` }, http: { endpoint: `127.0.0.1:${taken}` } },
    });
    const r = new OtlpReceiver(testSettings(), config, new SinkConsumer());
    await expect(r.start(testHost())).rejects.toThrow(`cannot listen for HTTP on "127.0.0.1:${taken}"`);
    expect(r.boundAddresses()).toEqual({});
    expect(await canBind(grpcPort)).toBe(true);
    await r.shutdown();
  });

  it('a gRPC bind failure rejects start() naming the endpoint', async () => {
    const taken = await occupiedPort();
    const config = otlpReceiverConfigSchema.parse({ protocols: { grpc: { endpoint: `127.0.0.1:${taken}` } } });
    const r = new OtlpReceiver(testSettings(), config, new SinkConsumer());
    await expect(r.start(testHost())).rejects.toThrow(`cannot listen for gRPC on "127.0.0.1:${taken}"`);
    await r.shutdown();
  });

  it('shutdown lets in-flight requests finish', async () => {
    const sink = new SinkConsumer();
    let release!: () => void;
    sink.gate = new Promise((resolve) => (release = resolve));
    const r = await pool.start(BOTH, sink);
    const httpReply = postHttp(r.http, smallRequest(2));
    const grpcReply = postGrpc(r.grpc, smallRequest(3));
    await vi.waitFor(() => expect(sink.calls).toBe(2));
    const stopped = r.receiver.shutdown();
    release();
    expect((await httpReply).status).toBe(200);
    expect(await grpcReply).toBeNull();
    await stopped;
    expect(sink.spans).toBe(5);
  });

  it('shutdown is bounded: requests stuck in the pipeline are cut after the grace period', async () => {
    const sink = new SinkConsumer();
    sink.gate = new Promise(() => {}); // never released
    const r = await pool.start(BOTH, sink, { shutdownGraceMs: 100 });
    const httpReply = postHttp(r.http, smallRequest(1));
    const grpcReply = postGrpc(r.grpc, smallRequest(1));
    await vi.waitFor(() => expect(sink.calls).toBe(2));
    await r.receiver.shutdown();
    expect((await httpReply).error).toBeDefined();
    expect(await grpcReply).not.toBeNull();
  });
});
