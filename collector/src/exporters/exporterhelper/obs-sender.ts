/**
 * The metrics stage (exporterhelper's obsReportSender). It sits outside the retry stage, so a
 * batch is counted once, after all its attempts: otelcol_exporter_sent_spans for what the
 * destination accepted, otelcol_exporter_send_failed_spans for the rest (a failed send, or the
 * spans a partial success rejected). Every failure is logged with its error and span count.
 * otelcol_exporter_in_flight_requests counts the sends in progress.
 *
 * One exception: with a persistent queue, a batch stopped by shutdown (its retries cut short, or
 * its attempt aborted) is not lost: it stays on disk and is sent after the next start. It is
 * logged (info), not counted as failed, so the counters add up across restarts.
 */
import type { Logger } from 'pino';
import { toCollectorError } from '../../errors/codes.ts';
import type { SpanBatch } from '../../pdata/span-batch.ts';
import type { ExporterObs } from '../../telemetry/obsreport.ts';
import type { QueueMetrics } from './queue-metrics.ts';
import { isStoppedByShutdown } from './send-errors.ts';
import type { Sender } from './sender.ts';

export class ObsSender implements Sender {
  private readonly obs: ExporterObs;
  private readonly metrics: QueueMetrics;
  private readonly logger: Logger;
  private readonly next: Sender;
  /** True with a persistent queue: batches stopped by shutdown stay on disk. */
  private readonly keepsStoppedBatches: boolean;

  constructor(obs: ExporterObs, metrics: QueueMetrics, logger: Logger, next: Sender, keepsStoppedBatches = false) {
    this.obs = obs;
    this.metrics = metrics;
    this.logger = logger;
    this.next = next;
    this.keepsStoppedBatches = keepsStoppedBatches;
  }

  async send(batch: SpanBatch): Promise<number> {
    // Read before sending: once the batch is handed on, the next stage may own it.
    const spans = batch.spanCount;
    const metrics = this.metrics;
    metrics.inFlight++;
    let rejected: number;
    try {
      rejected = await this.next.send(batch);
    } catch (err) {
      metrics.inFlight--;
      const e = toCollectorError(err);
      if (this.keepsStoppedBatches && isStoppedByShutdown(e)) {
        this.logger.info({ error: e.message, spans }, 'Exporting stopped by shutdown; the batch stays in the persistent queue for the next start');
        throw e;
      }
      this.obs.onSendFailed(spans);
      this.logger.warn(
        { error: e.message, code: e.code, retryable: e.retryable, retry_after_ms: e.retryAfterMs, spans },
        'Exporting failed',
      );
      throw e;
    }
    metrics.inFlight--;
    const failed = rejected > spans ? spans : rejected > 0 ? rejected : 0;
    this.obs.onSent(spans - failed);
    if (failed > 0) this.obs.onSendFailed(failed);
    return failed;
  }
}
