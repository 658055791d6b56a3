/**
 * The collector as users run it: a child process started from the CLI with a YAML file, fed by
 * the official OpenTelemetry JS SDK exporters (gRPC, HTTP/protobuf, HTTP/JSON), exporting over
 * OTLP/gRPC to a real sink; SIGTERM drains the pipeline before exit.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { SpanStatusCode } from '@opentelemetry/api';
import { freePort } from './helpers/free-port.ts';
import { OtlpGrpcSink } from './helpers/otlp-sink.ts';
import { CollectorProcess, REPO_ROOT } from './helpers/collector-process.ts';
import { execFileSync } from 'node:child_process';

async function sendSpans(exporter: SpanExporter, service: string, count: number): Promise<string[]> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new BatchSpanProcessor(exporter, { maxExportBatchSize: 16, scheduledDelayMillis: 50 })],
  });
  const tracer = provider.getTracer('e2e-test', '1.2.3');
  const ids: string[] = [];
  for (let k = 0; k < count; k++) {
    const span = tracer.startSpan(`${service}-op-${k}`, { attributes: { 'test.seq': k, 'test.flag': k % 2 === 0, 'test.name': `n${k}` } });
    if (k % 5 === 0) span.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
    span.addEvent('checkpoint', { step: k });
    ids.push(span.spanContext().spanId);
    span.end();
  }
  await provider.forceFlush();
  await provider.shutdown();
  return ids;
}

describe('collector process (CLI) end to end', () => {
  let dir: string;
  let sink: OtlpGrpcSink;
  let collector: CollectorProcess | null = null;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tp-e2e-'));
    sink = new OtlpGrpcSink();
    await sink.start();
  });

  afterEach(async () => {
    await collector?.stop();
    collector = null;
    await sink.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('receives from the three SDK exporters, exports every span, drains on SIGTERM', async () => {
    const [grpcPort, httpPort, healthPort, metricsPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const config = join(dir, 'config.yaml');
    // A long batch timeout and a large batch size: nothing is sent until shutdown drains it.
    writeFileSync(
      config,
      `
receivers:
  otlp:
    protocols:
      grpc: { endpoint: 127.0.0.1:${grpcPort} }
      http: { endpoint: 127.0.0.1:${httpPort} }
processors:
  batch:
    timeout: 60s
    send_batch_size: 100000
exporters:
  otlp/sink:
    endpoint: 127.0.0.1:\${env:SINK_PORT}
    tls: { insecure: true }
extensions:
  health_check: { endpoint: 127.0.0.1:${healthPort} }
service:
  extensions: [health_check]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [otlp/sink]
  telemetry:
    metrics: { address: 127.0.0.1:${metricsPort} }
`,
    );
    collector = new CollectorProcess(['--config', config], { SINK_PORT: String(sink.port) });
    await collector.waitHealthy(`http://127.0.0.1:${healthPort}/`);

    const sent = [
      ...(await sendSpans(new GrpcExporter({ url: `http://127.0.0.1:${grpcPort}` }), 'svc-grpc', 40)),
      ...(await sendSpans(new ProtoExporter({ url: `http://127.0.0.1:${httpPort}/v1/traces` }), 'svc-proto', 30)),
      ...(await sendSpans(new JsonExporter({ url: `http://127.0.0.1:${httpPort}/v1/traces` }), 'svc-json', 20)),
    ];

    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const accepted = (transport: string) =>
      Number(new RegExp(`otelcol_receiver_accepted_spans\\{[^}]*transport="${transport}"[^}]*\\} (\\d+)`).exec(metrics)?.[1]);
    expect(accepted('grpc')).toBe(40);
    expect(accepted('http')).toBe(50);
    expect(sink.requests.length).toBe(0); // still batched

    collector.child.kill('SIGTERM');
    const exit = await collector.exited;
    expect(exit.code).toBe(0);

    const got = sink.spans();
    expect(got.map((s) => s.spanId.toString('hex')).sort()).toEqual([...sent].sort());
    const one = got.find((s) => s.name === 'svc-json-op-5')!;
    expect(one.status.code).toBe(2);
    expect(one.status.message).toBe('boom');
    expect(one.attributes).toContainEqual({ key: 'test.seq', value: { intValue: 5n } });
    expect(one.attributes).toContainEqual({ key: 'test.flag', value: { boolValue: false } });
    expect(one.events[0]!.name).toBe('checkpoint');
    // Logs are JSON lines carrying the component id.
    expect(collector.logLines().some((l) => l['otelcol.component.id'] === 'otlp/sink' || l['otelcol.component.id'] === 'otlp')).toBe(true);
  });

  it('the bundle that `npm run collector` builds runs the same pipeline', async () => {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO_ROOT });
    const [grpcPort, healthPort] = await Promise.all([freePort(), freePort()]);
    const config = join(dir, 'bundle.yaml');
    writeFileSync(
      config,
      `
receivers: { otlp: { protocols: { grpc: { endpoint: 127.0.0.1:${grpcPort} } } } }
processors: { batch: { timeout: 10ms } }
exporters: { otlp: { endpoint: 127.0.0.1:${sink.port}, tls: { insecure: true } } }
extensions: { health_check: { endpoint: 127.0.0.1:${healthPort} } }
service:
  extensions: [health_check]
  pipelines: { traces: { receivers: [otlp], processors: [batch], exporters: [otlp] } }
  telemetry: { metrics: { level: none } }
`,
    );
    collector = new CollectorProcess(['--config', config], {}, { bundle: true });
    await collector.waitHealthy(`http://127.0.0.1:${healthPort}/`);
    const sent = await sendSpans(new GrpcExporter({ url: `http://127.0.0.1:${grpcPort}` }), 'svc-bundle', 10);
    await sink.waitForSpans(10);
    expect(sink.spans().map((s) => s.spanId.toString('hex')).sort()).toEqual([...sent].sort());
  });

  it('validate prints every problem with its YAML path and exits 1', async () => {
    const config = join(dir, 'bad.yaml');
    writeFileSync(
      config,
      `
receivers:
  otlp:
    protocols:
      grpc:
processors:
  batch:
    timeout: soon
    send_batch_sise: 10
exporters:
  nosuch: {}
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [nosuch]
`,
    );
    collector = new CollectorProcess(['validate', '--config', config]);
    const exit = await collector.exited;
    expect(exit.code).toBe(1);
    expect(collector.stdout).toContain('processors.batch.timeout: expected a duration like "200ms"');
    expect(collector.stdout).toContain('processors.batch.send_batch_sise: unknown key "send_batch_sise"');
    expect(collector.stdout).toMatch(/exporters\.nosuch: unknown exporter type "nosuch"; known types: .*otlp/);
  });

  it('a config error at startup exits 1 without a stack trace', async () => {
    const config = join(dir, 'bad.yaml');
    writeFileSync(config, 'receivers: {}\nservice: {pipelines: {metrics: {receivers: [], exporters: []}}}\n');
    collector = new CollectorProcess(['--config', config]);
    const exit = await collector.exited;
    expect(exit.code).toBe(1);
    expect(collector.stderr).toContain('metrics pipelines are not supported yet');
    expect(collector.stderr).not.toContain('    at ');
  });
});
