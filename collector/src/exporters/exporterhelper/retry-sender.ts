/**
 * The retry_on_failure stage. NOT IMPLEMENTED YET: the backoff loop (initial_interval,
 * multiplier, randomization_factor, max_interval, max_elapsed_time, honouring a throttle's
 * retryAfterMs) is a later issue. Until then this stage passes each batch on once, and a failed
 * attempt goes back to the caller as it came (retryable or permanent), as otelcol does with
 * `retry_on_failure.enabled: false`. The parsed config is kept for the real implementation.
 */
import type { SpanBatch } from '../../pdata/span-batch.ts';
import type { RetryConfig } from './config.ts';
import type { Sender } from './sender.ts';

export class PassThroughRetrySender implements Sender {
  readonly config: RetryConfig;
  private readonly next: Sender;

  constructor(config: RetryConfig, next: Sender) {
    this.config = config;
    this.next = next;
  }

  send(batch: SpanBatch): Promise<number> {
    return this.next.send(batch);
  }
}
