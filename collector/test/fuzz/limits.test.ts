/**
 * The limits that keep a hostile sender from taking the otlp receiver down, each checked against
 * a running receiver on loopback: message and body size, decompressed size (compression bombs cut
 * early; zstd refused), AnyValue nesting depth, max_concurrent_streams actually applied, slow
 * HTTP clients (headers or body trickled) cut off, and HTTP/2 floods (rapid reset, PING, SETTINGS)
 * on the gRPC port ending the abusive connection while the server keeps serving.
 *
 * Not covered because not configurable in the otlp receiver (nor in otelcol's): per-request
 * attribute count and value length guards; size, depth and the memory_limiter bound those.
 */
import { connect as http2Connect, constants as h2, type ClientHttp2Session } from 'node:http2';
import { connect as netConnect, type Socket } from 'node:net';
import { gzipSync, deflateSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { Consumer, Receiver } from '../../src/component/types.ts';
import { parseComponentId } from '../../src/component/types.ts';
import type { SpanBatch } from '../../src/pdata/span-batch.ts';
import { otlpReceiverFactory } from '../../src/receivers/otlp/factory.ts';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../../src/receivers/otlp/http-server.ts';
import { EXPORT_PATH, MAX_SESSION_MEMORY_MB, grpcServerOptions } from '../../src/receivers/otlp/grpc-server.ts';
import { otlpReceiverConfigSchema } from '../../src/receivers/otlp/config.ts';
import { SelfTelemetry } from '../../src/telemetry/self-telemetry.ts';
import { deepAnyValueRequest } from './decoders.ts';
import { CountingSink, GrpcSender, HttpSender, probeRequests } from './endpoints.ts';

const running: Receiver[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) c();
  await Promise.all(running.splice(0).map((r) => r.shutdown()));
});

async function start(protocols: Record<string, unknown>, sink: Consumer = new CountingSink()): Promise<{ grpc: string; http: string; receiver: Receiver }> {
  const settings = { id: parseComponentId('otlp'), kind: 'receiver' as const, logger: pino({ level: 'silent' }), telemetry: new SelfTelemetry(), pipelines: ['traces'] };
  const receiver = otlpReceiverFactory.createTracesReceiver(settings, otlpReceiverConfigSchema.parse({ protocols }), sink);
  running.push(receiver);
  await receiver.start({ getExtension: () => undefined, status: 'running' });
  const bound = (receiver as unknown as { boundAddresses(): { grpc?: string; http?: string } }).boundAddresses();
  return { grpc: bound.grpc ?? '', http: bound.http ?? '', receiver };
}

function grpcSender(address: string): GrpcSender {
  const s = new GrpcSender(address, EXPORT_PATH);
  cleanups.push(() => s.close());
  return s;
}

function httpSender(address: string, headers: Record<string, string> = { 'content-type': 'application/x-protobuf' }): HttpSender {
  const s = new HttpSender(address, '/v1/traces', headers);
  cleanups.push(() => s.close());
  return s;
}

function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(':') + 1));
}

function h2session(address: string): ClientHttp2Session {
  const s = http2Connect(`http://127.0.0.1:${portOf(address)}`);
  s.on('error', () => {}); // the server may end the session on purpose
  cleanups.push(() => s.destroy());
  return s;
}

/** A length-prefixed gRPC message (flag 1 = compressed). */
function grpcFrame(payload: Buffer, compressed: boolean): Buffer {
  const head = Buffer.alloc(5);
  head[0] = compressed ? 1 : 0;
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

/** One raw gRPC Export call over a session: resolves with grpc-status and grpc-message. */
function rawExport(session: ClientHttp2Session, body: Buffer, headers: Record<string, string> = {}): Promise<{ status: number; message: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      ':method': 'POST',
      ':path': EXPORT_PATH,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...headers,
    });
    let status = -1;
    let message = '';
    const take = (h: Record<string, unknown>): void => {
      if (h['grpc-status'] !== undefined) {
        status = Number(h['grpc-status']);
        message = decodeURIComponent(String(h['grpc-message'] ?? ''));
      }
    };
    stream.on('response', take);
    stream.on('trailers', take);
    stream.on('data', () => {});
    stream.on('close', () => resolve({ status, message }));
    stream.on('error', reject);
    stream.end(body);
  });
}

describe('size limits', () => {
  it('gRPC: a message over max_recv_msg_size_mib is RESOURCE_EXHAUSTED, and so is a gzip bomb that inflates past it', async () => {
    const { grpc } = await start({ grpc: { endpoint: '127.0.0.1:0', max_recv_msg_size_mib: 1 } });
    const big = await grpcSender(grpc).send(Buffer.alloc(1536 * 1024, 0x0a));
    expect(big.status).toBe(`grpc ${GrpcStatus.RESOURCE_EXHAUSTED}`);
    expect(big.detail).not.toBe('');

    // 16 MiB of zeros compress to about 16 KiB; the limit must hold for the inflated size.
    const bomb = gzipSync(Buffer.alloc(16 * 1024 * 1024));
    const session = h2session(grpc);
    const res = await rawExport(session, grpcFrame(bomb, true), { 'grpc-encoding': 'gzip' });
    expect(res.status).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(res.message).not.toBe('');
    // ...and the server still serves.
    expect((await grpcSender(grpc).send(probeRequests().proto)).accepted).toBe(true);
  });

  it('HTTP: a body over max_request_body_size is 413; gzip and deflate bombs are cut at the limit; zstd is refused with 400', async () => {
    const sink = new CountingSink();
    const { http } = await start({ http: { endpoint: '127.0.0.1:0', max_request_body_size: 100_000 } }, sink);
    const pb = httpSender(http);
    expect((await pb.send(Buffer.alloc(200_000, 0x0a))).status).toBe('http 413');
    const zeros = Buffer.alloc(32 * 1024 * 1024); // inflates 320 times past the limit
    const gz = await pb.send(gzipSync(zeros), { 'content-encoding': 'gzip' });
    expect(gz.status).toBe('http 413');
    const df = await pb.send(deflateSync(zeros), { 'content-encoding': 'deflate' });
    expect(df.status).toBe('http 413');
    // Node 20's zlib has no zstd: refused as an unsupported encoding, with a reason.
    const zstd = await pb.send(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x00]), { 'content-encoding': 'zstd' });
    expect(zstd.status).toBe('http 400');
    expect(zstd.detail).toContain('zstd');
    expect(sink.batches).toBe(0);
    expect((await httpSender(http).send(probeRequests().proto)).accepted).toBe(true);
  });
});

describe('AnyValue nesting depth', () => {
  it('is bounded on both transports: 20 levels pass, 40 are refused with a clear error', async () => {
    const sink = new CountingSink();
    const { grpc, http } = await start({ grpc: { endpoint: '127.0.0.1:0' }, http: { endpoint: '127.0.0.1:0' } }, sink);
    const g = grpcSender(grpc);
    const h = httpSender(http);
    expect((await g.send(deepAnyValueRequest(20))).accepted).toBe(true);
    expect((await h.send(deepAnyValueRequest(20))).accepted).toBe(true);
    const deepG = await g.send(deepAnyValueRequest(40));
    const deepH = await h.send(deepAnyValueRequest(40));
    expect(deepG.status).toBe(`grpc ${GrpcStatus.INVALID_ARGUMENT}`);
    expect(deepG.detail).toMatch(/nested too deeply/);
    expect(deepH.status).toBe('http 400');
    expect(sink.spans).toBe(2);
  });
});

describe('gRPC max_concurrent_streams', () => {
  /** Holds every consume() until released; records the most calls in flight at once. */
  class GatedSink implements Consumer {
    inFlight = 0;
    maxInFlight = 0;
    private release!: () => void;
    readonly gate = new Promise<void>((r) => (this.release = r));
    arrived = 0;
    async consume(_batch: SpanBatch): Promise<void> {
      this.arrived++;
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      await this.gate;
      this.inFlight--;
    }
    open(): void {
      this.release();
    }
  }

  async function waitFor(cond: () => boolean): Promise<void> {
    while (!cond()) await new Promise((r) => setTimeout(r, 20));
  }

  it('is announced to clients and caps the calls served at once on a connection', async () => {
    const sink = new GatedSink();
    const { grpc } = await start({ grpc: { endpoint: '127.0.0.1:0', max_concurrent_streams: 2 } }, sink);
    const session = h2session(grpc);
    await new Promise<void>((r) => session.once('remoteSettings', () => r()));
    expect(session.remoteSettings.maxConcurrentStreams).toBe(2);

    const calls = Array.from({ length: 5 }, () => rawExport(session, grpcFrame(probeRequests().proto, false)));
    await waitFor(() => sink.arrived >= 2);
    // Give the other three every chance to (wrongly) start: the server has said 2.
    await new Promise((r) => setTimeout(r, 200));
    expect(sink.inFlight).toBe(2);
    sink.open();
    const results = await Promise.all(calls);
    expect(results.map((r) => r.status)).toEqual([0, 0, 0, 0, 0]);
    expect(sink.maxInFlight).toBe(2);
  });

  it('the grpc-js options carry the stream cap and a bounded per-connection memory', () => {
    const config = otlpReceiverConfigSchema.parse({ protocols: { grpc: { max_concurrent_streams: 50 } } }).protocols.grpc!;
    expect(grpcServerOptions(config)).toMatchObject({ 'grpc.max_concurrent_streams': 50, 'grpc-node.max_session_memory': MAX_SESSION_MEMORY_MB });
  });
});

describe('slow HTTP clients', () => {
  /** Opens a raw TCP connection, writes `head`, then one byte of `trickle` every 50 ms. */
  function trickle(address: string, head: string, trickleBytes: string): Promise<{ closed: boolean; response: string }> {
    return new Promise((resolve) => {
      const socket: Socket = netConnect(portOf(address), '127.0.0.1');
      cleanups.push(() => socket.destroy());
      let response = '';
      let i = 0;
      let timer: NodeJS.Timeout | undefined;
      socket.on('data', (d) => (response += d.toString('latin1')));
      socket.on('error', () => {});
      socket.on('close', () => {
        clearInterval(timer);
        resolve({ closed: true, response });
      });
      socket.on('connect', () => {
        socket.write(head);
        timer = setInterval(() => {
          if (i < trickleBytes.length) socket.write(trickleBytes[i++]!);
          else {
            // Trickled everything without being cut off: the limit did not hold.
            clearInterval(timer);
            resolve({ closed: false, response });
          }
        }, 50);
      });
    });
  }

  it('headers trickled past read_header_timeout: 408 and the connection is closed', async () => {
    const { http } = await start({ http: { endpoint: '127.0.0.1:0', read_header_timeout: '300ms' } });
    // 200 bytes at one per 50 ms would take 10 s.
    const r = await trickle(http, 'POST /v1/traces HTTP/1.1\r\nHost: x\r\n', `X-Slow: ${'a'.repeat(200)}\r\n\r\n`);
    expect(r.closed).toBe(true);
    expect(r.response).toMatch(/^HTTP\/1\.1 408/);
  });

  it('a body trickled past read_timeout: 408 and the connection is closed', async () => {
    const sink = new CountingSink();
    const { http } = await start({ http: { endpoint: '127.0.0.1:0', read_timeout: '500ms' } }, sink);
    const head = 'POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nContent-Length: 200\r\n\r\n';
    const r = await trickle(http, head, 'a'.repeat(200));
    expect(r.closed).toBe(true);
    expect(r.response).toMatch(/^HTTP\/1\.1 408/);
    expect(sink.batches).toBe(0);
  });

  it('with read_timeout 0 (the default) a request still has a limit: Node\'s default 5 minutes', async () => {
    const { receiver } = await start({ http: { endpoint: '127.0.0.1:0' } });
    const server = (receiver as unknown as { http: { server: { requestTimeout: number; headersTimeout: number } } }).http.server;
    expect(server.requestTimeout).toBe(DEFAULT_REQUEST_TIMEOUT_MS);
    expect(server.headersTimeout).toBe(60_000); // read_header_timeout's default, 1m
  });
});

describe('HTTP/2 floods on the gRPC port', () => {
  const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
  const EMPTY_SETTINGS = Buffer.from([0, 0, 0, 0x04, 0, 0, 0, 0, 0]);

  function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
    const h = Buffer.alloc(9);
    h.writeUIntBE(payload.length, 0, 3);
    h[3] = type;
    h[4] = flags;
    h.writeUInt32BE(streamId, 5);
    return Buffer.concat([h, payload]);
  }

  /** Writes `frames` on a raw connection without reading; resolves when the server closes it. */
  function flood(address: string, frames: Buffer): Promise<{ closedByServer: boolean }> {
    return new Promise((resolve) => {
      const socket = netConnect(portOf(address), '127.0.0.1');
      cleanups.push(() => socket.destroy());
      socket.on('error', () => {});
      socket.on('close', () => resolve({ closedByServer: true }));
      socket.on('connect', () => {
        socket.pause(); // never read: replies (PING ACKs, SETTINGS ACKs) pile up on the server
        socket.write(Buffer.concat([PREFACE, EMPTY_SETTINGS, frames]));
      });
    });
  }

  it('a PING flood ends the flooding connection, the server keeps serving', async () => {
    const { grpc } = await start({ grpc: { endpoint: '127.0.0.1:0' } });
    const ping = frame(0x06, 0, 0, Buffer.alloc(8, 7));
    // Enough that the replies cannot all sit in socket buffers: nghttp2 then counts queued ACKs.
    const r = await flood(grpc, Buffer.concat(Array.from({ length: 1_000_000 }, () => ping)));
    expect(r.closedByServer).toBe(true);
    expect((await grpcSender(grpc).send(probeRequests().proto)).accepted).toBe(true);
  });

  it('a SETTINGS flood ends the flooding connection, the server keeps serving', async () => {
    const { grpc } = await start({ grpc: { endpoint: '127.0.0.1:0' } });
    const settings = frame(0x04, 0, 0, Buffer.from([0x00, 0x04, 0x00, 0x01, 0x00, 0x00])); // INITIAL_WINDOW_SIZE
    const r = await flood(grpc, Buffer.concat(Array.from({ length: 1_000_000 }, () => settings)));
    expect(r.closedByServer).toBe(true);
    expect((await grpcSender(grpc).send(probeRequests().proto)).accepted).toBe(true);
  });

  it('rapid reset (streams opened and cancelled at once, CVE-2023-44487) ends that session, the server keeps serving', async () => {
    const sink = new CountingSink();
    const { grpc } = await start({ grpc: { endpoint: '127.0.0.1:0' } }, sink);
    const session = h2session(grpc);
    const ended = new Promise<string>((resolve) => {
      session.on('goaway', (code: number) => resolve(`goaway ${code}`));
      session.on('close', () => resolve('close'));
    });
    await new Promise<void>((r) => session.once('remoteSettings', () => r()));
    let opened = 0;
    for (; opened < 5000 && !session.closed && !session.destroyed; opened++) {
      const s = session.request({ ':method': 'POST', ':path': EXPORT_PATH, 'content-type': 'application/grpc', te: 'trailers' });
      s.on('error', () => {});
      s.close(h2.NGHTTP2_CANCEL);
      if (opened % 100 === 99) await new Promise((r) => setImmediate(r));
    }
    // Node's nghttp2 (1.57+) limits stream resets (a burst of 1000, then 33/s) and sends GOAWAY.
    expect(await ended).toMatch(/^goaway/);
    expect(opened).toBeLessThan(5000);
    expect((await grpcSender(grpc).send(probeRequests().proto)).accepted).toBe(true);
    expect(sink.batches).toBe(1);
  });
});
