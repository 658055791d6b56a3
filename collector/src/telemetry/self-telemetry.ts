/**
 * Self-telemetry: one prom-client registry per collector instance (no module-level state, so a
 * collector can live in a worker thread and tests can run several in one process). Metric names
 * and labels are otelcol's, so existing dashboards and alerts work unchanged.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export type MetricsLevel = 'none' | 'basic' | 'normal' | 'detailed';

/**
 * A counter for hot paths: a plain number field. prom-client's bound counters re-hash their
 * labels on every inc() (measured ~240 ns vs ~20 ns); these are folded into the Prometheus
 * counter only when /metrics is scraped.
 */
export class FastCounter {
  value = 0;
  /** Value already added to the prom-client counter. */
  reported = 0;
  constructor(readonly labels: Readonly<Record<string, string>>) {}

  add(n: number): void {
    this.value += n;
  }
}

export class SelfTelemetry {
  readonly registry: Registry;
  readonly level: MetricsLevel;
  private readonly counters = new Map<string, Counter<string>>();
  private readonly gauges = new Map<string, Gauge<string>>();
  private readonly histograms = new Map<string, Histogram<string>>();
  private readonly fastCounters = new Map<string, FastCounter[]>();

  constructor(level: MetricsLevel = 'normal') {
    this.registry = new Registry();
    this.level = level;
  }

  /** Get or create a counter; the same name always returns the same instance. */
  counter(name: string, help: string, labelNames: readonly string[]): Counter<string> {
    let c = this.counters.get(name);
    if (c === undefined) {
      c = new Counter({ name, help, labelNames: [...labelNames], registers: [this.registry] });
      this.counters.set(name, c);
    }
    return c;
  }

  /**
   * A hot-path counter for one label set of the counter family `name`. The family is a normal
   * prom-client Counter whose collect() adds what the FastCounters gained since the last scrape.
   */
  fastCounter(name: string, help: string, labels: Readonly<Record<string, string>>): FastCounter {
    let list = this.fastCounters.get(name);
    if (list === undefined) {
      const members: FastCounter[] = [];
      list = members;
      this.fastCounters.set(name, members);
      const c = new Counter({
        name,
        help,
        labelNames: Object.keys(labels),
        registers: [this.registry],
        collect() {
          for (const m of members) {
            const delta = m.value - m.reported;
            // Always touch the series so it is exported at 0 before the first event.
            this.labels(m.labels).inc(delta);
            m.reported = m.value;
          }
        },
      });
      this.counters.set(name, c);
    }
    const existing = list.find((m) => sameLabels(m.labels, labels));
    if (existing !== undefined) return existing;
    const fc = new FastCounter({ ...labels });
    list.push(fc);
    return fc;
  }

  gauge(name: string, help: string, labelNames: readonly string[]): Gauge<string> {
    let g = this.gauges.get(name);
    if (g === undefined) {
      g = new Gauge({ name, help, labelNames: [...labelNames], registers: [this.registry] });
      this.gauges.set(name, g);
    }
    return g;
  }

  histogram(name: string, help: string, labelNames: readonly string[], buckets: number[]): Histogram<string> {
    let h = this.histograms.get(name);
    if (h === undefined) {
      h = new Histogram({ name, help, labelNames: [...labelNames], buckets, registers: [this.registry] });
      this.histograms.set(name, h);
    }
    return h;
  }

  async metricsText(): Promise<string> {
    return this.registry.metrics();
  }
}

function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (a[k] !== b[k]) return false;
  return true;
}
