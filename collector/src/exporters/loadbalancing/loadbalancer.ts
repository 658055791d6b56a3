/**
 * The loadbalancer: resolver -> backends -> ring, and the push function that splits a batch by
 * routing key and hands each part to its backend's exporter. It is the ExportClient of the
 * exporter's own exporterhelper (lb-level timeout / retry_on_failure / sending_queue), so it
 * sees one attempt at a time and keeps, per batch, which spans are already delivered.
 *
 * Beyond otelcol (where a backend's queue and in-flight data die with its exporter):
 *  - a part whose backend leaves (resolver drop, marked unhealthy, exporter shut down while
 *    holding it) is routed again through the ring as it is now;
 *  - a retryable failure is retried for that part only, on the same backend while it is
 *    healthy; `backend_health.unhealthy_after` consecutive failures (failed sends or refused
 *    probe connections) take the backend out of the ring, so its keys move to the others until
 *    a probe connects again after `cooldown` (then it is back on probation: one more failure
 *    and it is out again);
 *  - ring changes build a new immutable ring and swap it in; a push in progress finishes the
 *    round it started with the ring it had, so ingestion never waits for a resolution.
 */
import type { Logger } from 'pino';
import type { Exporter, Host } from '../../component/types.ts';
import { CollectorError } from '../../errors/codes.ts';
import type { SpanBatch } from '../../pdata/span-batch.ts';
import type { ExportClient } from '../exporterhelper/exporter.ts';
import type { PushSpans } from '../exporterhelper/sender.ts';
import { Backend, LEFT, PERMANENT, RETRY, SENT, type BackendEvents, type SendResult } from './backend.ts';
import { endpointWithPort, type BackendHealthConfig } from './config.ts';
import { DELIVERED, Delivery, GAVE_UP } from './delivery.ts';
import { tcpProbe, type ProbeFn } from './probe.ts';
import type { Resolver } from './resolvers/resolver.ts';
import { buildRing, type HashRing, type RingKind } from './ring.ts';
import { KeyHasher, type RoutingKeyKind } from './routing-key.ts';
import { splitByOwner, SplitScratch, type SplitPart } from './split.ts';
import type { LoadBalancerTelemetry } from './telemetry.ts';

/** A ring and the backends its indices name. Immutable; replaced whole. */
interface RingState {
  readonly ring: HashRing;
  readonly backends: readonly Backend[];
}

export interface LoadBalancerOptions {
  readonly ring: RingKind;
  readonly routingKey: RoutingKeyKind;
  readonly routingAttributes: readonly string[];
  readonly health: BackendHealthConfig;
  readonly resolver: Resolver;
  /** Builds the exporter for one backend endpoint ("host:port"). */
  readonly createExporter: (endpoint: string) => Exporter;
  readonly telemetry: LoadBalancerTelemetry;
  readonly logger: Logger;
  /** Injectable for tests. */
  readonly probe?: ProbeFn;
}

const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 2000;
const noop = (): void => {};

export class LoadBalancer implements ExportClient {
  private readonly options: LoadBalancerOptions;
  private readonly logger: Logger;
  private readonly telemetry: LoadBalancerTelemetry;
  private readonly hasher: KeyHasher;
  private readonly scratch = new SplitScratch();
  private readonly probe: ProbeFn;
  private readonly backends = new Map<string, Backend>();
  private readonly closing = new Set<Promise<void>>();
  private readonly deliveries = new WeakMap<SpanBatch, Delivery>();
  private readonly events: BackendEvents;
  private state: RingState | null = null;
  private host: Host | null = null;
  /** Resolutions are applied one at a time, in order. */
  private changes: Promise<void> = Promise.resolve();
  private probeTimer: NodeJS.Timeout | null = null;
  private readmitTimers = new Set<NodeJS.Timeout>();
  private stopped = false;
  /** Rounds one attempt may take: enough for a dead backend to be marked and its part moved. */
  private readonly maxRounds: number;

  constructor(options: LoadBalancerOptions) {
    this.options = options;
    this.logger = options.logger;
    this.telemetry = options.telemetry;
    this.hasher = new KeyHasher(options.routingKey, options.routingAttributes);
    this.probe = options.probe ?? tcpProbe;
    this.maxRounds = options.health.unhealthy_after + 3;
    this.events = {
      onSent: (b, ms) => {
        b.consecutiveFailures = 0;
        this.telemetry.onOutcome(b.endpoint, true, ms);
      },
      onFailed: (b, error, destination, ms) => {
        this.telemetry.onOutcome(b.endpoint, false, ms);
        if (destination && error.retryable) this.recordFailure(b, error.message);
      },
    };
  }

  // ---------------------------------------------------------------- lifecycle

  async start(host: Host): Promise<void> {
    if (this.stopped) throw new CollectorError('TP_SHUTTING_DOWN', 'the exporter was shut down');
    this.host = host;
    await this.options.resolver.start({
      onResolution: (success) => this.telemetry.onResolution(this.options.resolver.name, success),
      onEndpoints: (endpoints) => {
        const list = [...endpoints];
        this.changes = this.changes.then(() => this.applyEndpoints(list)).catch((err: unknown) => {
          this.logger.error({ error: (err as Error).message }, 'applying the resolved backends failed');
        });
      },
    });
    // The first resolution's backends are started before start() returns, as otelcol does.
    await this.changes;
    const h = this.options.health;
    if (h.enabled && h.probe_interval > 0) this.scheduleProbes();
  }

  async shutdown(): Promise<void> {
    if (this.stopped) {
      await Promise.allSettled([...this.closing]);
      return;
    }
    this.stopped = true;
    if (this.probeTimer !== null) clearTimeout(this.probeTimer);
    for (const t of this.readmitTimers) clearTimeout(t);
    this.readmitTimers.clear();
    await this.options.resolver.shutdown();
    await this.changes;
    this.state = null;
    for (const b of this.backends.values()) {
      b.removed = true;
      this.track(b.close());
    }
    this.backends.clear();
    await Promise.allSettled([...this.closing]);
  }

  /** Endpoints in the current ring (for tests and logs). */
  ringEndpoints(): readonly string[] {
    return this.state?.ring.endpoints ?? [];
  }

  backend(name: string): Backend | undefined {
    return this.backends.get(name);
  }

  // ---------------------------------------------------------------- resolution

  private async applyEndpoints(endpoints: readonly string[]): Promise<void> {
    if (this.stopped) return;
    const resolver = this.options.resolver.name;
    this.telemetry.onBackends(resolver, endpoints.length, true);
    const wanted = new Set(endpoints);
    const added: Backend[] = [];
    for (const name of endpoints) {
      if (this.backends.has(name)) continue;
      const backend = new Backend(name, endpointWithPort(name), this.options.createExporter, this.events);
      try {
        await backend.start(this.host!);
      } catch (err) {
        this.logger.error({ endpoint: name, error: (err as Error).message }, 'could not create the exporter for a backend; leaving it out');
        continue;
      }
      if (this.stopped) {
        this.track(backend.close());
        return;
      }
      this.backends.set(name, backend);
      this.telemetry.onHealth(backend.endpoint, true);
      added.push(backend);
    }
    const removed: Backend[] = [];
    for (const [name, b] of this.backends) {
      if (wanted.has(name)) continue;
      this.backends.delete(name);
      b.removed = true;
      removed.push(b);
    }
    this.rebuildRing();
    this.logger.info(
      { backends: this.ringEndpoints().length, added: added.map((b) => b.name), removed: removed.map((b) => b.name) },
      'backends updated',
    );
    // Closing waits for what the exporter holds; the push that sent it routes it again.
    for (const b of removed) {
      this.telemetry.onBackendGone(b.endpoint);
      this.track(b.close());
    }
  }

  private track(p: Promise<void>): void {
    this.closing.add(p);
    void p.finally(() => this.closing.delete(p));
  }

  /** Builds a ring over the healthy backends (all of them if none is healthy) and swaps it in. */
  private rebuildRing(): void {
    const all = [...this.backends.values()];
    let members = all.filter((b) => b.healthy);
    if (members.length === 0) members = all;
    for (const b of all) b.inRing = false;
    if (members.length === 0) {
      this.state = null;
      return;
    }
    const ring = buildRing(this.options.ring, members.map((b) => b.name));
    const backends = ring.endpoints.map((name) => this.backends.get(name)!);
    for (const b of backends) b.inRing = true;
    this.state = { ring, backends };
  }

  // ---------------------------------------------------------------- health

  private recordFailure(b: Backend, why: string): void {
    b.consecutiveFailures++;
    const h = this.options.health;
    if (!h.enabled || !b.healthy || b.removed || b.consecutiveFailures < h.unhealthy_after) return;
    const healthyOthers = [...this.backends.values()].some((o) => o !== b && o.healthy);
    if (!healthyOthers) return; // never take the last healthy backend out: nowhere better to send
    b.healthy = false;
    b.unhealthySince = Date.now();
    this.telemetry.onHealth(b.endpoint, false);
    this.logger.warn({ endpoint: b.endpoint, failures: b.consecutiveFailures, error: why }, 'backend marked unhealthy; its keys move to the other backends');
    this.rebuildRing();
    // A fresh exporter: the old one is shut down and what it held is routed to the new owners.
    if (this.host !== null) this.track(b.replaceExporter(this.host).catch((err: unknown) => {
      this.logger.error({ endpoint: b.endpoint, error: (err as Error).message }, 'could not replace the exporter of an unhealthy backend');
    }));
    if (h.probe_interval === 0) {
      const t = setTimeout(() => {
        this.readmitTimers.delete(t);
        this.readmit(b);
      }, h.cooldown);
      this.readmitTimers.add(t);
    }
  }

  private readmit(b: Backend): void {
    if (this.stopped || b.removed || b.healthy) return;
    b.healthy = true;
    // Probation: one more failure takes it out again.
    b.consecutiveFailures = this.options.health.unhealthy_after - 1;
    this.telemetry.onHealth(b.endpoint, true);
    this.logger.info({ endpoint: b.endpoint }, 'backend back in the ring');
    this.rebuildRing();
  }

  private scheduleProbes(): void {
    if (this.stopped) return;
    this.probeTimer = setTimeout(() => {
      this.probeTimer = null;
      void this.probeAll().then(() => this.scheduleProbes());
    }, this.options.health.probe_interval);
  }

  /** One probe of every backend; exposed for tests. */
  async probeAll(): Promise<void> {
    const h = this.options.health;
    await Promise.all(
      [...this.backends.values()].map(async (b) => {
        const ok = await this.probe(b.endpoint, h.probe_timeout);
        if (this.stopped || b.removed) return;
        if (b.healthy) {
          if (!ok) this.recordFailure(b, 'connection failed');
        } else if (ok && Date.now() - b.unhealthySince >= h.cooldown) {
          this.readmit(b);
        }
      }),
    );
  }

  // ---------------------------------------------------------------- the push function

  readonly push: PushSpans = async (batch: SpanBatch, signal: AbortSignal): Promise<number> => {
    let d = this.deliveries.get(batch);
    if (d === undefined) {
      d = new Delivery(batch.spanCount);
      this.deliveries.set(batch, d);
    }
    // An earlier attempt at this batch (timed out) may still have sends out: their outcome
    // decides what is left to send.
    if (d.outstanding !== null) await d.outstanding;
    try {
      await this.deliver(batch, d, signal);
    } catch (err) {
      // Kept for the next attempt unless nothing is left to try.
      if (d.pending === 0) this.deliveries.delete(batch);
      throw err;
    }
    this.deliveries.delete(batch);
    return 0;
  };

  private async deliver(batch: SpanBatch, d: Delivery, signal: AbortSignal): Promise<void> {
    let permanent: CollectorError | null = null;
    let lastError: CollectorError | null = null;
    for (let round = 1; ; round++) {
      if (signal.aborted) throw signal.reason;
      const state = this.state;
      if (state === null) {
        throw new CollectorError('TP_EXPORT_RETRYABLE', this.stopped ? 'the loadbalancer is shut down' : 'no backends resolved yet');
      }
      const parts = splitByOwner(batch, state.ring, this.hasher, this.scratch, d.settled);
      if (parts.length === 0) break;
      const sends = Promise.all(parts.map((p) => state.backends[p.owner]!.send(p.batch)));
      // Outcomes are recorded even if this attempt is abandoned (deadline), for the next one.
      const settled = sends.then((results) => record(d, parts, results));
      d.outstanding = settled.then(noop, noop);
      const r = await untilAborted(settled, signal);
      d.outstanding = null;
      if (r.permanent !== null) permanent = r.permanent;
      if (r.retryError !== null) lastError = r.retryError;
      if (r.rerouted > 0) this.telemetry.onRerouted(r.rerouted);
      if (d.pending === 0) break;
      if (round >= this.maxRounds) {
        throw lastError ?? new CollectorError('TP_EXPORT_RETRYABLE', `backends kept leaving while sending; gave up after ${round} rounds`);
      }
      // Only a retry on the same backend waits; data whose backend left goes to its new owner now.
      if (r.retried > 0) await sleep(Math.min(FIRST_BACKOFF_MS * 2 ** (round - 1), MAX_BACKOFF_MS), signal);
    }
    if (permanent !== null) throw permanent;
  }
}

interface RoundResult {
  retried: number;
  rerouted: number;
  retryError: CollectorError | null;
  permanent: CollectorError | null;
}

function record(d: Delivery, parts: readonly SplitPart[], results: readonly SendResult[]): RoundResult {
  const r: RoundResult = { retried: 0, rerouted: 0, retryError: null, permanent: null };
  for (let k = 0; k < parts.length; k++) {
    const part = parts[k]!;
    const res = results[k]!;
    switch (res.outcome) {
      case SENT:
        d.settle(part.indices, DELIVERED);
        break;
      case PERMANENT:
        // Counted and logged by the backend's exporter (send_failed); not retried, as otelcol.
        d.settle(part.indices, GAVE_UP);
        r.permanent = res.error;
        break;
      case RETRY:
        r.retried += part.batch.spanCount;
        r.retryError = res.error;
        break;
      case LEFT:
        r.rerouted += part.batch.spanCount;
        break;
    }
  }
  return r;
}

function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal.reason);
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
