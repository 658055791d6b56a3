/**
 * A traces exporter built from a push function, as otelcol's exporterhelper.NewTraces builds one:
 * consume() enters the fixed chain queue -> metrics -> retry -> timeout -> push.
 *
 *   queue   SendingQueue (memory, or persistent with `storage`) or DirectSender (disabled)
 *   metrics ObsSender     sent / send_failed counters, in-flight gauge, failure logs
 *   retry   RetrySender   exponential backoff, throttle hints, max_elapsed_time, stops at shutdown
 *   timeout TimeoutSender per-attempt deadline -> TP_EXPORT_TIMEOUT
 *
 * The exporter-specific part (a client with start/shutdown and the push function) is an
 * ExportClient.
 */
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { CreateSettings, Exporter, Host } from '../../component/types.ts';
import { CollectorError } from '../../errors/codes.ts';
import type { SpanBatch } from '../../pdata/span-batch.ts';
import { ExporterObs } from '../../telemetry/obsreport.ts';
import type { QueueConfig, RetryConfig } from './config.ts';
import { ObsSender } from './obs-sender.ts';
import { QueueMetrics } from './queue-metrics.ts';
import { DirectSender } from './queue-sender.ts';
import { RetrySender } from './retry-sender.ts';
import { AttemptAbortedError } from './send-errors.ts';
import { SendingQueue, type QueueStage } from './sending-queue.ts';
import type { PushSpans, Sender } from './sender.ts';
import { TimeoutSender } from './timeout-sender.ts';

/** What an exporter implements: a client to open and close, and one attempt at sending. */
export interface ExportClient {
  start(host: Host): Promise<void>;
  /** Closes connections; must work without start() and when called twice. */
  shutdown(): Promise<void>;
  readonly push: PushSpans;
}

/**
 * How long shutdown lets the queue drain before it aborts attempts in flight (otelcol has no key
 * for this; its drain is bounded by the service's shutdown context).
 */
export const DEFAULT_SHUTDOWN_DRAIN_TIMEOUT_MS = 5000;

export interface ExporterHelperConfig {
  /** Per-attempt deadline in ms; 0 disables it. */
  readonly timeoutMs: number;
  readonly queue: QueueConfig;
  readonly retry: RetryConfig;
  /** Ours, not a YAML key: shutdown's drain budget (default 5s). */
  readonly shutdownDrainTimeoutMs?: number;
}

/** Knobs for tests and benchmarks. */
export interface ExporterHelperOptions {
  /** Backoff jitter source in [0, 1). */
  readonly random?: () => number;
  /** Persistent queue: bytes of batches kept in memory besides the disk copy. */
  readonly hotBytes?: number;
}

export class TracesExporterHelper implements Exporter {
  private readonly logger: Logger;
  private readonly config: ExporterHelperConfig;
  private readonly client: ExportClient;
  private readonly queue: QueueStage;
  private readonly retry: RetrySender;
  /** Aborted when shutdown stops waiting for attempts in flight. */
  private readonly lifetime = new AbortController();
  private started = false;
  private shutdownPromise: Promise<void> | undefined;

  constructor(settings: CreateSettings, config: ExporterHelperConfig, client: ExportClient, options: ExporterHelperOptions = {}) {
    this.logger = settings.logger;
    this.config = config;
    this.client = client;
    // Every attempt in flight listens on this one signal: no listener cap (and no leak warning).
    setMaxListeners(0, this.lifetime.signal);
    const obs = new ExporterObs(settings.telemetry, settings.id.id);
    const metrics = new QueueMetrics(settings.telemetry, settings.id.id);
    const persistent = config.queue.enabled && config.queue.storage !== undefined;
    const timeout = new TimeoutSender(config.timeoutMs, client.push, this.lifetime.signal);
    this.retry = new RetrySender(config.retry, timeout, settings.logger, metrics.possibleDuplicates, { random: options.random });
    const observed = new ObsSender(obs, metrics, settings.logger, this.retry, persistent);
    this.queue = config.queue.enabled
      ? new SendingQueue(config.queue, settings.id, observed, obs, metrics, settings.logger, { hotBytes: options.hotBytes })
      : new DirectSender(observed, obs, settings.logger);
  }

  /** The head of the chain (exposed for tests and for wrappers such as loadbalancing). */
  get sender(): Sender {
    return this.queue;
  }

  async start(host: Host): Promise<void> {
    if (this.shutdownPromise !== undefined) throw new CollectorError('TP_SHUTTING_DOWN', 'the exporter was shut down');
    if (this.started) return;
    this.started = true;
    if (this.config.queue.enabled && this.config.queue.batch !== undefined) {
      this.logger.warn('sending_queue.batch is not implemented yet: batches are queued and sent as they arrive (use the batch processor)');
    }
    // Storage first: an unknown extension fails the start before any connection is opened.
    await this.queue.start(host);
    await this.client.start(host);
    this.queue.beginDispatch();
  }

  consume(batch: SpanBatch): Promise<void> {
    // The partial-success count is for the chain; callers of consume() only need settle/reject.
    return this.queue.send(batch) as Promise<unknown> as Promise<void>;
  }

  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.doShutdown();
    return this.shutdownPromise;
  }

  private async doShutdown(): Promise<void> {
    // otelcol's order: stop retries first, so the queue drains with one attempt per batch.
    this.queue.closeIntake();
    this.retry.stop();
    await this.queue.drain(this.config.shutdownDrainTimeoutMs ?? DEFAULT_SHUTDOWN_DRAIN_TIMEOUT_MS);
    this.lifetime.abort(new AttemptAbortedError());
    try {
      await this.queue.finish();
    } finally {
      await this.client.shutdown();
    }
  }
}
