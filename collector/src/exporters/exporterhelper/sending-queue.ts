/**
 * The sending_queue stage: a bounded FIFO of batches in front of `num_consumers` concurrent
 * sends, in memory or, with `storage`, written to a storage extension's log first.
 *
 *   send(batch) ──admit──> ring of QueueEntry ──dispatch──> up to num_consumers runs ──> metrics -> retry -> timeout -> push
 *        │ full: TP_QUEUE_FULL (or wait, block_on_overflow)          │ done: free capacity, ack the record, admit a waiting sender
 *
 * - Capacity (queue_size, in the sizer's unit) counts batches waiting *and* being sent, so memory
 *   (and disk) stay bounded while the destination is down and batches sit in retry waits.
 *   A batch larger than the whole capacity is admitted only into an empty queue, so it cannot be
 *   refused for ever (and the bound is exceeded by at most that one batch).
 * - consume() resolves once the batch is queued (memory) or written (persistent: after the
 *   write, and fsync when the extension has `fsync: true`); with wait_for_result, once sent.
 * - The consumers are not long-lived loops: a batch is dispatched as soon as a slot is free, and a
 *   finished send pulls the next one. Same order and concurrency as N workers, without a promise
 *   per idle worker per batch.
 * - Persistent queue: records are acknowledged in the log when their send ends (success, or a
 *   drop that the metrics stage counted), not when a shutdown cut it short: those stay on disk
 *   for the next start. The batch itself stays in memory ("hot") while the hot bytes fit a
 *   budget, so the usual path never reads the disk; beyond it, and for records recovered from a
 *   previous run, the payload is read back and indexed when its turn comes.
 *
 * Shutdown (driven by the exporter): closeIntake() refuses new and waiting batches
 * (TP_SHUTTING_DOWN, counted as enqueue failures); drain(ms) lets the consumers empty the queue
 * for at most ms; finish() (after attempts in flight were aborted) drops what is left of a memory
 * queue (otelcol_exporter_send_failed_spans + one log line) or leaves it on disk, and closes the log.
 */
import type { Logger } from 'pino';
import type { ComponentId, Host } from '../../component/types.ts';
import { CollectorError, toCollectorError } from '../../errors/codes.ts';
import { encodeExportRequest } from '../../pdata/encode-request.ts';
import { indexExportRequest } from '../../pdata/index-request.ts';
import type { SpanBatch } from '../../pdata/span-batch.ts';
import type { ExporterObs } from '../../telemetry/obsreport.ts';
import type { QueueConfig } from './config.ts';
import { CorruptRecordError, isQueueStorage, type CorruptRecordReport, type QueueLog, type QueueRecord } from './persistent-storage.ts';
import type { QueueMetrics } from './queue-metrics.ts';
import { Ring } from './ring.ts';
import { isOutcomeUnknown, isStoppedByShutdown } from './send-errors.ts';
import type { Sender } from './sender.ts';
import { batchSize, recordSize } from './sizer.ts';

/** How often (at most) the "queue is full" warning is logged; the counter has every refusal. */
const FULL_LOG_INTERVAL_MS = 5000;

/** Default budget of batches a persistent queue keeps in memory besides writing them to disk. */
export const DEFAULT_HOT_BYTES = 64 * 1024 * 1024;

/** The queue stage as the exporter drives it (also implemented by DirectSender, queue disabled). */
export interface QueueStage extends Sender {
  /** Opens storage and recovers what is on disk; no sends yet. */
  start(host: Host): Promise<void>;
  /** Starts sending (after the client has started). */
  beginDispatch(): void;
  /** Refuses new batches and batches waiting for room. */
  closeIntake(): void;
  /** Resolves when nothing is queued or in flight, or after ms. */
  drain(ms: number): Promise<void>;
  /** After attempts in flight were aborted: drops (memory) or keeps (disk) the rest; closes storage. */
  finish(): Promise<void>;
}

interface ResultWaiter {
  resolve(rejected: number): void;
  reject(err: unknown): void;
}

/** One queued batch. One object per batch, never per span. */
class QueueEntry {
  /** null while only on disk (recovered, or beyond the hot budget). */
  batch: SpanBatch | null;
  readonly size: number;
  readonly spans: number;
  readonly record: QueueRecord | null;
  /** Bytes counted against the persistent queue's hot budget. */
  readonly hotBytes: number;
  readonly waiter: ResultWaiter | null;

  constructor(batch: SpanBatch | null, size: number, spans: number, record: QueueRecord | null, hotBytes: number, waiter: ResultWaiter | null) {
    this.batch = batch;
    this.size = size;
    this.spans = spans;
    this.record = record;
    this.hotBytes = hotBytes;
    this.waiter = waiter;
  }
}

/** A sender waiting for room (block_on_overflow). */
interface BlockedSend {
  batch: SpanBatch;
  size: number;
  resolve(rejected: number): void;
  reject(err: unknown): void;
}

type State = 'new' | 'running' | 'closed' | 'stopped';

const RESOLVED_ZERO: Promise<number> = Promise.resolve(0);

export interface SendingQueueOptions {
  /** Persistent queue: bytes of batches also kept in memory (default 64 MiB). */
  readonly hotBytes?: number;
}

export class SendingQueue implements QueueStage {
  private readonly config: QueueConfig;
  private readonly id: ComponentId;
  private readonly next: Sender;
  private readonly obs: ExporterObs;
  private readonly metrics: QueueMetrics;
  private readonly logger: Logger;
  private readonly hotBudget: number;
  readonly capacity: number;
  private usedValue = 0;
  private hotUsed = 0;
  private readonly ring = new Ring<QueueEntry>();
  private readonly blocked = new Ring<BlockedSend>(8);
  private active = 0;
  private state: State = 'new';
  private dispatching = false;
  private log: QueueLog | null = null;
  /** Appends written but not yet queued (persistent): finish() waits for them. */
  private pendingAppends = 0;
  private idleWaiters: (() => void)[] = [];
  private fullBatches = 0;
  private fullSpans = 0;
  private lastFullLogMs = -Infinity;

  constructor(
    config: QueueConfig,
    id: ComponentId,
    next: Sender,
    obs: ExporterObs,
    metrics: QueueMetrics,
    logger: Logger,
    options: SendingQueueOptions = {},
  ) {
    this.config = config;
    this.id = id;
    this.next = next;
    this.obs = obs;
    this.metrics = metrics;
    this.logger = logger;
    this.capacity = config.queue_size;
    this.hotBudget = options.hotBytes ?? DEFAULT_HOT_BYTES;
    metrics.watchQueue(this);
  }

  /** Used capacity in the sizer's unit (queued + being sent): otelcol_exporter_queue_size. */
  get size(): number {
    return this.usedValue;
  }

  /** Batches waiting for a consumer (not counting those being sent). */
  get queuedBatches(): number {
    return this.ring.length;
  }

  get persistent(): boolean {
    return this.config.storage !== undefined;
  }

  async start(host: Host): Promise<void> {
    if (this.state !== 'new') throw new CollectorError('TP_SHUTTING_DOWN', 'the exporter was shut down');
    const storageId = this.config.storage;
    if (storageId !== undefined) {
      const ext = host.getExtension(storageId);
      if (ext === undefined) {
        throw new CollectorError(
          'TP_CONFIG_INVALID',
          `sending_queue.storage: no extension "${storageId}" is running; define it under extensions: and list it in service.extensions`,
        );
      }
      if (!isQueueStorage(ext)) {
        throw new CollectorError('TP_CONFIG_INVALID', `sending_queue.storage: extension "${storageId}" is not a storage extension (use file_storage)`);
      }
      const log = await ext.openQueueLog({ kind: 'exporter', type: this.id.type, name: this.id.name, signal: 'traces' });
      this.log = log;
      for (const c of log.corrupt) this.reportCorrupt(c);
      let spans = 0;
      let maybeDelivered = 0;
      for (const r of log.recovered) {
        const size = recordSize(this.config.sizer, r);
        this.usedValue += size;
        spans += r.items;
        if (r.wasDispatched) maybeDelivered += r.items;
        this.ring.push(new QueueEntry(null, size, r.items, r, 0, null));
      }
      // They were being sent when the previous run stopped: the destination may have them already.
      if (maybeDelivered > 0) this.metrics.possibleDuplicates.add(maybeDelivered);
      if (log.recovered.length > 0 || log.corrupt.length > 0) {
        this.logger.info(
          { storage: storageId, batches: log.recovered.length, spans, possible_duplicate_spans: maybeDelivered, corrupt_records: log.corrupt.length },
          'Persistent queue recovered data from the previous run; sending it',
        );
      }
    }
    this.state = 'running';
  }

  beginDispatch(): void {
    if (this.state !== 'running') return;
    this.dispatching = true;
    this.dispatch();
  }

  send(batch: SpanBatch): Promise<number> {
    if (this.state !== 'running') {
      return this.refuse(
        batch.spanCount,
        this.state === 'new'
          ? new CollectorError('TP_INTERNAL', 'the exporter was not started')
          : new CollectorError('TP_SHUTTING_DOWN', 'the exporter is shutting down'),
      );
    }
    const spans = batch.spanCount;
    // Nothing to send; otelcol's queue drops zero-sized requests the same way.
    if (spans === 0) return RESOLVED_ZERO;
    const size = batchSize(this.config.sizer, batch);
    if (!this.hasRoomFor(size)) {
      if (!this.config.block_on_overflow) {
        this.obs.onEnqueueFailed(spans);
        this.noteFull(spans);
        return Promise.reject(new CollectorError('TP_QUEUE_FULL', `${this.usedValue} of ${this.capacity} (${this.config.sizer}) used`));
      }
      return new Promise<number>((resolve, reject) => this.blocked.push({ batch, size, resolve, reject }));
    }
    return this.admit(batch, spans, size);
  }

  closeIntake(): void {
    if (this.state === 'closed' || this.state === 'stopped') return;
    this.state = 'closed';
    for (let b = this.blocked.shift(); b !== undefined; b = this.blocked.shift()) {
      const spans = b.batch.spanCount;
      this.obs.onEnqueueFailed(spans);
      this.logger.warn({ spans }, 'Exporter is shutting down; refusing data that was waiting for room in the sending queue');
      b.reject(new CollectorError('TP_SHUTTING_DOWN', 'the exporter is shutting down'));
    }
    this.flushFullLog();
  }

  drain(ms: number): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== done);
        resolve();
      }, ms);
      this.idleWaiters.push(done);
    });
  }

  async finish(): Promise<void> {
    if (this.state === 'stopped') return;
    this.closeIntake();
    this.dispatching = false;
    // Attempts in flight were aborted by the exporter; their runs settle promptly.
    if (this.active > 0 || this.pendingAppends > 0) {
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
    this.state = 'stopped';
    const left = this.ring.drain();
    let spans = 0;
    for (const e of left) spans += e.spans;
    if (this.log !== null) {
      if (left.length > 0) {
        this.logger.info({ batches: left.length, spans }, 'Sending queue stopped; the remaining data stays on disk for the next start');
      }
      const log = this.log;
      this.log = null;
      await log.close();
    } else if (left.length > 0) {
      this.obs.onSendFailed(spans);
      this.logger.warn({ batches: left.length, spans }, 'Dropping data still in the sending queue at shutdown (drain time is up)');
      const err = new CollectorError('TP_SHUTTING_DOWN', 'dropped from the sending queue at shutdown');
      for (const e of left) e.waiter?.reject(err);
    }
    this.usedValue = 0;
    this.hotUsed = 0;
  }

  // ---- intake ----

  private hasRoomFor(size: number): boolean {
    return this.usedValue + size <= this.capacity || this.usedValue === 0;
  }

  private refuse(spans: number, err: CollectorError): Promise<number> {
    this.obs.onEnqueueFailed(spans);
    this.logger.warn({ spans, code: err.code }, `Refusing data: ${err.message}`);
    return Promise.reject(err);
  }

  private admit(batch: SpanBatch, spans: number, size: number): Promise<number> {
    this.usedValue += size;
    if (this.log !== null) return this.persist(this.log, batch, spans, size);
    if (this.config.wait_for_result) {
      return new Promise<number>((resolve, reject) => {
        this.enqueue(new QueueEntry(batch, size, spans, null, 0, { resolve, reject }));
      });
    }
    this.enqueue(new QueueEntry(batch, size, spans, null, 0, null));
    return RESOLVED_ZERO;
  }

  private async persist(log: QueueLog, batch: SpanBatch, spans: number, size: number): Promise<number> {
    const payload = encodeExportRequest(batch);
    // The queue owns the batch now, and `payload` is exactly its encoding: marking it pristine
    // makes the exporter's own encode of this batch free instead of re-framing it a second time.
    batch.pristine = [payload];
    let record: QueueRecord;
    this.pendingAppends++;
    try {
      record = await log.append(payload, spans);
    } catch (err) {
      this.pendingAppends--;
      this.release(size, 0);
      this.admitBlocked();
      this.obs.onEnqueueFailed(spans);
      const e = toCollectorError(err);
      this.logger.error({ error: e.message, spans }, 'Persistent queue could not write the batch; refusing it');
      this.settleIdle();
      throw new CollectorError('TP_QUEUE_FULL', `persistent queue write failed: ${e.message}`, { cause: err });
    }
    this.pendingAppends--;
    if (this.state === 'stopped') {
      // Written after the queue stopped sending: it is on disk and will go out after the next start.
      return 0;
    }
    const hot = this.hotUsed + payload.length <= this.hotBudget;
    if (hot) this.hotUsed += payload.length;
    this.enqueue(new QueueEntry(hot ? batch : null, size, spans, record, hot ? payload.length : 0, null));
    this.settleIdle();
    return 0;
  }

  private enqueue(entry: QueueEntry): void {
    this.ring.push(entry);
    this.dispatch();
  }

  private noteFull(spans: number): void {
    this.fullBatches++;
    this.fullSpans += spans;
    const now = Date.now();
    if (now - this.lastFullLogMs >= FULL_LOG_INTERVAL_MS) {
      this.lastFullLogMs = now;
      this.flushFullLog();
    }
  }

  private flushFullLog(): void {
    if (this.fullBatches === 0) return;
    this.logger.warn(
      { batches: this.fullBatches, spans: this.fullSpans, queue_size: this.usedValue, queue_capacity: this.capacity, sizer: this.config.sizer },
      'Sending queue is full; refusing data (retryable: the sender should retry). Counted in otelcol_exporter_enqueue_failed_spans',
    );
    this.fullBatches = 0;
    this.fullSpans = 0;
  }

  // ---- consumers ----

  private dispatch(): void {
    if (!this.dispatching) return;
    const limit = this.config.num_consumers;
    while (this.active < limit) {
      const entry = this.ring.shift();
      if (entry === undefined) return;
      this.active++;
      void this.run(entry);
    }
  }

  private async run(entry: QueueEntry): Promise<void> {
    const log = this.log;
    const record = entry.record;
    let batch = entry.batch;
    entry.batch = null;
    if (batch === null && log !== null && record !== null) {
      batch = await this.load(log, record, entry.spans);
      if (batch === null) {
        this.complete(entry);
        return;
      }
    }
    if (batch === null) {
      // Unreachable: a memory entry always holds its batch.
      this.complete(entry);
      return;
    }
    if (log !== null && record !== null) log.markDispatched(record);
    let error: CollectorError | undefined;
    let rejected = 0;
    try {
      rejected = await this.next.send(batch);
    } catch (err) {
      error = toCollectorError(err);
    }
    if (log !== null && record !== null) {
      if (error !== undefined && isStoppedByShutdown(error)) {
        // Left on disk for the next start, which sends it again: if this attempt's outcome is
        // unknown the destination may get it twice.
        if (isOutcomeUnknown(error)) this.metrics.possibleDuplicates.add(entry.spans);
      } else {
        log.ack(record);
      }
    }
    const waiter = entry.waiter;
    if (waiter !== null) {
      if (error === undefined) waiter.resolve(rejected);
      else waiter.reject(error);
    }
    this.complete(entry);
  }

  /** Reads a cold record back; null (after counting and acknowledging it) when it is damaged. */
  private async load(log: QueueLog, record: QueueRecord, spans: number): Promise<SpanBatch | null> {
    try {
      return indexExportRequest(await log.read(record));
    } catch (err) {
      const report: CorruptRecordReport =
        err instanceof CorruptRecordError
          ? err.report
          : { file: '', offset: -1, reason: `unreadable: ${(err as Error).message}`, items: spans };
      this.reportCorrupt(report);
      log.ack(record);
      return null;
    }
  }

  private reportCorrupt(c: CorruptRecordReport): void {
    this.metrics.corruptRecords.add(1);
    if (c.items !== undefined) this.obs.onSendFailed(c.items);
    this.logger.warn(
      { file: c.file, offset: c.offset, reason: c.reason, spans: c.items },
      c.items !== undefined
        ? 'Persistent queue record is corrupt; skipped, its spans are counted as failed'
        : 'Persistent queue record is corrupt; skipped (its span count is unknown)',
    );
  }

  private complete(entry: QueueEntry): void {
    this.active--;
    this.release(entry.size, entry.hotBytes);
    this.admitBlocked();
    this.dispatch();
    this.settleIdle();
  }

  private release(size: number, hotBytes: number): void {
    this.usedValue -= size;
    this.hotUsed -= hotBytes;
  }

  private admitBlocked(): void {
    while (this.state === 'running') {
      const b = this.blocked.peek();
      if (b === undefined || !this.hasRoomFor(b.size)) return;
      this.blocked.shift();
      this.admit(b.batch, b.batch.spanCount, b.size).then(b.resolve, b.reject);
    }
  }

  private isIdle(): boolean {
    return this.active === 0 && this.pendingAppends === 0 && (this.ring.length === 0 || !this.dispatching);
  }

  private settleIdle(): void {
    if (this.idleWaiters.length === 0 || !this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
