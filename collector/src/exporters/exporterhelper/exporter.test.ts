import { afterEach, describe, expect, it, vi } from 'vitest';
import { CollectorError } from '../../errors/codes.ts';
import type { SpanBatch } from '../../pdata/span-batch.ts';
import { queueConfigSchema, retryConfigSchema } from './config.ts';
import { TracesExporterHelper, type ExportClient } from './exporter.ts';
import { AttemptAbortedError } from './send-errors.ts';
import type { PushSpans } from './sender.ts';
import { exporterCounts, testBatch, testHost, testSettings, testSpans, WARN } from './test-support.ts';
import { TimeoutSender } from './timeout-sender.ts';

afterEach(() => {
  vi.useRealTimers();
});

async function rejection(p: Promise<unknown>): Promise<CollectorError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CollectorError);
  return err as CollectorError;
}

/** A push function that records its arguments and settles only when the test says so. */
function controlledPush() {
  const attempts: { batch: SpanBatch; signal: AbortSignal; deadlineMs: number; resolve: (n: number) => void; reject: (e: unknown) => void }[] = [];
  const push: PushSpans = (batch, signal, deadlineMs) =>
    new Promise<number>((resolve, reject) => {
      attempts.push({ batch, signal, deadlineMs, resolve, reject });
    });
  return { push, attempts };
}

function client(push: PushSpans): ExportClient & { started: number; stopped: number } {
  return {
    started: 0,
    stopped: 0,
    push,
    async start() {
      this.started++;
    },
    async shutdown() {
      this.stopped++;
    },
  };
}

/** Queue and retry off: consume() waits for the one attempt (the queue has its own tests). */
const defaults = { queue: queueConfigSchema.parse({ enabled: false }), retry: retryConfigSchema.parse({ enabled: false }) };

describe('TimeoutSender (per-attempt deadline)', () => {
  it('aborts the attempt and rejects with TP_EXPORT_TIMEOUT when the deadline passes', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const { push, attempts } = controlledPush();
    const sender = new TimeoutSender(5000, push, new AbortController().signal);
    const sent = rejection(sender.send(testBatch(testSpans(1))));
    expect(attempts).toHaveLength(1);
    expect(attempts[0]!.deadlineMs).toBe(1_005_000);
    expect(attempts[0]!.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(4999);
    expect(attempts[0]!.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const err = await sent;
    expect(err.code).toBe('TP_EXPORT_TIMEOUT');
    expect(err.message).toContain('5000ms');
    // The push function sees the same error as the abort reason (it rejects with it when it notices).
    expect(attempts[0]!.signal.reason).toBe(err);
  });

  it('rejects at the deadline even when the push function ignores the signal', async () => {
    vi.useFakeTimers();
    const sender = new TimeoutSender(200, () => new Promise<number>(() => {}), new AbortController().signal);
    const sent = rejection(sender.send(testBatch(testSpans(1))));
    await vi.advanceTimersByTimeAsync(200);
    expect((await sent).code).toBe('TP_EXPORT_TIMEOUT');
  });

  it('passes results and errors through and leaves no timer behind', async () => {
    vi.useFakeTimers();
    const { push, attempts } = controlledPush();
    const sender = new TimeoutSender(5000, push, new AbortController().signal);
    const ok = sender.send(testBatch(testSpans(1)));
    attempts[0]!.resolve(2);
    expect(await ok).toBe(2);
    const bad = rejection(sender.send(testBatch(testSpans(1))));
    attempts[1]!.reject(new CollectorError('TP_EXPORT_PERMANENT', 'no'));
    expect((await bad).code).toBe('TP_EXPORT_PERMANENT');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('ends an attempt still in flight when the lifetime signal aborts, with its reason', async () => {
    vi.useFakeTimers();
    const lifetime = new AbortController();
    const { push, attempts } = controlledPush();
    const sender = new TimeoutSender(5000, push, lifetime.signal);
    const sent = rejection(sender.send(testBatch(testSpans(1))));
    const reason = new AttemptAbortedError();
    lifetime.abort(reason);
    expect(await sent).toBe(reason);
    expect(attempts[0]!.signal.reason).toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
    // Later attempts do not start at all.
    expect(await rejection(sender.send(testBatch(testSpans(1))))).toBe(reason);
    expect(attempts).toHaveLength(1);
  });

  it('with timeout 0 sets no deadline and hands the lifetime signal on', async () => {
    vi.useFakeTimers();
    const lifetime = new AbortController();
    const { push, attempts } = controlledPush();
    const sender = new TimeoutSender(0, push, lifetime.signal);
    void sender.send(testBatch(testSpans(1)));
    expect(attempts[0]!.deadlineMs).toBe(Infinity);
    expect(attempts[0]!.signal).toBe(lifetime.signal);
    expect(vi.getTimerCount()).toBe(0);
    attempts[0]!.resolve(0);
  });
});

describe('TracesExporterHelper (queue -> metrics -> retry -> timeout -> push)', () => {
  it('counts sent spans, and a partial success as sent plus failed (clamped to the batch)', async () => {
    const t = testSettings('otlp/counts');
    const answers = [0, 2, 99, -1];
    let n = 0;
    const exporter = new TracesExporterHelper(t.settings, { timeoutMs: 1000, ...defaults }, client(async () => answers[n++]!));
    for (let i = 0; i < answers.length; i++) await exporter.consume(testBatch(testSpans(5)));
    // 5 + 3 + 0 + 5 sent; 0 + 2 + 5 + 0 failed.
    expect(await exporterCounts(t.telemetry, 'otlp/counts')).toEqual({ sent: 13, failed: 7, enqueueFailed: 0 });
  });

  it('counts and logs a failed send once, with the error and span count, and rejects with it', async () => {
    const t = testSettings('otlp/fail');
    const exporter = new TracesExporterHelper(
      t.settings,
      { timeoutMs: 1000, ...defaults },
      client(async () => {
        throw new CollectorError('TP_EXPORT_RETRYABLE', 'upstream busy', { retryAfterMs: 3000 });
      }),
    );
    const err = await rejection(exporter.consume(testBatch(testSpans(4))));
    expect(err).toMatchObject({ code: 'TP_EXPORT_RETRYABLE', retryAfterMs: 3000 });
    expect(await exporterCounts(t.telemetry, 'otlp/fail')).toEqual({ sent: 0, failed: 4, enqueueFailed: 0 });
    expect(t.logs.filter((l) => l.msg === 'Exporting failed')).toEqual([
      expect.objectContaining({ level: WARN, spans: 4, code: 'TP_EXPORT_RETRYABLE', retry_after_ms: 3000, retryable: true }),
    ]);
  });

  it('turns a non-CollectorError thrown by a push function into TP_INTERNAL', async () => {
    const t = testSettings('otlp/bug');
    const exporter = new TracesExporterHelper(
      t.settings,
      { timeoutMs: 0, ...defaults },
      client(async () => {
        throw new TypeError('oops');
      }),
    );
    expect((await rejection(exporter.consume(testBatch(testSpans(1))))).code).toBe('TP_INTERNAL');
  });

  it('starts and shuts the client down once, shutdown without start and twice included', async () => {
    const t = testSettings('otlp/life');
    const c = client(async () => 0);
    const idle = new TracesExporterHelper(t.settings, { timeoutMs: 1000, ...defaults }, c);
    await idle.shutdown();
    await idle.shutdown();
    expect(c).toMatchObject({ started: 0, stopped: 1 });
    await expect(idle.start(testHost)).rejects.toMatchObject({ code: 'TP_SHUTTING_DOWN' });
  });

  it('with timeout 0, shutdown aborts in-flight attempts once the drain time is up instead of waiting forever', async () => {
    vi.useFakeTimers();
    const t = testSettings('otlp/forever');
    const { push, attempts } = controlledPush();
    // A push that only ends when its signal aborts, as the real clients do.
    const abortable: PushSpans = (batch, signal, deadline) => {
      const p = push(batch, signal, deadline);
      signal.addEventListener('abort', () => attempts.at(-1)!.reject(signal.reason), { once: true });
      return p;
    };
    const exporter = new TracesExporterHelper(t.settings, { timeoutMs: 0, shutdownDrainTimeoutMs: 2000, ...defaults }, client(abortable));
    await exporter.start(testHost);
    const sending = rejection(exporter.consume(testBatch(testSpans(2))));
    let done = false;
    const stopping = exporter.shutdown().then(() => (done = true));
    await vi.advanceTimersByTimeAsync(1999);
    expect(done).toBe(false);
    expect(attempts[0]!.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await stopping;
    expect((await sending).code).toBe('TP_SHUTTING_DOWN');
    expect(await exporterCounts(t.telemetry, 'otlp/forever')).toMatchObject({ failed: 2 });
  });
});
