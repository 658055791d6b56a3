import { afterEach, describe, expect, it } from 'vitest';
import { SelfTelemetry } from './self-telemetry.ts';
import { createMetricsServer, MetricsServer } from './metrics-server.ts';
import { registerProcessMetrics } from './process-metrics.ts';

/** Prometheus text format -> map of `name{labels}` to value (HELP/TYPE lines skipped). */
function parsePromText(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const sp = line.lastIndexOf(' ');
    out.set(line.slice(0, sp), Number(line.slice(sp + 1)));
  }
  return out;
}

function typesOf(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) out.set(m[1]!, m[2]!);
  return out;
}

const servers: MetricsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.shutdown()));
});

async function startServer(telemetry: SelfTelemetry): Promise<{ server: MetricsServer; base: string }> {
  const server = new MetricsServer(telemetry, { host: '127.0.0.1', port: 0 });
  servers.push(server);
  await server.start();
  const addr = server.boundAddress()!;
  return { server, base: `http://${addr.host}:${addr.port}` };
}

describe('MetricsServer', () => {
  it('serves the registry at /metrics with prom-client content type', async () => {
    const telemetry = new SelfTelemetry('normal');
    telemetry.counter('otelcol_exporter_sent_spans', 'sent', ['exporter']).labels({ exporter: 'otlp/a' }).inc(42);
    const { base } = await startServer(telemetry);
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(telemetry.registry.contentType);
    const values = parsePromText(await res.text());
    expect(values.get('otelcol_exporter_sent_spans{exporter="otlp/a"}')).toBe(42);
  });

  it('answers 404 elsewhere and 405 for other methods', async () => {
    const { base } = await startServer(new SelfTelemetry());
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/metricsx`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST', body: 'x' })).status).toBe(405);
    expect((await fetch(`${base}/metrics?x=1`)).status).toBe(200);
  });

  it('answers 500 (and keeps serving) when collecting fails', async () => {
    const telemetry = new SelfTelemetry();
    let fail = true;
    telemetry.gauge('flaky', 'x', []);
    const original = telemetry.metricsText.bind(telemetry);
    telemetry.metricsText = () => (fail ? Promise.reject(new Error('boom')) : original());
    const { base } = await startServer(telemetry);
    expect((await fetch(`${base}/metrics`)).status).toBe(500);
    fail = false;
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
  });

  it('rejects start when the port is taken', async () => {
    const { server } = await startServer(new SelfTelemetry());
    const port = server.boundAddress()!.port;
    const second = new MetricsServer(new SelfTelemetry(), { host: '127.0.0.1', port });
    servers.push(second);
    await expect(second.start()).rejects.toThrow(/EADDRINUSE/);
  });

  it('shuts down without start, twice, and with a keep-alive client connected', async () => {
    const idle = new MetricsServer(new SelfTelemetry(), { host: '127.0.0.1', port: 0 });
    await idle.shutdown();
    await idle.shutdown();
    const { server, base } = await startServer(new SelfTelemetry());
    await (await fetch(`${base}/metrics`, { headers: { connection: 'keep-alive' } })).text();
    await server.shutdown();
    await server.shutdown();
    expect(server.boundAddress()).toBeUndefined();
    await expect(fetch(`${base}/metrics`)).rejects.toThrow();
  });

  it('createMetricsServer: no server at level none', () => {
    const t = new SelfTelemetry('none');
    expect(createMetricsServer(t, { level: 'none', host: 'localhost', port: 8888 })).toBeNull();
    expect(createMetricsServer(t, { level: 'basic', host: 'localhost', port: 8888 })).toBeInstanceOf(MetricsServer);
  });
});

describe('process metrics', () => {
  it('are computed on scrape, with otelcol names and types', async () => {
    const telemetry = new SelfTelemetry();
    let now = 1_000_000;
    let heapUsed = 5_000;
    const mem = (): NodeJS.MemoryUsage => ({ rss: 123_456, heapTotal: 10_000, heapUsed, external: 2_000, arrayBuffers: 500 });
    registerProcessMetrics(telemetry, {
      startTimeMs: 1_000_000,
      now: () => now,
      cpuUsage: () => ({ user: 1_500_000, system: 500_000 }),
      memoryUsage: mem,
    });
    const { base } = await startServer(telemetry);

    now += 2_500;
    let text = await (await fetch(`${base}/metrics`)).text();
    let v = parsePromText(text);
    expect(v.get('otelcol_process_uptime')).toBe(2.5);
    expect(v.get('otelcol_process_cpu_seconds')).toBe(2);
    expect(v.get('otelcol_process_memory_rss')).toBe(123_456);
    expect(v.get('otelcol_process_runtime_heap_alloc_bytes')).toBe(5_000);
    expect(v.get('otelcol_process_runtime_total_alloc_bytes')).toBe(5_000);
    expect(v.get('otelcol_process_runtime_total_sys_memory_bytes')).toBe(12_000);
    const types = typesOf(text);
    expect(types.get('otelcol_process_uptime')).toBe('counter');
    expect(types.get('otelcol_process_cpu_seconds')).toBe('counter');
    expect(types.get('otelcol_process_runtime_total_alloc_bytes')).toBe('counter');
    expect(types.get('otelcol_process_memory_rss')).toBe('gauge');

    // Heap shrinks (GC) then grows: total_alloc never decreases and adds only growth.
    heapUsed = 3_000;
    now += 1_000;
    v = parsePromText(await (await fetch(`${base}/metrics`)).text());
    expect(v.get('otelcol_process_runtime_total_alloc_bytes')).toBe(5_000);
    expect(v.get('otelcol_process_uptime')).toBe(3.5);
    heapUsed = 4_500;
    text = await (await fetch(`${base}/metrics`)).text();
    v = parsePromText(text);
    expect(v.get('otelcol_process_runtime_total_alloc_bytes')).toBe(6_500);
    expect(v.get('otelcol_process_runtime_heap_alloc_bytes')).toBe(4_500);
  });

  it('read the real process by default', async () => {
    const telemetry = new SelfTelemetry();
    registerProcessMetrics(telemetry, { startTimeMs: Date.now() - 10_000 });
    const v = parsePromText(await telemetry.metricsText());
    expect(v.get('otelcol_process_uptime')).toBeGreaterThanOrEqual(10);
    expect(v.get('otelcol_process_memory_rss')).toBeGreaterThan(1_000_000);
    expect(v.get('otelcol_process_cpu_seconds')).toBeGreaterThan(0);
  });
});
