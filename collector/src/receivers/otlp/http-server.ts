/**
 * OTLP/HTTP for traces on node:http (no framework on the hot path): POST traces_url_path with an
 * application/x-protobuf or application/json body, optionally gzip/deflate compressed. Answers
 * as otelcol's otlpreceiver does: 200 with an ExportTraceServiceResponse, errors as a
 * google.rpc.Status in the request's encoding (plain text for 404/405/415, whose encoding is
 * unknown or irrelevant), Retry-After on throttling and retryable refusals when known.
 * With `tls` it is an https server whose certificates follow their files; with `auth` every
 * request is authenticated before its body is read (401 otherwise).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { CollectorError, toCollectorError } from '../../errors/codes.ts';
import { HttpRequestHeaders, type ServerAuthenticator } from '../../extensions/authenticator.ts';
import { attachServerTls, type SecureContextProvider } from '../../tls/server-tls.ts';
import { OtlpJsonError, otlpJsonToProtobuf } from '../../pdata/otlp-json.ts';
import { splitEndpoint } from '../../config/schema-helpers.ts';
import type { ClientMetadata, SpanBatch } from '../../pdata/span-batch.ts';
import { DEFAULT_MAX_REQUEST_BODY_SIZE, type HttpConfig } from './config.ts';
import { CorsPolicy } from './cors.ts';
import { bodyEncodingOf, ClientAbortError, readBody } from './http-body.ts';
import { exportSuccessBody, retryAfterSeconds, statusBody, type WireFormat } from './responses.ts';
import type { ServerSecurity } from './grpc-server.ts';
import type { TraceExport } from './trace-export.ts';

/** The whole request (headers and body) when read_timeout is 0: Node's default requestTimeout. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 300_000;

const CONTENT_TYPE: Record<WireFormat, string> = { protobuf: 'application/x-protobuf', json: 'application/json' };

/** Media type of a Content-Type header, parameters (`; charset=utf-8`) ignored. */
export function wireFormatOf(contentType: string | undefined): WireFormat | undefined {
  if (contentType === undefined) return undefined;
  const semi = contentType.indexOf(';');
  const mediaType = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  if (mediaType === 'application/x-protobuf') return 'protobuf';
  if (mediaType === 'application/json') return 'json';
  return undefined;
}

function pathOf(url: string | undefined): string {
  if (url === undefined) return '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** True while a request body has not been read to its end (answering early must close the connection). */
function bodyPending(req: IncomingMessage): boolean {
  if (req.complete) return false;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** HTTP headers (lower-case names, every value) as client metadata, for include_metadata. */
function metadataOf(req: IncomingMessage): ClientMetadata {
  const out = new Map<string, readonly string[]>();
  const headers = req.headersDistinct;
  for (const name in headers) out.set(name, headers[name]!);
  return out;
}

export class OtlpHttpServer {
  private readonly config: HttpConfig;
  private readonly core: TraceExport;
  private readonly logger: Logger;
  private readonly server: Server | HttpsServer;
  private readonly tls: SecureContextProvider | undefined;
  private readonly auth: ServerAuthenticator | undefined;
  private readonly cors: CorsPolicy | undefined;
  private readonly compression: ReadonlySet<string>;
  private readonly bodyLimit: number;
  private readonly tracesPath: string;
  private readonly responseHeaders: ReadonlyArray<readonly [string, string]>;
  private listening = false;
  private closing = false;
  private closed: Promise<void> | undefined;
  private address = '';

  /** Takes ownership of `security.tls` (closed with the server). */
  constructor(config: HttpConfig, core: TraceExport, logger: Logger, security: ServerSecurity = {}) {
    this.config = config;
    this.core = core;
    this.logger = logger;
    this.tls = security.tls;
    this.auth = security.auth;
    this.cors = CorsPolicy.from(config.cors);
    this.compression = new Set(config.compression_algorithms);
    this.bodyLimit = config.max_request_body_size > 0 ? config.max_request_body_size : DEFAULT_MAX_REQUEST_BODY_SIZE;
    this.tracesPath = config.traces_url_path;
    this.responseHeaders = Object.entries(config.response_headers);
    // confighttp semantics: read_header_timeout and idle_timeout fall back to read_timeout when 0.
    const readTimeout = Math.max(0, config.read_timeout);
    const headerTimeout = config.read_header_timeout > 0 ? config.read_header_timeout : readTimeout;
    const idleTimeout = config.idle_timeout > 0 ? config.idle_timeout : readTimeout;
    // read_timeout 0 is "no limit" in Go; here it is Node's own default instead, so a client
    // trickling its body a byte at a time is still cut off (slow-client protection).
    const requestTimeout = readTimeout > 0 ? readTimeout : DEFAULT_REQUEST_TIMEOUT_MS;
    // Node wants headersTimeout <= requestTimeout.
    const headersTimeout = headerTimeout > 0 ? Math.min(headerTimeout, requestTimeout) : requestTimeout;
    const httpOptions = {
      requestTimeout,
      headersTimeout,
      keepAliveTimeout: idleTimeout,
      // Node enforces both timeouts in a periodic sweep (every 30 s by default): sweep at a
      // quarter of the shorter one, so a short configured timeout holds.
      connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.floor(headersTimeout / 4))),
    };
    if (this.tls === undefined) {
      this.server = createServer(httpOptions);
    } else {
      const server = createHttpsServer({ ...this.tls.serverOptions(), ...httpOptions });
      attachServerTls(server, this.tls, 'http');
      this.server = server;
    }
    // Malformed HTTP and header timeouts are left to Node's default clientError handling
    // (400 / 431 / 408 and close), which is what we would do ourselves.
    this.server.on('request', this.onRequest);
  }

  /** Binds the endpoint; resolves with the bound "host:port". */
  listen(): Promise<string> {
    const endpoint = this.config.endpoint;
    const { host, port } = splitEndpoint(endpoint)!;
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => {
        this.server.off('listening', onListening);
        reject(new Error(`otlp receiver: cannot listen for HTTP on "${endpoint}": ${err.message}`, { cause: err }));
      };
      const onListening = (): void => {
        this.server.off('error', onError);
        this.listening = true;
        const addr = this.server.address() as AddressInfo;
        this.address = addr.family === 'IPv6' ? `[${addr.address}]:${addr.port}` : `${addr.address}:${addr.port}`;
        this.logger.info({ endpoint: this.address, tls: this.tls !== undefined, mtls: this.tls?.requireClientCert ?? false }, 'Starting HTTP server');
        resolve(this.address);
      };
      this.server.once('error', onError);
      this.server.once('listening', onListening);
      // An empty host (":4318") listens on every interface, as Go's net.Listen does. Go listens
      // on one address for a name and prefers IPv4, so "localhost" is 127.0.0.1 there; Node would
      // take whatever the resolver lists first (often ::1), which IPv4 senders could not reach.
      if (host === '') this.server.listen({ port });
      else this.server.listen({ host: host === 'localhost' ? '127.0.0.1' : host, port });
    });
  }

  boundAddress(): string | undefined {
    return this.listening ? this.address : undefined;
  }

  /**
   * Stops accepting connections and lets in-flight requests finish; after `graceMs` the
   * remaining connections are cut. Idempotent.
   */
  close(graceMs: number): Promise<void> {
    if (this.closed !== undefined) return this.closed;
    this.tls?.close();
    if (!this.listening) {
      this.closed = Promise.resolve();
      return this.closed;
    }
    this.closing = true;
    this.closed = new Promise<void>((resolve) => {
      const force = setTimeout(() => this.server.closeAllConnections(), graceMs);
      this.server.close(() => {
        clearTimeout(force);
        this.listening = false;
        resolve();
      });
      // Keep-alive connections waiting for their next request would hold close() open.
      this.server.closeIdleConnections();
    });
    return this.closed;
  }

  private readonly onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    this.handle(req, res).catch((err: unknown) => {
      // Only a bug gets here: every expected failure is answered inside handle().
      this.logger.error({ err }, 'unexpected error handling an OTLP/HTTP request');
      if (!res.headersSent) this.sendError(req, res, toCollectorError(err), undefined);
      else res.destroy();
    });
  };

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const cors = this.cors;
    if (cors !== undefined) {
      if (CorsPolicy.isPreflight(req)) {
        this.applyCommonHeaders(req, res);
        cors.answerPreflight(req, res);
        return;
      }
      cors.decorate(req, res);
    }
    // As confighttp: authentication comes before routing, and before the body is read.
    if (this.auth !== undefined) {
      try {
        this.auth.authenticate(new HttpRequestHeaders(req.headers));
      } catch (err) {
        this.refuse(req, res, toCollectorError(err), wireFormatOf(req.headers['content-type']));
        return;
      }
    }
    const path = pathOf(req.url);
    if (path !== this.tracesPath) {
      this.refuse(req, res, new CollectorError('TP_NOT_FOUND', path), undefined);
      return;
    }
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      this.refuse(req, res, new CollectorError('TP_METHOD_NOT_ALLOWED', `${req.method ?? ''}; supported: [POST]`), undefined);
      return;
    }
    const format = wireFormatOf(req.headers['content-type']);
    if (format === undefined) {
      const detail = `${req.headers['content-type'] ?? '(none)'}; supported: [application/json, application/x-protobuf]`;
      this.refuse(req, res, new CollectorError('TP_UNSUPPORTED_MEDIA_TYPE', detail), undefined);
      return;
    }
    const encoding = bodyEncodingOf(req.headers['content-encoding'], this.compression);
    if (encoding === undefined) {
      this.refuse(req, res, new CollectorError('TP_UNSUPPORTED_ENCODING', String(req.headers['content-encoding'])), format);
      return;
    }

    let body: Buffer;
    try {
      body = await readBody(req, encoding, this.bodyLimit);
    } catch (err) {
      if (err instanceof ClientAbortError) {
        this.logger.debug({ transport: 'http' }, err.message);
        return;
      }
      this.refuse(req, res, toCollectorError(err), format);
      return;
    }

    let batch: SpanBatch;
    try {
      batch = this.core.decode(format === 'json' ? otlpJsonToProtobuf(body) : body);
    } catch (err) {
      if (err instanceof OtlpJsonError) err = new CollectorError('TP_BAD_REQUEST', err.message, { cause: err });
      if (!(err instanceof CollectorError)) throw err;
      this.refuse(req, res, err, format);
      return;
    }
    if (batch.spanCount === 0) {
      this.sendSuccess(req, res, format);
      return;
    }
    if (this.config.include_metadata) batch.metadata = metadataOf(req);
    try {
      await this.core.consume(batch);
    } catch (err) {
      this.sendError(req, res, err as CollectorError, format);
      return;
    }
    this.sendSuccess(req, res, format);
  }

  /** A request refused for its own sake: counted as invalid, then answered. */
  private refuse(req: IncomingMessage, res: ServerResponse, err: CollectorError, format: WireFormat | undefined): void {
    this.core.onInvalid(err);
    this.sendError(req, res, err, format);
  }

  private applyCommonHeaders(req: IncomingMessage, res: ServerResponse): void {
    for (const [name, value] of this.responseHeaders) res.setHeader(name, value);
    // Close when draining for shutdown, when keep-alives are off, or when the body was not read:
    // otherwise Node would read (and discard) the rest of a refused, possibly huge, body.
    if (this.closing || !this.config.keep_alives_enabled || bodyPending(req)) res.setHeader('Connection', 'close');
  }

  private sendSuccess(req: IncomingMessage, res: ServerResponse, format: WireFormat): void {
    this.applyCommonHeaders(req, res);
    const body = exportSuccessBody(format);
    res.writeHead(200, { 'Content-Type': CONTENT_TYPE[format], 'Content-Length': body.length });
    res.end(body);
  }

  private sendError(req: IncomingMessage, res: ServerResponse, err: CollectorError, format: WireFormat | undefined): void {
    this.applyCommonHeaders(req, res);
    const status = err.httpStatus;
    const retryAfter = retryAfterSeconds(err);
    if (retryAfter !== undefined && (status === 429 || status === 503)) res.setHeader('Retry-After', retryAfter);
    let contentType: string;
    let body: Buffer;
    if (format === undefined) {
      contentType = 'text/plain; charset=utf-8';
      body = Buffer.from(`${status} ${err.message}`);
    } else {
      contentType = CONTENT_TYPE[format];
      body = statusBody(err, format);
    }
    res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': body.length });
    res.end(body);
  }
}
