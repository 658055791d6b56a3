/**
 * The timeout stage (exporterhelper's timeoutSender): each attempt gets its own deadline, so a
 * retry starts with a fresh one. When the deadline passes the attempt is aborted and the send
 * rejects with TP_EXPORT_TIMEOUT, even if the push function ignores the signal, so a silent
 * destination cannot hang the pipeline.
 *
 * The exporter's lifetime signal ends every attempt still in flight when shutdown gives up
 * draining; its reason (an AttemptAbortedError) is the error the attempt rejects with.
 */
import { CollectorError } from '../../errors/codes.ts';
import type { SpanBatch } from '../../pdata/span-batch.ts';
import type { PushSpans, Sender } from './sender.ts';

export class TimeoutSender implements Sender {
  private readonly timeoutMs: number;
  private readonly push: PushSpans;
  /** Aborted when the exporter stops waiting for attempts in flight. */
  private readonly lifetime: AbortSignal;

  constructor(timeoutMs: number, push: PushSpans, lifetime: AbortSignal) {
    this.timeoutMs = timeoutMs;
    this.push = push;
    this.lifetime = lifetime;
  }

  send(batch: SpanBatch): Promise<number> {
    const lifetime = this.lifetime;
    if (lifetime.aborted) return Promise.reject(lifetime.reason);
    const timeoutMs = this.timeoutMs;
    // No deadline: the push function listens on the lifetime signal itself.
    if (timeoutMs <= 0) return this.push(batch, lifetime, Infinity);
    const controller = new AbortController();
    const deadlineMs = Date.now() + timeoutMs;
    return new Promise<number>((resolve, reject) => {
      let settled = false;
      const finish = (): boolean => {
        if (settled) return false;
        settled = true;
        clearTimeout(timer);
        lifetime.removeEventListener('abort', onLifetimeAbort);
        return true;
      };
      const onLifetimeAbort = (): void => {
        if (!finish()) return;
        controller.abort(lifetime.reason);
        reject(lifetime.reason);
      };
      const timer = setTimeout(() => {
        if (!finish()) return;
        const err = new CollectorError('TP_EXPORT_TIMEOUT', `no answer within ${timeoutMs}ms`);
        controller.abort(err);
        reject(err);
      }, timeoutMs);
      lifetime.addEventListener('abort', onLifetimeAbort, { once: true });
      this.push(batch, controller.signal, deadlineMs).then(
        (rejected) => {
          if (finish()) resolve(rejected);
        },
        (err: unknown) => {
          if (finish()) reject(err);
        },
      );
    });
  }
}
