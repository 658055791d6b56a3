/**
 * What both transports do with an ExportTraceServiceRequest once they have its bytes: index it,
 * hand it to the pipeline, count the outcome. Transport-specific framing (status codes, response
 * encodings) stays in grpc-server.ts and http-server.ts.
 */
import type { Logger } from 'pino';
import type { Consumer } from '../../component/types.ts';
import { CollectorError } from '../../errors/codes.ts';
import { indexExportRequest, InvalidIdError } from '../../pdata/index-request.ts';
import type { SpanBatch } from '../../pdata/span-batch.ts';
import { WireError } from '../../pdata/wire-reader.ts';
import { ReceiverObs } from '../../telemetry/obsreport.ts';
import type { SelfTelemetry } from '../../telemetry/self-telemetry.ts';

export type Transport = 'grpc' | 'http';

/** Our own counter (otelcol has none): requests refused before reaching the pipeline. */
export const INVALID_REQUESTS_METRIC = 'tailpipe_receiver_invalid_requests';

type BoundCounter = { inc(value?: number): void };

export class TraceExport {
  readonly transport: Transport;
  private readonly next: Consumer;
  private readonly logger: Logger;
  private readonly obs: ReceiverObs;
  private readonly invalidRequests: BoundCounter;

  constructor(receiverId: string, transport: Transport, telemetry: SelfTelemetry, logger: Logger, next: Consumer) {
    this.transport = transport;
    this.next = next;
    this.logger = logger;
    this.obs = new ReceiverObs(telemetry, receiverId, transport);
    this.invalidRequests = telemetry
      .counter(
        INVALID_REQUESTS_METRIC,
        'Number of requests a receiver refused before they reached the pipeline because the request itself was bad.',
        ['receiver', 'transport'],
      )
      .labels({ receiver: receiverId, transport });
    this.invalidRequests.inc(0);
  }

  /**
   * Indexes a request. Malformed bytes throw CollectorError TP_BAD_REQUEST, a bad id length
   * TP_INVALID_ID; the caller answers and calls onInvalid().
   */
  decode(body: Buffer): SpanBatch {
    try {
      return indexExportRequest(body);
    } catch (err) {
      if (err instanceof InvalidIdError) throw new CollectorError('TP_INVALID_ID', err.message, { cause: err });
      if (err instanceof WireError) throw new CollectorError('TP_BAD_REQUEST', err.message, { cause: err });
      throw err;
    }
  }

  /** A request refused for its own sake (bad body, size, type, method, path): count and log. */
  onInvalid(err: CollectorError): void {
    this.invalidRequests.inc();
    this.logger.debug({ transport: this.transport, code: err.code, err: err.message }, 'invalid request refused');
  }

  /**
   * Hands the batch to the pipeline. Resolves when accepted; rejects with a CollectorError when
   * refused, after counting the spans. A consumer error that is not a CollectorError is taken as
   * retryable, as otelcol does with errors that are not marked permanent.
   */
  async consume(batch: SpanBatch): Promise<void> {
    const spans = batch.spanCount;
    try {
      await this.next.consume(batch);
    } catch (err) {
      const refusal =
        err instanceof CollectorError
          ? err
          : new CollectorError('TP_PIPELINE_REFUSED', err instanceof Error ? err.message : String(err), { cause: err });
      if (refusal.code === 'TP_INTERNAL') {
        this.obs.onFailed(spans);
        this.logger.warn({ transport: this.transport, spans, code: refusal.code, err: refusal.message }, 'spans failed in the pipeline');
      } else {
        this.obs.onRefused(spans);
        this.logger.debug({ transport: this.transport, spans, code: refusal.code, err: refusal.message }, 'pipeline refused spans');
      }
      throw refusal;
    }
    this.obs.onAccepted(spans);
  }
}
