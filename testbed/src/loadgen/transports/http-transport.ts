/**
 * OTLP/HTTP (protobuf or JSON) over node:http with keep-alive. gzip is applied per request
 * (off the main thread by zlib's pool). Connection errors and timeouts are retryable, as in the Go
 * SDK (the JS SDK's HTTP exporter gives up on them, which would hide collector restarts).
 */
import * as http from 'node:http';
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import { rejectedSpansOf, rejectedSpansOfJson } from './partial-success.ts';
import { RETRYABLE_HTTP_STATUSES, result, type ExportResult, type SpanTransport, type TransportOptions } from './span-transport.ts';

const gzipAsync = promisify(gzip);

export class HttpTransport implements SpanTransport {
  private readonly agent: http.Agent;
  private readonly url: URL;
  private readonly headersByTenant: http.OutgoingHttpHeaders[];
  private readonly json: boolean;
  private readonly gzip: boolean;

  constructor(
    o: TransportOptions,
    private readonly contentType: 'application/x-protobuf' | 'application/json',
  ) {
    const url = new URL(/^https?:\/\//.test(o.endpoint) ? o.endpoint : `http://${o.endpoint}`);
    if (url.pathname === '/' || url.pathname === '') url.pathname = '/v1/traces';
    this.url = url;
    this.json = contentType === 'application/json';
    this.agent = new http.Agent({ keepAlive: true, maxSockets: Math.max(1, o.concurrency) });
    const tenants = o.tenants.length ? o.tenants : [undefined];
    this.headersByTenant = tenants.map((tenant) => {
      const h: http.OutgoingHttpHeaders = { ...o.headers, 'content-type': contentType };
      if (o.compression === 'gzip') h['content-encoding'] = 'gzip';
      if (tenant !== undefined) h[o.tenantHeader] = tenant;
      return h;
    });
    this.gzip = o.compression === 'gzip';
  }

  async send(body: Buffer, tenant: number, timeoutMs: number): Promise<ExportResult> {
    const payload = this.gzip ? await gzipAsync(body) : body;
    return new Promise((resolve) => {
      let settled = false;
      const done = (r: ExportResult): void => {
        if (settled) return;
        settled = true;
        resolve(r);
      };
      const req = http.request(this.url, {
        method: 'POST',
        agent: this.agent,
        headers: { ...this.headersByTenant[tenant], 'content-length': payload.length },
        timeout: timeoutMs,
      });
      req.on('timeout', () => {
        req.destroy();
        done(result('retryable', 'timeout'));
      });
      req.on('error', (err: NodeJS.ErrnoException) => done(result('retryable', `error:${err.code ?? err.message}`)));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err: NodeJS.ErrnoException) => done(result('retryable', `error:${err.code ?? err.message}`)));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const text = `http:${status}`;
          if (status >= 200 && status < 300) {
            const bodyBytes = Buffer.concat(chunks);
            const rejected = this.json ? rejectedSpansOfJson(bodyBytes.toString('utf8')) : rejectedSpansOf(bodyBytes);
            done(result('ok', text, undefined, rejected));
          } else if (RETRYABLE_HTTP_STATUSES.has(status)) {
            done(result('retryable', text, parseRetryAfter(res.headers['retry-after'])));
          } else {
            done(result('permanent', text));
          }
        });
      });
      req.end(payload);
    });
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}

/** Retry-After as delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
