/**
 * Load generator throughput, in spans per second from one worker thread.
 *
 *   node --import tsx testbed/bench/loadgen.bench.ts [--spans 2000000] [--json]
 *
 * 1. generator alone: one Generator in this thread, a transport that accepts at once: the cost of
 *    scheduling, queueing, grouping, copying templates and patching ids and timestamps.
 * 2. one worker thread -> mock backend (a child process) over OTLP/gRPC and OTLP/HTTP protobuf,
 *    BatchSpanProcessor defaults (512-span batches, one export in flight; gRPC also with four),
 *    offered far more than the path carries, with a queue that holds every span so nothing is
 *    dropped: what one generator thread delivers end to end on loopback, with the generator and
 *    the backend sharing the machine's cores.
 *
 * The shape is the classic one (10 spans, 20 string attributes, ~700 bytes a span) with short
 * traces, so the run is not dominated by waiting for the last slow span to end.
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { cpus } from 'node:os';
import { startLoad } from '../src/loadgen/load-run.ts';
import type { LoadgenConfigInput } from '../src/loadgen/config.ts';
import { NullTransport } from '../src/loadgen/transports/null-transport.ts';
import { ManagedProcess } from '../src/process/managed-process.ts';
import { ResourceSampler } from '../src/process/resource-sampler.ts';
import { BackendAdminClient } from '../src/backend/admin-client.ts';
import type { BackendPorts } from '../src/backend/mock-backend.ts';

const { values } = parseArgs({
  options: { spans: { type: 'string', default: '2000000' }, json: { type: 'boolean', default: false } },
});
const spans = Number(values.spans);
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

const shape = { preset: 'classic', fast_min: 1, fast_max: 20, slow_share: 0.02, slow_threshold: 25, slow_max_factor: 2 } as const;
const base = (extra: Partial<LoadgenConfigInput>): LoadgenConfigInput => ({
  endpoint: 'unused:1',
  rate: 5_000_000,
  traces: Math.ceil(spans / 10),
  workers: 1,
  // Room for every span: the generator runs ahead and the export path sets the pace, so the figure
  // is what that path carries when saturated, with nothing dropped.
  max_queue_size: spans,
  shape,
  ...extra,
});

interface Row {
  case: string;
  spans: number;
  seconds: number;
  spansPerSecond: number;
  bytesPerSpan: number;
  dropped: number;
  generatorCpuPercent?: number;
  backendCpuPercent?: number;
}
const rows: Row[] = [];

async function generatorAlone(): Promise<void> {
  const transport = new NullTransport();
  const run = startLoad(base({}), { inThread: true, transportFactory: () => transport });
  const report = await run.done;
  const seconds = report.elapsedMs / 1000;
  rows.push({
    case: 'generator alone (this thread, null transport)',
    spans: report.counters.spansAccepted,
    seconds,
    spansPerSecond: report.counters.spansAccepted / seconds,
    bytesPerSpan: transport.bytes / report.counters.spansAccepted,
    dropped: report.counters.spansDroppedQueueFull,
  });
}

async function toBackend(protocol: 'grpc' | 'http/protobuf', concurrentExports = 1): Promise<void> {
  const backend = await ManagedProcess.start({
    name: 'mock-backend',
    command: process.execPath,
    args: ['--import', 'tsx', 'testbed/src/backend/main.ts', '--grpc-port', '0', '--http-port', '0', '--admin-port', '0'],
    cwd: repoRoot,
  });
  try {
    const ports = await backend.waitForJsonLine<BackendPorts>(15_000);
    const endpoint = protocol === 'grpc' ? `127.0.0.1:${ports.grpcPort}` : `http://127.0.0.1:${ports.httpPort}`;
    const backendCpu = new ResourceSampler(backend.pid, 500).start();
    const selfCpu = new ResourceSampler(process.pid, 500).start();
    const run = startLoad(base({ endpoint, protocol, max_concurrent_exports: concurrentExports }));
    const report = await run.done;
    const seconds = (Date.now() - report.epochMs) / 1000;
    const stats = await new BackendAdminClient(`http://127.0.0.1:${ports.adminPort}`).stats();
    if (stats.spans !== report.counters.spansAccepted) throw new Error(`backend holds ${stats.spans} spans, generator sent ${report.counters.spansAccepted}`);
    rows.push({
      case: `1 worker thread -> mock backend process, ${protocol}, ${concurrentExports} in flight`,
      spans: report.counters.spansAccepted,
      seconds,
      spansPerSecond: report.counters.spansAccepted / seconds,
      bytesPerSpan: report.counters.bytesSent / report.counters.spansAccepted,
      dropped: report.counters.spansDroppedQueueFull,
      generatorCpuPercent: selfCpu.stop().cpuAvgPercent,
      backendCpuPercent: backendCpu.stop().cpuAvgPercent,
    });
  } finally {
    await backend.stop();
  }
}

await generatorAlone();
await toBackend('grpc');
await toBackend('grpc', 4);
await toBackend('http/protobuf');

if (values.json) console.log(JSON.stringify({ node: process.version, cpus: cpus().length, rows }, null, 2));
else {
  console.log(`node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'})`);
  for (const r of rows) {
    const cpu = r.generatorCpuPercent === undefined ? '' : `  cpu: generator process ${r.generatorCpuPercent.toFixed(0)}%, backend ${r.backendCpuPercent!.toFixed(0)}%`;
    console.log(
      `${r.case.padEnd(66)} ${Math.round(r.spansPerSecond).toLocaleString('en-US').padStart(9)} spans/s  (${r.spans} spans in ${r.seconds.toFixed(2)} s, ${r.bytesPerSpan.toFixed(0)} B/span, ${r.dropped} dropped)${cpu}`,
    );
  }
}
