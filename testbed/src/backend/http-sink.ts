/**
 * The backend's OTLP/HTTP listener: POST /v1/traces, protobuf or JSON, optionally gzip. close()
 * really closes the socket and every connection (keep-alive and blackholed ones included); open()
 * listens on the same port again.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { ExportHandler, ExportVerdict } from './export-verdict.ts';

const gunzipAsync = promisify(gunzip);

export class HttpSink {
  private server: http.Server | undefined;

  constructor(
    private readonly handler: ExportHandler,
    private readonly host: string,
    public port: number,
    private readonly tenantHeader: string,
    private readonly maxBodyBytes: number,
  ) {}

  get listening(): boolean {
    return this.server !== undefined;
  }

  async open(): Promise<number> {
    if (this.server) return this.port;
    const server = http.createServer((req, res) => void this.onRequest(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this.port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'POST' || path !== '/v1/traces') {
      res.writeHead(404).end();
      req.resume();
      return;
    }
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
    const json = contentType === 'application/json';
    let body: Buffer;
    try {
      body = await readBody(req, this.maxBodyBytes);
      const encoding = req.headers['content-encoding'];
      if (encoding === 'gzip') body = await gunzipAsync(body);
      else if (encoding && encoding !== 'identity') return reply(res, json, { kind: 'invalid', message: `unsupported content-encoding ${encoding}` });
    } catch (e) {
      if (!res.headersSent && !res.destroyed) reply(res, json, { kind: 'invalid', message: (e as Error).message });
      return;
    }
    const tenantValue = req.headers[this.tenantHeader.toLowerCase()];
    const tenant = Array.isArray(tenantValue) ? (tenantValue[0] ?? '') : (tenantValue ?? '');
    const verdict = await this.handler.handleExport({ protocol: 'http', body, json, tenant });
    if (!res.destroyed) reply(res, json, verdict);
  }
}

function reply(res: http.ServerResponse, json: boolean, v: ExportVerdict): void {
  const contentType = json ? 'application/json' : 'application/x-protobuf';
  switch (v.kind) {
    case 'accepted':
      // An empty ExportTraceServiceResponse: zero bytes in protobuf, {} in JSON.
      res.writeHead(200, { 'content-type': contentType }).end(json ? '{}' : undefined);
      return;
    case 'refused':
      res.writeHead(503, { 'content-type': 'text/plain' }).end('backend refuses requests (mode refuse)');
      return;
    case 'throttled':
      res.writeHead(429, { 'content-type': 'text/plain', 'retry-after': String(v.retryAfterS) }).end('backend throttles requests (mode throttle)');
      return;
    case 'invalid':
      res.writeHead(400, { 'content-type': 'text/plain' }).end(v.message);
      return;
    case 'blackholed':
      return; // never answered; closing the sink or the client's timeout ends it
  }
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error(`request body exceeds ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}
