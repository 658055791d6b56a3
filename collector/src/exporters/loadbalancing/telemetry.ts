/**
 * The loadbalancer's self-metrics: otelcol-contrib's five (same names and labels, so its
 * dashboards work) and two of ours for what otelcol does not do (re-routing, health).
 * Counted per resolution or per sub-batch, never per span, so prom-client's label hashing is
 * not on the per-span path.
 */
import type { Counter, Gauge, Histogram } from 'prom-client';
import type { SelfTelemetry } from '../../telemetry/self-telemetry.ts';

/** otelcol-contrib's backend_latency buckets (milliseconds). */
const LATENCY_BUCKETS_MS = [5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];

export class LoadBalancerTelemetry {
  private readonly numBackends: Gauge<string>;
  private readonly numResolutions: Counter<string>;
  private readonly numBackendUpdates: Counter<string>;
  private readonly latency: Histogram<string>;
  private readonly outcome: Counter<string>;
  private readonly rerouted: Counter<string>;
  private readonly healthy: Gauge<string>;
  private readonly exporterId: string;

  constructor(telemetry: SelfTelemetry, exporterId: string) {
    this.exporterId = exporterId;
    this.numBackends = telemetry.gauge('otelcol_loadbalancer_num_backends', 'Current number of backends in use.', ['resolver']);
    this.numResolutions = telemetry.counter('otelcol_loadbalancer_num_resolutions', 'Number of times the resolver has triggered new resolutions.', ['resolver', 'success']);
    this.numBackendUpdates = telemetry.counter('otelcol_loadbalancer_num_backend_updates', 'Number of times the list of backends was updated.', ['resolver']);
    this.latency = telemetry.histogram('otelcol_loadbalancer_backend_latency', 'Response latency in ms for the backends.', ['endpoint'], LATENCY_BUCKETS_MS);
    this.outcome = telemetry.counter('otelcol_loadbalancer_backend_outcome', 'Number of successes and failures for each endpoint.', ['endpoint', 'success']);
    this.rerouted = telemetry.counter(
      'tailpipe_loadbalancer_rerouted_spans',
      'Spans sent again through a newer ring because their backend left, became unhealthy or was shut down while holding them.',
      ['exporter'],
    );
    this.healthy = telemetry.gauge('tailpipe_loadbalancer_backend_healthy', 'Whether a backend is in the ring (1) or taken out as unhealthy (0).', ['exporter', 'endpoint']);
  }

  onResolution(resolver: string, success: boolean): void {
    this.numResolutions.labels(resolver, String(success)).inc();
  }

  onBackends(resolver: string, count: number, changed: boolean): void {
    this.numBackends.labels(resolver).set(count);
    if (changed) this.numBackendUpdates.labels(resolver).inc();
  }

  onOutcome(endpoint: string, success: boolean, ms: number): void {
    this.latency.labels(endpoint).observe(ms);
    this.outcome.labels(endpoint, String(success)).inc();
  }

  onRerouted(spans: number): void {
    this.rerouted.labels(this.exporterId).inc(spans);
  }

  onHealth(endpoint: string, healthy: boolean): void {
    this.healthy.labels(this.exporterId, endpoint).set(healthy ? 1 : 0);
  }

  onBackendGone(endpoint: string): void {
    this.healthy.remove(this.exporterId, endpoint);
  }
}
