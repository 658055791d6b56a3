/**
 * Loadbalancing benchmark: what splitting by trace id costs an agent.
 *
 * The agent side runs in this process: each request is indexed (as the receiver does) and handed
 * to either
 *   - plain:  one `otlp` exporter to one gateway (the batch goes out as received), or
 *   - lb:     the `loadbalancing` exporter (routing_key traceID) over 3 gateways, so every
 *             request is hashed span by span, split in 3 and re-framed,
 * with 16 requests in flight. The gateways are 3 gRPC sinks in a child process, so this
 * process's CPU time is the agent's: spans per CPU-second = spans/s per core.
 * Rounds alternate plain / lb in the same run; the ratio is the figure to read.
 *
 *   node --import tsx bench/loadbalancing.bench.ts [--shape http-20-attr] [--spans 512,8192] [--spans-per-trace 1,8] [--rounds 4] [--seconds 3]
 *
 * 8192 spans per request is what reaches an exporter behind the batch processor's defaults.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { pino } from 'pino';
import type { Exporter } from '../collector/src/component/types.ts';
import { parseComponentId } from '../collector/src/component/types.ts';
import { LoadBalancingExporter } from '../collector/src/exporters/loadbalancing/factory.ts';
import { loadBalancingConfigSchema, type LoadBalancingConfig } from '../collector/src/exporters/loadbalancing/config.ts';
import { otlpExporterConfigSchema } from '../collector/src/exporters/otlp/config.ts';
import { otlpExporterFactory } from '../collector/src/exporters/otlp/factory.ts';
import { indexExportRequest } from '../collector/src/pdata/index-request.ts';
import { SelfTelemetry } from '../collector/src/telemetry/self-telemetry.ts';
import { ExportTraceServiceRequest, makeRequest, type SpanShape } from './fixtures.ts';

const SINKS = `
const grpc = require('@grpc/grpc-js');
const raw = (b) => b;
(async () => {
  const ports = [];
  for (let k = 0; k < 3; k++) {
    const s = new grpc.Server({ 'grpc.max_receive_message_length': -1 });
    s.register('/opentelemetry.proto.collector.trace.v1.TraceService/Export', (call, cb) => cb(null, Buffer.alloc(0)), raw, raw, 'unary');
    ports.push(await new Promise((res, rej) => s.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p)))));
  }
  console.log(JSON.stringify(ports));
})();
`;

async function startSinks(): Promise<{ child: ChildProcess; ports: number[] }> {
  const child = spawn(process.execPath, ['-e', SINKS], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  return { child, ports: JSON.parse(line.toString()) as number[] };
}

function settings(id: string) {
  return { id: parseComponentId(id), kind: 'exporter' as const, logger: pino({ level: 'silent' }), telemetry: new SelfTelemetry(), pipelines: ['traces'] };
}

const otlpTemplate = { tls: { insecure: true }, compression: 'none', sending_queue: { enabled: false }, retry_on_failure: { enabled: false } };
const host = { getExtension: () => undefined, status: 'running' as const };

/** Drives `exporter` with `inFlight` requests at a time for `seconds`; returns spans, wall and CPU seconds. */
async function drive(exporter: Exporter, requests: Buffer[], spansPerRequest: number, seconds: number, inFlight = spansPerRequest >= 4096 ? 4 : 16) {
  let spans = 0;
  let r = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      await exporter.consume(indexExportRequest(requests[r++ % requests.length]!));
      spans += spansPerRequest;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(cpu0);
  return { spans, wall, cpu: (c.user + c.system) / 1e6 };
}

export interface LoadBalancingBenchResult {
  shape: SpanShape;
  spansPerRequest: number;
  plainSpansPerCpuSec: number;
  lbSpansPerCpuSec: number;
  plainSpansPerSec: number;
  lbSpansPerSec: number;
  /** 1 - lb/plain, per CPU-second: the share of agent throughput the split costs. */
  splitCost: number;
}

/**
 * A request whose spans come `spansPerTrace` to a trace, consecutively (as an SDK's batch of
 * ended spans mostly is); 1 = every span its own trace (the worst case for the split: no two
 * neighbours go to the same gateway, so every span is re-framed on its own).
 */
function request(shape: SpanShape, spans: number, seed: number, spansPerTrace: number): Buffer {
  const buf = makeRequest(shape, spans, seed);
  if (spansPerTrace <= 1) return buf;
  const msg = ExportTraceServiceRequest.decode(buf) as unknown as { resourceSpans: { scopeSpans: { spans: { traceId: Uint8Array }[] }[] }[] };
  const list = msg.resourceSpans[0]!.scopeSpans[0]!.spans;
  for (let i = 0; i < list.length; i++) list[i]!.traceId = list[i - (i % spansPerTrace)]!.traceId;
  return Buffer.from(ExportTraceServiceRequest.encode(msg).finish());
}

export async function runLoadBalancingBench(
  shape: SpanShape = 'testbed-2-int',
  rounds = 4,
  seconds = 3,
  spansPerRequest = 512,
  spansPerTrace = 1,
): Promise<LoadBalancingBenchResult & { spansPerTrace: number }> {
  const { child, ports } = await startSinks();
  try {
    const requests = Array.from({ length: spansPerRequest >= 4096 ? 8 : 64 }, (_, k) => request(shape, spansPerRequest, k * spansPerRequest, spansPerTrace));
    const plain = otlpExporterFactory.createTracesExporter(settings('otlp'), otlpExporterConfigSchema.parse({ ...otlpTemplate, endpoint: `127.0.0.1:${ports[0]}` }));
    const lbConfig = loadBalancingConfigSchema.parse({
      protocol: { otlp: otlpTemplate },
      resolver: { static: { hostnames: ports.map((p) => `127.0.0.1:${p}`) } },
      backend_health: { probe_interval: 0 },
    }) as LoadBalancingConfig;
    const lb = new LoadBalancingExporter(settings('loadbalancing'), lbConfig);
    await plain.start(host);
    await lb.start(host);
    // Warm up both paths (JIT, connections).
    await drive(plain, requests, spansPerRequest, 1);
    await drive(lb, requests, spansPerRequest, 1);
    const acc = { plain: { spans: 0, wall: 0, cpu: 0 }, lb: { spans: 0, wall: 0, cpu: 0 } };
    for (let k = 0; k < rounds; k++) {
      for (const [name, exp] of [['plain', plain], ['lb', lb]] as const) {
        const r = await drive(exp, requests, spansPerRequest, seconds);
        acc[name].spans += r.spans;
        acc[name].wall += r.wall;
        acc[name].cpu += r.cpu;
      }
    }
    await plain.shutdown();
    await lb.shutdown();
    const perCpu = (a: { spans: number; cpu: number }) => a.spans / a.cpu;
    const perSec = (a: { spans: number; wall: number }) => a.spans / a.wall;
    return {
      shape,
      spansPerRequest,
      spansPerTrace,
      plainSpansPerCpuSec: Math.round(perCpu(acc.plain)),
      lbSpansPerCpuSec: Math.round(perCpu(acc.lb)),
      plainSpansPerSec: Math.round(perSec(acc.plain)),
      lbSpansPerSec: Math.round(perSec(acc.lb)),
      splitCost: Math.round((1 - perCpu(acc.lb) / perCpu(acc.plain)) * 1000) / 1000,
    };
  } finally {
    child.kill('SIGKILL');
  }
}

/** The ring alone: ns per lookup (hash + table read) over 16-byte trace ids. */
export async function ringLookupCost(): Promise<Record<string, number>> {
  const { buildRing } = await import('../collector/src/exporters/loadbalancing/ring.ts');
  const { randomBytes } = await import('node:crypto');
  const ids = randomBytes(16 * 1_000_000);
  const out: Record<string, number> = {};
  for (const kind of ['maglev', 'otelcol_classic'] as const) {
    const ring = buildRing(kind, Array.from({ length: 30 }, (_, k) => `gateway-${k}:4317`));
    let sink = 0;
    for (let rep = 0; rep < 2; rep++) {
      const t = performance.now();
      for (let k = 0; k < 1_000_000; k++) sink += ring.ownerOf(ring.hash(ids, k * 16, k * 16 + 16));
      out[kind] = Math.round(((performance.now() - t) * 1e6) / 1_000_000);
    }
    if (sink < 0) throw new Error('unreachable');
    const t = performance.now();
    buildRing(kind, Array.from({ length: 30 }, (_, k) => `gateway-${k}:4317`));
    out[`${kind}_build_ms`] = Math.round((performance.now() - t) * 10) / 10;
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string, d: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i === -1 ? d : process.argv[i + 1]!;
  };
  console.log(JSON.stringify({ ringNsPerLookup: await ringLookupCost() }));
  const shapes = arg('shape', 'testbed-2-int,http-20-attr').split(',') as SpanShape[];
  const spans = arg('spans', '512,8192').split(',').map(Number);
  const perTrace = arg('spans-per-trace', '1,8').split(',').map(Number);
  for (const n of spans) {
    for (const t of perTrace) {
      for (const shape of shapes) console.log(JSON.stringify(await runLoadBalancingBench(shape, Number(arg('rounds', '4')), Number(arg('seconds', '3')), n, t)));
    }
  }
}
