/**
 * Passthrough: testbed generator --OTLP/gRPC--> collector (otlp -> batch -> otlp) --OTLP/gRPC-->
 * mock backend, all real processes on loopback. Reported per case:
 *   - spans the backend received per CPU-second of the collector process (utime+stime from
 *     /proc over the steady window, after a warm-up), i.e. spans/s per core;
 *   - the collector's peak RSS;
 *   - achieved rate vs offered rate, and loss (must be 0).
 * The generator and the backend share the same 2 cores, so the collector's own CPU is the figure
 * to read, not wall-clock throughput.
 */
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ManagedProcess } from '../testbed/src/process/managed-process.ts';
import { getFreePorts } from '../testbed/src/process/free-port.ts';
import { readCpuTicks, clockTicksPerSecond, ResourceSampler } from '../testbed/src/process/resource-sampler.ts';
import { BackendAdminClient } from '../testbed/src/backend/admin-client.ts';
import { startLoad } from '../testbed/src/loadgen/load-run.ts';

export interface PassthroughResult {
  shape: 'classic' | 'otelcol-testbed';
  offeredRate: number;
  achievedRate: number;
  collectorCpuSeconds: number;
  spansPerCpuSecond: number;
  collectorRssMaxMiB: number;
  spansSent: number;
  spansReceived: number;
  loss: number;
}

const NODE_TSX = [process.execPath, '--import', 'tsx'];

function collectorConfig(grpcPort: number, healthPort: number, metricsPort: number, backendPort: number): string {
  return `
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${grpcPort}
        max_recv_msg_size_mib: 64
processors:
  batch:
exporters:
  otlp:
    endpoint: 127.0.0.1:${backendPort}
    compression: none
    tls: { insecure: true }
extensions:
  health_check: { endpoint: 127.0.0.1:${healthPort} }
service:
  extensions: [health_check]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [otlp]
  telemetry:
    metrics: { address: 127.0.0.1:${metricsPort} }
    logs: { level: warn }
`;
}

export async function runPassthrough(
  shape: PassthroughResult['shape'],
  rate: number,
  durationMs: number,
  warmupMs = 3000,
  collectorNodeArgs: string[] = [],
): Promise<PassthroughResult> {
  execFileSync(process.execPath, ['scripts/build.mjs']);
  const dir = mkdtempSync(join(tmpdir(), 'tp-bench-'));
  let backend: ManagedProcess | undefined;
  let collector: ManagedProcess | undefined;
  try {
    backend = await ManagedProcess.start({
      name: 'backend',
      command: NODE_TSX[0]!,
      args: [...NODE_TSX.slice(1), 'testbed/src/backend/main.ts', '--grpc-port', '0', '--http-port', '0', '--admin-port', '0'],
    });
    const ports = await backend.waitForJsonLine<{ grpcPort: number; adminPort: number }>();
    const admin = new BackendAdminClient(`http://127.0.0.1:${ports.adminPort}`);
    const [grpcPort, healthPort, metricsPort] = await getFreePorts(3);
    const cfg = join(dir, 'collector.yaml');
    writeFileSync(cfg, collectorConfig(grpcPort!, healthPort!, metricsPort!, ports.grpcPort));
    // The collector runs as `npm run collector` runs it: the esbuild bundle on plain node.
    collector = await ManagedProcess.start({ name: 'collector', command: process.execPath, args: [...collectorNodeArgs, 'dist/collector.mjs', '--config', cfg] });
    await collector.waitForHealthy(`http://127.0.0.1:${healthPort}/`, 30_000);
    const sampler = new ResourceSampler(collector.pid, 500).start();

    const load = startLoad({
      endpoint: `127.0.0.1:${grpcPort}`,
      protocol: 'grpc',
      rate,
      duration: durationMs + warmupMs,
      shape: { preset: shape, error_rate: 0.01 },
      max_queue_size: 1_000_000,
      max_export_batch_size: 512,
      max_concurrent_exports: 4,
      workers: 1,
    });
    await new Promise((r) => setTimeout(r, warmupMs));
    const ticks0 = readCpuTicks(collector.pid)!;
    const recv0 = (await admin.stats()).spans;
    const t0 = performance.now();
    const report = await load.done;
    const seconds = (performance.now() - t0) / 1000;
    // Let the last batch (200 ms timeout) reach the backend before reading; its CPU counts too.
    await new Promise((r) => setTimeout(r, 1000));
    const ticks1 = readCpuTicks(collector.pid)!;
    const stats = await admin.stats();
    const cpu = (ticks1 - ticks0) / clockTicksPerSecond();
    const summary = sampler.stop();
    const windowSpans = stats.spans - recv0;
    return {
      shape,
      offeredRate: rate,
      achievedRate: Math.round(windowSpans / seconds),
      collectorCpuSeconds: Math.round(cpu * 100) / 100,
      spansPerCpuSecond: Math.round(windowSpans / cpu),
      collectorRssMaxMiB: Math.round(summary.rssMaxBytes / 1048576),
      spansSent: report.counters.spansAccepted,
      spansReceived: stats.spans,
      loss: report.counters.spansAccepted - stats.spans,
    };
  } finally {
    await collector?.stop();
    await backend?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const duration = Number(process.env.BENCH_DURATION_MS ?? 10_000);
  const flags = (process.env.COLLECTOR_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  for (const [shape, rate] of [
    ['otelcol-testbed', 100_000],
    ['classic', 100_000],
    ['otelcol-testbed', 300_000],
    ['classic', 300_000],
  ] as const) {
    console.log(JSON.stringify(await runPassthrough(shape, rate, duration, 3000, flags)));
  }
  process.exit(0);
}
