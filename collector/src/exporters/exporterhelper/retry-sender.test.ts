/**
 * Backoff and the retry stage, on vitest's fake clock: the exact waits for a config and a pinned
 * jitter, throttle hints, max_elapsed_time, shutdown. No real sleeping anywhere.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CollectorError } from '../../errors/codes.ts';
import type { SpanBatch } from '../../pdata/span-batch.ts';
import { SelfTelemetry } from '../../telemetry/self-telemetry.ts';
import { ExponentialBackoff } from './backoff.ts';
import { retryConfigSchema } from './config.ts';
import { RetrySender } from './retry-sender.ts';
import { isOutcomeUnknown, RetriesStoppedError } from './send-errors.ts';
import type { Sender } from './sender.ts';
import { counterValue, testBatch, testSettings, testSpans } from './test-support.ts';

afterEach(() => {
  vi.useRealTimers();
});

const defaults = { initialIntervalMs: 5000, randomizationFactor: 0.5, multiplier: 1.5, maxIntervalMs: 30000 };

function waits(settings: typeof defaults, random: () => number, n: number): number[] {
  const b = new ExponentialBackoff(settings, random);
  return Array.from({ length: n }, () => b.next());
}

describe('ExponentialBackoff (otelcol / cenkalti)', () => {
  it('with otelcol defaults: intervals 5s, 7.5s, 11.25s, 16.875s, 25.3125s, then 30s; jitter +-50%', () => {
    // random 0: the low bound, interval * 0.5 (whole ms, truncated as Go truncates nanoseconds).
    expect(waits(defaults, () => 0, 8)).toEqual([2500, 3750, 5625, 8437, 12656, 15000, 15000, 15000]);
    // random just under 1: the high bound, interval * 1.5 (so up to 45s once at max_interval).
    expect(waits(defaults, () => 0.9999999, 8)).toEqual([7500, 11250, 16875, 25312, 37968, 45000, 45000, 45000]);
    // random 0.5: about the interval itself.
    expect(waits(defaults, () => 0.5, 6)).toEqual([5000, 7500, 11250, 16875, 25313, 30000]);
  });

  it('every wait lies within [interval * (1 - f), interval * (1 + f)] for any jitter', () => {
    const intervals = [5000, 7500, 11250, 16875, 25312.5, 30000, 30000];
    for (let trial = 0; trial < 200; trial++) {
      const got = waits(defaults, Math.random, intervals.length);
      got.forEach((w, k) => {
        expect(w).toBeGreaterThanOrEqual(Math.floor(intervals[k]! * 0.5));
        expect(w).toBeLessThanOrEqual(Math.floor(intervals[k]! * 1.5));
      });
    }
  });

  it('randomization_factor 0 gives the intervals exactly; multiplier 1 keeps the initial one', () => {
    expect(waits({ ...defaults, randomizationFactor: 0 }, () => 0.3, 7)).toEqual([5000, 7500, 11250, 16875, 25312, 30000, 30000]);
    expect(waits({ ...defaults, randomizationFactor: 0, multiplier: 1 }, Math.random, 3)).toEqual([5000, 5000, 5000]);
    expect(waits({ initialIntervalMs: 100, randomizationFactor: 0, multiplier: 2, maxIntervalMs: 350 }, Math.random, 5)).toEqual([100, 200, 350, 350, 350]);
  });
});

/** A next stage whose answers the test scripts; records when each attempt started (fake clock). */
function scripted(answers: ((n: number) => number | CollectorError)[] | ((n: number) => number | CollectorError)) {
  const at: number[] = [];
  const sender: Sender = {
    send: async (_batch: SpanBatch) => {
      at.push(Date.now());
      const n = at.length;
      const answer = typeof answers === 'function' ? answers(n) : answers[n - 1]!(n);
      if (answer instanceof CollectorError) throw answer;
      return answer;
    },
  };
  return { sender, at };
}

const unavailable = () => new CollectorError('TP_EXPORT_RETRYABLE', 'UNAVAILABLE');

function retrySender(raw: Record<string, unknown>, next: Sender, random = () => 0) {
  const t = testSettings('otlp/retry');
  const counter = t.telemetry.fastCounter('tailpipe_exporter_possible_duplicate_spans', 'test', { exporter: 'otlp/retry' });
  const sender = new RetrySender(retryConfigSchema.parse(raw), next, t.settings.logger, counter, { random });
  return { sender, ...t };
}

async function settle<T>(p: Promise<T>): Promise<{ value?: T; error?: CollectorError }> {
  return p.then(
    (value) => ({ value }),
    (error: unknown) => ({ error: error as CollectorError }),
  );
}

describe('RetrySender (retry_on_failure)', () => {
  it('retries a retryable failure after exactly the backoff waits, then succeeds', async () => {
    vi.useFakeTimers({ now: 0 });
    const { sender: next, at } = scripted((n) => (n < 5 ? unavailable() : 0));
    const { sender, logs } = retrySender({}, next);
    const result = settle(sender.send(testBatch(testSpans(3))));
    await vi.runAllTimersAsync();
    expect(await result).toEqual({ value: 0 });
    // Waits 2500, 3750, 5625, 8437 (random pinned to 0): attempts at their running sums.
    expect(at).toEqual([0, 2500, 6250, 11875, 20312]);
    const retryLogs = logs.filter((l) => l.msg === 'Exporting failed. Will retry the request after interval.');
    expect(retryLogs.map((l) => l['interval_ms'])).toEqual([2500, 3750, 5625, 8437]);
    expect(retryLogs[0]).toMatchObject({ spans: 3, code: 'TP_EXPORT_RETRYABLE', attempts: 1 });
  });

  it('uses the jitter source for every wait (high bound)', async () => {
    vi.useFakeTimers({ now: 0 });
    const { sender: next, at } = scripted((n) => (n < 3 ? unavailable() : 0));
    const { sender } = retrySender({}, next, () => 0.9999999);
    const result = settle(sender.send(testBatch(testSpans(1))));
    await vi.runAllTimersAsync();
    expect((await result).value).toBe(0);
    expect(at).toEqual([0, 7500, 18750]);
  });

  it('drops a permanent error at once: one attempt, the error as it came', async () => {
    vi.useFakeTimers({ now: 0 });
    const permanent = new CollectorError('TP_EXPORT_PERMANENT', 'HTTP 400');
    const { sender: next, at } = scripted(() => permanent);
    const { sender } = retrySender({}, next);
    const result = await settle(sender.send(testBatch(testSpans(1))));
    expect(result.error).toBe(permanent);
    expect(at).toEqual([0]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('raises the wait to a throttle hint (RetryInfo / Retry-After) when it is longer, never lowers it', async () => {
    vi.useFakeTimers({ now: 0 });
    const throttled = (ms: number) => new CollectorError('TP_EXPORT_RETRYABLE', 'RESOURCE_EXHAUSTED', { retryAfterMs: ms });
    // Backoff (random 0) would wait 2500 then 3750; hints of 10s and 1s.
    const { sender: next, at } = scripted([() => throttled(10_000), () => throttled(1000), () => 0]);
    const { sender } = retrySender({}, next);
    const result = settle(sender.send(testBatch(testSpans(1))));
    await vi.runAllTimersAsync();
    expect((await result).value).toBe(0);
    expect(at).toEqual([0, 10_000, 13_750]);
  });

  it('gives up when the next wait would pass max_elapsed_time (otelcol: no wait just to fail)', async () => {
    vi.useFakeTimers({ now: 0 });
    const { sender: next, at } = scripted(() => unavailable());
    // Waits 2500, 3750, 5625 -> attempts at 0, 2500, 6250, 11875; the next wait (8437) would end at
    // 20312 > 20000, so the fourth failure is final.
    const { sender } = retrySender({ max_elapsed_time: '20s' }, next);
    const result = settle(sender.send(testBatch(testSpans(1))));
    await vi.runAllTimersAsync();
    const { error } = await result;
    expect(at).toEqual([0, 2500, 6250, 11875]);
    expect(error).toBeInstanceOf(CollectorError);
    expect(error!.code).toBe('TP_EXPORT_RETRYABLE');
    expect(error!.message).toMatch(/no more retries left after 4 attempts/);
    expect(Date.now()).toBe(11875);
  });

  it('a throttle hint longer than what is left of max_elapsed_time ends the retries at once', async () => {
    vi.useFakeTimers({ now: 0 });
    const { sender: next, at } = scripted(() => new CollectorError('TP_EXPORT_RETRYABLE', 'busy', { retryAfterMs: 60_000 }));
    const { sender } = retrySender({ max_elapsed_time: '30s' }, next);
    const { error } = await settle(sender.send(testBatch(testSpans(1))));
    expect(at).toEqual([0]);
    expect(error!.retryAfterMs).toBe(60_000);
  });

  it('max_elapsed_time 0 retries for ever (here: 40 attempts over hours)', async () => {
    vi.useFakeTimers({ now: 0 });
    const { sender: next, at } = scripted((n) => (n < 40 ? unavailable() : 0));
    const { sender } = retrySender({ max_elapsed_time: 0 }, next);
    const result = settle(sender.send(testBatch(testSpans(1))));
    await vi.runAllTimersAsync();
    expect((await result).value).toBe(0);
    expect(at).toHaveLength(40);
    // 5 growing waits (2500 .. 12656) then 34 capped ones of 15000 (random 0).
    expect(at.at(-1)).toBe(2500 + 3750 + 5625 + 8437 + 12656 + 34 * 15000);
  });

  it('stop() ends a backoff wait at once: RetriesStoppedError carrying the last error, no timer left', async () => {
    vi.useFakeTimers({ now: 0 });
    const { sender: next, at } = scripted(() => unavailable());
    const { sender } = retrySender({}, next);
    const result = settle(sender.send(testBatch(testSpans(1))));
    await vi.advanceTimersByTimeAsync(2500 + 1000); // second attempt done, waiting 3750
    expect(at).toEqual([0, 2500]);
    sender.stop();
    const { error } = await result;
    expect(error).toBeInstanceOf(RetriesStoppedError);
    expect(error!.code).toBe('TP_SHUTTING_DOWN');
    expect((error as RetriesStoppedError).lastError.message).toContain('UNAVAILABLE');
    expect(vi.getTimerCount()).toBe(0);
    expect(at).toHaveLength(2);
  });

  it('after stop(), a retryable failure is not retried; success and permanent errors pass as usual', async () => {
    vi.useFakeTimers({ now: 0 });
    const { sender: next, at } = scripted([() => unavailable(), () => 3, () => new CollectorError('TP_EXPORT_PERMANENT', 'no')]);
    const { sender } = retrySender({}, next);
    sender.stop();
    expect((await settle(sender.send(testBatch(testSpans(1))))).error).toBeInstanceOf(RetriesStoppedError);
    expect(await sender.send(testBatch(testSpans(5)))).toBe(3);
    expect((await settle(sender.send(testBatch(testSpans(1))))).error!.code).toBe('TP_EXPORT_PERMANENT');
    expect(at).toEqual([0, 0, 0]);
  });

  it('counts possible duplicates when it resends after an attempt whose outcome is unknown (timeout)', async () => {
    vi.useFakeTimers({ now: 0 });
    const timeout = () => new CollectorError('TP_EXPORT_TIMEOUT', 'no answer within 5000ms');
    const { sender: next } = scripted([timeout, unavailable, timeout, () => 0]);
    const r = retrySender({}, next);
    const result = settle(r.sender.send(testBatch(testSpans(7))));
    await vi.runAllTimersAsync();
    expect((await result).value).toBe(0);
    // Resent twice after a timeout (7 spans each); the resend after UNAVAILABLE is not a duplicate risk.
    expect(await counterValue(r.telemetry, 'tailpipe_exporter_possible_duplicate_spans', { exporter: 'otlp/retry' })).toBe(14);
    expect(isOutcomeUnknown(timeout())).toBe(true);
    expect(isOutcomeUnknown(unavailable())).toBe(false);
  });

  it('with enabled: false makes one attempt and returns the error as it came', async () => {
    vi.useFakeTimers({ now: 0 });
    const err = unavailable();
    const { sender: next, at } = scripted(() => err);
    const { sender } = retrySender({ enabled: false }, next);
    expect((await settle(sender.send(testBatch(testSpans(1))))).error).toBe(err);
    expect(at).toEqual([0]);
  });
});

describe('SelfTelemetry sanity for these tests', () => {
  it('a fresh registry has no retry counter until a RetrySender is made', () => {
    expect(new SelfTelemetry().registry.getSingleMetric('tailpipe_exporter_possible_duplicate_spans')).toBeUndefined();
  });
});
