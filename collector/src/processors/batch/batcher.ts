/**
 * One batcher (otelcol's "shard"): the spans pending for one metadata combination, the rules for
 * when they leave, and one timer. Pending spans are kept as the SpanBatch parts they arrived in;
 * a send concatenates them (SpanBatch.concat rebases row indices, bytes are never copied), and
 * send_batch_max_size cuts the last part with slice().
 *
 * The rules are otelcol's shard.processItem: after adding, while at least send_batch_size spans
 * are pending, send a batch of at most send_batch_max_size; without a timer (timeout or
 * send_batch_size 0) everything is sent at once. The timer is armed when the first span starts
 * waiting and re-armed after a size-triggered send that leaves spans behind, so no span waits
 * longer than `timeout`; it is not armed while nothing is pending (no idle wake-ups).
 */
import { SpanBatch, type ClientMetadata } from '../../pdata/span-batch.ts';
import type { SendTrigger } from './telemetry.ts';

/** What a batcher needs from its processor. */
export interface BatcherOwner {
  readonly sendBatchSize: number;
  /** 0 = no maximum. */
  readonly sendBatchMaxSize: number;
  readonly timeoutMs: number;
  /** False when timeout or send_batch_size is 0: otelcol then sends every item at once. */
  readonly timed: boolean;
  /** Hands one batch to the next component (asynchronously accounted by the owner). */
  send(batcher: Batcher, batch: SpanBatch, trigger: SendTrigger): void;
}

export class Batcher {
  readonly key: string;
  /** Metadata the batches of this combination are sent with (null: no metadata_keys). */
  readonly metadata: ClientMetadata | null;
  pendingSpans = 0;
  /** Sends handed to the next component and not yet settled. */
  inFlight = 0;
  private parts: SpanBatch[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly owner: BatcherOwner;
  // Bound once so arming the timer allocates no closure.
  private readonly onTimeout = (): void => {
    this.timer = null;
    this.flush('timeout');
  };

  constructor(owner: BatcherOwner, key: string, metadata: ClientMetadata | null) {
    this.owner = owner;
    this.key = key;
    this.metadata = metadata;
  }

  /** Takes ownership of a non-empty batch; may send synchronously. */
  add(batch: SpanBatch): void {
    this.parts.push(batch);
    this.pendingSpans += batch.spanCount;
    const owner = this.owner;
    if (!owner.timed) {
      this.flush('size');
      return;
    }
    if (this.pendingSpans >= owner.sendBatchSize) {
      while (this.pendingSpans > 0 && this.pendingSpans >= owner.sendBatchSize) this.sendOne('size');
      // As otelcol: a size-triggered send restarts the timer for what is left.
      this.disarm();
      if (this.pendingSpans > 0) this.arm();
    } else if (this.timer === null) {
      this.arm();
    }
  }

  /** Sends everything pending, in batches of at most send_batch_max_size. */
  flush(trigger: SendTrigger): void {
    this.disarm();
    while (this.pendingSpans > 0) this.sendOne(trigger);
  }

  /** Stops the timer (shutdown flushes first; this only guarantees no timer outlives us). */
  close(): void {
    this.disarm();
  }

  private sendOne(trigger: SendTrigger): void {
    this.owner.send(this, this.take(), trigger);
  }

  /** Removes and returns the next batch to send: all pending spans, or the first max_size of them. */
  private take(): SpanBatch {
    const max = this.owner.sendBatchMaxSize;
    const parts = this.parts;
    if (max === 0 || this.pendingSpans <= max) {
      this.parts = [];
      this.pendingSpans = 0;
      return SpanBatch.concat(parts);
    }
    const taken: SpanBatch[] = [];
    let need = max;
    let head = 0;
    while (need > 0) {
      const part = parts[head]!;
      if (part.spanCount <= need) {
        taken.push(part);
        need -= part.spanCount;
        head++;
      } else {
        // Only the span rows are copied; both halves share the part's buffers.
        taken.push(part.slice(0, need));
        parts[head] = part.slice(need, part.spanCount);
        need = 0;
      }
    }
    // One splice per send rather than a shift per part: parts can number thousands of 1-span requests.
    this.parts = parts.slice(head);
    this.pendingSpans -= max;
    return SpanBatch.concat(taken);
  }

  private arm(): void {
    const t = setTimeout(this.onTimeout, this.owner.timeoutMs);
    // Pending spans must not keep the process alive on their own; shutdown() flushes them.
    t.unref();
    this.timer = t;
  }

  private disarm(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }
}
