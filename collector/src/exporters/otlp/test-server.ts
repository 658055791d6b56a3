/**
 * Test destinations for the otlp exporter, on loopback and port 0. Only for tests.
 *
 * - GrpcTestServer: a grpc-js server with TraceService/Export as raw bytes; records what it got
 *   and answers as told (OK with a response, any status with optional grpc-status-details-bin,
 *   or never).
 * - RawGrpcServer: a gRPC endpoint written on node:http2, for what grpc-js hides from a server
 *   handler: the request headers as sent (grpc-encoding, grpc-timeout, user-agent) and each
 *   message's compressed flag and wire bytes.
 */
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { Metadata, Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall, type ServiceDefinition } from '@grpc/grpc-js';
import { TRACE_EXPORT_METHOD } from './exporter.ts';

export type GrpcAnswer =
  | { kind: 'ok'; response?: Buffer }
  | { kind: 'error'; code: number; details: string; statusDetails?: Buffer }
  | { kind: 'never' };

export interface ReceivedCall {
  body: Buffer;
  metadata: Record<string, unknown>;
}

const raw = (b: Buffer): Buffer => b;

const traceService: ServiceDefinition = {
  Export: {
    path: TRACE_EXPORT_METHOD,
    requestStream: false,
    responseStream: false,
    requestSerialize: raw,
    requestDeserialize: raw,
    responseSerialize: raw,
    responseDeserialize: raw,
  },
};

export class GrpcTestServer {
  readonly calls: ReceivedCall[] = [];
  /** Decides the answer to each call (1-based call number). */
  answer: (call: number) => GrpcAnswer = () => ({ kind: 'ok' });
  private readonly server: Server;
  readonly address: string;

  private constructor(server: Server, port: number) {
    this.server = server;
    this.address = `127.0.0.1:${port}`;
  }

  static async start(): Promise<GrpcTestServer> {
    const server = new Server();
    let self: GrpcTestServer | undefined;
    server.addService(traceService, {
      Export: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => self!.handle(call, callback),
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    self = new GrpcTestServer(server, port);
    return self;
  }

  private handle(call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>): void {
    this.calls.push({ body: call.request, metadata: call.metadata.getMap() });
    const a = this.answer(this.calls.length);
    if (a.kind === 'never') return;
    if (a.kind === 'ok') {
      callback(null, a.response ?? Buffer.alloc(0));
      return;
    }
    const metadata = new Metadata();
    if (a.statusDetails !== undefined) metadata.set('grpc-status-details-bin', a.statusDetails);
    callback({ code: a.code, details: a.details, metadata });
  }

  async stop(): Promise<void> {
    this.server.forceShutdown();
  }
}

export interface RawGrpcRequest {
  headers: http2.IncomingHttpHeaders;
  /** Compressed-flag byte of the (single) length-prefixed message. */
  compressedFlag: number;
  /** Message bytes as they were on the wire. */
  wire: Buffer;
  /** The message after undoing grpc-encoding. */
  message: Buffer;
}

export class RawGrpcServer {
  readonly requests: RawGrpcRequest[] = [];
  private readonly server: http2.Http2Server;
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  readonly address: string;

  private constructor(server: http2.Http2Server) {
    this.server = server;
    server.on('session', (s) => {
      this.sessions.add(s);
      s.on('close', () => this.sessions.delete(s));
    });
    this.address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  static async start(): Promise<RawGrpcServer> {
    const server = http2.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const self = new RawGrpcServer(server);
    server.on('stream', (stream, headers) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const all = Buffer.concat(chunks);
        let request: RawGrpcRequest;
        try {
          const flag = all.readUInt8(0);
          const wire = all.subarray(5, 5 + all.readUInt32BE(1));
          const message = flag === 1 && headers['grpc-encoding'] === 'gzip' ? gunzipSync(wire) : wire;
          request = { headers, compressedFlag: flag, wire, message };
        } catch (err) {
          // Not a well-formed message: answer INTERNAL (trailers-only) instead of leaving the call open.
          stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '13', 'grpc-message': encodeURIComponent((err as Error).message) }, { endStream: true });
          return;
        }
        self.requests.push(request);
        // An empty ExportTraceServiceResponse, uncompressed, then OK in the trailers.
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(Buffer.from([0, 0, 0, 0, 0]));
      });
    });
    return self;
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sessions) s.destroy();
    await closed;
  }
}
