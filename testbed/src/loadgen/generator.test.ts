/** The generator against the mock backend, no collector in between: every span accounted for. */
import { describe, expect, it, onTestFinished } from 'vitest';
import { MockBackend } from '../backend/mock-backend.ts';
import { accountSpans } from '../accounting/span-accounting.ts';
import { startLoad } from './load-run.ts';
import type { LoadgenConfigInput } from './config.ts';
import { SpanOutcome } from './span-ledger.ts';
import { GrpcTransport } from './transports/grpc-transport.ts';
import { HttpTransport } from './transports/http-transport.ts';
import { sampleIds, sampleProtobufRequest } from '../testing/sample-requests.ts';

async function startBackend(mode: ConstructorParameters<typeof MockBackend>[0] = {}): Promise<MockBackend> {
  const backend = new MockBackend(mode);
  onTestFinished(() => backend.stop());
  await backend.start();
  return backend;
}

/** Small, quick traces: the slowest lasts 100 ms. */
const quickShape = { spans_per_trace: 5, depth: 3, services: 4, endpoints: 10, slow_threshold: 50, fast_min: 1, fast_max: 20, slow_max_factor: 2, slow_share: 0.1, error_rate: 0.1 };

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('generator -> mock backend', () => {
  for (const [protocol, compression, inThread] of [
    ['grpc', 'none', false],
    ['http/protobuf', 'gzip', true],
    ['http/json', 'none', true],
  ] as const) {
    it(`delivers every span over ${protocol} (${compression}, ${inThread ? 'in-thread' : 'worker threads'}); nothing unexplained`, async () => {
      const backend = await startBackend({ tenantHeader: 'x-scope-orgid' });
      const run = startLoad(
        {
          endpoint: protocol === 'grpc' ? backend.grpcEndpoint : backend.httpEndpoint,
          protocol,
          compression,
          rate: 20_000,
          traces: 500,
          workers: 2,
          max_queue_size: 10_000,
          max_export_batch_size: 100,
          flush_interval: 20,
          tenants: ['acme', 'globex'],
          tenant_header: 'x-scope-orgid',
          shape: quickShape,
        },
        { inThread },
      );
      const report = await run.done;
      const result = accountSpans({ load: report, received: backend.store.snapshot() });
      expect(result.spans).toMatchObject({
        generated: 2500,
        sent: 2500,
        receivedTotal: 2500,
        receivedUnique: 2500,
        duplicates: 0,
        foreign: 0,
        missing: 0,
        unexplained: 0,
        tenantMismatches: 0,
        droppedByGenerator: 0,
      });
      expect(result.traces).toMatchObject({ total: 500, kept: 500, keptComplete: 500, keptIncomplete: 0 });
      expect(backend.stats().spansByTenant.acme! + backend.stats().spansByTenant.globex!).toBe(2500);
    });
  }

  it('retries refused exports (503) with backoff until the backend takes them', async () => {
    const backend = await startBackend({ mode: { mode: 'refuse' } });
    const run = startLoad(
      {
        endpoint: backend.httpEndpoint,
        protocol: 'http/protobuf',
        rate: 20_000,
        traces: 100,
        max_queue_size: 10_000,
        max_export_batch_size: 1000,
        flush_interval: 10,
        retry: { initial_interval: 20, max_interval: 40, max_attempts: 255 },
        export_timeout: 30_000,
        shape: { ...quickShape, emit_at_span_end: false },
      },
      { inThread: true },
    );
    await until(() => backend.stats().requests.http.refused >= 3);
    await backend.setMode({ mode: 'up' });
    const report = await run.done;
    const result = accountSpans({ load: report, received: backend.store.snapshot() });
    expect(report.counters.statusCounts['http:503']).toBeGreaterThanOrEqual(3);
    expect(report.counters.retries).toBeGreaterThanOrEqual(3);
    expect(result.spans.refusedAtEdge).toBeGreaterThan(0);
    expect(result.spans.retried).toBe(result.spans.refusedAtEdge);
    expect(result.spans).toMatchObject({ generated: 500, sent: 500, receivedUnique: 500, missing: 0, unexplained: 0, failedAtEdge: 0 });
  });

  it('drops and counts spans when the queue is full, and gives up after max_attempts', async () => {
    const backend = await startBackend({ mode: { mode: 'refuse' } });
    const run = startLoad(
      {
        endpoint: backend.grpcEndpoint,
        protocol: 'grpc',
        rate: 10_000,
        traces: 100,
        max_queue_size: 20,
        max_export_batch_size: 10,
        flush_interval: 5,
        retry: { initial_interval: 50, max_interval: 50, max_attempts: 3 },
        shape: { ...quickShape, emit_at_span_end: false },
      },
      { inThread: true },
    );
    const report = await run.done;
    const outcomes = report.ledger.countOutcomes();
    const result = accountSpans({ load: report, received: backend.store.snapshot() });
    expect(report.counters.spansDroppedQueueFull).toBeGreaterThan(0);
    expect(outcomes[SpanOutcome.DROPPED_QUEUE_FULL]).toBe(report.counters.spansDroppedQueueFull);
    expect(outcomes[SpanOutcome.FAILED_RETRIES_EXHAUSTED]).toBe(report.counters.spansFailedRetriesExhausted);
    expect(result.spans.droppedByGenerator).toBe(report.counters.spansDroppedQueueFull);
    expect(result.spans.droppedByGenerator + result.spans.failedAtEdge).toBe(500);
    expect(result.spans).toMatchObject({ generated: 500, sent: 0, receivedUnique: 0, unexplained: 0 });
    // Every exported span was tried max_attempts times and refused each time.
    const refusals = new Set<number>();
    for (let i = 0; i < report.ledger.spanCount; i++) if (report.ledger.outcome[i] === SpanOutcome.FAILED_RETRIES_EXHAUSTED) refusals.add(report.ledger.refusals[i]!);
    expect([...refusals]).toEqual([3]);
    expect(backend.stats().spansRefused).toBe(3 * result.spans.failedAtEdge);
  });

  it('stops all worker threads at the same trace, leaving every trace complete', async () => {
    const backend = await startBackend();
    const run = startLoad({
      endpoint: backend.grpcEndpoint,
      rate: 5_000,
      duration: '60s',
      workers: 2,
      max_queue_size: 10_000,
      flush_interval: 20,
      shape: quickShape,
    });
    await until(() => backend.store.count >= 500, 20_000);
    await run.stop();
    const report = await run.done;
    expect(report.traceCount).toBeGreaterThan(0);
    expect(report.traceCount).toBeLessThan(60_000);
    const result = accountSpans({ load: report, received: backend.store.snapshot() });
    expect(result.traces).toMatchObject({ total: report.traceCount, keptComplete: report.traceCount });
    expect(result.spans).toMatchObject({ generated: report.traceCount * 5, missing: 0, unexplained: 0 });
    await run.stop(); // stopping a finished run is harmless
  });

  it('drops what is still pending when the shutdown timeout runs out (blackholed backend)', async () => {
    const backend = await startBackend({ mode: { mode: 'blackhole' } });
    const run = startLoad(
      {
        endpoint: backend.httpEndpoint,
        protocol: 'http/protobuf',
        rate: 10_000,
        traces: 20,
        max_queue_size: 1000,
        flush_interval: 5,
        shutdown_timeout: 200,
        export_timeout: 60_000,
        shape: { ...quickShape, emit_at_span_end: false },
      },
      { inThread: true },
    );
    const report = await run.done;
    expect(report.counters.spansDroppedAtShutdown).toBe(100);
    const result = accountSpans({ load: report, received: backend.store.snapshot() });
    expect(result.spans).toMatchObject({ generated: 100, droppedAtShutdown: 100, sent: 0, unexplained: 0 });
  });
});

describe('transports read the server back-off', () => {
  it('gRPC RESOURCE_EXHAUSTED RetryInfo and HTTP 429 Retry-After become retry delays', async () => {
    const backend = await startBackend({ mode: { mode: 'throttle', retry_after_s: 2 } });
    const options = { compression: 'none' as const, headers: {}, tenantHeader: 'x-tenant-id', tenants: [], concurrency: 1 };
    const body = sampleProtobufRequest(sampleIds(1));
    const grpcT = new GrpcTransport({ ...options, endpoint: backend.grpcEndpoint });
    const httpT = new HttpTransport({ ...options, endpoint: backend.httpEndpoint }, 'application/x-protobuf');
    onTestFinished(async () => {
      await grpcT.close();
      await httpT.close();
    });
    expect(await grpcT.send(body, 0, 5000)).toMatchObject({ outcome: 'retryable', status: 'grpc:8', retryAfterMs: 2000 });
    expect(await httpT.send(body, 0, 5000)).toMatchObject({ outcome: 'retryable', status: 'http:429', retryAfterMs: 2000 });
    await backend.setMode({ mode: 'down' });
    // The kept-alive socket was closed under the agent (reset), or a new one is refused: both retryable.
    expect(await httpT.send(body, 0, 5000)).toMatchObject({ outcome: 'retryable', status: expect.stringMatching(/^error:ECONN(RESET|REFUSED)$/) });
    expect(await httpT.send(body, 0, 5000)).toMatchObject({ outcome: 'retryable', status: 'error:ECONNREFUSED' });
  });
});
