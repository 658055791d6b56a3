/**
 * The metrics stage (exporterhelper's obsReportSender). It sits outside the retry stage, so a
 * batch is counted once, after all its attempts: otelcol_exporter_sent_spans for what the
 * destination accepted, otelcol_exporter_send_failed_spans for the rest (a failed send, or the
 * spans a partial success rejected). Every failure is logged with its error and span count.
 */
import type { Logger } from 'pino';
import { toCollectorError } from '../../errors/codes.ts';
import type { SpanBatch } from '../../pdata/span-batch.ts';
import type { ExporterObs } from '../../telemetry/obsreport.ts';
import type { Sender } from './sender.ts';

export class ObsSender implements Sender {
  private readonly obs: ExporterObs;
  private readonly logger: Logger;
  private readonly next: Sender;

  constructor(obs: ExporterObs, logger: Logger, next: Sender) {
    this.obs = obs;
    this.logger = logger;
    this.next = next;
  }

  async send(batch: SpanBatch): Promise<number> {
    // Read before sending: once the batch is handed on, the next stage may own it.
    const spans = batch.spanCount;
    let rejected: number;
    try {
      rejected = await this.next.send(batch);
    } catch (err) {
      const e = toCollectorError(err);
      this.obs.onSendFailed(spans);
      this.logger.warn(
        { error: e.message, code: e.code, retryable: e.retryable, retry_after_ms: e.retryAfterMs, spans },
        'Exporting failed',
      );
      throw e;
    }
    const failed = rejected > spans ? spans : rejected > 0 ? rejected : 0;
    this.obs.onSent(spans - failed);
    if (failed > 0) this.obs.onSendFailed(failed);
    return failed;
  }
}
