/**
 * Zipkin's HTTP API: POST /api/v2/spans (JSON or protobuf) and POST /api/v1/spans (JSON), bodies
 * optionally gzip/deflate compressed. Answers as otelcol's zipkinreceiver: 202 Accepted with no
 * body; 400 for an undecodable body; 503 when the pipeline refuses and may be retried, the
 * refusal's status otherwise. Unlike otelcol (which reads every other content type as JSON and
 * serves any path), an unknown content type is 415 and other paths are 404; a missing content
 * type is read as JSON, as Zipkin's own server does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { CollectorError, toCollectorError } from '../../errors/codes.ts';
import type { SpanBatch } from '../../pdata/span-batch.ts';
import { bodyEncodingOf, ClientAbortError, readBody } from '../otlp/http-body.ts';
import { DEFAULT_MAX_REQUEST_BODY_SIZE } from '../jaeger/confighttp.ts';
import type { ReceiverHandoff } from '../jaeger/handoff.ts';
import { headersAsMetadata, HttpListener, mediaTypeOf, pathOf } from '../jaeger/http-listener.ts';
import type { ZipkinReceiverConfig } from './config.ts';
import { parseZipkinV1Json } from './json-v1.ts';
import { parseZipkinV2Json } from './json-v2.ts';
import { decodeZipkinProto } from './proto-decode.ts';
import { zipkinToOtlp } from './translate.ts';
import { ZipkinDecodeError, type ZipkinSpan } from './zipkin-model.ts';

export const V2_PATH = '/api/v2/spans';
export const V1_PATH = '/api/v1/spans';

/** otelcol's transport names, one ReceiverObs each. */
export type ZipkinTransport = 'http_v2_json' | 'http_v2_proto' | 'http_v1_json' | 'http_v1_thrift';

type Format = 'v2_json' | 'v2_proto' | 'v1_json';

export class ZipkinHttpServer {
  private readonly config: ZipkinReceiverConfig;
  private readonly handoffs: Readonly<Record<ZipkinTransport, ReceiverHandoff>>;
  private readonly logger: Logger;
  private readonly listener: HttpListener;
  private readonly compression: ReadonlySet<string>;
  private readonly bodyLimit: number;

  constructor(config: ZipkinReceiverConfig, handoffs: Record<ZipkinTransport, ReceiverHandoff>, logger: Logger) {
    this.config = config;
    this.handoffs = handoffs;
    this.logger = logger;
    this.compression = new Set(config.compression_algorithms);
    this.bodyLimit = config.max_request_body_size > 0 ? config.max_request_body_size : DEFAULT_MAX_REQUEST_BODY_SIZE;
    this.listener = new HttpListener(config, 'zipkin receiver', logger, this.onRequest);
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
      this.logger.error({ err }, 'unexpected error handling a Zipkin request');
      if (!res.headersSent) this.listener.sendText(req, res, 500, toCollectorError(err).message);
      else res.destroy();
    });
  };

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = pathOf(req.url);
    const v1 = path === V1_PATH;
    const mediaType = mediaTypeOf(req.headers['content-type']);
    if (!v1 && path !== V2_PATH) {
      this.refuse(req, res, this.handoffs.http_v2_json, new CollectorError('TP_NOT_FOUND', path));
      return;
    }
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      this.refuse(req, res, this.handoffs[v1 ? 'http_v1_json' : 'http_v2_json'], new CollectorError('TP_METHOD_NOT_ALLOWED', `${req.method ?? ''}; supported: [POST]`));
      return;
    }
    let format: Format;
    if (mediaType === '' || mediaType === 'application/json') format = v1 ? 'v1_json' : 'v2_json';
    else if (mediaType === 'application/x-protobuf' && !v1) format = 'v2_proto';
    else {
      const thrift = v1 && mediaType === 'application/x-thrift';
      const detail = thrift
        ? 'Zipkin v1 Thrift is not supported yet; send v1 or v2 JSON, or v2 protobuf'
        : `${mediaType}; supported: ${v1 ? '[application/json]' : '[application/json, application/x-protobuf]'}`;
      this.refuse(req, res, this.handoffs[thrift ? 'http_v1_thrift' : v1 ? 'http_v1_json' : 'http_v2_json'], new CollectorError('TP_UNSUPPORTED_MEDIA_TYPE', detail));
      return;
    }
    const handoff = this.handoffs[format === 'v2_proto' ? 'http_v2_proto' : format === 'v1_json' ? 'http_v1_json' : 'http_v2_json'];
    const encoding = bodyEncodingOf(req.headers['content-encoding'], this.compression);
    if (encoding === undefined) {
      this.refuse(req, res, handoff, new CollectorError('TP_UNSUPPORTED_ENCODING', String(req.headers['content-encoding'])));
      return;
    }

    let body: Buffer;
    try {
      body = await readBody(req, encoding, this.bodyLimit);
    } catch (err) {
      if (err instanceof ClientAbortError) {
        this.logger.debug({ transport: handoff.transport }, err.message);
        return;
      }
      this.refuse(req, res, handoff, toCollectorError(err));
      return;
    }

    let batch: SpanBatch;
    try {
      const spans: ZipkinSpan[] = format === 'v2_json' ? parseZipkinV2Json(body) : format === 'v2_proto' ? decodeZipkinProto(body) : parseZipkinV1Json(body);
      batch = handoff.toBatch(zipkinToOtlp(spans, { parseStringTags: this.config.parse_string_tags }));
    } catch (err) {
      if (err instanceof ZipkinDecodeError) {
        this.refuse(req, res, handoff, new CollectorError('TP_BAD_REQUEST', err.message, { cause: err }));
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
      await handoff.consume(batch);
    } catch (err) {
      const refusal = err as CollectorError;
      if (refusal.retryAfterMs !== undefined && refusal.retryable) res.setHeader('Retry-After', String(Math.ceil(refusal.retryAfterMs / 1000)));
      this.listener.sendText(req, res, refusal.httpStatus, refusal.message);
      return;
    }
    this.listener.sendEmpty(req, res, 202);
  }

  /** A request refused for its own sake: counted as invalid, then answered in plain text. */
  private refuse(req: IncomingMessage, res: ServerResponse, handoff: ReceiverHandoff, err: CollectorError): void {
    handoff.onInvalid(err);
    this.listener.sendText(req, res, err.httpStatus, err.message);
  }
}
