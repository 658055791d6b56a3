/**
 * Self-telemetry: one prom-client registry per collector instance (no module-level state, so a
 * collector can live in a worker thread and tests can run several in one process). Metric names
 * and labels are otelcol's, so existing dashboards and alerts work unchanged.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export type MetricsLevel = 'none' | 'basic' | 'normal' | 'detailed';

export class SelfTelemetry {
  readonly registry: Registry;
  readonly level: MetricsLevel;
  private readonly counters = new Map<string, Counter<string>>();
  private readonly gauges = new Map<string, Gauge<string>>();
  private readonly histograms = new Map<string, Histogram<string>>();

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
