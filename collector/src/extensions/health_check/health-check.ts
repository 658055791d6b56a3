/**
 * health_check: an HTTP endpoint for liveness/readiness probes. 200 while the collector is
 * running, 503 while it starts, stops or has stopped, with otelcol-contrib's bodies
 * (`{"status":"Server available","upSince":...,"uptime":...}` / `"Server not available"`).
 *
 * The state is read from host.status on every request, so it cannot go stale. otelcol moves to
 * "ready" through its PipelineWatcher hooks; ready()/notReady() are the same hooks here and only
 * pin the upSince time more precisely (without them it is when a probe first saw `running`).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { CreateSettings, Extension, Host } from '../../component/types.ts';
import { splitEndpoint } from '../../config/schema-helpers.ts';
import type { HealthCheckConfig } from './config.ts';

// What Go's zero time.Time marshals to: the upSince otelcol reports while not ready.
const ZERO_TIME = '0001-01-01T00:00:00Z';

export class HealthCheckExtension implements Extension {
  private readonly config: HealthCheckConfig;
  private readonly logger: Logger;
  private host: Host | null = null;
  private server: http.Server | null = null;
  /** When the collector was first seen running (ms since epoch), null while not running. */
  private upSinceMs: number | null = null;
  private upSinceHr = 0n;
  private readonly matchesPath: (path: string) => boolean;

  constructor(settings: CreateSettings, config: HealthCheckConfig) {
    this.config = config;
    this.logger = settings.logger;
    const p = config.path;
    // Go's ServeMux: a pattern ending in '/' matches the whole subtree, any other only itself.
    this.matchesPath = p.endsWith('/') ? (path) => path.startsWith(p) : (path) => path === p;
  }

  async start(host: Host): Promise<void> {
    if (this.server !== null) return;
    this.host = host;
    const { host: bindHost, port } = splitEndpoint(this.config.endpoint)!;
    const server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: bindHost === '' ? undefined : bindHost, port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.logger.error({ err }, 'health check server error'));
    this.server = server;
    const addr = this.boundAddress()!;
    this.logger.info({ endpoint: `${addr.host}:${addr.port}`, path: this.config.path }, 'Starting health_check extension');
    if (this.config.check_collector_pipeline.enabled) {
      this.logger.warn('check_collector_pipeline is deprecated in otelcol-contrib and not implemented here; ignored');
    }
  }

  /** Where the server listens (the real port when configured with port 0); undefined before start. */
  boundAddress(): { host: string; port: number } | undefined {
    const addr = this.server?.address();
    if (addr == null || typeof addr === 'string') return undefined;
    return { host: (addr as AddressInfo).address, port: (addr as AddressInfo).port };
  }

  /** PipelineWatcher hook: all pipelines started. */
  ready(): void {
    this.observe(true);
  }

  /** PipelineWatcher hook: pipelines are about to stop. */
  notReady(): void {
    this.observe(false);
  }

  async shutdown(): Promise<void> {
    const server = this.server;
    if (server === null) return;
    this.server = null;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections(); // probes use keep-alive; do not wait for them to time out
    });
  }

  private observe(running: boolean): void {
    if (running === (this.upSinceMs !== null)) return;
    if (running) {
      this.upSinceMs = Date.now();
      this.upSinceHr = process.hrtime.bigint();
    } else {
      this.upSinceMs = null;
    }
    this.logger.info({ status: running ? 'ready' : 'unavailable' }, 'Health Check state change');
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const headers: Record<string, string> = { ...(this.config.response_headers ?? {}) };
    if (!this.matchesPath(path)) {
      headers['content-type'] = 'text/plain; charset=utf-8';
      res.writeHead(404, headers).end('404 page not found\n');
      return;
    }
    const running = this.host?.status === 'running';
    this.observe(running);
    const status = running ? 200 : 503;
    const custom = this.config.response_body;
    let body: string;
    if (custom !== undefined) {
      headers['content-type'] = 'text/plain; charset=utf-8';
      body = running ? custom.healthy : custom.unhealthy;
    } else {
      headers['content-type'] = 'application/json';
      body = running
        ? JSON.stringify({
            status: 'Server available',
            upSince: new Date(this.upSinceMs!).toISOString(),
            uptime: formatGoDuration(Number(process.hrtime.bigint() - this.upSinceHr)),
          })
        : JSON.stringify({ status: 'Server not available', upSince: ZERO_TIME, uptime: '' });
    }
    res.writeHead(status, headers).end(req.method === 'HEAD' ? undefined : body);
  }
}

/** Nanoseconds as Go's time.Duration.String() writes them ("1.5ms", "2m3.25s", "1h0m0s"). */
export function formatGoDuration(ns: number): string {
  let u = Math.round(Math.abs(ns));
  const sign = ns < 0 ? '-' : '';
  if (u === 0) return '0s';
  if (u < 1e3) return `${sign}${u}ns`;
  if (u < 1e6) return `${sign}${withFraction(u, 1e3, 3)}µs`;
  if (u < 1e9) return `${sign}${withFraction(u, 1e6, 6)}ms`;
  const h = Math.floor(u / 3600e9);
  u -= h * 3600e9;
  const m = Math.floor(u / 60e9);
  u -= m * 60e9;
  let out = sign;
  if (h > 0) out += `${h}h`;
  if (h > 0 || m > 0) out += `${m}m`;
  return `${out}${withFraction(u, 1e9, 9)}s`;
}

function withFraction(value: number, unit: number, digits: number): string {
  const whole = Math.floor(value / unit);
  const frac = value - whole * unit;
  if (frac === 0) return String(whole);
  return `${whole}.${String(frac).padStart(digits, '0').replace(/0+$/, '')}`;
}
