/**
 * Periodic view of the run: every interval it scrapes each running collector (remembered on its
 * process instance, so a crashed one keeps its last counters), reads the backend's span count and
 * the generators' progress, and appends a point to each hop's series:
 *   loadgen (spans accepted by the edge), "<collector> in" (receiver accepted), "<collector> out"
 *   (exporter sent), backend (spans stored).
 * A restarted collector's counters start at zero again; a node's series adds up its instances.
 */
import { OTELCOL_DROP_METRICS } from '../accounting/span-accounting.ts';
import { sumMetric } from '../accounting/prometheus-text.ts';
import type { LoadRun } from '../loadgen/load-run.ts';
import type { CollectorNode } from '../topology/collector-node.ts';
import { collectorCounters } from '../topology/collector-metrics.ts';
import type { Topology } from '../topology/topology.ts';
import type { ProcessInstance } from '../topology/process-instance.ts';
import type { HopSeries } from './run-result.ts';

export interface ProgressSnapshot {
  elapsedMs: number;
  rates: { name: string; total: number; perSecond: number }[];
  /** Accepted by the edge - stored by the backend - counted drops: in flight or lost so far. */
  behind: number;
  countedDrops: number;
}

interface Series {
  timeMs: number[];
  total: number[];
}

export class MetricsWatcher {
  private readonly series = new Map<string, Series>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<unknown> | undefined;
  private epochMs = 0;
  /** Spans stored by the backend at the last tick. */
  backendSpans = 0;

  constructor(
    private readonly topology: Topology,
    private readonly loads: () => readonly LoadRun[],
    private readonly intervalMs: number,
    private readonly onTick?: (s: ProgressSnapshot) => void,
  ) {}

  start(epochMs: number): void {
    this.epochMs = epochMs;
    this.timer = setInterval(() => {
      if (!this.ticking) this.ticking = this.tick().then(
        () => (this.ticking = undefined),
        () => (this.ticking = undefined),
      );
    }, this.intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
  }

  /** Scrapes everything once now and records a point. */
  async tick(): Promise<ProgressSnapshot> {
    const nodes = this.topology.allCollectors;
    await Promise.all(nodes.map((n) => n.scrape(false, 2000).catch(() => undefined)));
    try {
      this.backendSpans = (await this.topology.backend.admin.stats()).spans;
    } catch {
      // backend busy or partitioned: keep the last value
    }
    const now = Date.now() - this.epochMs;
    let loadgen = 0;
    for (const l of this.loads()) loadgen += l.progress().spansAccepted;
    this.add('loadgen', now, loadgen);
    for (const n of nodes) {
      const c = nodeTotals(n);
      this.add(`${n.name} in`, now, c.accepted);
      this.add(`${n.name} out`, now, c.sent);
    }
    this.add('backend', now, this.backendSpans);
    const countedDrops = this.countedDrops();
    const snapshot: ProgressSnapshot = {
      elapsedMs: now,
      rates: [...this.series.entries()].map(([name, s]) => ({ name, total: s.total[s.total.length - 1]!, perSecond: lastRate(s) })),
      behind: loadgen - this.backendSpans - countedDrops,
      countedDrops,
    };
    this.onTick?.(snapshot);
    return snapshot;
  }

  /** Drops counted so far by every collector instance (otelcol drop metrics). */
  countedDrops(): number {
    let n = 0;
    for (const node of this.topology.allCollectors) {
      for (const inst of node.instances) {
        const s = inst.countingScrape;
        if (!s) continue;
        for (const m of OTELCOL_DROP_METRICS) if (m.kind === 'drop') n += sumMetric(s.samples, m.name, m.labels);
      }
    }
    return n;
  }

  toResult(): HopSeries[] {
    return [...this.series.entries()].map(([name, s]) => ({
      name,
      timeMs: [...s.timeMs],
      total: [...s.total],
      perSecond: s.total.map((v, i) => (i === 0 ? 0 : Math.round(((v - s.total[i - 1]!) * 1000) / Math.max(1, s.timeMs[i]! - s.timeMs[i - 1]!)))),
    }));
  }

  private add(name: string, t: number, total: number): void {
    let s = this.series.get(name);
    if (!s) this.series.set(name, (s = { timeMs: [], total: [] }));
    s.timeMs.push(t);
    s.total.push(total);
  }
}

/** A node's counters over all its instances (each restart starts from zero). */
export function nodeTotals(n: CollectorNode): SpanTotals {
  const t = { accepted: 0, sent: 0, failed: 0, dropped: 0, refused: 0 };
  for (const inst of n.instances) {
    const c = instanceTotals(inst);
    t.accepted += c.accepted;
    t.sent += c.sent;
    t.failed += c.failed;
    t.dropped += c.dropped;
    t.refused += c.refused;
  }
  return t;
}

export interface SpanTotals {
  accepted: number;
  sent: number;
  failed: number;
  dropped: number;
  refused: number;
}

/** One process instance's counters, from its last scrape. */
export function instanceTotals(inst: ProcessInstance): SpanTotals {
  const s = inst.countingScrape;
  if (!s) return { accepted: 0, sent: 0, failed: 0, dropped: 0, refused: 0 };
  const c = collectorCounters(s.samples);
  return {
    accepted: c.receiverAccepted,
    sent: c.exporterSent,
    failed: c.exporterSendFailed + c.exporterEnqueueFailed,
    dropped: c.processorDropped,
    refused: c.receiverRefused,
  };
}

function lastRate(s: Series): number {
  const n = s.total.length;
  if (n < 2) return 0;
  return Math.round(((s.total[n - 1]! - s.total[n - 2]!) * 1000) / Math.max(1, s.timeMs[n - 1]! - s.timeMs[n - 2]!));
}
