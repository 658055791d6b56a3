/**
 * What the sending queue costs: the exporter half of a passthrough collector, in this process —
 * index each request (what a receiver does) -> otlp exporter (queue -> metrics -> retry ->
 * timeout -> gRPC) -> the testbed's mock backend, a separate process. Four cases, alternated
 * round by round so drift hits them alike:
 *
 *   queue off           sending_queue.enabled: false (consume waits for the send)
 *   memory queue        the default queue (block_on_overflow so the driver is paced, not refused)
 *   persistent, no fsync  file_storage (tmp dir), fsync: false
 *   persistent, fsync   file_storage, fsync: true
 *
 * The figure is spans per CPU-second of this process (process.cpuUsage: every thread, so the
 * libuv threads doing file writes count), i.e. spans/s per core; the backend's CPU is not in it.
 * Wall-clock throughput is printed too (fsync is bound by the disk's flush latency, not CPU).
 * The backend's span count is checked: every case must deliver every span.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseComponentId, type Exporter, type Host } from '../collector/src/component/types.ts';
import { fileStorageConfigSchema } from '../collector/src/extensions/file_storage/config.ts';
import { FileStorageExtension } from '../collector/src/extensions/file_storage/file-storage.ts';
import { otlpExporterConfigSchema } from '../collector/src/exporters/otlp/config.ts';
import { otlpExporterFactory } from '../collector/src/exporters/otlp/factory.ts';
import { indexExportRequest } from '../collector/src/pdata/index-request.ts';
import { SelfTelemetry } from '../collector/src/telemetry/self-telemetry.ts';
import { BackendAdminClient } from '../testbed/src/backend/admin-client.ts';
import { ManagedProcess } from '../testbed/src/process/managed-process.ts';
import { makeRequest } from './fixtures.ts';

export type QueueCase = 'queue off' | 'memory queue' | 'persistent, no fsync' | 'persistent, fsync';
const CASES: QueueCase[] = ['queue off', 'memory queue', 'persistent, no fsync', 'persistent, fsync'];

export interface QueueCaseResult {
  case: QueueCase;
  spans: number;
  spansPerCpuSecond: number;
  spansPerWallSecond: number;
  /** Share of the CPU spent in the kernel (system time). */
  systemShare: number;
  /** Cost against "queue off", in % of CPU per span (positive = slower), from the medians. */
  costVsQueueOff: number | null;
}

const logger = pino({ level: 'silent' });
/**
 * consume() calls in flight, as concurrent client requests at a receiver would make them. Equal to
 * num_consumers, so "queue off" has as many sends in flight as the queued cases.
 */
const CONCURRENCY = 10;
const NODE_TSX = [process.execPath, '--import', 'tsx'];

interface Harness {
  exporter: Exporter;
  host: Host;
  cleanup(): Promise<void>;
}

async function harness(c: QueueCase, backendPort: number, dir: string, round: number): Promise<Harness> {
  const telemetry = new SelfTelemetry();
  const settings = (id: string, kind: 'exporter' | 'extension') => ({ id: parseComponentId(id), kind, logger, telemetry, pipelines: ['traces'] });
  const persistent = c.startsWith('persistent');
  const queue =
    c === 'queue off'
      ? { enabled: false }
      : { num_consumers: 10, queue_size: 64, block_on_overflow: true, ...(persistent ? { storage: 'file_storage' } : {}) };
  const config = otlpExporterConfigSchema.parse({
    endpoint: `127.0.0.1:${backendPort}`,
    tls: { insecure: true },
    compression: 'none',
    sending_queue: queue,
  });
  const exporter = otlpExporterFactory.createTracesExporter(settings('otlp', 'exporter'), config);
  let storage: FileStorageExtension | undefined;
  const storageDir = join(dir, `round-${round}-${c.replace(/\W+/g, '-')}`);
  if (persistent) {
    storage = new FileStorageExtension(
      settings('file_storage', 'extension'),
      fileStorageConfigSchema.parse({ directory: storageDir, create_directory: true, fsync: c === 'persistent, fsync' }),
    );
  }
  const host: Host = { getExtension: (id) => (id === 'file_storage' ? storage : undefined), status: 'running' };
  await storage?.start(host);
  return {
    exporter,
    host,
    cleanup: async () => {
      await storage?.shutdown();
      rmSync(storageDir, { recursive: true, force: true });
    },
  };
}

/** Feeds `requests` round-robin until `spans` spans went in, `concurrency` consume() calls at a time. */
async function drive(exporter: Exporter, requests: Buffer[], spans: number, spansPerRequest: number, concurrency: number): Promise<void> {
  let next = 0;
  const total = Math.ceil(spans / spansPerRequest);
  const worker = async (): Promise<void> => {
    while (next < total) {
      const buf = requests[next++ % requests.length]!;
      await exporter.consume(indexExportRequest(buf));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

export async function runExporterQueueBench(o: { spansPerCase?: number; rounds?: number; spansPerRequest?: number } = {}): Promise<QueueCaseResult[]> {
  const spansPerRequest = o.spansPerRequest ?? 512;
  const spansPerCase = o.spansPerCase ?? 200_000;
  const rounds = o.rounds ?? 7;
  const requests = Array.from({ length: 16 }, (_, k) => makeRequest('http-20-attr', spansPerRequest, k * spansPerRequest));
  const dir = mkdtempSync(join(tmpdir(), 'tp-qbench-'));
  const backend = await ManagedProcess.start({
    name: 'backend',
    command: NODE_TSX[0]!,
    args: [...NODE_TSX.slice(1), 'testbed/src/backend/main.ts', '--grpc-port', '0', '--http-port', '0', '--admin-port', '0'],
  });
  // Per round and case: spans per CPU-second, wall-clock rate, system share.
  const perRound = new Map<QueueCase, { cpu: number[]; wall: number[]; system: number[] }>(CASES.map((c) => [c, { cpu: [], wall: [], system: [] }]));
  let spansPerRun = 0;
  try {
    const ports = await backend.waitForJsonLine<{ grpcPort: number; adminPort: number }>();
    const admin = new BackendAdminClient(`http://127.0.0.1:${ports.adminPort}`);
    // Warm-up: JIT, connections, page cache.
    for (const c of CASES) {
      const h = await harness(c, ports.grpcPort, dir, -1);
      await h.exporter.start(h.host);
      await drive(h.exporter, requests, 50_000, spansPerRequest, CONCURRENCY);
      await h.exporter.shutdown();
      await h.cleanup();
    }
    for (let round = 0; round < rounds; round++) {
      for (const c of CASES) {
        await admin.reset();
        const h = await harness(c, ports.grpcPort, dir, round);
        await h.exporter.start(h.host);
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        await drive(h.exporter, requests, spansPerCase, spansPerRequest, CONCURRENCY);
        // Queued cases: shutdown drains, so the measurement covers every span's send.
        await h.exporter.shutdown();
        const wallMs = performance.now() - t0;
        const cpu = process.cpuUsage(cpu0);
        await h.cleanup();
        const stats = await admin.stats();
        const sent = Math.ceil(spansPerCase / spansPerRequest) * spansPerRequest;
        if (stats.spans !== sent) throw new Error(`${c}: backend received ${stats.spans} of ${sent} spans`);
        const r = perRound.get(c)!;
        const cpuMs = (cpu.user + cpu.system) / 1000;
        r.cpu.push((sent / cpuMs) * 1000);
        r.wall.push((sent / wallMs) * 1000);
        r.system.push(cpu.system / 1000 / cpuMs);
        spansPerRun = sent;
      }
    }
  } finally {
    await backend.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  // Medians: the machine is shared, and one disturbed round should not move the figure. The cost
  // is the ratio of the cases' medians (per-round ratios scatter more: one disturbed case skews
  // its round's ratio).
  const base = median(perRound.get('queue off')!.cpu);
  return CASES.map((c) => {
    const r = perRound.get(c)!;
    return {
      case: c,
      spans: spansPerRun * rounds,
      spansPerCpuSecond: Math.round(median(r.cpu)),
      spansPerWallSecond: Math.round(median(r.wall)),
      systemShare: Math.round(median(r.system) * 100) / 100,
      costVsQueueOff: c === 'queue off' ? null : Math.round((base / median(r.cpu) - 1) * 1000) / 10,
    };
  });
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await runExporterQueueBench({
    spansPerCase: Number(process.env.BENCH_SPANS ?? 200_000),
    rounds: Number(process.env.BENCH_ROUNDS ?? 7),
  });
  for (const r of results) console.log(JSON.stringify(r));
  console.log('\n| case | spans/s per core | spans/s (wall) | CPU per span vs queue off |\n|---|---|---|---|');
  for (const r of results) {
    console.log(`| ${r.case} | ${r.spansPerCpuSecond.toLocaleString('en')} | ${r.spansPerWallSecond.toLocaleString('en')} | ${r.costVsQueueOff === null ? '-' : `${r.costVsQueueOff > 0 ? '+' : ''}${r.costVsQueueOff} %`} |`);
  }
  process.exit(0);
}
