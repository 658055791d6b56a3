/**
 * The `zipkin` receiver instance: one HTTP server (Zipkin's v1 and v2 span APIs), bound in
 * start(), drained in shutdown(). Counted per otelcol transport: http_v2_json, http_v2_proto,
 * http_v1_json (and http_v1_thrift for the refused v1 Thrift requests).
 */
import type { Consumer, CreateSettings, Host, Receiver } from '../../component/types.ts';
import { ReceiverHandoff } from '../jaeger/handoff.ts';
import type { ZipkinReceiverConfig } from './config.ts';
import { ZipkinHttpServer, type ZipkinTransport } from './http-server.ts';

/** How long shutdown() lets in-flight requests finish before cutting connections. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 5000;

export interface ZipkinReceiverOptions {
  shutdownGraceMs?: number;
}

export class ZipkinReceiver implements Receiver {
  private readonly settings: CreateSettings;
  private readonly config: ZipkinReceiverConfig;
  private readonly next: Consumer;
  private readonly shutdownGraceMs: number;
  private server: ZipkinHttpServer | undefined;
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(settings: CreateSettings, config: ZipkinReceiverConfig, next: Consumer, options?: ZipkinReceiverOptions) {
    this.settings = settings;
    this.config = config;
    this.next = next;
    this.shutdownGraceMs = options?.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
  }

  start(_host: Host): Promise<void> {
    if (this.stopping !== undefined) return Promise.reject(new Error('zipkin receiver: start() after shutdown()'));
    this.starting ??= this.bind();
    return this.starting;
  }

  /** The address actually bound (port 0 resolved), for tests and logs. */
  boundAddress(): string | undefined {
    return this.server?.boundAddress();
  }

  shutdown(): Promise<void> {
    this.stopping ??= this.close();
    return this.stopping;
  }

  private async bind(): Promise<void> {
    const { id, telemetry, logger } = this.settings;
    const handoff = (t: ZipkinTransport) => new ReceiverHandoff(id.id, t, telemetry, logger, this.next);
    this.server = new ZipkinHttpServer(
      this.config,
      { http_v2_json: handoff('http_v2_json'), http_v2_proto: handoff('http_v2_proto'), http_v1_json: handoff('http_v1_json'), http_v1_thrift: handoff('http_v1_thrift') },
      logger,
    );
    const endpoint = await this.server.listen();
    logger.info({ endpoint }, 'Starting HTTP server for Zipkin');
  }

  private async close(): Promise<void> {
    // Wait for a start() in progress so its listener is not left bound behind our back.
    if (this.starting !== undefined) await this.starting.catch(() => {});
    await this.server?.close(this.shutdownGraceMs);
  }
}
