/**
 * A minimal OTLP/gRPC trace sink for tests: records every request's raw bytes and answers
 * success. Real grpc-js server on loopback, port 0.
 */
import * as grpc from '@grpc/grpc-js';
import { decodeExportRequest } from '../../src/pdata/decode-model.ts';
import type { SpanModel } from '../../src/pdata/model.ts';

const passThrough = {
  serialize: (b: Buffer) => b,
  deserialize: (b: Buffer) => b,
};

export class OtlpGrpcSink {
  readonly requests: Buffer[] = [];
  readonly metadata: grpc.Metadata[] = [];
  private server: grpc.Server | null = null;
  private waiters: { spans: number; resolve: () => void }[] = [];
  port = 0;

  async start(): Promise<void> {
    const server = new grpc.Server();
    server.register(
      '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        this.requests.push(call.request);
        this.metadata.push(call.metadata);
        callback(null, Buffer.alloc(0));
        this.notify();
      },
      passThrough.serialize,
      passThrough.deserialize,
      'unary',
    );
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
    );
    this.server = server;
  }

  spans(): SpanModel[] {
    const out: SpanModel[] = [];
    for (const r of this.requests)
      for (const rs of decodeExportRequest(r).resourceSpans) for (const ss of rs.scopeSpans) out.push(...ss.spans);
    return out;
  }

  /** Resolves once at least `n` spans have arrived (the test's own timeout bounds the wait). */
  waitForSpans(n: number): Promise<void> {
    if (this.spans().length >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ spans: n, resolve }));
  }

  private notify(): void {
    if (this.waiters.length === 0) return;
    const have = this.spans().length;
    this.waiters = this.waiters.filter((w) => {
      if (have >= w.spans) w.resolve();
      return have < w.spans;
    });
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s === null) return;
    await new Promise<void>((resolve) => s.tryShutdown(() => resolve()));
  }
}
