/**
 * What a translating receiver (jaeger, zipkin) does once a request is decoded into the OTLP
 * object model: encode it and index it, so the pipeline gets the same wire-first SpanBatch the
 * otlp receiver produces; hand it on; count the outcome with otelcol's receiver metrics (one
 * instance per transport, as otelcol's obsreport) and our invalid-request counter.
 */
import type { Logger } from 'pino';
import type { Consumer } from '../../component/types.ts';
import { CollectorError } from '../../errors/codes.ts';
import { encodeExportRequestModel } from '../../pdata/encode-model.ts';
import { indexExportRequest } from '../../pdata/index-request.ts';
import type { ExportRequestModel } from '../../pdata/model.ts';
import type { SpanBatch } from '../../pdata/span-batch.ts';
import { ReceiverObs } from '../../telemetry/obsreport.ts';
import type { SelfTelemetry } from '../../telemetry/self-telemetry.ts';
import { INVALID_REQUESTS_METRIC } from '../otlp/trace-export.ts';

export { INVALID_REQUESTS_METRIC };

type BoundCounter = { inc(value?: number): void };

export class ReceiverHandoff {
  readonly transport: string;
  private readonly next: Consumer;
  private readonly logger: Logger;
  private readonly obs: ReceiverObs;
  private readonly invalidRequests: BoundCounter;

  constructor(receiverId: string, transport: string, telemetry: SelfTelemetry, logger: Logger, next: Consumer) {
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
   * The OTLP model as a SpanBatch: encoded once, then indexed like any OTLP request. Our own
   * encoding always indexes; if it does not, that is a bug, reported as TP_INTERNAL.
   */
  toBatch(model: ExportRequestModel): SpanBatch {
    const buf = encodeExportRequestModel(model);
    try {
      return indexExportRequest(buf);
    } catch (err) {
      throw new CollectorError('TP_INTERNAL', `translated request does not index: ${(err as Error).message}`, { cause: err });
    }
  }

  /** A request refused for its own sake (undecodable, too large, wrong type): count and log at debug. */
  onInvalid(err: CollectorError): void {
    this.invalidRequests.inc();
    this.logger.debug({ transport: this.transport, code: err.code, err: err.message }, 'invalid request refused');
  }

  /** Counts an invalid request whose logging the caller does itself (UDP: rate-limited warn). */
  countInvalid(): void {
    this.invalidRequests.inc();
  }

  /**
   * Hands the batch to the pipeline. Resolves when accepted; rejects with a CollectorError when
   * refused, after counting the spans. A consumer error that is not a CollectorError is taken as
   * retryable, as otelcol does with errors not marked permanent.
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

  /** Spans that failed inside the receiver after decoding (translation bug): counted as failed. */
  onFailed(spans: number): void {
    this.obs.onFailed(spans);
  }
}
