/**
 * A histogram for per-trace observations (sampling_decision_latency: one per policy per trace).
 * prom-client's Histogram hashes and validates the label set on every observe(), about a
 * microsecond and a half here, which is most of the cost of deciding a one-span trace. This one
 * binds a series once and observes into a Float64Array of bucket counts; prom-client reads it at
 * scrape time through the registry's metric interface (get()), in the same exposition format.
 *
 * One instance per metric name per registry (several processors share it, as with
 * SelfTelemetry's metrics), found again through registry.getSingleMetric().
 */
import type { Registry } from 'prom-client';

export class FastHistogramSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  private readonly bounds: Float64Array;

  constructor(labels: Record<string, string>, bounds: Float64Array) {
    this.labels = labels;
    this.bounds = bounds;
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    if (i < b.length) this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

interface ValueEntry {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

export class FastHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;
  private readonly bounds: Float64Array;
  private readonly series = new Map<string, FastHistogramSeries>();

  private constructor(name: string, help: string, buckets: readonly number[]) {
    this.name = name;
    this.help = help;
    this.bounds = Float64Array.from(buckets);
  }

  /** The registry's histogram of that name, created and registered on first use. */
  static in(registry: Registry, name: string, help: string, buckets: readonly number[]): FastHistogram {
    const existing = registry.getSingleMetric(name) as unknown;
    if (existing instanceof FastHistogram) return existing;
    const h = new FastHistogram(name, help, buckets);
    registry.registerMetric(h as unknown as Parameters<Registry['registerMetric']>[0]);
    return h;
  }

  /** The series for a label set (created once; keep the result). */
  bind(labels: Record<string, string>): FastHistogramSeries {
    const key = JSON.stringify(Object.entries(labels).sort());
    let s = this.series.get(key);
    if (s === undefined) {
      s = new FastHistogramSeries({ ...labels }, this.bounds);
      this.series.set(key, s);
    }
    return s;
  }

  /** prom-client's metric interface: the exposition values, cumulative buckets, +Inf, sum, count. */
  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: ValueEntry[] }> {
    const values: ValueEntry[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const s of this.series.values()) {
      let acc = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        acc += s.counts[i]!;
        values.push({ labels: { ...s.labels, le: this.bounds[i]! }, value: acc, metricName: bucketName });
      }
      values.push({ labels: { ...s.labels, le: '+Inf' }, value: s.count, metricName: bucketName });
      values.push({ labels: { ...s.labels }, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { ...s.labels }, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    for (const s of this.series.values()) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
    }
  }
}
