/**
 * The batch processor's own metrics: otelcol's names, buckets and levels
 * (processor/batchprocessor/metadata.yaml), plus tailpipe's loss counters, which otelcol lacks.
 * Handles are bound to the processor label once (no label lookup per send).
 */
import type { SelfTelemetry } from '../../telemetry/self-telemetry.ts';
import type { Counter, Gauge, Histogram } from 'prom-client';

type BoundCounter = ReturnType<Counter<string>['labels']>;
type BoundGauge = ReturnType<Gauge<string>['labels']>;
type BoundHistogram = ReturnType<Histogram<string>['labels']>;

const SIZE_BUCKETS = [
  10, 25, 50, 75, 100, 250, 500, 750, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000, 20000, 30000, 50000, 100000,
];
const BYTES_BUCKETS = [
  128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144, 524288, 1048576, 2097152, 4194304, 8388608, 16777216,
];

export type SendTrigger = 'size' | 'timeout';

export class BatchTelemetry {
  private readonly sendSize: BoundHistogram;
  /** null below level detailed: otelcol computes the byte size only there. */
  private readonly sendSizeBytes: BoundHistogram | null;
  private readonly sizeTrigger: BoundCounter;
  private readonly timeoutTrigger: BoundCounter;
  private readonly cardinality: BoundGauge;
  private readonly dropped: BoundCounter;
  private readonly cardinalityRefused: BoundCounter;

  constructor(telemetry: SelfTelemetry, processorId: string) {
    const labels = { processor: processorId };
    const L = ['processor'];
    this.sendSize = telemetry
      .histogram('otelcol_processor_batch_batch_send_size', 'Number of units in the batch', L, SIZE_BUCKETS)
      .labels(labels);
    this.sendSizeBytes =
      telemetry.level === 'detailed'
        ? telemetry
            .histogram(
              'otelcol_processor_batch_batch_send_size_bytes',
              'Number of bytes in batch that was sent. Only available on detailed level.',
              L,
              BYTES_BUCKETS,
            )
            .labels(labels)
        : null;
    this.sizeTrigger = telemetry
      .counter('otelcol_processor_batch_batch_size_trigger_send', 'Number of times the batch was sent due to a size trigger', L)
      .labels(labels);
    this.timeoutTrigger = telemetry
      .counter('otelcol_processor_batch_timeout_trigger_send', 'Number of times the batch was sent due to a timeout trigger', L)
      .labels(labels);
    this.cardinality = telemetry
      .gauge('otelcol_processor_batch_metadata_cardinality', 'Number of distinct metadata value combinations being processed', L)
      .labels(labels);
    this.dropped = telemetry
      .counter(
        'tailpipe_processor_batch_dropped_spans',
        'Spans the batch processor had accepted and lost because the next component refused the batch they were sent in.',
        L,
      )
      .labels(labels);
    this.cardinalityRefused = telemetry
      .counter(
        'tailpipe_processor_batch_metadata_cardinality_refused_spans',
        'Spans refused because metadata_cardinality_limit batchers were already active.',
        L,
      )
      .labels(labels);
    this.sizeTrigger.inc(0);
    this.timeoutTrigger.inc(0);
    this.dropped.inc(0);
    this.cardinalityRefused.inc(0);
  }

  get detailed(): boolean {
    return this.sendSizeBytes !== null;
  }

  /** A batch the next component accepted (otelcol records these only after a successful send). */
  onSent(trigger: SendTrigger, spans: number, bytes: number): void {
    if (trigger === 'size') this.sizeTrigger.inc();
    else this.timeoutTrigger.inc();
    this.sendSize.observe(spans);
    if (this.sendSizeBytes !== null) this.sendSizeBytes.observe(bytes);
  }

  onDropped(spans: number): void {
    this.dropped.inc(spans);
  }

  onCardinalityRefused(spans: number): void {
    this.cardinalityRefused.inc(spans);
  }

  setCardinality(n: number): void {
    this.cardinality.set(n);
  }
}
