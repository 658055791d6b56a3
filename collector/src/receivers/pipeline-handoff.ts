/**
 * What every receiver does once a request is decoded: hand the batch to the pipeline and count
 * the outcome with otelcol's receiver metrics (one instance per transport, as otelcol's
 * obsreport), plus our counter of requests refused for their own sake. The otlp receiver
 * (otlp/trace-export.ts) and the translating receivers (jaeger/handoff.ts) add their decoding.
 */
import type { Logger } from 'pino';
import type { Consumer } from '../component/types.ts';
import { CollectorError } from '../errors/codes.ts';
import type { SpanBatch } from '../pdata/span-batch.ts';
import { ReceiverObs } from '../telemetry/obsreport.ts';
import type { SelfTelemetry } from '../telemetry/self-telemetry.ts';

/** Our own counter (otelcol has none): requests refused before reaching the pipeline. */
export const INVALID_REQUESTS_METRIC = 'tailpipe_receiver_invalid_requests';

type BoundCounter = { inc(value?: number): void };

export class PipelineHandoff<T extends string = string> {
  readonly transport: T;
  private readonly next: Consumer;
  protected readonly logger: Logger;
  private readonly obs: ReceiverObs;
  private readonly invalidRequests: BoundCounter;

  constructor(receiverId: string, transport: T, telemetry: SelfTelemetry, logger: Logger, next: Consumer) {
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

  /** A request refused for its own sake (bad body, size, type, method, path): count and log at debug. */
  onInvalid(err: CollectorError): void {
    this.invalidRequests.inc();
    this.logger.debug({ transport: this.transport, code: err.code, err: err.message }, 'invalid request refused');
  }

  /** Counts an invalid request whose logging the caller does itself (UDP: rate-limited warn). */
  countInvalid(): void {
    this.invalidRequests.inc();
  }

  /** Spans that failed inside the receiver after decoding (translation bug): counted as failed. */
  onFailed(spans: number): void {
    this.obs.onFailed(spans);
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
