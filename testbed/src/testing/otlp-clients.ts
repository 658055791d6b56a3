/** Test-only: plain gRPC and HTTP clients that show a server's raw answer (status, trailers, headers). */
import * as grpc from '@grpc/grpc-js';
import * as http from 'node:http';
import { gzipSync } from 'node:zlib';
import { OTLP_TRACE_EXPORT_PATH } from '../proto/otlp-fields.ts';

export interface GrpcAnswer {
  code: number;
  details: string;
  metadata: grpc.Metadata | undefined;
}

/** One Export call with a fresh channel (closed afterwards). */
export async function grpcExport(target: string, body: Buffer, o: { deadlineMs?: number; metadata?: Record<string, string> } = {}): Promise<GrpcAnswer> {
  // A local subchannel pool: a fresh connection, not one shared (and maybe in backoff) with other clients.
  const client = new grpc.Client(target, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
  try {
    return await grpcExportOn(client, body, o);
  } finally {
    client.close();
  }
}

export function grpcExportOn(client: grpc.Client, body: Buffer, o: { deadlineMs?: number; metadata?: Record<string, string> } = {}): Promise<GrpcAnswer> {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(o.metadata ?? {})) md.set(k, v);
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      OTLP_TRACE_EXPORT_PATH,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      md,
      { deadline: Date.now() + (o.deadlineMs ?? 5000) },
      (err) => resolve(err ? { code: err.code, details: err.details, metadata: err.metadata } : { code: 0, details: '', metadata: undefined }),
    );
  });
}

export type HttpAnswer =
  | { kind: 'response'; status: number; headers: http.IncomingHttpHeaders; body: Buffer }
  | { kind: 'error'; code: string }
  | { kind: 'timeout' };

export function httpExport(
  url: string,
  body: Buffer,
  o: { json?: boolean; gzip?: boolean; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<HttpAnswer> {
  const payload = o.gzip ? gzipSync(body) : body;
  return new Promise((resolve) => {
    const req = http.request(`${url}/v1/traces`, {
      method: 'POST',
      agent: false,
      timeout: o.timeoutMs ?? 5000,
      headers: {
        ...o.headers,
        'content-type': o.json ? 'application/json' : 'application/x-protobuf',
        ...(o.gzip ? { 'content-encoding': 'gzip' } : {}),
      },
    });
    req.on('timeout', () => {
      req.destroy();
      resolve({ kind: 'timeout' });
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ kind: 'error', code: e.code ?? e.message }));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ kind: 'response', status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.end(payload);
  });
}
