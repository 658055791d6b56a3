/**
 * Exporter reliability end to end: the collector as a real child process (CLI + YAML), the OTel JS
 * SDK's gRPC exporter as the sender, the testbed's mock backend as the destination, switched
 * between its fault modes while data flows. Every span is accounted for:
 *
 *   acknowledged by the collector = delivered (unique) + counted as dropped (send_failed)
 *
 * and refused spans (queue full) are counted and reported to the SDK, which retries or reports
 * the failure itself. Duplicates at the backend never exceed tailpipe_exporter_possible_duplicate_spans.
 * The persistent queue survives kill -9 (and a torn record on disk).
 */
import { mkdtempSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { scrapePrometheus, sumMetric, type PromSample } from '../../../../testbed/src/accounting/prometheus-text.ts';
import { MockBackend } from '../../../../testbed/src/backend/mock-backend.ts';
import type { BackendModeInput } from '../../../../testbed/src/backend/backend-mode.ts';
import { CollectorProcess } from '../../../test/helpers/collector-process.ts';
import { freePort } from '../../../test/helpers/free-port.ts';

const EXPORTER = 'otlp/backend';

let dir: string;
let backend: MockBackend;
const collectors: CollectorProcess[] = [];
const senders: OTLPTraceExporter[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tp-rel-'));
  backend = new MockBackend({ adminPort: null });
  await backend.start();
});

afterEach(async () => {
  await Promise.allSettled(senders.splice(0).map((s) => s.shutdown()));
  await Promise.allSettled(collectors.splice(0).map((c) => c.stop()));
  await backend.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Running {
  process: CollectorProcess;
  grpcPort: number;
  metricsUrl: string;
}

/** Starts the collector CLI with one otlp receiver and the otlp exporter to the backend. */
async function startCollector(exporterYaml: string, extensionsYaml = '', serviceExtensions: string[] = []): Promise<Running> {
  const [grpcPort, healthPort, metricsPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const config = join(dir, `config-${collectors.length}.yaml`);
  writeFileSync(
    config,
    `
receivers:
  otlp:
    protocols:
      grpc: { endpoint: 127.0.0.1:${grpcPort} }
exporters:
  ${EXPORTER}:
    endpoint: ${backend.grpcEndpoint}
    tls: { insecure: true }
${exporterYaml.replace(/^/gm, '    ')}
extensions:
  health_check: { endpoint: 127.0.0.1:${healthPort} }
${extensionsYaml.replace(/^/gm, '  ')}
service:
  extensions: [health_check${serviceExtensions.map((e) => `, ${e}`).join('')}]
  pipelines:
    traces: { receivers: [otlp], exporters: [${EXPORTER}] }
  telemetry:
    metrics: { address: 127.0.0.1:${metricsPort} }
`,
  );
  const process = new CollectorProcess(['--config', config]);
  collectors.push(process);
  await process.waitHealthy(`http://127.0.0.1:${healthPort}/`);
  return { process, grpcPort, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics` };
}

/** Finished spans made with the SDK (ids from its id generator). */
function makeSpans(count: number, prefix: string): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'reliability' }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('reliability-test');
  for (let k = 0; k < count; k++) tracer.startSpan(`${prefix}-${k}`, { attributes: { seq: k } }).end();
  return memory.getFinishedSpans();
}

interface SendOutcome {
  acked: Set<string>;
  failed: Set<string>;
}

/**
 * Sends the spans in batches through the SDK's OTLP/gRPC exporter (its own retry policy included)
 * and records, per span id, whether the collector acknowledged the batch.
 */
async function send(grpcPort: number, spans: ReadableSpan[], o: { batch?: number; timeoutMillis?: number; onAck?: (acked: number) => void } = {}): Promise<SendOutcome> {
  const exporter = new OTLPTraceExporter({ url: `http://127.0.0.1:${grpcPort}`, timeoutMillis: o.timeoutMillis ?? 10_000 });
  senders.push(exporter);
  const size = o.batch ?? 20;
  const outcome: SendOutcome = { acked: new Set(), failed: new Set() };
  const chunks: ReadableSpan[][] = [];
  for (let k = 0; k < spans.length; k += size) chunks.push(spans.slice(k, k + size));
  await Promise.all(
    chunks.map(
      (chunk) =>
        new Promise<void>((resolve) => {
          exporter.export(chunk, (r: ExportResult) => {
            const into = r.code === ExportResultCode.SUCCESS ? outcome.acked : outcome.failed;
            for (const s of chunk) into.add(s.spanContext().spanId);
            if (r.code === ExportResultCode.SUCCESS) o.onAck?.(outcome.acked.size);
            resolve();
          });
        }),
    ),
  );
  return outcome;
}

/** Span ids the backend stored: unique set and total (duplicates = total - unique). */
function delivered(): { unique: Set<string>; total: number } {
  const snap = backend.store.snapshot();
  const unique = new Set<string>();
  for (let i = 0; i < snap.count; i++) unique.add(Buffer.from(snap.spanIds.subarray(i * 8, i * 8 + 8)).toString('hex'));
  return { unique, total: snap.count };
}

interface ExporterFigures {
  sent: number;
  sendFailed: number;
  enqueueFailed: number;
  queueSize: number;
  inFlight: number;
  possibleDuplicates: number;
  corrupt: number;
  receiverRefused: number;
}

async function figures(metricsUrl: string): Promise<ExporterFigures> {
  const s: PromSample[] = await scrapePrometheus(metricsUrl);
  const e = { exporter: EXPORTER };
  return {
    sent: sumMetric(s, 'otelcol_exporter_sent_spans', e),
    sendFailed: sumMetric(s, 'otelcol_exporter_send_failed_spans', e),
    enqueueFailed: sumMetric(s, 'otelcol_exporter_enqueue_failed_spans', e),
    queueSize: sumMetric(s, 'otelcol_exporter_queue_size', e),
    inFlight: sumMetric(s, 'otelcol_exporter_in_flight_requests', e),
    possibleDuplicates: sumMetric(s, 'tailpipe_exporter_possible_duplicate_spans', e),
    corrupt: sumMetric(s, 'tailpipe_exporter_persistent_queue_corrupt_records', e),
    receiverRefused: sumMetric(s, 'otelcol_receiver_refused_spans'),
  };
}

/** Waits until the exporter has nothing queued or in flight and its counters cover `acked` spans. */
async function settled(metricsUrl: string, acked: number): Promise<ExporterFigures> {
  let f: ExporterFigures | undefined;
  await vi.waitFor(
    async () => {
      f = await figures(metricsUrl);
      expect(f.queueSize + f.inFlight).toBe(0);
      expect(f.sent + f.sendFailed).toBeGreaterThanOrEqual(acked);
    },
    { timeout: 30_000, interval: 100 },
  );
  return f!;
}

/** acknowledged = delivered + dropped (counted); duplicates within the possible-duplicate count. */
function expectAccounted(out: SendOutcome, f: ExporterFigures): void {
  const got = delivered();
  let deliveredAcked = 0;
  for (const id of out.acked) if (got.unique.has(id)) deliveredAcked++;
  const unexplained = out.acked.size - deliveredAcked - f.sendFailed;
  expect({ unexplained, foreign: [...got.unique].filter((id) => !out.acked.has(id)).length }).toEqual({ unexplained: 0, foreign: 0 });
  expect(got.total - got.unique.size).toBeLessThanOrEqual(f.possibleDuplicates);
  expect(f.sent).toBe(got.total);
}

const FAST_RETRY = `retry_on_failure: { initial_interval: 100ms, max_interval: 400ms, max_elapsed_time: 0 }`;

/** Runs one fault mode: the backend is in `mode` while the SDK sends, then recovers. */
async function faultThenRecover(mode: BackendModeInput, exporterYaml: string, spans = 200): Promise<{ out: SendOutcome; f: ExporterFigures; c: Running }> {
  const c = await startCollector(exporterYaml);
  await backend.setMode(mode);
  const out = await send(c.grpcPort, makeSpans(spans, String(mode.mode)));
  // With the backend faulty, the collector has taken the data; it waits in the queue / retries.
  await vi.waitFor(async () => expect((await figures(c.metricsUrl)).queueSize).toBeGreaterThan(0), { timeout: 10_000 });
  expect(delivered().unique.size).toBe(0);
  await new Promise((r) => setTimeout(r, 1500)); // a few retry rounds against the fault
  await backend.setMode({ mode: 'up' });
  const f = await settled(c.metricsUrl, out.acked.size);
  return { out, f, c };
}

describe('exporter reliability against the mock backend (collector as a process)', () => {
  it('up: every span delivered exactly once', async () => {
    const c = await startCollector(FAST_RETRY);
    const out = await send(c.grpcPort, makeSpans(300, 'up'));
    expect(out.acked.size).toBe(300);
    const f = await settled(c.metricsUrl, 300);
    expectAccounted(out, f);
    expect(delivered()).toMatchObject({ total: 300 });
    expect(f).toMatchObject({ sent: 300, sendFailed: 0, enqueueFailed: 0, possibleDuplicates: 0 });
  });

  it('refuse (UNAVAILABLE): data waits and retries; all delivered once the backend accepts again', async () => {
    const { out, f } = await faultThenRecover({ mode: 'refuse' }, FAST_RETRY);
    expect(out.acked.size).toBe(200);
    expectAccounted(out, f);
    expect(f).toMatchObject({ sent: 200, sendFailed: 0, possibleDuplicates: 0 });
    expect(backend.stats().spansRefused).toBeGreaterThan(0);
  });

  it('throttle (RESOURCE_EXHAUSTED + RetryInfo): waits at least the hint, then delivers everything', async () => {
    const { out, f, c } = await faultThenRecover({ mode: 'throttle', retry_after_s: 1 }, FAST_RETRY);
    expectAccounted(out, f);
    expect(f).toMatchObject({ sent: 200, sendFailed: 0 });
    const waits = c.process.logLines().filter((l) => l['msg'] === 'Exporting failed. Will retry the request after interval.');
    expect(waits.length).toBeGreaterThan(0);
    // Backoff alone would wait 50..600 ms here; RetryInfo says 1 s.
    for (const w of waits) expect(w['interval_ms']).toBeGreaterThanOrEqual(1000);
  });

  it('blackhole (no answer): attempts time out and are retried (possible duplicates counted), all delivered after', async () => {
    const { out, f } = await faultThenRecover({ mode: 'blackhole' }, `timeout: 300ms\n${FAST_RETRY}`);
    expectAccounted(out, f);
    expect(f.sent).toBe(200);
    expect(f.sendFailed).toBe(0);
    expect(f.possibleDuplicates).toBeGreaterThan(0);
  });

  it('slow past the timeout: the backend stores what the exporter gave up on; duplicates stay within the counted possible duplicates', async () => {
    const { out, f } = await faultThenRecover({ mode: 'slow', latency_ms: 600 }, `timeout: 200ms\n${FAST_RETRY}`, 100);
    // Stored late copies arrive after the switch to up too: wait for the backend's timers to fire.
    await new Promise((r) => setTimeout(r, 800));
    const got = delivered();
    expect(got.total - got.unique.size).toBeGreaterThan(0);
    expect(got.total - got.unique.size).toBeLessThanOrEqual(f.possibleDuplicates);
    let missing = 0;
    for (const id of out.acked) if (!got.unique.has(id)) missing++;
    expect(missing).toBe(0);
  });

  it('down (connections refused): data waits; delivered when the backend is back', async () => {
    const { out, f } = await faultThenRecover({ mode: 'down' }, FAST_RETRY);
    expectAccounted(out, f);
    expect(f).toMatchObject({ sent: 200, sendFailed: 0 });
  });

  it('max_elapsed_time runs out while refused: spans are dropped and counted, none unexplained', async () => {
    const c = await startCollector(`retry_on_failure: { initial_interval: 100ms, max_interval: 200ms, max_elapsed_time: 1s }`);
    await backend.setMode({ mode: 'refuse' });
    const out = await send(c.grpcPort, makeSpans(100, 'expire'));
    const f = await settled(c.metricsUrl, out.acked.size);
    await backend.setMode({ mode: 'up' });
    expectAccounted(out, f);
    expect(f).toMatchObject({ sent: 0, sendFailed: 100 });
    expect(c.process.logLines().some((l) => l['msg'] === 'Exporting failed' && /no more retries left/.test(String(l['error'])))).toBe(true);
  });

  it('queue full: the receiver answers UNAVAILABLE, the refusal is counted, the SDK retries; nothing is lost silently', async () => {
    const c = await startCollector(`timeout: 5s\nsending_queue: { queue_size: 2, num_consumers: 1 }\n${FAST_RETRY}`);
    await backend.setMode({ mode: 'blackhole' });
    const sending = send(c.grpcPort, makeSpans(200, 'full'), { batch: 10, timeoutMillis: 4000 });
    await vi.waitFor(async () => expect((await figures(c.metricsUrl)).enqueueFailed).toBeGreaterThan(0), { timeout: 10_000 });
    await backend.setMode({ mode: 'up' });
    const out = await sending;
    const f = await settled(c.metricsUrl, out.acked.size);
    expectAccounted(out, f);
    // Every span the SDK gave up on was refused with a counter (the SDK reported the failure too).
    expect(out.acked.size + out.failed.size).toBe(200);
    expect(f.enqueueFailed).toBeGreaterThanOrEqual(out.failed.size);
    expect(f.receiverRefused).toBe(f.enqueueFailed);
    expect(c.process.logLines().some((l) => /Sending queue is full/.test(String(l['msg'])))).toBe(true);
  });
});

describe('persistent queue across kill -9 (file_storage)', () => {
  const persistent = (storageDir: string) => ({
    exporter: `${FAST_RETRY}\nsending_queue: { storage: file_storage, num_consumers: 4 }`,
    extensions: `file_storage: { directory: ${storageDir}, create_directory: true }`,
  });

  /**
   * Sends with the backend down, then kill -9. midLoad: the kill comes once half the batches are
   * acknowledged, while others are still being written or answered (those may be on disk without
   * the SDK having heard so: delivered later, never lost; the SDK reports them failed).
   */
  async function killedWithDataOnDisk(spanCount: number, midLoad: boolean) {
    const storageDir = join(dir, 'queue');
    const p = persistent(storageDir);
    await backend.setMode({ mode: 'down' });
    const first = await startCollector(p.exporter, p.extensions, ['file_storage']);
    const spans = makeSpans(spanCount, 'kill');
    const kill = (): void => {
      if (first.process.child.exitCode === null && first.process.child.signalCode === null) first.process.child.kill('SIGKILL');
    };
    const out = await send(first.grpcPort, spans, {
      batch: 20,
      timeoutMillis: 2000,
      onAck: (n) => {
        if (midLoad && n >= spanCount / 2) kill();
      },
    });
    kill();
    await first.process.exited;
    expect(out.acked.size).toBeGreaterThanOrEqual(spanCount / 2);
    if (!midLoad) expect(out.acked.size).toBe(spanCount);
    return { out, p, storageDir };
  }

  it('every acknowledged span is delivered after a restart', async () => {
    const { out, p } = await killedWithDataOnDisk(400, true);
    const second = await startCollector(p.exporter, p.extensions, ['file_storage']);
    await backend.setMode({ mode: 'up' });
    const f = await settled(second.metricsUrl, out.acked.size);
    const got = delivered();
    const lost = [...out.acked].filter((id) => !got.unique.has(id));
    expect(lost).toEqual([]);
    // Anything else delivered was written before the kill, with the answer lost: the SDK has it as failed.
    expect([...got.unique].filter((id) => !out.acked.has(id) && !out.failed.has(id))).toEqual([]);
    expect(f.sendFailed).toBe(0);
    expect(got.total - got.unique.size).toBeLessThanOrEqual(f.possibleDuplicates);
    expect(second.process.logLines().some((l) => /recovered data from the previous run/.test(String(l['msg'])))).toBe(true);
  });

  it('a torn final record is reported (counter, failed spans, log) and the rest is delivered', async () => {
    const { out, p, storageDir } = await killedWithDataOnDisk(200, false);
    const queueDir = join(storageDir, 'exporter_otlp_backend_traces');
    const segment = readdirSync(queueDir)
      .filter((n) => n.endsWith('.log'))
      .sort()
      .at(-1)!;
    const path = join(queueDir, segment);
    truncateSync(path, statSync(path).size - 5);
    const second = await startCollector(p.exporter, p.extensions, ['file_storage']);
    await backend.setMode({ mode: 'up' });
    const f = await settled(second.metricsUrl, out.acked.size - 20);
    expect(f.corrupt).toBe(1);
    // The torn record's header was intact: its 20 spans are counted as dropped.
    expect(f.sendFailed).toBe(20);
    expectAccounted(out, f);
    expect(second.process.logLines().some((l) => /record is corrupt/.test(String(l['msg'])) && l['spans'] === 20)).toBe(true);
  });
});
