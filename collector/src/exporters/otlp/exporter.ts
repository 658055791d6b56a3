/**
 * The `otlp` exporter's client and push function: TraceService/Export over grpc-js with the
 * request bytes passed through untouched (encodeExportRequest re-frames span slices; nothing is
 * re-serialized), the per-attempt deadline sent as grpc-timeout, and the response's partial
 * success reported back to the metrics stage.
 *
 * TLS: the channel's credentials are built from the current TLS settings. When the certificate
 * files change, a new channel is made for new calls and the old one is closed once its calls
 * have finished (grpc-js channels cannot swap credentials; closing one with calls still waiting
 * for a connection would fail them). An auth extension's headers are added to every call.
 */
import { Client, credentials, type ChannelCredentials, type ClientUnaryCall, type Metadata, type ServiceError } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { Host } from '../../component/types.ts';
import { resolveClientAuthenticator, type ClientAuthenticator } from '../../extensions/authenticator.ts';
import { hasPerRequestHeaders } from '../../extensions/headers_setter/headers-setter.ts';
import { clientTlsFailureHint, createClientTlsProvider, type ClientTlsProvider, type ClientTlsSettings } from '../../tls/client-tls.ts';
import type { ExportClient } from '../exporterhelper/exporter.ts';
import type { PushSpans } from '../exporterhelper/sender.ts';
import { CollectorError } from '../../errors/codes.ts';
import { encodeExportRequest } from '../../pdata/encode-request.ts';
import { decodeExportTraceServiceResponse } from '../../pdata/rpc.ts';
import type { ClientMetadata, SpanBatch } from '../../pdata/span-batch.ts';
import { WireError } from '../../pdata/wire-reader.ts';
import { parseGrpcEndpoint, usesTls, type OtlpExporterConfig } from './config.ts';
import { channelOptions, headerMetadata } from './grpc-channel.ts';
import { classifyGrpcError } from './grpc-status.ts';

export const TRACE_EXPORT_METHOD = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/** Request and response bytes pass through: the request is already encoded, the response is decoded lazily. */
const passThrough = (b: Buffer): Buffer => b;

/** One channel and the calls it carries; retired channels close when their last call ends. */
class Channel {
  inflight = 0;
  retired = false;
  constructor(
    readonly client: Client,
    readonly tls: ClientTlsSettings | undefined,
  ) {}

  callEnded(): void {
    this.inflight--;
    if (this.retired && this.inflight === 0) this.client.close();
  }

  retire(): void {
    this.retired = true;
    if (this.inflight === 0) this.client.close();
  }
}

export class OtlpGrpcClient implements ExportClient {
  private readonly config: OtlpExporterConfig;
  private readonly logger: Logger;
  private readonly target: string;
  /** `headers` from the config; the auth extension's headers are added on top. */
  private readonly baseMetadata: Metadata;
  private metadata: Metadata;
  private auth: ClientAuthenticator | undefined;
  /** The auth headers `metadata` was built from (identity: rebuilt when the extension changes them). */
  private authHeaders: ReadonlyArray<readonly [string, string]> | undefined;
  private tls: ClientTlsProvider | undefined;
  private channel: Channel | undefined;
  private starting: Promise<void> | undefined;
  private closed = false;

  constructor(config: OtlpExporterConfig, logger: Logger) {
    this.config = config;
    this.logger = logger;
    const target = parseGrpcEndpoint(config.endpoint);
    // The schema already refused bad endpoints; this guards direct construction.
    if (typeof target === 'string') throw new CollectorError('TP_CONFIG_INVALID', target);
    this.target = target.target;
    this.baseMetadata = headerMetadata(config);
    this.metadata = this.baseMetadata;
  }

  start(host: Host): Promise<void> {
    if (this.closed) return Promise.reject(new CollectorError('TP_SHUTTING_DOWN', 'the exporter was shut down'));
    this.starting ??= this.open(host);
    return this.starting;
  }

  private async open(host: Host): Promise<void> {
    const auth = this.config.auth;
    if (auth != null) this.auth = resolveClientAuthenticator(host, auth.authenticator);
    if (usesTls(this.config)) {
      // Reads the files now: a missing or unusable file fails start() with its name.
      this.tls = await createClientTlsProvider(this.config.tls, this.logger);
      this.tls.onReload(() => this.replaceChannel());
    } else if (this.auth !== undefined) {
      this.logger.warn('auth credentials are sent over a plaintext gRPC connection (otelcol refuses this; use TLS)');
    }
    if (this.closed) {
      this.tls?.close();
      return;
    }
    // grpc-js connects lazily, on the first call, as grpc-go's non-blocking dial does.
    this.channel = this.newChannel();
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    if (this.starting !== undefined) await this.starting.catch(() => {});
    this.tls?.close();
    this.channel?.client.close();
    this.channel = undefined;
  }

  private newChannel(): Channel {
    const tls = this.tls?.current();
    const options = channelOptions(this.config);
    let creds: ChannelCredentials = credentials.createInsecure();
    if (tls !== undefined) {
      creds = credentials.createFromSecureContext(tls.secureContext, { rejectUnauthorized: tls.rejectUnauthorized });
      if (tls.servername !== undefined) options['grpc.ssl_target_name_override'] = tls.servername;
    }
    return new Channel(new Client(this.target, creds, options), tls);
  }

  /** New certificates: new calls go to a new channel; the old one closes when its calls end. */
  private replaceChannel(): void {
    if (this.closed || this.channel === undefined) return;
    const old = this.channel;
    this.channel = this.newChannel();
    old.retire();
  }

  /**
   * The call metadata, rebuilt only when the auth extension's headers changed (token reload).
   * An extension with per-request headers (headers_setter) adds those computed from the
   * batch's client metadata (a copy per call only when it has any).
   */
  private callMetadata(client: ClientMetadata | null): Metadata {
    const auth = this.auth;
    if (auth === undefined) return this.metadata;
    if (hasPerRequestHeaders(auth)) {
      const perRequest = auth.headersFor(client);
      const names = Object.keys(perRequest);
      if (names.length === 0) return this.sharedMetadata(auth);
      const md = this.sharedMetadata(auth).clone();
      for (const name of names) md.set(name.toLowerCase(), perRequest[name]!);
      return md;
    }
    return this.sharedMetadata(auth);
  }

  private sharedMetadata(auth: ClientAuthenticator): Metadata {
    const headers = auth.requestHeaders();
    if (headers !== this.authHeaders) {
      const md = this.baseMetadata.clone();
      for (const [name, value] of headers) md.set(name.toLowerCase(), value);
      this.metadata = md;
      this.authHeaders = headers;
    }
    return this.metadata;
  }

  readonly push: PushSpans = (batch: SpanBatch, signal: AbortSignal, deadlineMs: number): Promise<number> => {
    const channel = this.channel;
    if (channel === undefined) {
      return Promise.reject(new CollectorError('TP_INTERNAL', this.closed ? 'the exporter is shut down' : 'the exporter was not started'));
    }
    if (signal.aborted) return Promise.reject(signal.reason);
    const body = encodeExportRequest(batch);
    const spans = batch.spanCount;
    const client = channel.client;
    const metadata = this.callMetadata(batch.metadata);
    channel.inflight++;
    return new Promise<number>((resolve, reject) => {
      let call: ClientUnaryCall | undefined;
      const onAbort = (): void => call?.cancel();
      call = client.makeUnaryRequest<Buffer, Buffer>(
        TRACE_EXPORT_METHOD,
        passThrough,
        passThrough,
        body,
        metadata,
        deadlineMs === Infinity ? {} : { deadline: deadlineMs },
        (err: ServiceError | null, response?: Buffer) => {
          signal.removeEventListener('abort', onAbort);
          channel.callEnded();
          // Our own abort (timeout, shutdown) wins over the CANCELLED status it caused.
          if (signal.aborted) reject(signal.reason);
          else if (err !== null) reject(classifyGrpcError(err.code, withTlsHint(err.details, channel.tls), statusDetailsOf(err)));
          else {
            try {
              resolve(this.rejectedSpans(response, spans));
            } catch (e) {
              reject(e);
            }
          }
        },
      );
      signal.addEventListener('abort', onAbort, { once: true });
    });
  };

  /** Partial success: logged as otelcol logs it; the rejected spans are counted as failed. */
  private rejectedSpans(response: Buffer | undefined, spans: number): number {
    if (response === undefined || response.length === 0) return 0;
    let partial;
    try {
      partial = decodeExportTraceServiceResponse(response).partialSuccess;
    } catch (err) {
      // grpc-go fails an undecodable response with INTERNAL, which otelcol treats as permanent.
      if (err instanceof WireError) throw new CollectorError('TP_EXPORT_PERMANENT', `undecodable ExportTraceServiceResponse: ${err.message}`);
      throw err;
    }
    if (partial === null || (partial.rejectedSpans === 0 && partial.errorMessage === '')) return 0;
    this.logger.warn({ message: partial.errorMessage, dropped_spans: partial.rejectedSpans, spans }, 'Partial success response');
    return partial.rejectedSpans;
  }
}

/** Connection failures on a TLS channel get a hint saying which side refused what. */
function withTlsHint(details: string, tls: ClientTlsSettings | undefined): string {
  if (tls === undefined) return details;
  const hint = clientTlsFailureHint(details, tls);
  return hint === undefined ? details : `${details} (TLS: ${hint})`;
}

function statusDetailsOf(err: ServiceError): Buffer | undefined {
  const values = err.metadata?.get('grpc-status-details-bin');
  const first = values?.[0];
  return Buffer.isBuffer(first) ? first : undefined;
}
