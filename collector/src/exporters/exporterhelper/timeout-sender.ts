/**
 * The timeout stage (exporterhelper's timeoutSender): each attempt gets its own deadline, so a
 * retry (once retry lands) starts with a fresh one. When the deadline passes the attempt is
 * aborted and the send rejects with TP_EXPORT_TIMEOUT, even if the push function ignores the
 * signal, so a silent destination cannot hang the pipeline.
 */
import { CollectorError } from '../../errors/codes.ts';
import type { SpanBatch } from '../../pdata/span-batch.ts';
import type { PushSpans, Sender } from './sender.ts';

export class TimeoutSender implements Sender {
  private readonly timeoutMs: number;
  private readonly push: PushSpans;
  /** Used when the timeout is 0 (disabled): aborted only by shutdown. */
  private readonly lifetime: AbortSignal;

  constructor(timeoutMs: number, push: PushSpans, lifetime: AbortSignal) {
    this.timeoutMs = timeoutMs;
    this.push = push;
    this.lifetime = lifetime;
  }

  send(batch: SpanBatch): Promise<number> {
    const timeoutMs = this.timeoutMs;
    if (timeoutMs <= 0) return this.push(batch, this.lifetime, Infinity);
    const controller = new AbortController();
    const deadlineMs = Date.now() + timeoutMs;
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        const err = new CollectorError('TP_EXPORT_TIMEOUT', `no answer within ${timeoutMs}ms`);
        controller.abort(err);
        reject(err);
      }, timeoutMs);
      this.push(batch, controller.signal, deadlineMs).then(
        (rejected) => {
          clearTimeout(timer);
          resolve(rejected);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });
  }
}
