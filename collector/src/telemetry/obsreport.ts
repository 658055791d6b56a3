/**
 * Counting and timing helpers for components, as otelcol's receiverhelper / exporterhelper /
 * processorhelper give them: one object per component instance, labels bound once (prom-client
 * label lookups by object per call would allocate), otelcol's metric names.
 */
import type { Counter, Gauge, Histogram } from 'prom-client';
import type { SelfTelemetry } from './self-telemetry.ts';

type BoundCounter = ReturnType<Counter<string>['labels']>;

export class ReceiverObs {
  private readonly accepted: BoundCounter;
  private readonly refused: BoundCounter;
  private readonly failed: BoundCounter;

  constructor(telemetry: SelfTelemetry, receiverId: string, transport: string) {
    const labels = { receiver: receiverId, transport };
    this.accepted = telemetry
      .counter('otelcol_receiver_accepted_spans', 'Number of spans successfully pushed into the pipeline.', ['receiver', 'transport'])
      .labels(labels);
    this.refused = telemetry
      .counter('otelcol_receiver_refused_spans', 'Number of spans that could not be pushed into the pipeline.', ['receiver', 'transport'])
      .labels(labels);
    this.failed = telemetry
      .counter('otelcol_receiver_failed_spans', 'Number of spans that failed to be processed by the receiver due to internal errors.', ['receiver', 'transport'])
      .labels(labels);
    // Zero-initialise so dashboards and rate() see the series before the first event.
    this.accepted.inc(0);
    this.refused.inc(0);
    this.failed.inc(0);
  }

  onAccepted(spans: number): void {
    this.accepted.inc(spans);
  }

  /** Spans the pipeline refused (the sender was told and may retry). */
  onRefused(spans: number): void {
    this.refused.inc(spans);
  }

  /** Spans lost to an internal error (decode succeeded, but processing failed). */
  onFailed(spans: number): void {
    this.failed.inc(spans);
  }
}

export class ExporterObs {
  private readonly sent: BoundCounter;
  private readonly sendFailed: BoundCounter;
  private readonly enqueueFailed: BoundCounter;

  constructor(telemetry: SelfTelemetry, exporterId: string) {
    const labels = { exporter: exporterId };
    this.sent = telemetry
      .counter('otelcol_exporter_sent_spans', 'Number of spans successfully sent to destination.', ['exporter'])
      .labels(labels);
    this.sendFailed = telemetry
      .counter('otelcol_exporter_send_failed_spans', 'Number of spans in failed attempts to send to destination.', ['exporter'])
      .labels(labels);
    this.enqueueFailed = telemetry
      .counter('otelcol_exporter_enqueue_failed_spans', 'Number of spans failed to be added to the sending queue.', ['exporter'])
      .labels(labels);
    this.sent.inc(0);
    this.sendFailed.inc(0);
    this.enqueueFailed.inc(0);
  }

  onSent(spans: number): void {
    this.sent.inc(spans);
  }

  onSendFailed(spans: number): void {
    this.sendFailed.inc(spans);
  }

  onEnqueueFailed(spans: number): void {
    this.enqueueFailed.inc(spans);
  }
}

export class ProcessorObs {
  private readonly incoming: BoundCounter;
  private readonly outgoing: BoundCounter;

  constructor(telemetry: SelfTelemetry, processorId: string) {
    const labels = { processor: processorId, otel_signal: 'traces' };
    this.incoming = telemetry
      .counter('otelcol_processor_incoming_items', 'Number of items passed to the processor.', ['processor', 'otel_signal'])
      .labels(labels);
    this.outgoing = telemetry
      .counter('otelcol_processor_outgoing_items', 'Number of items emitted from the processor.', ['processor', 'otel_signal'])
      .labels(labels);
    this.incoming.inc(0);
    this.outgoing.inc(0);
  }

  onIncoming(spans: number): void {
    this.incoming.inc(spans);
  }

  onOutgoing(spans: number): void {
    this.outgoing.inc(spans);
  }
}

export type { Counter, Gauge, Histogram };
