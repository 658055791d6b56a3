/**
 * The `otlphttp` exporter's client and push function: POST <traces URL> with the request as
 * protobuf (the re-framed bytes, untouched) or OTLP/JSON, gzip-compressed when configured, over
 * node:http with one keep-alive Agent per exporter (undici is not a dependency here).
 *
 * https:// URLs use an https Agent built from the current TLS settings; when the certificate
 * files change, new requests go through a new Agent and the old one is destroyed once its
 * requests have finished. An auth extension's headers are added to every request.
 */
import http from 'node:http';
import https from 'node:https';
import { promisify } from 'node:util';
import { gzip as gzipCallback, type ZlibOptions } from 'node:zlib';
import type { Logger } from 'pino';
import type { Host } from '../../component/types.ts';
import { resolveClientAuthenticator, type ClientAuthenticator } from '../../extensions/authenticator.ts';
import { hasPerRequestHeaders } from '../../extensions/headers_setter/headers-setter.ts';
import { clientTlsFailureHint, createClientTlsProvider, type ClientTlsProvider, type ClientTlsSettings } from '../../tls/client-tls.ts';
import { CollectorError } from '../../errors/codes.ts';
import { encodeExportRequest } from '../../pdata/encode-request.ts';
import { protobufToOtlpJson } from '../../pdata/otlp-json.ts';
import type { SpanBatch } from '../../pdata/span-batch.ts';
import type { ExportClient } from '../exporterhelper/exporter.ts';
import type { PushSpans } from '../exporterhelper/sender.ts';
import { NO_TRACES_ENDPOINT, tracesUrl, type OtlpHttpExporterConfig } from './config.ts';
import { classifyHttpError, errorBodyMessage, JSON_CONTENT_TYPE, partialSuccessOf, PROTOBUF_CONTENT_TYPE } from './http-status.ts';

const gzip = promisify(gzipCallback);

/** otelcol reads at most this much of a response body (maxHTTPResponseReadBytes); the rest is drained. */
export const MAX_RESPONSE_READ_BYTES = 64 * 1024;

export const USER_AGENT = 'tailpipe-collector';

/** One Agent and the requests it carries; a retired Agent is destroyed when its last request ends. */
class AgentGeneration {
  inflight = 0;
  retired = false;
  constructor(
    readonly agent: http.Agent,
    readonly tls: ClientTlsSettings | undefined,
  ) {}

  requestEnded(): void {
    this.inflight--;
    if (this.retired && this.inflight === 0) this.agent.destroy();
  }

  retire(): void {
    this.retired = true;
    if (this.inflight === 0) this.agent.destroy();
  }
}

export class OtlpHttpClient implements ExportClient {
  private readonly config: OtlpHttpExporterConfig;
  private readonly logger: Logger;
  readonly url: URL;
  private readonly urlText: string;
  private readonly request: typeof http.request;
  /** Built once; lower-case names so a configured header replaces ours instead of doubling it. */
  private readonly baseHeaders: Record<string, string>;
  private headers: Record<string, string>;
  private auth: ClientAuthenticator | undefined;
  /** The auth headers `headers` was built from (rebuilt when the extension changes them). */
  private authHeaders: ReadonlyArray<readonly [string, string]> | undefined;
  private readonly gzipOptions: ZlibOptions;
  private tls: ClientTlsProvider | undefined;
  private generation: AgentGeneration | undefined;
  private starting: Promise<void> | undefined;
  private closed = false;

  constructor(config: OtlpHttpExporterConfig, logger: Logger) {
    this.config = config;
    this.logger = logger;
    const url = tracesUrl(config);
    if (typeof url === 'string') throw new CollectorError('TP_CONFIG_INVALID', url === NO_TRACES_ENDPOINT ? url : `otlphttp: ${url}`);
    this.url = url;
    this.urlText = redactedUrl(url);
    const headers: Record<string, string> = {
      'content-type': config.encoding === 'json' ? JSON_CONTENT_TYPE : PROTOBUF_CONTENT_TYPE,
      'user-agent': USER_AGENT,
    };
    if (config.compression === 'gzip') headers['content-encoding'] = 'gzip';
    // confighttp: configured headers overwrite the exporter's own on collision.
    for (const [name, value] of config.headers) headers[name.toLowerCase()] = value;
    this.baseHeaders = headers;
    this.headers = headers;
    this.request = url.protocol === 'https:' ? https.request : http.request;
    const level = config.compression_params?.level;
    this.gzipOptions = level === undefined ? {} : { level };
  }

  start(host: Host): Promise<void> {
    if (this.closed) return Promise.reject(new CollectorError('TP_SHUTTING_DOWN', 'the exporter was shut down'));
    this.starting ??= this.open(host);
    return this.starting;
  }

  private async open(host: Host): Promise<void> {
    const auth = this.config.auth;
    if (auth != null) this.auth = resolveClientAuthenticator(host, auth.authenticator);
    // As confighttp: the tls section applies to https:// URLs only.
    if (this.url.protocol === 'https:') {
      // Reads the files now: a missing or unusable file fails start() with its name.
      this.tls = await createClientTlsProvider(this.config.tls, this.logger);
      this.tls.onReload(() => this.replaceAgent());
    } else if (this.auth !== undefined) {
      this.logger.warn('auth credentials are sent over plaintext HTTP; use an https:// endpoint');
    }
    if (this.closed) {
      this.tls?.close();
      return;
    }
    this.generation = new AgentGeneration(createAgent(this.config, this.tls?.current()), this.tls?.current());
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    if (this.starting !== undefined) await this.starting.catch(() => {});
    this.tls?.close();
    this.generation?.agent.destroy();
    this.generation = undefined;
  }

  /** New certificates: new requests use a new Agent; the old one is destroyed when its requests end. */
  private replaceAgent(): void {
    if (this.closed || this.generation === undefined) return;
    const old = this.generation;
    const tls = this.tls?.current();
    this.generation = new AgentGeneration(createAgent(this.config, tls), tls);
    old.retire();
  }

  /** Request headers, rebuilt only when the auth extension's headers changed (token reload). */
  private requestHeaders(): Record<string, string> {
    const auth = this.auth;
    if (auth === undefined) return this.headers;
    const extra = auth.requestHeaders();
    if (extra !== this.authHeaders) {
      const headers = { ...this.baseHeaders };
      for (const [name, value] of extra) headers[name.toLowerCase()] = value;
      this.headers = headers;
      this.authHeaders = extra;
    }
    return this.headers;
  }

  readonly push: PushSpans = async (batch: SpanBatch, signal: AbortSignal): Promise<number> => {
    if (this.generation === undefined) {
      throw new CollectorError('TP_INTERNAL', this.closed ? 'the exporter is shut down' : 'the exporter was not started');
    }
    const spans = batch.spanCount;
    let body = encodeExportRequest(batch);
    if (this.config.encoding === 'json') body = Buffer.from(protobufToOtlpJson(body), 'utf8');
    // Async gzip runs on the libuv pool, off the event loop.
    if (this.config.compression === 'gzip') body = await gzip(body, this.gzipOptions);
    if (signal.aborted) throw signal.reason;
    // Taken after the (async) compression, so a reload meanwhile is honoured.
    const generation = this.generation;
    if (generation === undefined) throw new CollectorError('TP_SHUTTING_DOWN', 'the exporter is shut down');
    // Per-request headers (headers_setter: values from the batch's client metadata).
    const perRequest = hasPerRequestHeaders(this.auth) ? this.auth.headersFor(batch.metadata) : undefined;
    const response = await this.post(generation, body, signal, perRequest);
    return this.outcome(response, spans);
  };

  private post(generation: AgentGeneration, body: Buffer, signal: AbortSignal, perRequest?: Readonly<Record<string, string>>): Promise<HttpResponse> {
    const agent = generation.agent;
    generation.inflight++;
    return new Promise<HttpResponse>((resolve, reject) => {
      let settled = false;
      const settle = (err: unknown, response?: HttpResponse): void => {
        if (settled) return;
        settled = true;
        generation.requestEnded();
        signal.removeEventListener('abort', onAbort);
        if (err !== null) reject(err);
        else resolve(response!);
      };
      const headers: Record<string, string> = { ...this.requestHeaders() };
      if (perRequest !== undefined) for (const [name, value] of Object.entries(perRequest)) headers[name.toLowerCase()] = value;
      headers['content-length'] = String(body.length);
      const req = this.request(this.url, { method: 'POST', agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        res.on('data', (chunk: Buffer) => {
          // Keep at most MAX_RESPONSE_READ_BYTES; drain the rest so the socket can be reused.
          if (kept >= MAX_RESPONSE_READ_BYTES) return;
          const room = MAX_RESPONSE_READ_BYTES - kept;
          const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
          chunks.push(part);
          kept += part.length;
        });
        res.on('end', () => {
          const retryAfter = res.headers['retry-after'];
          settle(null, {
            status: res.statusCode ?? 0,
            contentType: res.headers['content-type'],
            retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
            body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks),
          });
        });
        res.on('error', (err) => settle(this.transportError(err, signal, generation.tls)));
      });
      const onAbort = (): void => {
        req.destroy();
        settle(signal.reason);
      };
      req.on('error', (err) => settle(this.transportError(err, signal, generation.tls)));
      signal.addEventListener('abort', onAbort, { once: true });
      req.end(body);
    });
  }

  /** Connection refused, reset, DNS failure...: otelcol returns these as plain (retryable) errors. */
  private transportError(err: Error, signal: AbortSignal, tls: ClientTlsSettings | undefined): unknown {
    if (signal.aborted) return signal.reason;
    const code = (err as NodeJS.ErrnoException).code;
    let text = code ?? err.message;
    if (tls !== undefined) {
      // TLS failures: the reason is in the message (the code alone says little), plus a hint.
      const hint = clientTlsFailureHint(`${code ?? ''} ${err.message}`, tls);
      if (hint !== undefined) text = `${code === undefined ? '' : `${code}: `}${err.message} (TLS: ${hint})`;
    }
    return new CollectorError('TP_EXPORT_RETRYABLE', `failed to make an HTTP request to ${this.urlText}: ${text}`, { cause: err });
  }

  private outcome(res: HttpResponse, spans: number): number {
    if (res.status >= 200 && res.status <= 299) {
      const partial = partialSuccessOf(res.body, res.contentType);
      if (partial === null || (partial.rejectedSpans === 0 && partial.errorMessage === '')) return 0;
      this.logger.warn({ message: partial.errorMessage, dropped_spans: partial.rejectedSpans, spans }, 'Partial success response');
      return partial.rejectedSpans;
    }
    const message = res.status >= 400 ? errorBodyMessage(res.body, res.contentType) : undefined;
    throw classifyHttpError(this.urlText, res.status, res.retryAfter, message, Date.now());
  }
}

/** The URL for messages, password replaced as Go's url.Redacted() does (errors get logged). */
function redactedUrl(url: URL): string {
  if (url.password === '') return url.href;
  const copy = new URL(url.href);
  copy.password = 'xxxxx';
  return copy.href;
}

interface HttpResponse {
  status: number;
  contentType: string | undefined;
  retryAfter: string | undefined;
  body: Buffer;
}

/**
 * confighttp's transport settings as a Node Agent (an https Agent carrying the TLS settings when
 * `tls` is given); the newer `keepalive` section wins over the top-level keys.
 */
function createAgent(config: OtlpHttpExporterConfig, tls: ClientTlsSettings | undefined): http.Agent {
  const ka = config.keepalive;
  const keepAlive = !config.disable_keep_alives && ka?.enabled !== false;
  const perHostIdle = ka?.max_idle_conns_per_host ?? config.max_idle_conns_per_host;
  const totalIdle = ka?.max_idle_conns ?? config.max_idle_conns;
  const idleTimeoutMs = ka?.idle_conn_timeout ?? config.idle_conn_timeout;
  const options: http.AgentOptions = {
    keepAlive,
    // One destination per exporter, so per-host and total idle limits are the same pool.
    maxFreeSockets: perHostIdle > 0 ? perHostIdle : totalIdle > 0 ? totalIdle : 256,
    maxSockets: config.max_conns_per_host > 0 ? config.max_conns_per_host : Infinity,
    // Applies to idle sockets (the Agent closes a free socket that times out); active requests are bounded by `timeout`.
    ...(idleTimeoutMs > 0 ? { timeout: idleTimeoutMs } : {}),
    // Reuse the most recently used socket, as Go's transport does, so surplus idle sockets age out.
    scheduling: 'lifo',
  };
  if (tls === undefined) return new http.Agent(options);
  return new https.Agent({
    ...options,
    // One SecureContext per generation, shared by every connection (see tls/client-tls.ts).
    secureContext: tls.secureContext,
    rejectUnauthorized: tls.rejectUnauthorized,
    ...(tls.servername !== undefined ? { servername: tls.servername } : {}),
  });
}
