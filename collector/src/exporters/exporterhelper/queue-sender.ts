/**
 * The sending_queue stage. NOT IMPLEMENTED YET: the queue (bounded buffer, num_consumers
 * workers, block_on_overflow, sizers, batching) is a later issue. Until then this stage passes
 * every batch straight on, so an export behaves as otelcol's with `sending_queue.enabled:
 * false`: consume() waits for the destination and a failure goes back to the caller.
 * The parsed config is kept so the real queue can slot in here without touching the exporters.
 */
import { CollectorError } from '../../errors/codes.ts';
import type { SpanBatch } from '../../pdata/span-batch.ts';
import type { ExporterObs } from '../../telemetry/obsreport.ts';
import type { Logger } from 'pino';
import type { QueueConfig } from './config.ts';
import type { Sender } from './sender.ts';

export class PassThroughQueueSender implements Sender {
  readonly config: QueueConfig;
  private readonly next: Sender;
  private readonly obs: ExporterObs;
  private readonly logger: Logger;
  private closed = false;

  constructor(config: QueueConfig, next: Sender, obs: ExporterObs, logger: Logger) {
    this.config = config;
    this.next = next;
    this.obs = obs;
    this.logger = logger;
  }

  /** After close() batches are refused as otelcol's queue refuses them once stopped. */
  close(): void {
    this.closed = true;
  }

  send(batch: SpanBatch): Promise<number> {
    if (this.closed) {
      const spans = batch.spanCount;
      this.obs.onEnqueueFailed(spans);
      this.logger.warn({ spans }, 'Exporter is shut down; refusing data');
      return Promise.reject(new CollectorError('TP_SHUTTING_DOWN', 'the exporter is shut down'));
    }
    return this.next.send(batch);
  }
}
