/**
 * The backend's OTLP/gRPC listener: TraceService/Export with pass-through (de)serializers, so the
 * handler gets the request bytes as grpc-js received them (gzip already undone). close() really
 * closes the socket and every connection; open() binds the same port again.
 */
import * as grpc from '@grpc/grpc-js';
import type { Http2Server, ServerHttp2Session } from 'node:http2';
import { OTLP_TRACE_EXPORT_PATH } from '../proto/otlp-fields.ts';
import { STATUS_DETAILS_METADATA_KEY, encodeRetryInfoStatus } from '../proto/rpc-status.ts';
import type { ExportHandler } from './export-verdict.ts';

const passThrough = (b: Buffer): Buffer => b;
const EMPTY = Buffer.alloc(0);

const traceService: grpc.ServiceDefinition = {
  Export: {
    path: OTLP_TRACE_EXPORT_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: passThrough,
    requestDeserialize: passThrough,
    responseSerialize: passThrough,
    responseDeserialize: passThrough,
    originalName: 'export',
  },
};

/** Receive windows the backend announces: a whole 512-span request fits without a WINDOW_UPDATE. */
const CONNECTION_WINDOW_BYTES = 16 * 1024 * 1024;
const STREAM_WINDOW_BYTES = 4 * 1024 * 1024;

/**
 * grpc-js servers keep HTTP/2's 64 KB default receive windows and offer no option to change them,
 * so a 360 KB request needs several WINDOW_UPDATE round trips and both sides sit idle in between
 * (measured: 155k spans/s from one generator thread; with these windows 235k). This reaches into
 * grpc-js's private `http2Servers` map to widen the windows of each new session; if a grpc-js
 * version lacks the map, nothing happens and the backend is just slower.
 */
function widenFlowControlWindows(server: grpc.Server): void {
  const http2Servers = (server as unknown as { http2Servers?: Map<Http2Server, unknown> }).http2Servers;
  if (!(http2Servers instanceof Map)) return;
  for (const h of http2Servers.keys()) {
    h.on('session', (session: ServerHttp2Session) => {
      session.setLocalWindowSize(CONNECTION_WINDOW_BYTES);
      session.settings({ initialWindowSize: STREAM_WINDOW_BYTES });
    });
  }
}

export class GrpcSink {
  private server: grpc.Server | undefined;

  constructor(
    private readonly handler: ExportHandler,
    private readonly host: string,
    /** 0 until the first bind picks a port; then reused by every reopen. */
    public port: number,
    private readonly tenantHeader: string,
  ) {}

  get listening(): boolean {
    return this.server !== undefined;
  }

  async open(): Promise<number> {
    if (this.server) return this.port;
    const server = new grpc.Server({
      'grpc.max_receive_message_length': 256 * 1024 * 1024,
      'grpc.max_send_message_length': 256 * 1024 * 1024,
    });
    server.addService(traceService, { Export: this.export });
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${this.host}:${this.port}`, grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
    );
    this.server = server;
    widenFlowControlWindows(server);
    return this.port;
  }

  /** Closes the listener and drops every connection and pending call. */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.forceShutdown();
  }

  private readonly export = (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>): void => {
    const tenant = call.metadata.get(this.tenantHeader)[0];
    void this.handler
      .handleExport({ protocol: 'grpc', body: call.request, json: false, tenant: tenant === undefined ? '' : String(tenant) })
      .then((v) => {
        switch (v.kind) {
          case 'accepted':
            return callback(null, EMPTY);
          case 'refused':
            return callback({ code: grpc.status.UNAVAILABLE, details: 'backend refuses requests (mode refuse)' });
          case 'throttled': {
            const metadata = new grpc.Metadata();
            const details = 'backend throttles requests (mode throttle)';
            metadata.set(
              STATUS_DETAILS_METADATA_KEY,
              Buffer.from(encodeRetryInfoStatus(grpc.status.RESOURCE_EXHAUSTED, details, v.retryAfterS * 1000)),
            );
            return callback({ code: grpc.status.RESOURCE_EXHAUSTED, details, metadata });
          }
          case 'invalid':
            return callback({ code: grpc.status.INVALID_ARGUMENT, details: v.message });
          case 'blackholed':
            return; // never answered; the client's deadline or a shutdown ends the call
        }
      });
  };
}
