/**
 * The `otlp` exporter's client and push function: TraceService/Export over grpc-js with the
 * request bytes passed through untouched (encodeExportRequest re-frames span slices; nothing is
 * re-serialized), the per-attempt deadline sent as grpc-timeout, and the response's partial
 * success reported back to the metrics stage.
 */
import { Client, credentials, type ClientUnaryCall, type Metadata, type ServiceError } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { ExportClient } from '../exporterhelper/exporter.ts';
import type { PushSpans } from '../exporterhelper/sender.ts';
import { CollectorError } from '../../errors/codes.ts';
import { encodeExportRequest } from '../../pdata/encode-request.ts';
import { decodeExportTraceServiceResponse } from '../../pdata/rpc.ts';
import type { SpanBatch } from '../../pdata/span-batch.ts';
import { WireError } from '../../pdata/wire-reader.ts';
import { parseGrpcEndpoint, type OtlpExporterConfig } from './config.ts';
import { channelOptions, headerMetadata } from './grpc-channel.ts';
import { classifyGrpcError } from './grpc-status.ts';

export const TRACE_EXPORT_METHOD = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/** Request and response bytes pass through: the request is already encoded, the response is decoded lazily. */
const passThrough = (b: Buffer): Buffer => b;

export class OtlpGrpcClient implements ExportClient {
  private readonly config: OtlpExporterConfig;
  private readonly logger: Logger;
  private readonly target: string;
  private readonly metadata: Metadata;
  private client: Client | undefined;
  private closed = false;

  constructor(config: OtlpExporterConfig, logger: Logger) {
    this.config = config;
    this.logger = logger;
    const target = parseGrpcEndpoint(config.endpoint);
    // The schema already refused bad endpoints; this guards direct construction.
    if (typeof target === 'string') throw new CollectorError('TP_CONFIG_INVALID', target);
    this.target = target.target;
    this.metadata = headerMetadata(config);
  }

  async start(): Promise<void> {
    if (this.closed) throw new CollectorError('TP_SHUTTING_DOWN', 'the exporter was shut down');
    // grpc-js connects lazily, on the first call, as grpc-go's non-blocking dial does.
    this.client ??= new Client(this.target, credentials.createInsecure(), channelOptions(this.config));
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    this.client?.close();
    this.client = undefined;
  }

  readonly push: PushSpans = (batch: SpanBatch, signal: AbortSignal, deadlineMs: number): Promise<number> => {
    const client = this.client;
    if (client === undefined) {
      return Promise.reject(new CollectorError('TP_INTERNAL', this.closed ? 'the exporter is shut down' : 'the exporter was not started'));
    }
    if (signal.aborted) return Promise.reject(signal.reason);
    const body = encodeExportRequest(batch);
    const spans = batch.spanCount;
    return new Promise<number>((resolve, reject) => {
      let call: ClientUnaryCall | undefined;
      const onAbort = (): void => call?.cancel();
      call = client.makeUnaryRequest<Buffer, Buffer>(
        TRACE_EXPORT_METHOD,
        passThrough,
        passThrough,
        body,
        this.metadata,
        deadlineMs === Infinity ? {} : { deadline: deadlineMs },
        (err: ServiceError | null, response?: Buffer) => {
          signal.removeEventListener('abort', onAbort);
          // Our own abort (timeout, shutdown) wins over the CANCELLED status it caused.
          if (signal.aborted) reject(signal.reason);
          else if (err !== null) reject(classifyGrpcError(err.code, err.details, statusDetailsOf(err)));
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

function statusDetailsOf(err: ServiceError): Buffer | undefined {
  const values = err.metadata?.get('grpc-status-details-bin');
  const first = values?.[0];
  return Buffer.isBuffer(first) ? first : undefined;
}
