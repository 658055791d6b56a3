/**
 * The batch processor, as otelcol's batchprocessor behaves: consume() accepts spans into a
 * batcher and resolves before they are exported; batches leave on size or timeout (batcher.ts);
 * with metadata_keys there is one batcher per combination of those keys' values, at most
 * metadata_cardinality_limit at once. What the next component refuses after that is lost, as in
 * otelcol, but counted (tailpipe_processor_batch_dropped_spans) and logged ("Sender failed").
 *
 * Where this does better than otelcol:
 *  - Memory is bounded. Spans held (pending in batchers plus being sent) are capped at
 *    maxHeldSpans (default max(10 x send_batch_size, 10 000)); beyond that consume() waits,
 *    first come first served, until sends settle, so a slow next component pushes back on the
 *    receivers instead of growing the heap. The bound can be passed by at most one request.
 *  - A batcher with nothing pending and nothing in flight is dropped, so the cardinality limit
 *    counts combinations active now, not every combination ever seen (otelcol keeps them forever).
 */
import type { Logger } from 'pino';
import type { Consumer, CreateSettings, Host, Processor } from '../../component/types.ts';
import { CollectorError } from '../../errors/codes.ts';
import { encodedSize } from '../../pdata/encode-request.ts';
import type { SpanBatch } from '../../pdata/span-batch.ts';
import { ProcessorObs } from '../../telemetry/obsreport.ts';
import { Batcher, type BatcherOwner } from './batcher.ts';
import type { BatchConfig } from './config.ts';
import { metadataShardKey, normalizeMetadataKeys, shardMetadata } from './metadata-key.ts';
import { BatchTelemetry, type SendTrigger } from './telemetry.ts';

/** Held spans allowed per send_batch_size: room for several batches in flight to a slow exporter. */
export const HELD_BATCHES = 10;
/** Floor of the bound, for tiny or zero send_batch_size (which sends every request at once). */
export const MIN_MAX_HELD_SPANS = 10_000;
/** How often the "cardinality limit reached" warning may repeat. */
const CARDINALITY_WARN_INTERVAL_MS = 60_000;

export function defaultMaxHeldSpans(config: BatchConfig): number {
  return Math.max(HELD_BATCHES * config.send_batch_size, MIN_MAX_HELD_SPANS);
}

export interface BatchProcessorOptions {
  /** Bound on spans held (pending + in flight) before consume() waits; see defaultMaxHeldSpans. */
  maxHeldSpans?: number;
}

interface Waiter {
  batch: SpanBatch;
  resolve: () => void;
  reject: (err: unknown) => void;
}

const RESOLVED: Promise<void> = Promise.resolve();

export class BatchProcessor implements Processor, BatcherOwner {
  readonly sendBatchSize: number;
  readonly sendBatchMaxSize: number;
  readonly timeoutMs: number;
  readonly timed: boolean;
  readonly maxHeldSpans: number;

  private readonly next: Consumer;
  private readonly logger: Logger;
  private readonly obs: ProcessorObs;
  private readonly telemetry: BatchTelemetry;
  private readonly metadataKeys: readonly string[];
  private readonly cardinalityLimit: number;
  /** The only batcher when metadata_keys is empty; null otherwise. */
  private readonly single: Batcher | null;
  private readonly shards = new Map<string, Batcher>();
  private readonly cardinalityError: CollectorError;
  private cardinalityRefusedSinceWarn = 0;
  private lastCardinalityWarn = -Infinity;

  private pendingSpans = 0;
  private inFlightSpans = 0;
  private sendsInFlight = 0;
  private readonly waiters: Waiter[] = [];
  private idleResolvers: (() => void)[] = [];
  private stopping = false;
  private shutdownPromise: Promise<void> | null = null;

  constructor(settings: CreateSettings, config: BatchConfig, next: Consumer, options: BatchProcessorOptions = {}) {
    this.next = next;
    this.logger = settings.logger;
    this.obs = new ProcessorObs(settings.telemetry, settings.id.id);
    this.telemetry = new BatchTelemetry(settings.telemetry, settings.id.id);
    this.sendBatchSize = config.send_batch_size;
    this.sendBatchMaxSize = config.send_batch_max_size;
    this.timeoutMs = config.timeout;
    this.timed = config.timeout > 0 && config.send_batch_size > 0;
    this.maxHeldSpans = options.maxHeldSpans ?? defaultMaxHeldSpans(config);
    this.metadataKeys = normalizeMetadataKeys(config.metadata_keys);
    this.cardinalityLimit = config.metadata_cardinality_limit;
    this.single = this.metadataKeys.length === 0 ? new Batcher(this, '', null) : null;
    this.telemetry.setCardinality(this.single !== null ? 1 : 0);
    // One instance for every refusal, as otelcol's errTooManyBatchers: no stack trace per request.
    this.cardinalityError = new CollectorError(
      'TP_METADATA_CARDINALITY_LIMIT',
      `metadata_cardinality_limit ${this.cardinalityLimit} reached for metadata_keys [${this.metadataKeys.join(', ')}]`,
    );
  }

  async start(_host: Host): Promise<void> {}

  /** Spans held now: pending in batchers plus handed to the next component and not settled. */
  get heldSpans(): number {
    return this.pendingSpans + this.inFlightSpans;
  }

  /** Number of batchers (metadata combinations) alive now. */
  get cardinality(): number {
    return this.single !== null ? 1 : this.shards.size;
  }

  consume(batch: SpanBatch): Promise<void> {
    const n = batch.spanCount;
    this.obs.onIncoming(n);
    if (this.stopping) return Promise.reject(new CollectorError('TP_SHUTTING_DOWN', 'batch processor is shut down'));
    if (n === 0) return RESOLVED;
    // FIFO: once anyone waits, later requests queue behind them.
    if (this.waiters.length === 0 && this.heldSpans < this.maxHeldSpans) {
      return this.admit(batch) ? RESOLVED : Promise.reject(this.cardinalityError);
    }
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ batch, resolve, reject });
    });
  }

  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.stop();
    return this.shutdownPromise;
  }

  private async stop(): Promise<void> {
    this.stopping = true;
    // Waiting requests were already handed to us; take them in regardless of the bound.
    this.drainWaiters();
    if (this.single !== null) this.single.flush('timeout');
    for (const b of [...this.shards.values()]) b.flush('timeout');
    if (this.sendsInFlight > 0) await new Promise<void>((resolve) => this.idleResolvers.push(resolve));
    if (this.single !== null) this.single.close();
    for (const b of this.shards.values()) b.close();
  }

  /** Puts a batch in its batcher. False if it would need a batcher beyond the cardinality limit. */
  private admit(batch: SpanBatch): boolean {
    let batcher = this.single;
    if (batcher === null) {
      const key = metadataShardKey(this.metadataKeys, batch.metadata);
      batcher = this.shards.get(key) ?? null;
      if (batcher === null) {
        if (this.cardinalityLimit !== 0 && this.shards.size >= this.cardinalityLimit) {
          this.onCardinalityRefused(batch.spanCount);
          return false;
        }
        batcher = new Batcher(this, key, shardMetadata(this.metadataKeys, batch.metadata));
        this.shards.set(key, batcher);
        this.telemetry.setCardinality(this.shards.size);
      }
    }
    // Counted before add(): add() may send at once, which moves spans from pending to in flight.
    this.pendingSpans += batch.spanCount;
    batcher.add(batch);
    return true;
  }

  /** BatcherOwner.send: hands a batch on; the outcome is accounted when it settles. */
  send(batcher: Batcher, batch: SpanBatch, trigger: SendTrigger): void {
    const n = batch.spanCount;
    batch.metadata = batcher.metadata;
    this.pendingSpans -= n;
    this.inFlightSpans += n;
    this.sendsInFlight++;
    batcher.inFlight++;
    const bytes = this.telemetry.detailed ? encodedSize(batch) : 0;
    this.obs.onOutgoing(n);
    let result: Promise<void>;
    try {
      result = this.next.consume(batch);
    } catch (err) {
      result = Promise.reject(err);
    }
    result.then(
      () => this.settled(batcher, n, trigger, bytes, undefined),
      (err: unknown) => this.settled(batcher, n, trigger, bytes, err ?? new Error('rejected without a reason')),
    );
  }

  private settled(batcher: Batcher, spans: number, trigger: SendTrigger, bytes: number, err: unknown): void {
    this.inFlightSpans -= spans;
    this.sendsInFlight--;
    batcher.inFlight--;
    if (err === undefined) {
      this.telemetry.onSent(trigger, spans, bytes);
    } else {
      this.telemetry.onDropped(spans);
      this.logger.warn({ err, spans }, 'Sender failed');
    }
    if (batcher !== this.single && batcher.pendingSpans === 0 && batcher.inFlight === 0 && this.shards.get(batcher.key) === batcher) {
      batcher.close();
      this.shards.delete(batcher.key);
      this.telemetry.setCardinality(this.shards.size);
    }
    this.drainWaiters();
    if (this.sendsInFlight === 0 && this.idleResolvers.length > 0) {
      const resolvers = this.idleResolvers;
      this.idleResolvers = [];
      for (const r of resolvers) r();
    }
  }

  /** Admits waiting requests in order while under the bound (all of them when stopping). */
  private drainWaiters(): void {
    while (this.waiters.length > 0 && (this.stopping || this.heldSpans < this.maxHeldSpans)) {
      const w = this.waiters.shift()!;
      if (this.admit(w.batch)) w.resolve();
      else w.reject(this.cardinalityError);
    }
  }

  private onCardinalityRefused(spans: number): void {
    this.telemetry.onCardinalityRefused(spans);
    this.cardinalityRefusedSinceWarn++;
    const now = Date.now();
    if (now - this.lastCardinalityWarn >= CARDINALITY_WARN_INTERVAL_MS) {
      this.logger.warn(
        { limit: this.cardinalityLimit, metadataKeys: this.metadataKeys, refusedRequests: this.cardinalityRefusedSinceWarn },
        'too many batcher metadata-value combinations; refusing data for new combinations',
      );
      this.lastCardinalityWarn = now;
      this.cardinalityRefusedSinceWarn = 0;
    }
  }
}
