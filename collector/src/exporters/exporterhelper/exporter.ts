/**
 * A traces exporter built from a push function, as otelcol's exporterhelper.NewTraces builds one:
 * consume() enters the fixed chain queue -> metrics -> retry -> timeout -> push.
 *
 *   queue   PassThroughQueueSender   NOT IMPLEMENTED YET (sends synchronously)
 *   metrics ObsSender                sent / send_failed counters, failure logs
 *   retry   PassThroughRetrySender   NOT IMPLEMENTED YET (one attempt)
 *   timeout TimeoutSender            per-attempt deadline -> TP_EXPORT_TIMEOUT
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
import { PassThroughQueueSender } from './queue-sender.ts';
import { PassThroughRetrySender } from './retry-sender.ts';
import type { PushSpans, Sender } from './sender.ts';
import { TimeoutSender } from './timeout-sender.ts';

/** What an exporter implements: a client to open and close, and one attempt at sending. */
export interface ExportClient {
  start(host: Host): Promise<void>;
  /** Closes connections; must work without start() and when called twice. */
  shutdown(): Promise<void>;
  readonly push: PushSpans;
}

export interface ExporterHelperConfig {
  /** Per-attempt deadline in ms; 0 disables it. */
  readonly timeoutMs: number;
  readonly queue: QueueConfig;
  readonly retry: RetryConfig;
}

export class TracesExporterHelper implements Exporter {
  private readonly logger: Logger;
  private readonly config: ExporterHelperConfig;
  private readonly client: ExportClient;
  private readonly queue: PassThroughQueueSender;
  /** Aborts attempts that have no deadline (timeout 0) when the exporter shuts down. */
  private readonly lifetime = new AbortController();
  private readonly inflight = new Set<Promise<unknown>>();
  private shutdownPromise: Promise<void> | undefined;

  constructor(settings: CreateSettings, config: ExporterHelperConfig, client: ExportClient) {
    this.logger = settings.logger;
    this.config = config;
    this.client = client;
    // Every attempt without a deadline listens on this one signal: no listener cap (and no leak warning).
    setMaxListeners(0, this.lifetime.signal);
    const obs = new ExporterObs(settings.telemetry, settings.id.id);
    const timeout = new TimeoutSender(config.timeoutMs, client.push, this.lifetime.signal);
    const retry = new PassThroughRetrySender(config.retry, timeout);
    const metrics = new ObsSender(obs, settings.logger, retry);
    this.queue = new PassThroughQueueSender(config.queue, metrics, obs, settings.logger);
  }

  /** The head of the chain (exposed for tests and for wrappers such as loadbalancing). */
  get sender(): Sender {
    return this.queue;
  }

  async start(host: Host): Promise<void> {
    if (this.shutdownPromise !== undefined) throw new CollectorError('TP_SHUTTING_DOWN', 'the exporter was shut down');
    if (this.config.queue.enabled || this.config.retry.enabled) {
      this.logger.warn(
        { sending_queue: this.config.queue.enabled, retry_on_failure: this.config.retry.enabled },
        'sending_queue and retry_on_failure are not implemented yet: each batch is sent once, synchronously, and a failure goes back to the caller',
      );
    }
    await this.client.start(host);
  }

  consume(batch: SpanBatch): Promise<void> {
    const sent = this.queue.send(batch);
    this.inflight.add(sent);
    return sent.then(
      () => {
        this.inflight.delete(sent);
      },
      (err: unknown) => {
        this.inflight.delete(sent);
        throw err;
      },
    );
  }

  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.doShutdown();
    return this.shutdownPromise;
  }

  private async doShutdown(): Promise<void> {
    this.queue.close();
    // Attempts with a deadline end by themselves; those without one would wait forever.
    if (this.config.timeoutMs <= 0) this.lifetime.abort(new CollectorError('TP_SHUTTING_DOWN', 'the exporter is shutting down'));
    await Promise.allSettled([...this.inflight]);
    await this.client.shutdown();
  }
}
