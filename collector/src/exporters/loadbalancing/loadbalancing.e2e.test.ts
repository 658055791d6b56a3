/**
 * Agent -> 3 gateway collector processes -> 3 sinks, as production runs the two tiers: the
 * agent (in this process, a real Collector from YAML) receives OTLP/gRPC and exports through
 * `loadbalancing` (routing_key traceID) to three real gateway processes
 * (node --import tsx collector/src/main.ts), each forwarding over OTLP to its own sink.
 * 10,000 traces of 4 spans, every trace's spans in 4 different requests.
 *
 *  1. Steady state: every trace arrives whole on exactly one gateway; nothing lost.
 *  2. One gateway is killed (SIGKILL) mid-run and restarted on the same port. Printed: spans
 *     lost, traces split, duplicates. The gateways keep their sending queue in file_storage
 *     (persistent queue), and the agent keeps each part until a gateway has it, so lost = 0 is
 *     asserted.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, credentials, type ServiceError } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { Collector } from '../../collector.ts';
import { builtinRegistry } from '../../components.ts';
import { CollectorProcess } from '../../../test/helpers/collector-process.ts';
import { freePort } from '../../../test/helpers/free-port.ts';
import { OtlpGrpcSink } from '../../../test/helpers/otlp-sink.ts';
import { counterValue, encodeTestRequest, type TestSpan } from '../exporterhelper/test-support.ts';
import { interleave, makeTraces } from './test-support.ts';

const EXPORT = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const raw = (b: Buffer): Buffer => b;

interface Gateway {
  port: number;
  healthPort: number;
  config: string;
  process: CollectorProcess | null;
}

let dir = '';
let sinks: OtlpGrpcSink[] = [];
let gateways: Gateway[] = [];
let agent: Collector | null = null;
let client: Client | null = null;

afterEach(async () => {
  client?.close();
  client = null;
  await agent?.shutdown();
  agent = null;
  await Promise.all(gateways.map((g) => g.process?.stop()));
  gateways = [];
  await Promise.all(sinks.map((s) => s.stop()));
  sinks = [];
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
  dir = '';
});

/** Traces per run (LB_E2E_TRACES overrides, for a quick local run). */
const TRACES = Number(process.env['LB_E2E_TRACES'] ?? 10_000);
const SPANS = TRACES * 4;

const persistentQueue = builtinRegistry().get('extension', 'file_storage') !== undefined;

async function startGateway(g: Gateway): Promise<void> {
  g.process = new CollectorProcess(['--config', g.config]);
  await g.process.waitHealthy(`http://127.0.0.1:${g.healthPort}/`);
}

async function setUp(): Promise<{ agentPort: number }> {
  dir = mkdtempSync(join(tmpdir(), 'tp-lb-e2e-'));
  sinks = [new OtlpGrpcSink(), new OtlpGrpcSink(), new OtlpGrpcSink()];
  await Promise.all(sinks.map((s) => s.start()));
  for (let k = 0; k < 3; k++) {
    const [port, healthPort] = await Promise.all([freePort(), freePort()]);
    const config = join(dir, `gateway-${k}.yaml`);
    const storageDir = join(dir, `queue-${k}`);
    writeFileSync(
      config,
      `
receivers:
  otlp:
    protocols:
      grpc: { endpoint: 127.0.0.1:${port} }
exporters:
  otlp:
    endpoint: 127.0.0.1:${sinks[k]!.port}
    tls: { insecure: true }
    compression: none
    ${persistentQueue ? 'sending_queue: { storage: file_storage, num_consumers: 4 }' : 'sending_queue: { enabled: false }'}
    retry_on_failure: { initial_interval: 100ms, max_interval: 1s }
extensions:
  health_check: { endpoint: 127.0.0.1:${healthPort} }
  ${persistentQueue ? `file_storage: { directory: ${storageDir}, create_directory: true }` : ''}
service:
  extensions: [health_check${persistentQueue ? ', file_storage' : ''}]
  telemetry:
    metrics: { level: none }
  pipelines:
    traces: { receivers: [otlp], exporters: [otlp] }
`,
    );
    gateways.push({ port, healthPort, config, process: null });
  }
  await Promise.all(gateways.map((g) => startGateway(g)));

  const agentPort = await freePort();
  const agentConfig = join(dir, 'agent.yaml');
  writeFileSync(
    agentConfig,
    `
receivers:
  otlp:
    protocols:
      grpc: { endpoint: 127.0.0.1:${agentPort} }
exporters:
  loadbalancing:
    routing_key: traceID
    backend_health: { unhealthy_after: 2, probe_interval: 200ms, probe_timeout: 200ms, cooldown: 1s }
    protocol:
      otlp:
        tls: { insecure: true }
        compression: none
        timeout: 2s
        retry_on_failure: { initial_interval: 100ms, max_interval: 500ms }
    resolver:
      static:
        hostnames: [${gateways.map((g) => `127.0.0.1:${g.port}`).join(', ')}]
service:
  telemetry:
    metrics: { level: none }
  pipelines:
    traces: { receivers: [otlp], exporters: [loadbalancing] }
`,
  );
  agent = Collector.fromConfig({ configArgs: [agentConfig], logDestination: { write: () => {} } });
  await agent.start();
  client = new Client(`127.0.0.1:${agentPort}`, credentials.createInsecure());
  return { agentPort };
}

/** Sends one request as an SDK would: retries a refusal a few times. Resolves true once accepted. */
async function send(body: Buffer): Promise<boolean> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const err = await new Promise<ServiceError | null>((resolve) =>
      client!.makeUnaryRequest(EXPORT, raw, raw, body, { deadline: Date.now() + 20_000 }, (e) => resolve(e)),
    );
    if (err === null) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** Sends the requests 6 at a time; `during(k)` runs before request k. Returns the spans accepted. */
async function sendAll(requests: TestSpan[][], during: (k: number) => Promise<void> = async () => {}): Promise<TestSpan[]> {
  const accepted: TestSpan[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < requests.length) {
      const k = next++;
      await during(k);
      if (await send(encodeTestRequest(requests[k]!))) accepted.push(...requests[k]!);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker(), worker(), worker()]);
  return accepted;
}

interface Tally {
  lost: number;
  split: number;
  duplicates: number;
  perGateway: number[];
}

/** Spans seen at the sinks: span id -> sink index, and trace id -> sink indices. Decodes every request once. */
function seenAtSinks(): { spans: Map<string, number>; traces: Map<string, Set<number>>; total: number } {
  const spans = new Map<string, number>();
  const traces = new Map<string, Set<number>>();
  let total = 0;
  sinks.forEach((s, k) => {
    for (const span of s.spans()) {
      total++;
      spans.set(span.spanId.toString('hex'), k);
      const t = span.traceId.toString('hex');
      (traces.get(t) ?? traces.set(t, new Set()).get(t)!).add(k);
    }
  });
  return { spans, traces, total };
}

/** Waits until every accepted span arrived (or nothing moved for 20 s), then counts. */
async function tally(accepted: readonly TestSpan[]): Promise<Tally> {
  const want = accepted.map((s) => s.spanId);
  let last = -1;
  let still = 0;
  for (;;) {
    const { spans } = seenAtSinks();
    const have = want.filter((id) => spans.has(id)).length;
    if (have === want.length || still >= 40) break;
    still = have === last ? still + 1 : 0;
    last = have;
    await new Promise((r) => setTimeout(r, 500));
  }
  const { spans, traces, total } = seenAtSinks();
  return {
    lost: want.filter((id) => !spans.has(id)).length,
    split: [...traces.values()].filter((set) => set.size > 1).length,
    duplicates: total - spans.size,
    perGateway: sinks.map((s) => s.spans().length),
  };
}

describe('loadbalancing: agent -> 3 gateway processes', () => {
  it('every trace whole on one gateway; then a gateway killed and restarted mid-run: nothing lost', { timeout: 400_000 }, async () => {
    await setUp();
    // Phase 1: steady state.
    const first = makeTraces(TRACES, 4);
    const accepted1 = await sendAll(interleave(first, 100));
    expect(accepted1.length).toBe(SPANS);
    const t1 = await tally(accepted1);
    console.log(`steady state: ${JSON.stringify(t1)}`);
    expect(t1.lost).toBe(0);
    expect(t1.split).toBe(0);
    expect(t1.duplicates).toBe(0);
    for (const n of t1.perGateway) expect(n).toBeGreaterThan((SPANS / 3) * 0.8);

    // Phase 2: a new set of traces; gateway 1 is killed (SIGKILL) at request 30 and restarted a second later.
    for (const s of sinks) s.requests.length = 0;
    const requests = interleave(makeTraces(TRACES, 4), 100);
    const victim = gateways[1]!;
    let restarted: Promise<void> | null = null;
    const accepted = await sendAll(requests, async (k) => {
      if (k === 30) {
        await victim.process!.stop();
        restarted = new Promise((r) => setTimeout(r, 1000)).then(() => startGateway(victim));
      }
      if (k === 70 && restarted !== null) await restarted;
    });
    if (restarted !== null) await restarted;
    const t = await tally(accepted);
    const rerouted = await counterValue(agent!.telemetry, 'tailpipe_loadbalancer_rerouted_spans', { exporter: 'loadbalancing' });
    const refused = SPANS - accepted.length;
    console.log(
      `gateway killed and restarted: accepted ${accepted.length}/${SPANS} (refused to the client: ${refused}), lost ${t.lost}, ` +
        `traces split ${t.split}/${TRACES}, duplicates ${t.duplicates}, rerouted by the agent ${rerouted}, per gateway ${t.perGateway.join('/')}` +
        ` (gateway queue: ${persistentQueue ? 'persistent' : 'none'})`,
    );
    expect(t.lost).toBe(0);
    expect(accepted.length).toBe(SPANS);
  });
});
