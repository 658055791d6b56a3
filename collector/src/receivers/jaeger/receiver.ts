/**
 * The `jaeger` receiver instance: owns the servers the config enables (gRPC api_v2, Thrift over
 * HTTP, the agent's two UDP ports), binds them in start() and drains them in shutdown(). Each
 * transport counts under otelcol's transport name: grpc, collector_http, udp_thrift_compact,
 * udp_thrift_binary.
 */
import type { Logger } from 'pino';
import type { Consumer, CreateSettings, Host, Receiver } from '../../component/types.ts';
import type { JaegerReceiverConfig } from './config.ts';
import { JaegerGrpcServer } from './grpc-server.ts';
import { ReceiverHandoff } from './handoff.ts';
import { ThriftHttpServer } from './http-server.ts';
import { RateLimitedLog } from './rate-limited-log.ts';
import { AgentUdpServer } from './udp-server.ts';

/** How long shutdown() lets in-flight requests (and queued UDP packets) finish. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 5000;

export const TRANSPORT_GRPC = 'grpc';
export const TRANSPORT_THRIFT_HTTP = 'collector_http';
export const TRANSPORT_THRIFT_COMPACT = 'udp_thrift_compact';
export const TRANSPORT_THRIFT_BINARY = 'udp_thrift_binary';

export interface JaegerBoundAddresses {
  grpc?: string;
  thrift_http?: string;
  thrift_compact?: string;
  thrift_binary?: string;
}

export interface JaegerReceiverOptions {
  shutdownGraceMs?: number;
  /** For tests: the rate-limited log's interval and clock. */
  logIntervalMs?: number;
  now?: () => number;
}

interface Server {
  listen(): Promise<string>;
  boundAddress(): string | undefined;
  close(graceMs: number): Promise<void>;
}

export class JaegerReceiver implements Receiver {
  private readonly settings: CreateSettings;
  private readonly config: JaegerReceiverConfig;
  private readonly next: Consumer;
  private readonly logger: Logger;
  private readonly options: JaegerReceiverOptions;
  private readonly servers = new Map<keyof JaegerBoundAddresses, Server>();
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(settings: CreateSettings, config: JaegerReceiverConfig, next: Consumer, options?: JaegerReceiverOptions) {
    this.settings = settings;
    this.config = config;
    this.next = next;
    this.logger = settings.logger;
    this.options = options ?? {};
  }

  start(_host: Host): Promise<void> {
    if (this.stopping !== undefined) return Promise.reject(new Error('jaeger receiver: start() after shutdown()'));
    this.starting ??= this.bindAll();
    return this.starting;
  }

  /** The addresses actually bound (port 0 resolved), for tests and logs. */
  boundAddresses(): JaegerBoundAddresses {
    const out: JaegerBoundAddresses = {};
    for (const [name, server] of this.servers) {
      const a = server.boundAddress();
      if (a !== undefined) out[name] = a;
    }
    return out;
  }

  shutdown(): Promise<void> {
    this.stopping ??= this.closeAll();
    return this.stopping;
  }

  private handoff(transport: string): ReceiverHandoff {
    return new ReceiverHandoff(this.settings.id.id, transport, this.settings.telemetry, this.logger, this.next);
  }

  private async bindAll(): Promise<void> {
    const { id, telemetry } = this.settings;
    const p = this.config.protocols;
    const rateLog = new RateLimitedLog(this.logger, this.options.logIntervalMs, this.options.now);
    // Agents first, then the collector endpoints, as otelcol starts them.
    const planned: [keyof JaegerBoundAddresses, string, () => Server][] = [];
    if (p.thrift_binary !== undefined) {
      const c = p.thrift_binary;
      planned.push(['thrift_binary', 'Starting UDP server for Binary Thrift', () =>
        new AgentUdpServer(c, 'binary', id.id, this.handoff(TRANSPORT_THRIFT_BINARY), telemetry, this.logger, rateLog)]);
    }
    if (p.thrift_compact !== undefined) {
      const c = p.thrift_compact;
      planned.push(['thrift_compact', 'Starting UDP server for Compact Thrift', () =>
        new AgentUdpServer(c, 'compact', id.id, this.handoff(TRANSPORT_THRIFT_COMPACT), telemetry, this.logger, rateLog)]);
    }
    if (p.thrift_http !== undefined) {
      const c = p.thrift_http;
      planned.push(['thrift_http', 'Starting HTTP server for Jaeger Thrift', () => new ThriftHttpServer(c, this.handoff(TRANSPORT_THRIFT_HTTP), this.logger)]);
    }
    if (p.grpc !== undefined) {
      const c = p.grpc;
      planned.push(['grpc', 'Starting gRPC server for Jaeger Protobuf', () => new JaegerGrpcServer(c, this.handoff(TRANSPORT_GRPC), this.logger)]);
    }
    try {
      for (const [name, message, make] of planned) {
        const server = make();
        this.servers.set(name, server);
        const endpoint = await server.listen();
        this.logger.info({ endpoint }, message);
      }
    } catch (err) {
      // Some transports bound and another not: release what we have before reporting.
      await this.closeServers();
      throw err;
    }
  }

  private async closeAll(): Promise<void> {
    // Wait for a start() in progress so its listeners are not left bound behind our back.
    if (this.starting !== undefined) await this.starting.catch(() => {});
    await this.closeServers();
  }

  private async closeServers(): Promise<void> {
    const grace = this.options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
    await Promise.all([...this.servers.values()].map((s) => s.close(grace)));
  }
}
