/**
 * One load generator worker: it plays the services assigned to it (service % workers == index),
 * starts traces on a fixed schedule shared by all workers, emits each of its spans when the span
 * ends, and batches and exports them like the SDK's BatchSpanProcessor + OTLP exporter:
 *
 *  - a bounded queue (max_queue_size); a span arriving at a full queue is dropped and counted;
 *  - an export starts when max_export_batch_size spans are queued, or flush_interval after the
 *    first queued span, with at most max_concurrent_exports in flight (the SDK has one);
 *  - a refused export (gRPC UNAVAILABLE & co, HTTP 429/502/503/504, connection errors, timeouts)
 *    is retried with exponential backoff and jitter, or after the server's Retry-After/RetryInfo,
 *    within export_timeout and retry.max_attempts.
 *
 * Everything per span lives in typed arrays (heap, queue, ledger, facts cache); the tick closure
 * and the scratch batch arrays are made once.
 */
import type { LoadgenConfig } from './config.ts';
import { TracePlan } from './trace-plan.ts';
import { RunClock } from './run-clock.ts';
import { TraceFactsCache } from './trace-facts-cache.ts';
import { EmissionHeap } from './emission-heap.ts';
import { SpanQueue } from './span-queue.ts';
import { SpanLedger, SpanOutcome, type SpanLedgerData } from './span-ledger.ts';
import { RequestEncoder, type EncodedRequest } from './request-encoder.ts';
import { ProtobufFormat } from './formats/protobuf-format.ts';
import { JsonFormat } from './formats/json-format.ts';
import type { RequestFormat } from './formats/request-format.ts';
import type { SpanTransport } from './transports/span-transport.ts';

export interface GeneratorCounters {
  tracesStarted: number;
  /** Spans this worker created (each ends up accepted, dropped or failed). */
  spansGenerated: number;
  spansDroppedQueueFull: number;
  spansAccepted: number;
  spansFailedRetriesExhausted: number;
  spansFailedPermanent: number;
  spansDroppedAtShutdown: number;
  /** Sum of partial_success.rejected_spans in accepted responses. */
  spansRejectedPartially: number;
  /** Export attempts (first tries and retries). */
  requests: number;
  requestsOk: number;
  requestsRetryable: number;
  requestsPermanent: number;
  retries: number;
  bytesSent: number;
  /** Answers by status ("grpc:14", "http:503", ...). */
  statusCounts: Record<string, number>;
}

export function newCounters(): GeneratorCounters {
  return {
    tracesStarted: 0,
    spansGenerated: 0,
    spansDroppedQueueFull: 0,
    spansAccepted: 0,
    spansFailedRetriesExhausted: 0,
    spansFailedPermanent: 0,
    spansDroppedAtShutdown: 0,
    spansRejectedPartially: 0,
    requests: 0,
    requestsOk: 0,
    requestsRetryable: 0,
    requestsPermanent: 0,
    retries: 0,
    bytesSent: 0,
    statusCounts: {},
  };
}

export function addCounters(into: GeneratorCounters, c: GeneratorCounters): GeneratorCounters {
  for (const key of Object.keys(c) as (keyof GeneratorCounters)[]) {
    if (key === 'statusCounts') {
      for (const [s, n] of Object.entries(c.statusCounts)) into.statusCounts[s] = (into.statusCounts[s] ?? 0) + n;
    } else into[key] += c[key];
  }
  return into;
}

export interface GeneratorOptions {
  config: LoadgenConfig;
  workerIndex: number;
  workerCount: number;
  runTag: number;
  /** Run start shared by all workers (epoch ms): trace t starts at epochMs + t x interval. */
  epochMs: number;
  transport: SpanTransport;
  /** Traces to generate: [0, traceLimit). setTraceLimit can lower or raise it while running. */
  traceLimit: number;
}

export interface GeneratorResult {
  workerIndex: number;
  tracesStarted: number;
  counters: GeneratorCounters;
  ledger: SpanLedgerData;
}

/** Spans handled per tick before yielding to I/O. */
const MAX_SPANS_PER_TICK = 4096;
/** Longest sleep between ticks, so a raised trace limit or a stop is noticed promptly. */
const MAX_IDLE_MS = 50;

export class Generator {
  readonly counters = newCounters();
  readonly plan: TracePlan;
  private readonly c: LoadgenConfig;
  private readonly ledger: SpanLedger;
  private readonly facts: TraceFactsCache;
  private readonly heap = new EmissionHeap();
  private readonly queue: SpanQueue;
  private readonly encoder: RequestEncoder;
  private readonly transport: SpanTransport;
  private readonly epochMs: number;
  private readonly traceIntervalMs: number;
  /** Spans this worker owns per endpoint: ownedList[ownedStart[e] .. ownedStart[e + 1]). */
  private readonly ownedStart: Int32Array;
  private readonly ownedList: Uint16Array;
  private readonly batchTraces: Uint32Array;
  private readonly batchSpans: Uint16Array;

  private traceLimit: number;
  private nextTrace = 0;
  private inflight = 0;
  private flushDeadline = Infinity;
  private drainStartedAt = -1;
  private abandoned = false;
  private finished = false;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private readonly sleeps = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private resolveRun: ((r: GeneratorResult) => void) | undefined;
  private readonly tickFn = (): void => this.tick();

  constructor(private readonly o: GeneratorOptions) {
    const c = o.config;
    this.c = c;
    this.plan = new TracePlan(c);
    this.transport = o.transport;
    this.epochMs = o.epochMs;
    this.traceLimit = o.traceLimit;
    this.traceIntervalMs = this.plan.traceIntervalNs / 1e6;
    const n = this.plan.spansPerTrace;
    this.ledger = new SpanLedger(n, Math.min(o.traceLimit, 1 << 16));
    // The cache should cover the traces in flight: those within the longest trace duration plus a
    // flush interval of the present, and those whose spans sit in the queue.
    const tracesPerMs = 1 / this.traceIntervalMs;
    const windowMs = c.shape.slow_threshold * c.shape.slow_max_factor + c.flush_interval + 1000;
    this.facts = new TraceFactsCache(this.plan, Math.min(1 << 22, Math.ceil(tracesPerMs * windowMs) + c.max_queue_size));
    this.queue = new SpanQueue(c.max_queue_size);
    const clock = new RunClock(o.epochMs);
    const format: RequestFormat =
      c.protocol === 'http/json' ? new JsonFormat(c, this.plan, clock, o.runTag) : new ProtobufFormat(c, this.plan, clock, o.runTag);
    this.encoder = new RequestEncoder(this.plan, format, this.facts, c.max_export_batch_size);
    this.batchTraces = new Uint32Array(c.max_export_batch_size);
    this.batchSpans = new Uint16Array(c.max_export_batch_size);

    const owned: number[][] = [];
    for (let e = 0; e < this.plan.endpointCount; e++) {
      const list: number[] = [];
      for (let j = 0; j < n; j++) if (this.plan.serviceOf[e * n + j]! % o.workerCount === o.workerIndex) list.push(j);
      owned.push(list);
    }
    this.ownedStart = new Int32Array(this.plan.endpointCount + 1);
    this.ownedList = new Uint16Array(owned.reduce((a, l) => a + l.length, 0));
    let p = 0;
    owned.forEach((list, e) => {
      this.ownedStart[e] = p;
      for (const j of list) this.ownedList[p++] = j;
    });
    this.ownedStart[this.plan.endpointCount] = p;
  }

  /** Generates until traceLimit traces were started and every span is settled. */
  run(): Promise<GeneratorResult> {
    return new Promise((resolve) => {
      this.resolveRun = resolve;
      this.schedule(0);
    });
  }

  /** Stops starting traces; returns the index of the next trace this worker would start. */
  pause(): number {
    this.traceLimit = this.nextTrace;
    return this.nextTrace;
  }

  setTraceLimit(limit: number): void {
    this.traceLimit = limit;
    this.wake();
  }

  get queueSize(): number {
    return this.queue.size;
  }

  private nowMs(): number {
    return performance.timeOrigin + performance.now() - this.epochMs;
  }

  private tick(): void {
    this.timer = undefined;
    this.immediate = undefined;
    if (this.finished) return;
    const now = this.nowMs();
    let budget = MAX_SPANS_PER_TICK;

    // Start every trace whose start time has come.
    const due = Math.min(this.traceLimit, Math.floor(now / this.traceIntervalMs) + 1);
    while (this.nextTrace < due && budget > 0) budget -= this.startTrace(this.nextTrace++);

    // Emit spans whose end time has come.
    const heap = this.heap;
    while (budget > 0 && heap.size > 0 && heap.peekDue() <= now) {
      this.emit(heap.peekTrace(), heap.peekSpan());
      heap.pop();
      budget--;
    }

    const producing = this.producing();
    if (!producing && this.drainStartedAt < 0) this.drainStartedAt = now;
    this.pumpExports(now, producing);

    if (!producing && this.queue.size === 0 && this.inflight === 0) return this.finish();
    if (!producing && now - this.drainStartedAt > this.c.shutdown_timeout) return this.abandon();

    if (budget <= 0) return this.schedule(0);
    let next = Infinity;
    if (this.nextTrace < this.traceLimit) next = this.nextTrace * this.traceIntervalMs;
    if (heap.size > 0) next = Math.min(next, heap.peekDue());
    if (this.queue.size > 0 && this.inflight < this.c.max_concurrent_exports) next = Math.min(next, this.flushDeadline);
    if (!producing) next = Math.min(next, this.drainStartedAt + this.c.shutdown_timeout + 1);
    this.schedule(Math.min(next - now, MAX_IDLE_MS));
  }

  /** Traces left to start or spans left to end. */
  private producing(): boolean {
    return this.nextTrace < this.traceLimit || this.heap.size > 0;
  }

  private schedule(delayMs: number): void {
    if (this.timer || this.immediate || this.finished) return;
    if (delayMs <= 0) this.immediate = setImmediate(this.tickFn);
    else this.timer = setTimeout(this.tickFn, delayMs);
  }

  /** Runs a tick soon (an export finished, or the limit changed). */
  private wake(): void {
    if (this.immediate || this.finished) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.schedule(0);
  }

  /** Puts trace t's owned spans on the emission heap (or straight into the queue). */
  private startTrace(t: number): number {
    this.counters.tracesStarted++;
    this.ledger.ensureTraces(t + 1);
    const s = this.facts.slot(t);
    const e = this.facts.endpoint[s]!;
    const from = this.ownedStart[e]!;
    const to = this.ownedStart[e + 1]!;
    const start = this.facts.startOffsetNs[s]!;
    const dur = this.facts.durationNs[s]!;
    const endFraction = this.plan.endFraction;
    const atEnd = this.c.shape.emit_at_span_end;
    for (let i = from; i < to; i++) {
      const j = this.ownedList[i]!;
      this.ledger.setOutcome(t, j, SpanOutcome.PENDING);
      this.counters.spansGenerated++;
      if (atEnd) this.heap.push((start + dur * endFraction[j]!) / 1e6, t, j);
      else this.emit(t, j);
    }
    return to - from;
  }

  private emit(t: number, j: number): void {
    if (!this.queue.push(t, j)) {
      this.ledger.setOutcome(t, j, SpanOutcome.DROPPED_QUEUE_FULL);
      this.counters.spansDroppedQueueFull++;
    }
  }

  private pumpExports(now: number, producing: boolean): void {
    const c = this.c;
    while (this.inflight < c.max_concurrent_exports && this.queue.size > 0) {
      if (this.queue.size >= c.max_export_batch_size || !producing || now >= this.flushDeadline) this.startExport(now);
      else break;
    }
    if (this.queue.size > 0 && this.flushDeadline === Infinity && this.inflight < c.max_concurrent_exports) {
      this.flushDeadline = now + c.flush_interval;
    }
  }

  private startExport(now: number): void {
    this.flushDeadline = Infinity;
    const count = this.queue.take(this.c.max_export_batch_size, this.batchTraces, this.batchSpans);
    const requests = this.encoder.encode(this.batchTraces, this.batchSpans, count);
    this.inflight++;
    const deadline = now + this.c.export_timeout;
    void Promise.all(requests.map((r) => this.exportWithRetry(r, deadline).then(() => this.encoder.release(r)))).then(() => {
      this.inflight--;
      if (this.finished) return;
      // Start the next export right away rather than on the next tick: at high rates the ticks
      // would otherwise cap exports at one per tick.
      this.pumpExports(this.nowMs(), this.producing());
      this.wake();
    });
  }

  private async exportWithRetry(r: EncodedRequest, deadline: number): Promise<void> {
    const retry = this.c.retry;
    const counters = this.counters;
    for (let attempt = 1; ; attempt++) {
      const timeout = Math.max(1, deadline - this.nowMs());
      counters.requests++;
      counters.bytesSent += r.body.length;
      if (attempt > 1) counters.retries++;
      const res = await this.transport.send(r.body, r.tenant, timeout);
      if (this.abandoned) return;
      counters.statusCounts[res.status] = (counters.statusCounts[res.status] ?? 0) + 1;
      const refused = res.outcome !== 'ok';
      for (let i = 0; i < r.traces.length; i++) this.ledger.addAttempt(r.traces[i]!, r.spans[i]!, refused);
      if (res.outcome === 'ok') {
        counters.requestsOk++;
        counters.spansRejectedPartially += res.rejectedSpans;
        return this.settle(r, SpanOutcome.ACCEPTED);
      }
      if (res.outcome === 'permanent') {
        counters.requestsPermanent++;
        return this.settle(r, SpanOutcome.FAILED_PERMANENT);
      }
      counters.requestsRetryable++;
      if (!retry.enabled || attempt >= retry.max_attempts) return this.settle(r, SpanOutcome.FAILED_RETRIES_EXHAUSTED);
      const delay = res.retryAfterMs ?? this.backoffMs(attempt);
      if (this.nowMs() + delay >= deadline) return this.settle(r, SpanOutcome.FAILED_RETRIES_EXHAUSTED);
      await this.sleep(delay);
      if (this.abandoned) return;
    }
  }

  /** The SDK's backoff: initial x multiplier^(attempt-1), capped, with +-randomization_factor jitter. */
  private backoffMs(attempt: number): number {
    const r = this.c.retry;
    const base = Math.min(r.max_interval, r.initial_interval * Math.pow(r.multiplier, attempt - 1));
    return Math.max(0, base * (1 + r.randomization_factor * (2 * Math.random() - 1)));
  }

  private settle(r: EncodedRequest, outcome: number): void {
    for (let i = 0; i < r.traces.length; i++) this.ledger.setOutcome(r.traces[i]!, r.spans[i]!, outcome);
    const n = r.traces.length;
    if (outcome === SpanOutcome.ACCEPTED) this.counters.spansAccepted += n;
    else if (outcome === SpanOutcome.FAILED_PERMANENT) this.counters.spansFailedPermanent += n;
    else this.counters.spansFailedRetriesExhausted += n;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.sleeps.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      this.sleeps.add(entry);
    });
  }

  /** The shutdown timeout ran out: whatever is still pending is dropped at shutdown. */
  private abandon(): void {
    this.abandoned = true;
    for (const s of this.sleeps) {
      clearTimeout(s.timer);
      s.resolve();
    }
    this.sleeps.clear();
    const outcome = this.ledger.outcome;
    const n = this.ledger.spanCount;
    for (let i = 0; i < n; i++) {
      if (outcome[i] === SpanOutcome.PENDING) {
        outcome[i] = SpanOutcome.DROPPED_AT_SHUTDOWN;
        this.counters.spansDroppedAtShutdown++;
      }
    }
    this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    const resolve = this.resolveRun;
    this.resolveRun = undefined;
    void this.transport.close().finally(() =>
      resolve?.({
        workerIndex: this.o.workerIndex,
        tracesStarted: this.nextTrace,
        counters: this.counters,
        ledger: this.ledger.toData(),
      }),
    );
  }
}
