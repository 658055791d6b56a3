/** A collector's span counters from its :8888 metrics (otelcol names, summed over labels). */
import { sumMetric, type PromSample } from '../accounting/prometheus-text.ts';
import type { CollectorCounters } from '../run/run-result.ts';

export function collectorCounters(samples: readonly PromSample[]): Omit<CollectorCounters, 'scrapedAtMs' | 'final'> {
  const memoryLimiter = sumMetric(samples, 'otelcol_processor_memory_limiter_refused_spans');
  return {
    receiverAccepted: sumMetric(samples, 'otelcol_receiver_accepted_spans'),
    receiverRefused: sumMetric(samples, 'otelcol_receiver_refused_spans'),
    receiverFailed: sumMetric(samples, 'otelcol_receiver_failed_spans'),
    exporterSent: sumMetric(samples, 'otelcol_exporter_sent_spans'),
    exporterSendFailed: sumMetric(samples, 'otelcol_exporter_send_failed_spans'),
    exporterEnqueueFailed: sumMetric(samples, 'otelcol_exporter_enqueue_failed_spans'),
    processorDropped: sumMetric(samples, 'otelcol_processor_dropped_spans'),
    // Older otelcol versions only have the generic processor name.
    memoryLimiterRefused: memoryLimiter || sumMetric(samples, 'otelcol_processor_refused_spans', { processor: /memory_limiter.*/ }),
  };
}

/**
 * Spans a collector holds (accepted, not yet sent, failed or dropped): an estimate of what a kill
 * at that moment loses. Meaningless for sampling pipelines (sampled-out spans count as held).
 */
export function heldSpans(samples: readonly PromSample[]): number {
  const c = collectorCounters(samples);
  return Math.max(0, c.receiverAccepted - c.exporterSent - c.exporterSendFailed - c.exporterEnqueueFailed - c.processorDropped);
}

/** otelcol names a loadbalancing exporter's per-backend exporters "otlp/<host:port>". */
const SUB_EXPORTER = /^otlp(_grpc)?\/.+:\d+$/;

/**
 * Drops the series of a loadbalancing exporter's per-backend sub-exporters. Their spans are the
 * loadbalancing exporter's too (counted twice otherwise), and their failures may be re-routed and
 * sent elsewhere: what the pipeline lost is what the loadbalancing exporter itself reports.
 */
export function withoutSubExporters(samples: PromSample[]): PromSample[] {
  if (!samples.some((s) => s.labels.exporter?.startsWith('loadbalancing'))) return samples;
  return samples.filter((s) => s.labels.exporter === undefined || !SUB_EXPORTER.test(s.labels.exporter));
}
