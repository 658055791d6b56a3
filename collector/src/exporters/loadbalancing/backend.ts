/**
 * One backend: its exporter (an `otlp` exporter built from the template, with its own queue and
 * retry), its health, and the sub-batches it holds. Those are the loadbalancer's "unsent
 * buffer" for this backend: handed to the exporter, not yet settled. When the exporter is
 * replaced (backend marked unhealthy) or closed (backend gone), it is shut down and whatever it
 * still held settles as LEFT, so the loadbalancer routes it again through the current ring
 * instead of losing it with the exporter.
 */
import type { Exporter, Host } from '../../component/types.ts';
import { toCollectorError, type CollectorError } from '../../errors/codes.ts';
import type { SpanBatch } from '../../pdata/span-batch.ts';

export const SENT = 0;
/** Retryable failure while the backend is still in the ring. */
export const RETRY = 1;
export const PERMANENT = 2;
/** The backend (or the exporter generation that had the data) is gone: route it again. */
export const LEFT = 3;
export type Outcome = typeof SENT | typeof RETRY | typeof PERMANENT | typeof LEFT;

export interface SendResult {
  readonly outcome: Outcome;
  readonly error: CollectorError | null;
}

const SENT_RESULT: SendResult = { outcome: SENT, error: null };
const LEFT_RESULT: SendResult = { outcome: LEFT, error: null };

/** What a backend reports to its loadbalancer. */
export interface BackendEvents {
  onSent(backend: Backend, ms: number): void;
  /** `destination`: the error came from the backend (or reaching it), so it counts against its health. */
  onFailed(backend: Backend, error: CollectorError, destination: boolean, ms: number): void;
}

/** One exporter instance and the sends it holds. */
class Generation {
  readonly exporter: Exporter;
  readonly unsent = new Set<Unsent>();
  retired = false;
  constructor(exporter: Exporter) {
    this.exporter = exporter;
  }
}

class Unsent {
  settled = false;
  constructor(readonly resolve: (r: SendResult) => void) {}
  settle(r: SendResult): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve(r);
  }
}

/** Errors that say something about the backend, as opposed to our own queue or shutdown. */
const DESTINATION_CODES = new Set(['TP_EXPORT_RETRYABLE', 'TP_EXPORT_TIMEOUT', 'TP_EXPORT_PERMANENT']);

export class Backend {
  /** The name in the ring: the resolver's string as given (otelcol hashes it unchanged). */
  readonly name: string;
  /** What the exporter dials: name with the default port added when it has none. */
  readonly endpoint: string;
  healthy = true;
  consecutiveFailures = 0;
  unhealthySince = 0;
  /** Gone from the resolver's list. */
  removed = false;
  /** In the current ring (kept by the loadbalancer when it builds one). */
  inRing = false;
  private generation: Generation | null = null;
  private readonly createExporter: (endpoint: string) => Exporter;
  private readonly events: BackendEvents;
  private readonly retiring = new Set<Promise<void>>();

  constructor(name: string, endpoint: string, createExporter: (endpoint: string) => Exporter, events: BackendEvents) {
    this.name = name;
    this.endpoint = endpoint;
    this.createExporter = createExporter;
    this.events = events;
  }

  async start(host: Host): Promise<void> {
    const g = new Generation(this.createExporter(this.endpoint));
    await g.exporter.start(host);
    this.generation = g;
  }

  /** Spans held by the exporter now (not settled). */
  unsentCount(): number {
    return this.generation?.unsent.size ?? 0;
  }

  send(batch: SpanBatch): Promise<SendResult> {
    const g = this.generation;
    if (g === null || g.retired) return Promise.resolve(LEFT_RESULT);
    const started = performance.now();
    return new Promise<SendResult>((resolve) => {
      const entry = new Unsent(resolve);
      g.unsent.add(entry);
      g.exporter.consume(batch).then(
        () => {
          g.unsent.delete(entry);
          if (entry.settled) return;
          this.events.onSent(this, performance.now() - started);
          entry.settle(SENT_RESULT);
        },
        (err: unknown) => {
          g.unsent.delete(entry);
          if (entry.settled) return;
          const error = toCollectorError(err);
          const ms = performance.now() - started;
          if (g.retired || error.code === 'TP_SHUTTING_DOWN') {
            entry.settle(LEFT_RESULT);
            return;
          }
          this.events.onFailed(this, error, DESTINATION_CODES.has(error.code), ms);
          // The failure may just have taken the backend out of the ring: then route it elsewhere now.
          if (g.retired || this.removed || !this.inRing) entry.settle(LEFT_RESULT);
          else entry.settle({ outcome: error.retryable ? RETRY : PERMANENT, error });
        },
      );
    });
  }

  /**
   * A fresh exporter for this backend (its queue empty, its connection new) while the old one is
   * shut down; what the old one held settles as LEFT. Used when the backend is marked unhealthy.
   */
  async replaceExporter(host: Host): Promise<void> {
    const old = this.generation;
    const g = new Generation(this.createExporter(this.endpoint));
    await g.exporter.start(host);
    if (this.removed) {
      // Closed meanwhile: do not keep the new one.
      await this.retireGeneration(g);
      return;
    }
    this.generation = g;
    if (old !== null) await this.retireGeneration(old);
  }

  /** Closes the backend for good; resolves once its exporter is shut down and its data released. */
  async close(): Promise<void> {
    const g = this.generation;
    this.generation = null;
    if (g !== null) await this.retireGeneration(g);
    await Promise.allSettled([...this.retiring]);
  }

  private retireGeneration(g: Generation): Promise<void> {
    g.retired = true;
    const done = (async () => {
      try {
        // Waits for attempts in flight (each bounded by the exporter's timeout); queued data is
        // either sent or refused with TP_SHUTTING_DOWN by the exporter's shutdown.
        await g.exporter.shutdown();
      } finally {
        // Whatever the exporter neither delivered nor refused is routed again by the caller.
        for (const entry of g.unsent) entry.settle(LEFT_RESULT);
        g.unsent.clear();
      }
    })();
    this.retiring.add(done);
    void done.finally(() => this.retiring.delete(done));
    return done;
  }
}
