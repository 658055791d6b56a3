/**
 * The queue stage when `sending_queue.enabled: false` (otelcol's behaviour then): each batch goes
 * straight on, and consume() waits for the destination, retries included, so a failure reaches
 * the caller. The sending queue itself is SendingQueue (sending-queue.ts).
 */
import type { Logger } from 'pino';
import type { Host } from '../../component/types.ts';
import { CollectorError } from '../../errors/codes.ts';
import type { SpanBatch } from '../../pdata/span-batch.ts';
import type { ExporterObs } from '../../telemetry/obsreport.ts';
import type { QueueStage } from './sending-queue.ts';
import type { Sender } from './sender.ts';

export class DirectSender implements QueueStage {
  private readonly next: Sender;
  private readonly obs: ExporterObs;
  private readonly logger: Logger;
  private closed = false;
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(next: Sender, obs: ExporterObs, logger: Logger) {
    this.next = next;
    this.obs = obs;
    this.logger = logger;
  }

  async start(_host: Host): Promise<void> {}

  beginDispatch(): void {}

  /** After closeIntake() batches are refused as otelcol refuses them once stopped. */
  closeIntake(): void {
    this.closed = true;
  }

  send(batch: SpanBatch): Promise<number> {
    if (this.closed) {
      const spans = batch.spanCount;
      this.obs.onEnqueueFailed(spans);
      this.logger.warn({ spans }, 'Exporter is shut down; refusing data');
      return Promise.reject(new CollectorError('TP_SHUTTING_DOWN', 'the exporter is shut down'));
    }
    const sent = this.next.send(batch);
    const inflight = this.inflight;
    inflight.add(sent);
    const forget = (): void => {
      inflight.delete(sent);
    };
    sent.then(forget, forget);
    return sent;
  }

  drain(ms: number): Promise<void> {
    if (this.inflight.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      void Promise.allSettled([...this.inflight]).then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async finish(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.inflight]);
  }
}
