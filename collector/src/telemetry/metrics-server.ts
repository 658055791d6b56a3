/**
 * Serves the collector's own metrics at http://host:port/metrics in the Prometheus text format,
 * as otelcol does on :8888, so the same scrape configs, dashboards and alerts work.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { TelemetrySettings } from '../config/types.ts';
import type { SelfTelemetry } from './self-telemetry.ts';

export interface MetricsServerOptions {
  /** '' = all interfaces (Go's ":8888"). */
  host: string;
  /** 0 = any free port; see boundAddress(). */
  port: number;
  logger?: Logger;
}

export class MetricsServer {
  private readonly telemetry: SelfTelemetry;
  private readonly options: MetricsServerOptions;
  private server: http.Server | null = null;

  constructor(telemetry: SelfTelemetry, options: MetricsServerOptions) {
    this.telemetry = telemetry;
    this.options = options;
  }

  async start(): Promise<void> {
    if (this.server !== null) return;
    const server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.options.host === '' ? undefined : this.options.host, port: this.options.port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    // After listening, a socket error must not crash the process; it is logged.
    server.on('error', (err) => this.options.logger?.error({ err }, 'metrics server error'));
    this.server = server;
    const addr = this.boundAddress();
    this.options.logger?.info({ address: `${addr?.host}:${addr?.port}` }, 'Serving metrics');
  }

  /** Where the server listens (the real port when configured with 0); undefined when not started. */
  boundAddress(): { host: string; port: number } | undefined {
    const addr = this.server?.address();
    if (addr == null || typeof addr === 'string') return undefined;
    return { host: (addr as AddressInfo).address, port: (addr as AddressInfo).port };
  }

  async shutdown(): Promise<void> {
    const server = this.server;
    if (server === null) return;
    this.server = null;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Keep-alive connections from a scraper would otherwise hold close() open.
      server.closeAllConnections();
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return;
    }
    this.telemetry.metricsText().then(
      (text) => {
        res.writeHead(200, { 'content-type': this.telemetry.registry.contentType });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        this.options.logger?.error({ err }, 'collecting metrics failed');
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('collecting metrics failed\n');
      },
    );
  }
}

/** The server for service.telemetry.metrics; null when the level is `none` (otelcol serves nothing then). */
export function createMetricsServer(
  telemetry: SelfTelemetry,
  settings: TelemetrySettings['metrics'],
  logger?: Logger,
): MetricsServer | null {
  if (settings.level === 'none') return null;
  return new MetricsServer(telemetry, { host: settings.host, port: settings.port, logger });
}
