/**
 * The exporter's queue self-metrics, beside ExporterObs's sent / send_failed / enqueue_failed:
 *
 *   otelcol_exporter_queue_size          {exporter, data_type}  gauge, read at scrape time
 *   otelcol_exporter_queue_capacity      {exporter, data_type}  gauge
 *   otelcol_exporter_in_flight_requests  {exporter}             gauge (sends between the queue and the destination)
 *   tailpipe_exporter_possible_duplicate_spans          {exporter}  counter
 *   tailpipe_exporter_persistent_queue_corrupt_records  {exporter}  counter
 *
 * Gauges are read by prom-client's collect() when /metrics is scraped, so the hot path only
 * updates plain number fields. Several exporters share one gauge family per registry: the family
 * (a Gauge subclass holding its members) is found again through the registry, never through
 * module state, so several collectors can live in one process.
 */
import { Gauge } from 'prom-client';
import type { FastCounter, SelfTelemetry } from '../../telemetry/self-telemetry.ts';

export const QUEUE_SIZE = 'otelcol_exporter_queue_size';
export const QUEUE_CAPACITY = 'otelcol_exporter_queue_capacity';
export const IN_FLIGHT = 'otelcol_exporter_in_flight_requests';
export const POSSIBLE_DUPLICATES = 'tailpipe_exporter_possible_duplicate_spans';
export const CORRUPT_RECORDS = 'tailpipe_exporter_persistent_queue_corrupt_records';

interface GaugeMember {
  readonly labels: Readonly<Record<string, string>>;
  read: () => number;
}

/** A gauge family whose values are read from its members at scrape time. */
class CollectedGauge extends Gauge<string> {
  readonly members: GaugeMember[] = [];
}

function gaugeMember(
  telemetry: SelfTelemetry,
  name: string,
  help: string,
  labels: Readonly<Record<string, string>>,
  read: () => number,
): void {
  let family = telemetry.registry.getSingleMetric(name);
  if (family === undefined) {
    family = new CollectedGauge({
      name,
      help,
      labelNames: Object.keys(labels),
      registers: [telemetry.registry],
      collect() {
        const self = this as CollectedGauge;
        for (const m of self.members) self.labels(m.labels).set(m.read());
      },
    });
  }
  if (!(family instanceof CollectedGauge)) throw new Error(`metric ${name} is already registered with another type`);
  const keys = Object.keys(labels);
  const existing = family.members.find((m) => keys.every((k) => m.labels[k] === labels[k]));
  // A new exporter instance with the same id (tests, a restarted service) takes the series over.
  if (existing !== undefined) existing.read = read;
  else family.members.push({ labels: { ...labels }, read });
}

export interface QueueGaugeSource {
  /** Used capacity, in the sizer's unit. */
  readonly size: number;
  readonly capacity: number;
}

export class QueueMetrics {
  /** Sends in progress (between the queue and the destination, retries included). */
  inFlight = 0;
  readonly possibleDuplicates: FastCounter;
  readonly corruptRecords: FastCounter;
  private readonly telemetry: SelfTelemetry;
  private readonly exporterId: string;

  constructor(telemetry: SelfTelemetry, exporterId: string) {
    this.telemetry = telemetry;
    this.exporterId = exporterId;
    const labels = { exporter: exporterId };
    this.possibleDuplicates = telemetry.fastCounter(
      POSSIBLE_DUPLICATES,
      'Spans sent again after an attempt whose outcome was unknown (timeout, aborted, or in flight at a crash): they may reach the destination twice.',
      labels,
    );
    this.corruptRecords = telemetry.fastCounter(
      CORRUPT_RECORDS,
      'Records of the persistent queue found corrupt or truncated on disk (skipped; their spans are counted as send failures when the record header says how many).',
      labels,
    );
    gaugeMember(telemetry, IN_FLIGHT, 'Number of export requests currently in flight.', labels, () => this.inFlight);
  }

  /** Registers the queue's size and capacity gauges (only exporters with a queue have them). */
  watchQueue(source: QueueGaugeSource): void {
    const labels = { exporter: this.exporterId, data_type: 'traces' };
    gaugeMember(this.telemetry, QUEUE_SIZE, 'Current size of the retry queue (in batches)', labels, () => source.size);
    gaugeMember(this.telemetry, QUEUE_CAPACITY, 'Fixed capacity of the retry queue (in batches)', labels, () => source.capacity);
  }
}
