/**
 * The `otlp` receiver instance: owns the gRPC and HTTP servers the config enables, binds them in
 * start() and drains them in shutdown(). The per-request work is in trace-export.ts and the
 * transports' own files.
 */
import type { Logger } from 'pino';
import type { Consumer, CreateSettings, Host, Receiver } from '../../component/types.ts';
import { resolveServerAuthenticator } from '../../extensions/authenticator.ts';
import { createSecureContextProvider } from '../../tls/server-tls.ts';
import type { ServerTlsConfig } from '../../tls/config.ts';
import type { AuthConfig } from '../../extensions/authenticator.ts';
import type { OtlpReceiverConfig } from './config.ts';
import { OtlpGrpcServer, type ServerSecurity } from './grpc-server.ts';
import { OtlpHttpServer } from './http-server.ts';
import { TraceExport } from './trace-export.ts';

/** How long shutdown() lets in-flight requests finish before cutting connections. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 5000;

export interface BoundAddresses {
  grpc?: string;
  http?: string;
}

export interface OtlpReceiverOptions {
  shutdownGraceMs?: number;
}

export class OtlpReceiver implements Receiver {
  private readonly settings: CreateSettings;
  private readonly config: OtlpReceiverConfig;
  private readonly next: Consumer;
  private readonly logger: Logger;
  private readonly shutdownGraceMs: number;
  private grpc: OtlpGrpcServer | undefined;
  private http: OtlpHttpServer | undefined;
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(settings: CreateSettings, config: OtlpReceiverConfig, next: Consumer, options?: OtlpReceiverOptions) {
    this.settings = settings;
    this.config = config;
    this.next = next;
    this.logger = settings.logger;
    this.shutdownGraceMs = options?.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
  }

  start(host: Host): Promise<void> {
    if (this.stopping !== undefined) return Promise.reject(new Error('otlp receiver: start() after shutdown()'));
    this.starting ??= this.bindAll(host);
    return this.starting;
  }

  /** The addresses actually bound (port 0 resolved), for tests and logs. */
  boundAddresses(): BoundAddresses {
    const out: BoundAddresses = {};
    const g = this.grpc?.boundAddress();
    const h = this.http?.boundAddress();
    if (g !== undefined) out.grpc = g;
    if (h !== undefined) out.http = h;
    return out;
  }

  shutdown(): Promise<void> {
    this.stopping ??= this.closeAll();
    return this.stopping;
  }

  /** TLS material (files read now: a missing file fails start) and the authenticator of one protocol. */
  private async security(host: Host, transport: string, tls: ServerTlsConfig | null | undefined, auth: AuthConfig | null | undefined): Promise<ServerSecurity> {
    const authenticator = auth == null ? undefined : resolveServerAuthenticator(host, auth.authenticator);
    const provider = tls == null ? undefined : await createSecureContextProvider(tls, this.logger.child({ transport }));
    return { tls: provider, auth: authenticator };
  }

  private async bindAll(host: Host): Promise<void> {
    const { id, telemetry } = this.settings;
    const { grpc, http } = this.config.protocols;
    try {
      if (grpc !== undefined) {
        const security = await this.security(host, 'grpc', grpc.tls, grpc.auth);
        this.grpc = new OtlpGrpcServer(grpc, new TraceExport(id.id, 'grpc', telemetry, this.logger, this.next), this.logger, security);
        await this.grpc.listen();
      }
      if (http !== undefined) {
        const security = await this.security(host, 'http', http.tls, http.auth);
        this.http = new OtlpHttpServer(http, new TraceExport(id.id, 'http', telemetry, this.logger, this.next), this.logger, security);
        await this.http.listen();
      }
    } catch (err) {
      // One transport bound and the other not: release the one we have before reporting.
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
    await Promise.all([this.grpc?.close(this.shutdownGraceMs), this.http?.close(this.shutdownGraceMs)]);
  }
}
