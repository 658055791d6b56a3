/**
 * Counting helpers for components, as otelcol's receiverhelper / exporterhelper /
 * processorhelper give them: one object per component instance, otelcol's metric names. They
 * count into FastCounters (plain numbers), folded into prom-client at scrape time, because a
 * prom-client inc() with labels costs ~10x more than the add (see self-telemetry.ts).
 */
import type { Counter, Gauge, Histogram } from 'prom-client';
import type { FastCounter, SelfTelemetry } from './self-telemetry.ts';

type BoundCounter = FastCounter;

export class ReceiverObs {
  private readonly accepted: BoundCounter;
  private readonly refused: BoundCounter;
  private readonly failed: BoundCounter;

  constructor(telemetry: SelfTelemetry, receiverId: string, transport: string) {
    const labels = { receiver: receiverId, transport };
    this.accepted = telemetry.fastCounter('otelcol_receiver_accepted_spans', 'Number of spans successfully pushed into the pipeline.', labels);
    this.refused = telemetry.fastCounter('otelcol_receiver_refused_spans', 'Number of spans that could not be pushed into the pipeline.', labels);
    this.failed = telemetry.fastCounter('otelcol_receiver_failed_spans', 'Number of spans that failed to be processed by the receiver due to internal errors.', labels);
  }

  onAccepted(spans: number): void {
    this.accepted.add(spans);
  }

  /** Spans the pipeline refused (the sender was told and may retry). */
  onRefused(spans: number): void {
    this.refused.add(spans);
  }

  /** Spans lost to an internal error (decode succeeded, but processing failed). */
  onFailed(spans: number): void {
    this.failed.add(spans);
  }
}

export class ExporterObs {
  private readonly sent: BoundCounter;
  private readonly sendFailed: BoundCounter;
  private readonly enqueueFailed: BoundCounter;

  constructor(telemetry: SelfTelemetry, exporterId: string) {
    const labels = { exporter: exporterId };
    this.sent = telemetry.fastCounter('otelcol_exporter_sent_spans', 'Number of spans successfully sent to destination.', labels);
    this.sendFailed = telemetry.fastCounter('otelcol_exporter_send_failed_spans', 'Number of spans in failed attempts to send to destination.', labels);
    this.enqueueFailed = telemetry.fastCounter('otelcol_exporter_enqueue_failed_spans', 'Number of spans failed to be added to the sending queue.', labels);
  }

  onSent(spans: number): void {
    this.sent.add(spans);
  }

  onSendFailed(spans: number): void {
    this.sendFailed.add(spans);
  }

  onEnqueueFailed(spans: number): void {
    this.enqueueFailed.add(spans);
  }
}

export class ProcessorObs {
  private readonly incoming: BoundCounter;
  private readonly outgoing: BoundCounter;

  constructor(telemetry: SelfTelemetry, processorId: string) {
    const labels = { processor: processorId, otel_signal: 'traces' };
    this.incoming = telemetry.fastCounter('otelcol_processor_incoming_items', 'Number of items passed to the processor.', labels);
    this.outgoing = telemetry.fastCounter('otelcol_processor_outgoing_items', 'Number of items emitted from the processor.', labels);
  }

  onIncoming(spans: number): void {
    this.incoming.add(spans);
  }

  onOutgoing(spans: number): void {
    this.outgoing.add(spans);
  }
}

export type { Counter, Gauge, Histogram };
