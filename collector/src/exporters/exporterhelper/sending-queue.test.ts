/**
 * The memory sending queue through the exporter's public face (consume / start / shutdown), with
 * a scripted destination and vitest's fake clock for everything timed (retries, drain).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CollectorError } from '../../errors/codes.ts';
import { encodedSize } from '../../pdata/encode-request.ts';
import type { SpanBatch } from '../../pdata/span-batch.ts';
import { queueConfigSchema, retryConfigSchema } from './config.ts';
import { TracesExporterHelper, type ExportClient } from './exporter.ts';
import type { PushSpans } from './sender.ts';
import { ExporterPool, exporterCounts, queueCounts, testBatch, testHost, testSettings, testSpans, type TestSpan } from './test-support.ts';

const pool = new ExporterPool();

afterEach(async () => {
  vi.useRealTimers();
  await pool.shutdownAll();
});

interface Attempt {
  names: string[];
  signal: AbortSignal;
  resolve(rejected: number): void;
  reject(err: unknown): void;
}

/**
 * A destination the test drives: `mode` decides each attempt's answer (`ok`: accept at once,
 * `down`: UNAVAILABLE at once, `hang`: wait for the test or for the abort signal).
 */
class Destination {
  mode: 'ok' | 'down' | 'hang' = 'ok';
  readonly attempts: Attempt[] = [];
  /** Span names accepted, in order of acceptance. */
  readonly delivered: string[] = [];
  readonly push: PushSpans = (batch: SpanBatch, signal: AbortSignal) => {
    const names = spanNames(batch);
    return new Promise<number>((resolve, reject) => {
      const attempt: Attempt = {
        names,
        signal,
        resolve: (n) => {
          this.delivered.push(...names);
          resolve(n);
        },
        reject,
      };
      this.attempts.push(attempt);
      if (this.mode === 'ok') attempt.resolve(0);
      else if (this.mode === 'down') reject(new CollectorError('TP_EXPORT_RETRYABLE', 'UNAVAILABLE: connection refused'));
      else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  };

  /** Attempts still waiting for an answer (hang mode). */
  get hanging(): Attempt[] {
    return this.attempts.filter((a) => !a.signal.aborted && !this.settled.has(a));
  }
  private readonly settled = new Set<Attempt>();
  answer(a: Attempt, rejected = 0): void {
    this.settled.add(a);
    a.resolve(rejected);
  }
}

function spanNames(batch: SpanBatch): string[] {
  const out: string[] = [];
  for (let i = 0; i < batch.spanCount; i++) out.push(batch.name(i));
  return out;
}

function client(push: PushSpans): ExportClient {
  return { push, start: async () => {}, shutdown: async () => {} };
}

/** Batches of `size` spans with distinct names b<k>-span-<i>. */
function batchOf(k: number, size = 1): SpanBatch {
  const spans: TestSpan[] = testSpans(size).map((s, i) => ({ ...s, name: `b${k}-span-${i}` }));
  return testBatch(spans);
}

async function newExporter(queue: Record<string, unknown>, retry: Record<string, unknown> = {}, extra: { timeoutMs?: number; drainMs?: number } = {}) {
  const t = testSettings('otlp/q');
  const dest = new Destination();
  const exporter = pool.add(
    new TracesExporterHelper(
      t.settings,
      {
        timeoutMs: extra.timeoutMs ?? 5000,
        queue: queueConfigSchema.parse(queue),
        retry: retryConfigSchema.parse(retry),
        // Short by default: tests that leave attempts hanging should not wait 5s in afterEach.
        shutdownDrainTimeoutMs: extra.drainMs ?? 200,
      },
      client(dest.push),
      { random: () => 0 },
    ),
  );
  await exporter.start(testHost);
  return { exporter, dest, ...t };
}

async function rejection(p: Promise<unknown>): Promise<CollectorError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CollectorError);
  return err as CollectorError;
}

describe('sending_queue (memory)', () => {
  it('resolves consume() once queued; sends with num_consumers in flight, oldest first', async () => {
    const { exporter, dest, telemetry } = await newExporter({ num_consumers: 2 });
    dest.mode = 'hang';
    for (let k = 0; k < 5; k++) await exporter.consume(batchOf(k));
    expect(dest.attempts.map((a) => a.names[0])).toEqual(['b0-span-0', 'b1-span-0']);
    expect(await queueCounts(telemetry, 'otlp/q')).toMatchObject({ size: 5, capacity: 1000, inFlight: 2 });
    dest.answer(dest.attempts[1]!);
    await vi.waitFor(() => expect(dest.attempts).toHaveLength(3));
    dest.answer(dest.attempts[0]!);
    await vi.waitFor(() => expect(dest.attempts).toHaveLength(4));
    expect(dest.attempts.map((a) => a.names[0])).toEqual(['b0-span-0', 'b1-span-0', 'b2-span-0', 'b3-span-0']);
    dest.mode = 'ok';
    dest.answer(dest.attempts[2]!);
    dest.answer(dest.attempts[3]!);
    await vi.waitFor(() => expect(dest.delivered).toHaveLength(5));
    expect(await exporterCounts(telemetry, 'otlp/q')).toEqual({ sent: 5, failed: 0, enqueueFailed: 0 });
    expect(await queueCounts(telemetry, 'otlp/q')).toMatchObject({ size: 0, inFlight: 0 });
  });

  it('refuses with TP_QUEUE_FULL (retryable: gRPC UNAVAILABLE, HTTP 503) when full, counts and logs it', async () => {
    const { exporter, dest, telemetry, logs } = await newExporter({ queue_size: 2, num_consumers: 1 });
    dest.mode = 'hang';
    await exporter.consume(batchOf(0, 3)); // being sent: still holds capacity
    await exporter.consume(batchOf(1, 3));
    const err = await rejection(exporter.consume(batchOf(2, 4)));
    expect(err).toMatchObject({ code: 'TP_QUEUE_FULL', retryable: true, grpcStatus: 14, httpStatus: 503 });
    await rejection(exporter.consume(batchOf(3, 5)));
    expect(await exporterCounts(telemetry, 'otlp/q')).toEqual({ sent: 0, failed: 0, enqueueFailed: 9 });
    expect(await queueCounts(telemetry, 'otlp/q')).toMatchObject({ size: 2, capacity: 2, inFlight: 1 });
    // One line per 5 s at most (the counter has every refusal); the rest are summed into the next line.
    const full = logs.filter((l) => /Sending queue is full/.test(l.msg));
    expect(full).toEqual([expect.objectContaining({ batches: 1, spans: 4, queue_capacity: 2 })]);
    // Room again once a send ends.
    dest.answer(dest.attempts[0]!);
    await vi.waitFor(() => expect(dest.attempts).toHaveLength(2));
    await exporter.consume(batchOf(4));
  });

  it('block_on_overflow: waits for room (in order) instead of refusing; shutdown refuses the waiting', async () => {
    const { exporter, dest, telemetry, logs } = await newExporter({ queue_size: 1, num_consumers: 1, block_on_overflow: true });
    dest.mode = 'hang';
    await exporter.consume(batchOf(0));
    let secondIn = false;
    const second = exporter.consume(batchOf(1)).then(() => (secondIn = true));
    const third = exporter.consume(batchOf(2, 2));
    await new Promise((r) => setTimeout(r, 20));
    expect(secondIn).toBe(false);
    dest.answer(dest.attempts[0]!);
    await second;
    await vi.waitFor(() => expect(dest.attempts).toHaveLength(2));
    expect(dest.attempts[1]!.names).toEqual(['b1-span-0']);
    dest.mode = 'ok';
    const stopping = exporter.shutdown();
    expect((await rejection(third)).code).toBe('TP_SHUTTING_DOWN');
    dest.answer(dest.attempts[1]!);
    await stopping;
    expect(await exporterCounts(telemetry, 'otlp/q')).toEqual({ sent: 2, failed: 0, enqueueFailed: 2 });
    expect(logs.some((l) => /waiting for room/.test(l.msg) && l['spans'] === 2)).toBe(true);
  });

  it('sizer items and bytes: capacity in spans / encoded bytes; a batch over the whole capacity only enters an empty queue', async () => {
    const items = await newExporter({ sizer: 'items', queue_size: 10, num_consumers: 1 });
    items.dest.mode = 'hang';
    await items.exporter.consume(batchOf(0, 6));
    expect((await rejection(items.exporter.consume(batchOf(1, 6)))).code).toBe('TP_QUEUE_FULL');
    await items.exporter.consume(batchOf(2, 4));
    expect(await queueCounts(items.telemetry, 'otlp/q')).toMatchObject({ size: 10, capacity: 10 });

    const big = batchOf(3, 20);
    const bytes = await newExporter({ sizer: 'bytes', queue_size: encodedSize(big) - 1, num_consumers: 1 });
    bytes.dest.mode = 'hang';
    await bytes.exporter.consume(big); // larger than the capacity, but the queue is empty
    expect((await rejection(bytes.exporter.consume(batchOf(4, 1)))).code).toBe('TP_QUEUE_FULL');
    expect(await queueCounts(bytes.telemetry, 'otlp/q')).toMatchObject({ size: encodedSize(batchOf(3, 20)) });
  });

  it('keeps a batch through retries while the destination is down, delivers everything once it is back, in order', async () => {
    vi.useFakeTimers({ now: 0 });
    const { exporter, dest, telemetry } = await newExporter({ num_consumers: 1 }, { max_elapsed_time: 0, initial_interval: '1s', max_interval: '4s' });
    dest.mode = 'down';
    for (let k = 0; k < 10; k++) await exporter.consume(batchOf(k, 2));
    // Five minutes down: one consumer retries the oldest batch; the others wait their turn.
    await vi.advanceTimersByTimeAsync(300_000);
    expect(dest.delivered).toEqual([]);
    expect(new Set(dest.attempts.map((a) => a.names[0]))).toEqual(new Set(['b0-span-0']));
    expect(await queueCounts(telemetry, 'otlp/q')).toMatchObject({ size: 10, inFlight: 1 });
    dest.mode = 'ok';
    await vi.advanceTimersByTimeAsync(5000);
    const expected = Array.from({ length: 10 }, (_, k) => [`b${k}-span-0`, `b${k}-span-1`]).flat();
    expect(dest.delivered).toEqual(expected);
    expect(await exporterCounts(telemetry, 'otlp/q')).toEqual({ sent: 20, failed: 0, enqueueFailed: 0 });
    expect(await queueCounts(telemetry, 'otlp/q')).toMatchObject({ size: 0, inFlight: 0, possibleDuplicates: 0 });
  });

  it('drops a batch (counted, logged) when max_elapsed_time runs out or the error is permanent, then moves on', async () => {
    vi.useFakeTimers({ now: 0 });
    const { exporter, dest, telemetry, logs } = await newExporter({ num_consumers: 1 }, { initial_interval: '1s', max_elapsed_time: '10s' });
    dest.mode = 'down';
    await exporter.consume(batchOf(0, 3));
    await exporter.consume(batchOf(1, 2));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await exporterCounts(telemetry, 'otlp/q')).toMatchObject({ failed: 3 });
    expect(logs.find((l) => l.msg === 'Exporting failed' && l['spans'] === 3)?.['error']).toMatch(/no more retries left/);
    dest.mode = 'ok';
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await exporterCounts(telemetry, 'otlp/q')).toEqual({ sent: 2, failed: 3, enqueueFailed: 0 });
  });

  it('shutdown: stops retry waits, drains what it can within the drain time, drops and counts the rest', async () => {
    vi.useFakeTimers({ now: 0 });
    const { exporter, dest, telemetry, logs } = await newExporter({ num_consumers: 1 }, { initial_interval: '1s' }, { drainMs: 3000, timeoutMs: 2000 });
    dest.mode = 'down';
    for (let k = 0; k < 4; k++) await exporter.consume(batchOf(k, 2));
    await vi.advanceTimersByTimeAsync(100); // b0 failed once and waits 500ms (random 0)
    dest.mode = 'hang'; // answers nothing from now on: each drain attempt runs into its 2s timeout
    const stopping = exporter.shutdown();
    await vi.advanceTimersByTimeAsync(0);
    // b0's retry wait was cut short: dropped; b1 gets its single drain attempt.
    expect(await exporterCounts(telemetry, 'otlp/q')).toMatchObject({ failed: 2 });
    expect(dest.attempts.at(-1)!.names[0]).toBe('b1-span-0');
    await vi.advanceTimersByTimeAsync(3000);
    await stopping;
    // b1 timed out at 2s (not retried: shutting down); b2 was in flight at 3s (aborted); b3 never left the queue.
    const counts = await exporterCounts(telemetry, 'otlp/q');
    expect(counts).toEqual({ sent: 0, failed: 8, enqueueFailed: 0 });
    expect(logs.find((l) => /still in the sending queue at shutdown/.test(l.msg))).toMatchObject({ batches: 1, spans: 2 });
    expect(await queueCounts(telemetry, 'otlp/q')).toMatchObject({ size: 0, inFlight: 0 });
    expect((await rejection(exporter.consume(batchOf(9)))).code).toBe('TP_SHUTTING_DOWN');
  });

  it('shutdown with a healthy destination delivers everything queued', async () => {
    const { exporter, dest, telemetry } = await newExporter({ num_consumers: 2 });
    dest.mode = 'hang';
    for (let k = 0; k < 6; k++) await exporter.consume(batchOf(k, 3));
    const stopping = exporter.shutdown();
    dest.mode = 'ok';
    for (const a of dest.hanging) dest.answer(a);
    await stopping;
    expect(await exporterCounts(telemetry, 'otlp/q')).toEqual({ sent: 18, failed: 0, enqueueFailed: 0 });
  });

  it('wait_for_result: consume() settles with the send, errors included', async () => {
    const { exporter, dest } = await newExporter({ wait_for_result: true }, { enabled: false });
    dest.mode = 'hang';
    let done = false;
    const first = exporter.consume(batchOf(0)).then(() => (done = true));
    await vi.waitFor(() => expect(dest.attempts).toHaveLength(1));
    expect(done).toBe(false);
    dest.answer(dest.attempts[0]!);
    await first;
    dest.mode = 'down';
    expect((await rejection(exporter.consume(batchOf(1)))).code).toBe('TP_EXPORT_RETRYABLE');
  });

  it('takes an empty batch without sending it; refuses data before start', async () => {
    const { exporter, dest } = await newExporter({});
    await exporter.consume(testBatch([]));
    expect(dest.attempts).toHaveLength(0);
    const t = testSettings('otlp/early');
    const early = pool.add(new TracesExporterHelper(t.settings, { timeoutMs: 1000, queue: queueConfigSchema.parse({}), retry: retryConfigSchema.parse({}) }, client(dest.push)));
    expect((await rejection(early.consume(batchOf(0, 2)))).code).toBe('TP_INTERNAL');
    expect(await exporterCounts(t.telemetry, 'otlp/early')).toMatchObject({ enqueueFailed: 2 });
  });

  it('exports the queue gauges per exporter in one registry', async () => {
    const t = testSettings('otlp/a');
    const dest = new Destination();
    const a = pool.add(new TracesExporterHelper(t.settings, { timeoutMs: 1000, queue: queueConfigSchema.parse({ queue_size: 7 }), retry: retryConfigSchema.parse({}) }, client(dest.push)));
    const settingsB = { ...t.settings, id: { type: 'otlp', name: 'b', id: 'otlp/b' } };
    const b = pool.add(new TracesExporterHelper(settingsB, { timeoutMs: 1000, queue: queueConfigSchema.parse({ queue_size: 9 }), retry: retryConfigSchema.parse({}) }, client(dest.push)));
    await a.start(testHost);
    await b.start(testHost);
    const text = await t.telemetry.metricsText();
    expect(text).toContain('otelcol_exporter_queue_capacity{exporter="otlp/a",data_type="traces"} 7');
    expect(text).toContain('otelcol_exporter_queue_capacity{exporter="otlp/b",data_type="traces"} 9');
    expect(text).toContain('otelcol_exporter_queue_size{exporter="otlp/a",data_type="traces"} 0');
    expect(text).toContain('otelcol_exporter_in_flight_requests{exporter="otlp/b"} 0');
  });
});
