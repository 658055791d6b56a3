/**
 * The retry_on_failure stage (otelcol's retrySender). Each batch gets attempts until one
 * succeeds, the error is permanent, or retrying would pass max_elapsed_time:
 *
 *  - permanent error (retryable: false): returned at once (the metrics stage counts the drop);
 *  - retryable error: wait backoff.next(), raised to the destination's throttle hint
 *    (CollectorError.retryAfterMs, from gRPC RetryInfo / HTTP Retry-After) when it is longer;
 *  - if now + that wait would pass start + max_elapsed_time, give up now (otelcol does not wait
 *    just to fail); max_elapsed_time 0 retries for ever;
 *  - stop() (exporter shutdown) ends every wait at once and turns later retryable failures into
 *    RetriesStoppedError (a persistent queue keeps those batches, a memory queue drops them).
 *
 * With `enabled: false` each batch gets one attempt and its error goes back as it came.
 * A retry after an attempt whose outcome is unknown (timeout) may duplicate the batch downstream:
 * counted in tailpipe_exporter_possible_duplicate_spans.
 */
import type { Logger } from 'pino';
import { CollectorError, toCollectorError } from '../../errors/codes.ts';
import type { SpanBatch } from '../../pdata/span-batch.ts';
import type { FastCounter } from '../../telemetry/self-telemetry.ts';
import { ExponentialBackoff } from './backoff.ts';
import type { RetryConfig } from './config.ts';
import { isOutcomeUnknown, RetriesStoppedError } from './send-errors.ts';
import type { Sender } from './sender.ts';

export interface RetrySenderOptions {
  /** Jitter source, [0, 1); tests pin it. */
  readonly random?: () => number;
}

export class RetrySender implements Sender {
  readonly config: RetryConfig;
  private readonly next: Sender;
  private readonly logger: Logger;
  private readonly possibleDuplicates: FastCounter;
  private readonly random: () => number;
  private stopped = false;
  /** Wakers of the waits in progress, called by stop(). Not per span: one entry per waiting batch. */
  private readonly waits = new Set<() => void>();

  constructor(config: RetryConfig, next: Sender, logger: Logger, possibleDuplicates: FastCounter, options: RetrySenderOptions = {}) {
    this.config = config;
    this.next = next;
    this.logger = logger;
    this.possibleDuplicates = possibleDuplicates;
    this.random = options.random ?? Math.random;
  }

  /** Ends every backoff wait now; from here on a retryable failure is not retried. Idempotent. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const wake of this.waits) wake();
    this.waits.clear();
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  send(batch: SpanBatch): Promise<number> {
    if (!this.config.enabled) return this.next.send(batch);
    return this.sendWithRetries(batch);
  }

  private async sendWithRetries(batch: SpanBatch): Promise<number> {
    const cfg = this.config;
    const spans = batch.spanCount;
    const giveUpAt = cfg.max_elapsed_time > 0 ? Date.now() + cfg.max_elapsed_time : Infinity;
    let backoff: ExponentialBackoff | undefined;
    let attempts = 0;
    for (;;) {
      let err: CollectorError;
      try {
        attempts++;
        return await this.next.send(batch);
      } catch (e) {
        err = toCollectorError(e);
      }
      if (!err.retryable) throw err;
      if (this.stopped) throw new RetriesStoppedError(err);
      backoff ??= new ExponentialBackoff(
        {
          initialIntervalMs: cfg.initial_interval,
          randomizationFactor: cfg.randomization_factor,
          multiplier: cfg.multiplier,
          maxIntervalMs: cfg.max_interval,
        },
        this.random,
      );
      let waitMs = backoff.next();
      const hint = err.retryAfterMs;
      if (hint !== undefined && hint > waitMs) waitMs = hint;
      if (Date.now() + waitMs > giveUpAt) {
        throw new CollectorError(err.code, `no more retries left after ${attempts} attempts (max_elapsed_time ${cfg.max_elapsed_time}ms): ${err.message}`, {
          cause: err,
          ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}),
        });
      }
      this.logger.info(
        { error: err.message, code: err.code, interval_ms: waitMs, attempts, spans },
        'Exporting failed. Will retry the request after interval.',
      );
      const woken = await this.wait(waitMs);
      if (!woken) throw new RetriesStoppedError(err);
      if (isOutcomeUnknown(err)) this.possibleDuplicates.add(spans);
    }
  }

  /** Resolves true after `ms`, false as soon as stop() is called. */
  private wait(ms: number): Promise<boolean> {
    if (this.stopped) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        this.waits.delete(wake);
        resolve(true);
      }, ms);
      this.waits.add(wake);
    });
  }
}
