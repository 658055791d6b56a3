import { describe, expect, it } from 'vitest';
import { SelfTelemetry } from './self-telemetry.ts';
import { ExporterObs, ReceiverObs } from './obsreport.ts';

function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('FastCounter', () => {
  it('exports series at 0 before any event and accumulates across scrapes', async () => {
    const t = new SelfTelemetry();
    const grpc = new ReceiverObs(t, 'otlp', 'grpc');
    const http = new ReceiverObs(t, 'otlp', 'http');
    let text = await t.metricsText();
    expect(sample(text, 'otelcol_receiver_accepted_spans', 'transport="grpc"')).toBe(0);
    grpc.onAccepted(5);
    grpc.onAccepted(7);
    http.onRefused(3);
    text = await t.metricsText();
    expect(sample(text, 'otelcol_receiver_accepted_spans', 'transport="grpc"')).toBe(12);
    expect(sample(text, 'otelcol_receiver_accepted_spans', 'transport="http"')).toBe(0);
    expect(sample(text, 'otelcol_receiver_refused_spans', 'transport="http"')).toBe(3);
    grpc.onAccepted(1);
    text = await t.metricsText();
    // Monotonic: the second scrape adds only what happened since the first.
    expect(sample(text, 'otelcol_receiver_accepted_spans', 'transport="grpc"')).toBe(13);
  });

  it('returns the same counter for the same name and labels', async () => {
    const t = new SelfTelemetry();
    const a = new ExporterObs(t, 'otlp/a');
    const b = new ExporterObs(t, 'otlp/a');
    a.onSent(2);
    b.onSent(3);
    expect(sample(await t.metricsText(), 'otelcol_exporter_sent_spans', 'exporter="otlp/a"')).toBe(5);
  });
});
