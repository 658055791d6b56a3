/**
 * A node:http server with otelcol's listening and confighttp semantics, for the translating
 * receivers (jaeger thrift_http, zipkin): endpoint binding like Go's net.Listen, confighttp's
 * timeouts, response_headers, keep-alive switch, and a draining close(). The request handling is
 * the owner's; this file only frames it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { splitEndpoint } from '../../config/schema-helpers.ts';
import type { ClientMetadata } from '../../pdata/span-batch.ts';
import type { HttpServerConfig } from './confighttp.ts';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Path of a request URL, without the query. */
export function pathOf(url: string | undefined): string {
  if (url === undefined) return '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** Media type of a Content-Type header, lower-cased, parameters (`; charset=utf-8`) dropped; '' when absent. */
export function mediaTypeOf(contentType: string | undefined): string {
  if (contentType === undefined) return '';
  const semi = contentType.indexOf(';');
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

/** HTTP headers (lower-case names, every value) as client metadata, for include_metadata. */
export function headersAsMetadata(req: IncomingMessage): ClientMetadata {
  const out = new Map<string, readonly string[]>();
  const headers = req.headersDistinct;
  for (const name in headers) out.set(name, headers[name]!);
  return out;
}

/** True while a request body has not been read to its end (answering early must close the connection). */
function bodyPending(req: IncomingMessage): boolean {
  if (req.complete) return false;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

export class HttpListener {
  private readonly config: HttpServerConfig;
  /** For messages: "jaeger receiver thrift_http". */
  private readonly what: string;
  private readonly logger: Logger;
  private readonly server: Server;
  private readonly responseHeaders: ReadonlyArray<readonly [string, string]>;
  private listening = false;
  private closing = false;
  private closed: Promise<void> | undefined;
  private address = '';

  constructor(config: HttpServerConfig, what: string, logger: Logger, handler: RequestHandler) {
    this.config = config;
    this.what = what;
    this.logger = logger;
    this.responseHeaders = Object.entries(config.response_headers);
    // confighttp semantics: read_header_timeout and idle_timeout fall back to read_timeout when 0.
    const readTimeout = Math.max(0, config.read_timeout);
    const headerTimeout = config.read_header_timeout > 0 ? config.read_header_timeout : readTimeout;
    const idleTimeout = config.idle_timeout > 0 ? config.idle_timeout : readTimeout;
    this.server = createServer({
      requestTimeout: readTimeout,
      // Node wants headersTimeout <= requestTimeout when the latter is set.
      headersTimeout: readTimeout > 0 && headerTimeout > readTimeout ? readTimeout : headerTimeout,
      keepAliveTimeout: idleTimeout,
    });
    this.server.on('request', handler);
  }

  /** Binds the endpoint; resolves with the bound "host:port". */
  listen(): Promise<string> {
    const endpoint = this.config.endpoint;
    const { host, port } = splitEndpoint(endpoint)!;
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => {
        this.server.off('listening', onListening);
        reject(new Error(`${this.what}: cannot listen on "${endpoint}": ${err.message}`, { cause: err }));
      };
      const onListening = (): void => {
        this.server.off('error', onError);
        this.listening = true;
        const addr = this.server.address() as AddressInfo;
        this.address = addr.family === 'IPv6' ? `[${addr.address}]:${addr.port}` : `${addr.address}:${addr.port}`;
        resolve(this.address);
      };
      this.server.once('error', onError);
      this.server.once('listening', onListening);
      // An empty host (":9411") listens on every interface, as Go's net.Listen does; "localhost"
      // is 127.0.0.1 as Go resolves it (Node might pick ::1, which IPv4 senders cannot reach).
      if (host === '') this.server.listen({ port });
      else this.server.listen({ host: host === 'localhost' ? '127.0.0.1' : host, port });
    });
  }

  boundAddress(): string | undefined {
    return this.listening ? this.address : undefined;
  }

  /** Headers every answer carries: response_headers, and Connection: close when the connection must not be reused. */
  applyCommonHeaders(req: IncomingMessage, res: ServerResponse): void {
    for (const [name, value] of this.responseHeaders) res.setHeader(name, value);
    // Close when draining for shutdown, when keep-alives are off, or when the body was not read:
    // otherwise Node would read (and discard) the rest of a refused, possibly huge, body.
    if (this.closing || !this.config.keep_alives_enabled || bodyPending(req)) res.setHeader('Connection', 'close');
  }

  /** Answers with a status and a short plain-text body (Go's http.Error style). */
  sendText(req: IncomingMessage, res: ServerResponse, status: number, text: string): void {
    this.applyCommonHeaders(req, res);
    const body = Buffer.from(text.endsWith('\n') ? text : `${text}\n`);
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Content-Length': body.length });
    res.end(body);
  }

  /** Answers with a status and no body (202 Accepted). */
  sendEmpty(req: IncomingMessage, res: ServerResponse, status: number): void {
    this.applyCommonHeaders(req, res);
    res.writeHead(status, { 'Content-Length': 0 });
    res.end();
  }

  /**
   * Stops accepting connections and lets in-flight requests finish; after `graceMs` the
   * remaining connections are cut. Idempotent; fine when never bound.
   */
  close(graceMs: number): Promise<void> {
    if (this.closed !== undefined) return this.closed;
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
    this.logger.debug({ endpoint: this.address }, `${this.what}: closing`);
    return this.closed;
  }
}
