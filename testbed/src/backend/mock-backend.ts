/**
 * The mock backend (the Tempo stand-in): OTLP/gRPC and OTLP/HTTP sinks that keep only trace id,
 * span id, arrival time and tenant per span, with fault modes switchable while it runs, and an
 * optional admin HTTP API. Runs in-process (tests) or as a child process (main.ts).
 */
import { scanExportTraceRequest, type SpanIdSink } from '../proto/otlp-span-scanner.ts';
import { SpanStore } from './span-store.ts';
import { scanJsonTraceRequest } from './otlp-json-scan.ts';
import { parseBackendMode, type BackendMode, type BackendModeInput } from './backend-mode.ts';
import type { ExportHandler, ExportRequest, ExportVerdict } from './export-verdict.ts';
import { GrpcSink } from './grpc-sink.ts';
import { HttpSink } from './http-sink.ts';
import { AdminServer } from './admin-server.ts';

export interface MockBackendOptions {
  host?: string;
  /** 0 picks a free port (kept across down/up). */
  grpcPort?: number;
  httpPort?: number;
  /** Admin API port; null for none (in-process use). */
  adminPort?: number | null;
  /** Header carrying the tenant (x-tenant-id, x-scope-orgid, ...). */
  tenantHeader?: string;
  maxBodyBytes?: number;
  mode?: BackendModeInput;
}

export interface BackendPorts {
  grpcPort: number;
  httpPort: number;
  adminPort: number | null;
}

export interface BackendRequestCounts {
  accepted: number;
  refused: number;
  throttled: number;
  blackholed: number;
  invalid: number;
  /** Accepted after the slow mode's added latency. */
  slowed: number;
}

export interface BackendStats {
  mode: BackendMode;
  listening: boolean;
  /** Spans stored (received while up or slow). */
  spans: number;
  invalidSpans: number;
  /** Spans in requests that were refused, throttled or blackholed (not stored). */
  spansRefused: number;
  spansThrottled: number;
  spansBlackholed: number;
  requests: { grpc: BackendRequestCounts; http: BackendRequestCounts };
  /** Total latency added by the slow mode, in ms. */
  addedLatencyMs: number;
  spansByTenant: Record<string, number>;
  modeChanges: number;
}

const newCounts = (): BackendRequestCounts => ({ accepted: 0, refused: 0, throttled: 0, blackholed: 0, invalid: 0, slowed: 0 });

/** Counts spans without storing them (requests the backend turns away). */
class CountingSink implements SpanIdSink {
  n = 0;
  addSpan(): void {
    this.n++;
  }
  addHexSpan(): void {
    this.n++;
  }
}

export class MockBackend implements ExportHandler {
  readonly store = new SpanStore();
  private modeValue: BackendMode;
  private readonly grpc: GrpcSink;
  private readonly http: HttpSink;
  private readonly admin: AdminServer | undefined;
  private readonly requests = { grpc: newCounts(), http: newCounts() };
  private spansRefused = 0;
  private spansThrottled = 0;
  private spansBlackholed = 0;
  private addedLatencyMs = 0;
  private modeChanges = 0;
  private readonly slowTimers = new Set<NodeJS.Timeout>();
  /** Serialises mode changes (down/up close and reopen sockets). */
  private modeChain: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: MockBackendOptions = {}) {
    const host = o.host ?? '127.0.0.1';
    const tenantHeader = (o.tenantHeader ?? 'x-tenant-id').toLowerCase();
    this.modeValue = parseBackendMode(o.mode ?? { mode: 'up' });
    this.grpc = new GrpcSink(this, host, o.grpcPort ?? 0, tenantHeader);
    this.http = new HttpSink(this, host, o.httpPort ?? 0, tenantHeader, o.maxBodyBytes ?? 256 * 1024 * 1024);
    this.admin = o.adminPort === null || o.adminPort === undefined ? undefined : new AdminServer(this, host, o.adminPort);
  }

  get mode(): BackendMode {
    return this.modeValue;
  }

  get ports(): BackendPorts {
    return { grpcPort: this.grpc.port, httpPort: this.http.port, adminPort: this.admin ? this.admin.port : null };
  }

  /** gRPC target, host:port. */
  get grpcEndpoint(): string {
    return `${this.o.host ?? '127.0.0.1'}:${this.grpc.port}`;
  }

  /** OTLP/HTTP base URL. */
  get httpEndpoint(): string {
    return `http://${this.o.host ?? '127.0.0.1'}:${this.http.port}`;
  }

  async start(): Promise<BackendPorts> {
    if (this.admin) await this.admin.open();
    if (this.modeValue.mode !== 'down') await this.openSinks();
    else {
      // Pick the ports even when starting down, so they are known (and reopened later).
      await this.openSinks();
      await this.closeSinks();
    }
    return this.ports;
  }

  async stop(): Promise<void> {
    for (const t of this.slowTimers) clearTimeout(t);
    this.slowTimers.clear();
    await this.closeSinks();
    if (this.admin) await this.admin.close();
  }

  /** Switches mode; resolves once sockets are closed (down) or listening again (any other). */
  setMode(input: BackendModeInput): Promise<BackendStats> {
    const mode = parseBackendMode(input);
    const change = this.modeChain.then(async () => {
      this.modeValue = mode;
      this.modeChanges++;
      if (mode.mode === 'down') await this.closeSinks();
      else await this.openSinks();
      return this.stats();
    });
    this.modeChain = change.catch(() => {});
    return change;
  }

  stats(): BackendStats {
    return {
      mode: this.modeValue,
      listening: this.grpc.listening && this.http.listening,
      spans: this.store.count,
      invalidSpans: this.store.invalidSpans,
      spansRefused: this.spansRefused,
      spansThrottled: this.spansThrottled,
      spansBlackholed: this.spansBlackholed,
      requests: { grpc: { ...this.requests.grpc }, http: { ...this.requests.http } },
      addedLatencyMs: this.addedLatencyMs,
      spansByTenant: this.store.countByTenant(),
      modeChanges: this.modeChanges,
    };
  }

  /** Forgets stored spans and counters (mode and ports stay). */
  reset(): void {
    this.store.clear();
    this.requests.grpc = newCounts();
    this.requests.http = newCounts();
    this.spansRefused = this.spansThrottled = this.spansBlackholed = this.addedLatencyMs = 0;
  }

  async handleExport(r: ExportRequest): Promise<ExportVerdict> {
    const counts = this.requests[r.protocol];
    const mode = this.modeValue;
    switch (mode.mode) {
      case 'refuse':
        counts.refused++;
        this.spansRefused += this.countSpans(r);
        return { kind: 'refused' };
      case 'throttle':
        counts.throttled++;
        this.spansThrottled += this.countSpans(r);
        return { kind: 'throttled', retryAfterS: mode.retry_after_s };
      case 'blackhole':
      case 'down': // a request that raced the close: nobody will read the answer
        counts.blackholed++;
        this.spansBlackholed += this.countSpans(r);
        return { kind: 'blackholed' };
      case 'slow':
        await this.delay(mode.latency_ms);
        counts.slowed++;
        this.addedLatencyMs += mode.latency_ms;
        return this.ingest(r, counts);
      case 'up':
        return this.ingest(r, counts);
    }
  }

  private ingest(r: ExportRequest, counts: BackendRequestCounts): ExportVerdict {
    const store = this.store;
    store.beginRequest(r.tenant);
    const before = store.count;
    try {
      if (r.json) scanJsonTraceRequest(r.body.toString('utf8'), store);
      else scanExportTraceRequest(r.body, store);
    } catch (e) {
      // Keep the backend all-or-nothing per request, as a real one would.
      store.truncate(before);
      counts.invalid++;
      return { kind: 'invalid', message: `could not decode request: ${(e as Error).message}` };
    }
    counts.accepted++;
    return { kind: 'accepted' };
  }

  private countSpans(r: ExportRequest): number {
    const sink = new CountingSink();
    try {
      if (r.json) scanJsonTraceRequest(r.body.toString('utf8'), sink);
      else scanExportTraceRequest(r.body, sink);
    } catch {
      // Undecodable: count what was found before the error.
    }
    return sink.n;
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.slowTimers.delete(t);
        resolve();
      }, ms);
      this.slowTimers.add(t);
    });
  }

  private async openSinks(): Promise<void> {
    await this.grpc.open();
    await this.http.open();
  }

  private async closeSinks(): Promise<void> {
    await Promise.all([this.grpc.close(), this.http.close()]);
  }
}
