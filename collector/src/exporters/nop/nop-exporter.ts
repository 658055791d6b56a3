/**
 * nop exporter: accepts every batch and discards it. The spans are counted as sent
 * (otelcol_exporter_sent_spans), so a pipeline ending here still shows its throughput; useful to
 * measure a collector without a backend and as a sink in tests.
 */
import type { CreateSettings, Exporter, Host } from '../../component/types.ts';
import type { SpanBatch } from '../../pdata/span-batch.ts';
import { ExporterObs } from '../../telemetry/obsreport.ts';

export class NopExporter implements Exporter {
  private readonly obs: ExporterObs;
  /** Spans accepted since creation (the same number as the sent-spans metric, without a scrape). */
  sentSpans = 0;

  constructor(settings: CreateSettings) {
    this.obs = new ExporterObs(settings.telemetry, settings.id.id);
  }

  async start(_host: Host): Promise<void> {}

  async shutdown(): Promise<void> {}

  async consume(batch: SpanBatch): Promise<void> {
    this.sentSpans += batch.spanCount;
    this.obs.onSent(batch.spanCount);
  }
}
