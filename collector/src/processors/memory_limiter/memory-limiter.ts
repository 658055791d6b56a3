/**
 * The memory_limiter processor, as otelcol's memorylimiter: every check_interval it measures
 * memory (memory-usage.ts says what and why); at or above the soft limit (hard - spike) it refuses
 * new data with TP_MEMORY_LIMITED (gRPC UNAVAILABLE / HTTP 503, retryable, so senders back off
 * and retry) until a later check finds usage below the soft limit again. Entering the refusing
 * state forces a GC first (at most every min_gc_interval_when_soft_limited) in case garbage alone
 * is over the limit; at or above the hard limit a GC is forced at every check (at most every
 * min_gc_interval_when_hard_limited). A GC is only possible when node runs with --expose-gc;
 * without it the limiter just refuses.
 *
 * consume() is one boolean test on the hot path; the state changes only in the periodic check.
 * Nothing here may crash the process: a failing reading is logged and the state kept.
 */
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import type { Consumer, CreateSettings, Host, Processor } from '../../component/types.ts';
import { CollectorError } from '../../errors/codes.ts';
import type { SpanBatch } from '../../pdata/span-batch.ts';
import { ProcessorObs } from '../../telemetry/obsreport.ts';
import { availableMemory } from './cgroup.ts';
import type { MemoryLimiterConfig } from './config.ts';
import { computeLimits, type MemoryLimits } from './limits.ts';
import { exposedGc, memoryFields, readProcessMemory, toMiB, usedBytes, type MemoryReader, type MemoryStats } from './memory-usage.ts';

type BoundCounter = ReturnType<Counter<string>['labels']>;

export interface MemoryLimiterOptions {
  /** Memory reading; default process.memoryUsage(). */
  readMemory?: MemoryReader;
  /** Forces a full GC; default global.gc when exposed, null = no forced GC. */
  gc?: (() => void) | null;
  /** Bytes available to the process, for limit_percentage; default the cgroup limit or total memory. */
  availableMemory?: () => number;
}

export class MemoryLimiterProcessor implements Processor {
  readonly limits: MemoryLimits;
  private readonly next: Consumer;
  private readonly logger: Logger;
  private readonly checkIntervalMs: number;
  private readonly minGcSoftMs: number;
  private readonly minGcHardMs: number;
  private readonly readMemory: MemoryReader;
  private readonly gc: (() => void) | null;
  private readonly obs: ProcessorObs;
  private readonly accepted: BoundCounter;
  private readonly refused: BoundCounter;
  private readonly refusedLegacy: BoundCounter;
  /** One error for every refusal, as otelcol's ErrDataRefused: no stack trace per request while memory is short. */
  private readonly refusedError: CollectorError;
  private refusing = false;
  private lastGcAt = -Infinity;
  private readingFailed = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(settings: CreateSettings, config: MemoryLimiterConfig, next: Consumer, options: MemoryLimiterOptions = {}) {
    this.next = next;
    this.logger = settings.logger;
    this.checkIntervalMs = config.check_interval;
    this.minGcSoftMs = config.min_gc_interval_when_soft_limited;
    this.minGcHardMs = config.min_gc_interval_when_hard_limited;
    this.readMemory = options.readMemory ?? readProcessMemory;
    this.gc = options.gc !== undefined ? options.gc : exposedGc();

    let source = 'limit_mib';
    this.limits = computeLimits(config, () => {
      if (options.availableMemory !== undefined) {
        source = 'injected';
        return options.availableMemory();
      }
      const a = availableMemory();
      source = a.source;
      return a.bytes;
    });
    if (config.limit_mib !== 0 && config.limit_percentage !== 0) {
      this.logger.warn('limit_mib and limit_percentage are both set; limit_mib takes precedence (as in otelcol)');
    }
    this.logger.info(
      {
        hard_limit_mib: toMiB(this.limits.hardBytes),
        soft_limit_mib: toMiB(this.limits.softBytes),
        spike_limit_mib: toMiB(this.limits.spikeBytes),
        limits_from: source,
        forced_gc: this.gc !== null,
      },
      this.gc !== null
        ? 'Memory limiter configured'
        : 'Memory limiter configured; global.gc is not exposed (run node with --expose-gc), so no GC will be forced',
    );

    const id = settings.id.id;
    const labels = { processor: id };
    const t = settings.telemetry;
    this.obs = new ProcessorObs(t, id);
    this.accepted = t
      .counter('otelcol_processor_accepted_spans', 'Number of spans successfully pushed into the next component in the pipeline.', ['processor'])
      .labels(labels);
    this.refused = t
      .counter('otelcol_processor_memory_limiter_refused_spans', 'Number of spans refused by the memory limiter because memory usage was above the soft limit.', ['processor'])
      .labels(labels);
    this.refusedLegacy = t
      .counter('otelcol_processor_refused_spans', 'Number of spans that were rejected by the next component in the pipeline.', ['processor'])
      .labels(labels);
    this.accepted.inc(0);
    this.refused.inc(0);
    this.refusedLegacy.inc(0);
    this.refusedError = new CollectorError('TP_MEMORY_LIMITED', `memory usage above the soft limit of ${toMiB(this.limits.softBytes)} MiB`);
  }

  /** Whether consume() refuses data now. */
  get isRefusing(): boolean {
    return this.refusing;
  }

  async start(_host: Host): Promise<void> {
    if (this.timer !== null || this.stopped) return;
    // Check at once, so a collector started above its limit does not accept a first interval's worth.
    this.check();
    this.timer = setInterval(() => this.check(), this.checkIntervalMs);
    this.timer.unref();
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  consume(batch: SpanBatch): Promise<void> {
    const n = batch.spanCount;
    this.obs.onIncoming(n);
    if (this.refusing) {
      this.refused.inc(n);
      this.refusedLegacy.inc(n);
      return Promise.reject(this.refusedError);
    }
    this.accepted.inc(n);
    this.obs.onOutgoing(n);
    try {
      return this.next.consume(batch);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** One measurement and state update (otelcol's CheckMemLimits). Public for tests and the service. */
  check(): void {
    try {
      this.checkOnce();
      if (this.readingFailed) {
        this.readingFailed = false;
        this.logger.info('Memory usage can be measured again');
      }
    } catch (err) {
      // Keep the current state; say so once, not every interval.
      if (!this.readingFailed) this.logger.error({ err }, 'Memory usage check failed; keeping the current state');
      this.readingFailed = true;
    }
  }

  private checkOnce(): void {
    let stats = this.readMemory();
    const now = Date.now();
    if (this.gc !== null && usedBytes(stats) >= this.limits.hardBytes && now - this.lastGcAt >= this.minGcHardMs) {
      this.logger.warn({ ...memoryFields(stats), hard_limit_mib: toMiB(this.limits.hardBytes) }, 'Memory usage is above hard limit. Forcing a GC.');
      stats = this.forceGc();
      this.logger.info(memoryFields(stats), 'Memory usage after GC.');
    }
    const wasRefusing = this.refusing;
    let mustRefuse = usedBytes(stats) >= this.limits.softBytes;
    if (wasRefusing && !mustRefuse) {
      this.logger.info(memoryFields(stats), 'Memory usage back within limits. Resuming normal operation.');
    }
    if (!wasRefusing && mustRefuse) {
      // Garbage alone may be over the limit: collect it before refusing anyone.
      if (this.gc !== null && now - this.lastGcAt >= this.minGcSoftMs) {
        this.logger.info(memoryFields(stats), 'Memory usage is above soft limit. Forcing a GC.');
        stats = this.forceGc();
        mustRefuse = usedBytes(stats) >= this.limits.softBytes;
      }
      if (mustRefuse) {
        this.logger.warn(
          { ...memoryFields(stats), soft_limit_mib: toMiB(this.limits.softBytes) },
          'Memory usage is above soft limit. Refusing data.',
        );
      }
    }
    this.refusing = mustRefuse;
  }

  private forceGc(): MemoryStats {
    this.gc!();
    this.lastGcAt = Date.now();
    return this.readMemory();
  }
}
