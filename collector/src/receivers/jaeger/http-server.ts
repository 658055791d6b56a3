/**
 * The Jaeger collector's HTTP endpoint (thrift_http): POST /api/traces with a jaeger.thrift
 * Batch in TBinaryProtocol, Content-Type application/x-thrift or
 * application/vnd.apache.thrift.binary, optionally gzip/deflate compressed (confighttp).
 * Answers as otelcol's jaegerreceiver: 202 Accepted with no body; 400 for a missing or unknown
 * content type and for an undecodable body; the refusal's status when the pipeline refuses (503
 * when retryable, where otelcol answers 500 for every refusal).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { CollectorError, toCollectorError } from '../../errors/codes.ts';
import type { SpanBatch } from '../../pdata/span-batch.ts';
import { bodyEncodingOf, ClientAbortError, readBody } from '../otlp/http-body.ts';
import { DEFAULT_MAX_REQUEST_BODY_SIZE } from './confighttp.ts';
import type { ThriftHttpConfig } from './config.ts';
import type { ReceiverHandoff } from './handoff.ts';
import { headersAsMetadata, HttpListener, mediaTypeOf, pathOf } from './http-listener.ts';
import { JaegerDecodeError } from './jaeger-model.ts';
import { decodeThriftBatch } from './thrift-decode.ts';
import { jaegerToOtlp } from './translate.ts';

export const TRACES_PATH = '/api/traces';
export const ACCEPTED_THRIFT_FORMATS: ReadonlySet<string> = new Set(['application/x-thrift', 'application/vnd.apache.thrift.binary']);

export class ThriftHttpServer {
  private readonly config: ThriftHttpConfig;
  private readonly handoff: ReceiverHandoff;
  private readonly logger: Logger;
  private readonly listener: HttpListener;
  private readonly compression: ReadonlySet<string>;
  private readonly bodyLimit: number;

  constructor(config: ThriftHttpConfig, handoff: ReceiverHandoff, logger: Logger) {
    this.config = config;
    this.handoff = handoff;
    this.logger = logger;
    this.compression = new Set(config.compression_algorithms);
    this.bodyLimit = config.max_request_body_size > 0 ? config.max_request_body_size : DEFAULT_MAX_REQUEST_BODY_SIZE;
    this.listener = new HttpListener(config, 'jaeger receiver thrift_http', logger, this.onRequest);
  }

  listen(): Promise<string> {
    return this.listener.listen();
  }

  boundAddress(): string | undefined {
    return this.listener.boundAddress();
  }

  close(graceMs: number): Promise<void> {
    return this.listener.close(graceMs);
  }

  private readonly onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    this.handle(req, res).catch((err: unknown) => {
      // Only a bug gets here: every expected failure is answered inside handle().
      this.logger.error({ err }, 'unexpected error handling a Jaeger Thrift HTTP request');
      if (!res.headersSent) this.listener.sendText(req, res, 500, toCollectorError(err).message);
      else res.destroy();
    });
  };

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = pathOf(req.url);
    if (path !== TRACES_PATH) {
      this.refuse(req, res, new CollectorError('TP_NOT_FOUND', path));
      return;
    }
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      this.refuse(req, res, new CollectorError('TP_METHOD_NOT_ALLOWED', `${req.method ?? ''}; supported: [POST]`));
      return;
    }
    // otelcol answers 400 (not 415) for a missing or unsupported content type.
    const mediaType = mediaTypeOf(req.headers['content-type']);
    if (mediaType === '') {
      this.refuse(req, res, new CollectorError('TP_BAD_REQUEST', 'Cannot parse content type: no media type'));
      return;
    }
    if (!ACCEPTED_THRIFT_FORMATS.has(mediaType)) {
      this.refuse(req, res, new CollectorError('TP_BAD_REQUEST', `Unsupported content type: ${mediaType}`));
      return;
    }
    const encoding = bodyEncodingOf(req.headers['content-encoding'], this.compression);
    if (encoding === undefined) {
      this.refuse(req, res, new CollectorError('TP_UNSUPPORTED_ENCODING', String(req.headers['content-encoding'])));
      return;
    }

    let body: Buffer;
    try {
      body = await readBody(req, encoding, this.bodyLimit);
    } catch (err) {
      if (err instanceof ClientAbortError) {
        this.logger.debug({ transport: this.handoff.transport }, err.message);
        return;
      }
      this.refuse(req, res, toCollectorError(err));
      return;
    }

    let batch: SpanBatch;
    try {
      batch = this.handoff.toBatch(jaegerToOtlp([decodeThriftBatch(body)]));
    } catch (err) {
      if (err instanceof JaegerDecodeError) {
        this.refuse(req, res, new CollectorError('TP_BAD_REQUEST', `Unable to process request body: ${err.message}`, { cause: err }));
        return;
      }
      throw err;
    }
    if (batch.spanCount === 0) {
      this.listener.sendEmpty(req, res, 202);
      return;
    }
    if (this.config.include_metadata) batch.metadata = headersAsMetadata(req);
    try {
      await this.handoff.consume(batch);
    } catch (err) {
      const refusal = err as CollectorError;
      if (refusal.retryAfterMs !== undefined && refusal.retryable) res.setHeader('Retry-After', String(Math.ceil(refusal.retryAfterMs / 1000)));
      this.listener.sendText(req, res, refusal.httpStatus, `Cannot submit Jaeger batch: ${refusal.message}`);
      return;
    }
    this.listener.sendEmpty(req, res, 202);
  }

  /** A request refused for its own sake: counted as invalid, then answered in plain text. */
  private refuse(req: IncomingMessage, res: ServerResponse, err: CollectorError): void {
    this.handoff.onInvalid(err);
    this.listener.sendText(req, res, err.httpStatus, err.message);
  }
}
