/**
 * The mock backend's admin API:
 *   GET  /health            200 "ok"
 *   GET  /stats             BackendStats as JSON
 *   POST /mode {"mode":...} switch fault mode; answers with the stats after the switch
 *   GET  /spans             received spans, binary dump (span-dump.ts); ?format=json for hex JSON
 *   POST /reset             forget spans and counters
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MockBackend } from './mock-backend.ts';
import { encodeSpanDump } from './span-dump.ts';
import { toHex } from '../loadgen/trace-ids.ts';

export class AdminServer {
  private server: http.Server | undefined;

  constructor(
    private readonly backend: MockBackend,
    private readonly host: string,
    public port: number,
  ) {}

  async open(): Promise<number> {
    const server = http.createServer((req, res) => {
      this.route(req, res).catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end((e as Error).message);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => resolve());
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

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://admin');
    const key = `${req.method} ${url.pathname}`;
    switch (key) {
      case 'GET /health':
        return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      case 'GET /stats':
        return sendJson(res, 200, this.backend.stats());
      case 'POST /mode': {
        let body: unknown;
        try {
          body = JSON.parse(await readText(req));
        } catch {
          return sendJson(res, 400, { error: 'body must be JSON' });
        }
        try {
          return sendJson(res, 200, await this.backend.setMode(body as never));
        } catch (e) {
          return sendJson(res, 400, { error: (e as Error).message });
        }
      }
      case 'GET /spans': {
        const snap = this.backend.store.snapshot();
        if (url.searchParams.get('format') === 'json') {
          return sendJson(res, 200, {
            count: snap.count,
            epochMs: snap.epochMs,
            tenantNames: snap.tenantNames,
            spans: Array.from({ length: snap.count }, (_, i) => ({
              traceId: toHex(snap.traceIds, i * 16, 16),
              spanId: toHex(snap.spanIds, i * 8, 8),
              arrivalMs: snap.arrivalMs[i],
              tenant: snap.tenantNames[snap.tenant[i]!],
            })),
          });
        }
        const dump = encodeSpanDump(snap);
        return void res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': dump.length }).end(dump);
      }
      case 'POST /reset':
        await readText(req);
        this.backend.reset();
        return sendJson(res, 200, this.backend.stats());
      default:
        req.resume();
        return sendJson(res, 404, { error: `no route ${key}` });
    }
  }
}

function sendJson(res: http.ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
}

function readText(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
