import { describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';
import { parsePrometheusText, scrapePrometheus, sumMetric } from './prometheus-text.ts';

const text = `# HELP otelcol_exporter_send_failed_spans Number of spans in failed attempts to send to destination.
# TYPE otelcol_exporter_send_failed_spans counter
otelcol_exporter_send_failed_spans{exporter="otlp/tempo",service_instance_id="a b"} 12
otelcol_exporter_send_failed_spans{exporter="otlp/other"} 3
otelcol_exporter_enqueue_failed_spans_total{exporter="otlp/tempo"} 5 1700000000000
otelcol_receiver_refused_spans{receiver="otlp",transport="grpc",note="a \\"quoted\\" value, with {braces}\\\\"} 7
otelcol_process_uptime 1.5e+03
weird_values{kind="inf"} +Inf
weird_values{kind="nan"} NaN
`;

describe('Prometheus text parser', () => {
  it('parses names, escaped labels, values and optional timestamps', () => {
    const samples = parsePrometheusText(text);
    expect(samples).toHaveLength(7);
    expect(samples[3]).toEqual({
      name: 'otelcol_receiver_refused_spans',
      labels: { receiver: 'otlp', transport: 'grpc', note: 'a "quoted" value, with {braces}\\' },
      value: 7,
    });
    expect(samples[4]!.value).toBe(1500);
    expect(samples[5]!.value).toBe(Infinity);
    expect(Number.isNaN(samples[6]!.value)).toBe(true);
  });

  it('sums a family by name with exact and regex label filters, with or without _total', () => {
    const samples = parsePrometheusText(text);
    expect(sumMetric(samples, 'otelcol_exporter_send_failed_spans')).toBe(15);
    expect(sumMetric(samples, 'otelcol_exporter_send_failed_spans', { exporter: 'otlp/tempo' })).toBe(12);
    expect(sumMetric(samples, 'otelcol_exporter_send_failed_spans', { exporter: /otlp\/.*/ })).toBe(15);
    expect(sumMetric(samples, 'otelcol_exporter_send_failed_spans', { exporter: /tempo/ })).toBe(0);
    expect(sumMetric(samples, 'otelcol_exporter_enqueue_failed_spans')).toBe(5);
    expect(sumMetric(samples, 'otelcol_exporter_send_failed_spans', { missing_label: '' })).toBe(15);
    expect(sumMetric(samples, 'otelcol_exporter')).toBe(0);
  });

  it('rejects malformed lines with the line number', () => {
    expect(() => parsePrometheusText('ok 1\nbad{x="1" 2\n')).toThrow(/line 2/);
    expect(() => parsePrometheusText('no_value\n')).toThrow(/line 1/);
  });

  it('scrapes a metrics endpoint over HTTP', async () => {
    const server = createServer((_req, res) => res.end(text));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    onTestFinished(() => new Promise<void>((r) => server.close(() => r())));
    const samples = await scrapePrometheus(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`);
    expect(sumMetric(samples, 'otelcol_receiver_refused_spans', { transport: 'grpc' })).toBe(7);
  });
});
