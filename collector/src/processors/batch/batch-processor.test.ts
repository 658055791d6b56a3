import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Consumer } from '../../component/types.ts';
import { CollectorError } from '../../errors/codes.ts';
import { encodeExportRequest } from '../../pdata/encode-request.ts';
import { indexExportRequest } from '../../pdata/index-request.ts';
import type { SpanBatch } from '../../pdata/span-batch.ts';
import { BatchProcessor, type BatchProcessorOptions } from './batch-processor.ts';
import { batchConfigSchema } from './config.ts';
import { makeBatch, spanSeqs } from './testdata/make-batch.ts';
import { metricValue, testSettings, type TestSettings } from './testdata/test-settings.ts';

const ID = 'batch/test';
const P = { processor: ID };

interface Deferred {
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** The next component: records every batch; `behavior` decides each call's outcome. */
class Sink implements Consumer {
  readonly received: SpanBatch[] = [];
  readonly held: Deferred[] = [];
  behavior: (batch: SpanBatch, call: number) => Promise<void> = () => Promise.resolve();

  consume(batch: SpanBatch): Promise<void> {
    this.received.push(batch);
    return this.behavior(batch, this.received.length - 1);
  }

  /** Make every call wait until released by the test. */
  hold(): void {
    this.behavior = () => new Promise<void>((resolve, reject) => this.held.push({ resolve, reject }));
  }

  sizes(): number[] {
    return this.received.map((b) => b.spanCount);
  }

  seqs(): number[] {
    return this.received.flatMap(spanSeqs);
  }
}

/** Lets settled promise callbacks run (fake timers do not fake microtasks). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

/** Whether a promise has settled, without waiting for it. */
function track(p: Promise<void>): { done: boolean; error: unknown } {
  const state = { done: false, error: undefined as unknown };
  p.then(
    () => (state.done = true),
    (err: unknown) => {
      state.done = true;
      state.error = err;
    },
  );
  return state;
}

let t: TestSettings;
let sink: Sink;
let processors: BatchProcessor[];

function create(config: Record<string, unknown>, options?: BatchProcessorOptions): BatchProcessor {
  const p = new BatchProcessor(t.settings, batchConfigSchema.parse(config), sink, options);
  processors.push(p);
  return p;
}

beforeEach(() => {
  vi.useFakeTimers();
  t = testSettings(ID);
  sink = new Sink();
  processors = [];
});

afterEach(async () => {
  // Release anything a test left waiting, then shut every processor down.
  sink.behavior = () => Promise.resolve();
  for (const d of sink.held.splice(0)) d.resolve();
  for (const p of processors) {
    const done = p.shutdown();
    for (let i = 0; i < 10 && sink.held.length > 0; i++) for (const d of sink.held.splice(0)) d.resolve();
    await done;
  }
  vi.useRealTimers();
});

describe('batch processor: triggers', () => {
  it('sends once send_batch_size spans are pending (size trigger), concatenating the parts', async () => {
    const p = create({ send_batch_size: 10, timeout: '1s' });
    await p.consume(makeBatch(0, 3));
    await p.consume(makeBatch(3, 3));
    await p.consume(makeBatch(6, 3));
    expect(sink.received).toHaveLength(0);
    await p.consume(makeBatch(9, 3));
    expect(sink.sizes()).toEqual([12]);
    expect(sink.seqs()).toEqual([...Array(12).keys()]);
    await settle();
    expect(await metricValue(t.telemetry, 'otelcol_processor_batch_batch_size_trigger_send', P)).toBe(1);
    expect(await metricValue(t.telemetry, 'otelcol_processor_batch_timeout_trigger_send', P)).toBe(0);
    expect(await metricValue(t.telemetry, 'otelcol_processor_batch_batch_send_size', P, 'sum')).toBe(12);
    expect(await metricValue(t.telemetry, 'otelcol_processor_incoming_items', { ...P, otel_signal: 'traces' })).toBe(12);
    expect(await metricValue(t.telemetry, 'otelcol_processor_outgoing_items', { ...P, otel_signal: 'traces' })).toBe(12);
    // Nothing pending: no timer left armed.
    expect(vi.getTimerCount()).toBe(0);
  });

  it('sends what is pending when the timeout expires (timeout trigger), one timer per batcher', async () => {
    const p = create({ send_batch_size: 100, timeout: '200ms' });
    await p.consume(makeBatch(0, 3));
    await p.consume(makeBatch(3, 4));
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(199);
    expect(sink.received).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(sink.sizes()).toEqual([7]);
    await settle();
    expect(await metricValue(t.telemetry, 'otelcol_processor_batch_timeout_trigger_send', P)).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
    // The next span starts a new wait of a full timeout.
    await p.consume(makeBatch(7, 1));
    vi.advanceTimersByTime(199);
    expect(sink.received).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sink.sizes()).toEqual([7, 1]);
  });

  it('restarts the timer after a size-triggered send that leaves spans behind', async () => {
    const p = create({ send_batch_size: 10, send_batch_max_size: 10, timeout: '200ms' });
    await p.consume(makeBatch(0, 5));
    vi.advanceTimersByTime(150);
    await p.consume(makeBatch(5, 8)); // 13 pending: 10 leave now, 3 stay
    expect(sink.sizes()).toEqual([10]);
    vi.advanceTimersByTime(199);
    expect(sink.sizes()).toEqual([10]);
    vi.advanceTimersByTime(1);
    expect(sink.sizes()).toEqual([10, 3]);
  });

  it('splits into batches of at most send_batch_max_size, in order, leaving the rest pending', async () => {
    const p = create({ send_batch_size: 10, send_batch_max_size: 15, timeout: '1s' });
    await p.consume(makeBatch(0, 4, { resources: 1 }));
    await p.consume(makeBatch(4, 33, { resources: 3 })); // 37 pending
    expect(sink.sizes()).toEqual([15, 15]);
    vi.advanceTimersByTime(1000);
    expect(sink.sizes()).toEqual([15, 15, 7]);
    expect(sink.seqs()).toEqual([...Array(37).keys()]);
    // Every batch sent is a well-formed request holding exactly its spans.
    for (const b of sink.received) {
      const again = indexExportRequest(encodeExportRequest(b));
      expect(spanSeqs(again)).toEqual(spanSeqs(b));
    }
  });

  it('sends every request at once when timeout is 0, and when send_batch_size is 0 (split by max size)', async () => {
    const p = create({ timeout: 0 });
    await p.consume(makeBatch(0, 3));
    await p.consume(makeBatch(3, 2));
    expect(sink.sizes()).toEqual([3, 2]);
    expect(vi.getTimerCount()).toBe(0);

    const q = create({ send_batch_size: 0, send_batch_max_size: 4 });
    await q.consume(makeBatch(10, 9));
    expect(sink.sizes()).toEqual([3, 2, 4, 4, 1]);
  });

  it('passes a pristine request through unchanged when it is sent alone', async () => {
    const p = create({ send_batch_size: 5 });
    const batch = makeBatch(0, 5);
    const bytes = encodeExportRequest(batch);
    await p.consume(batch);
    expect(sink.received).toHaveLength(1);
    expect(encodeExportRequest(sink.received[0]!).equals(bytes)).toBe(true);
  });

  it('ignores empty batches', async () => {
    const p = create({ send_batch_size: 1 });
    await p.consume(makeBatch(0, 0));
    vi.advanceTimersByTime(1000);
    expect(sink.received).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('records the bytes histogram at level detailed only', async () => {
    t = testSettings(ID, 'detailed');
    const p = create({ send_batch_size: 5 });
    const batch = makeBatch(0, 5);
    const size = encodeExportRequest(batch).length;
    await p.consume(batch);
    await settle();
    expect(await metricValue(t.telemetry, 'otelcol_processor_batch_batch_send_size_bytes', P, 'sum')).toBe(size);

    const normal = testSettings(ID, 'normal');
    new BatchProcessor(normal.settings, batchConfigSchema.parse({}), sink);
    expect(normal.telemetry.registry.getSingleMetric('otelcol_processor_batch_batch_send_size_bytes')).toBeUndefined();
  });
});

describe('batch processor: metadata_keys', () => {
  it('keeps combinations apart: two tenants never share a batch; batches carry only the configured keys', async () => {
    const p = create({ send_batch_size: 1000, timeout: '1s', metadata_keys: ['X-Tenant'] });
    let seq = 0;
    const tenantOf = new Map<number, string>();
    for (let i = 0; i < 20; i++) {
      const tenant = i % 3 === 0 ? 'a' : i % 3 === 1 ? 'b' : '';
      const md: Record<string, string> = tenant === '' ? { other: 'x' } : { 'x-tenant': tenant, other: 'x' };
      const batch = makeBatch(seq, 3, { metadata: md });
      for (let k = 0; k < 3; k++) tenantOf.set(seq + k, tenant);
      seq += 3;
      await p.consume(batch);
    }
    expect(p.cardinality).toBe(3);
    expect(await metricValue(t.telemetry, 'otelcol_processor_batch_metadata_cardinality', P)).toBe(3);
    vi.advanceTimersByTime(1000);
    expect(sink.received).toHaveLength(3);
    for (const b of sink.received) {
      const tenants = new Set(spanSeqs(b).map((s) => tenantOf.get(s)));
      expect(tenants.size).toBe(1);
      const [tenant] = tenants;
      expect(b.metadata?.get('x-tenant')).toEqual(tenant === '' ? undefined : [tenant]);
      expect(b.metadata?.has('other')).toBe(false);
    }
    expect(sink.seqs().sort((x, y) => x - y)).toEqual([...Array(seq).keys()]);
    // Once their batches are sent, idle combinations are forgotten.
    await settle();
    expect(p.cardinality).toBe(0);
    expect(await metricValue(t.telemetry, 'otelcol_processor_batch_metadata_cardinality', P)).toBe(0);
  });

  it('treats an unset key and an empty value as different combinations', async () => {
    const p = create({ send_batch_size: 1000, timeout: '1s', metadata_keys: ['tenant'] });
    await p.consume(makeBatch(0, 1, { metadata: { tenant: '' } }));
    await p.consume(makeBatch(1, 1, { metadata: {} }));
    await p.consume(makeBatch(2, 1));
    await p.consume(makeBatch(3, 1, { metadata: { tenant: ['a', 'b'] } }));
    await p.consume(makeBatch(4, 1, { metadata: { tenant: ['a'] } }));
    expect(p.cardinality).toBe(4);
  });

  it('refuses new combinations beyond metadata_cardinality_limit with a clear error and a counter', async () => {
    const p = create({ send_batch_size: 1000, timeout: '1s', metadata_keys: ['tenant'], metadata_cardinality_limit: 2 });
    await p.consume(makeBatch(0, 2, { metadata: { tenant: 'a' } }));
    await p.consume(makeBatch(2, 2, { metadata: { tenant: 'b' } }));
    const err = await p.consume(makeBatch(4, 5, { metadata: { tenant: 'c' } })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CollectorError);
    expect((err as CollectorError).code).toBe('TP_METADATA_CARDINALITY_LIMIT');
    expect((err as CollectorError).retryable).toBe(false);
    expect((err as CollectorError).message).toContain('too many batcher metadata-value combinations');
    // Known combinations still get in.
    await p.consume(makeBatch(9, 1, { metadata: { tenant: 'a' } }));
    await p.consume(makeBatch(10, 5, { metadata: { tenant: 'c' } })).catch(() => undefined);
    expect(await metricValue(t.telemetry, 'tailpipe_processor_batch_metadata_cardinality_refused_spans', P)).toBe(10);
    // One warning, not one per request.
    expect(t.logs.filter((l) => l.msg.includes('too many batcher metadata-value combinations'))).toHaveLength(1);
    // When a and b have been sent, c fits.
    vi.advanceTimersByTime(1000);
    await settle();
    await p.consume(makeBatch(15, 1, { metadata: { tenant: 'c' } }));
    expect(p.cardinality).toBe(1);
  });

  it('has no limit when metadata_cardinality_limit is 0 (as otelcol)', async () => {
    const p = create({ send_batch_size: 1000, metadata_keys: ['tenant'], metadata_cardinality_limit: 0 });
    for (let i = 0; i < 50; i++) await p.consume(makeBatch(i, 1, { metadata: { tenant: `t${i}` } }));
    expect(p.cardinality).toBe(50);
  });
});

describe('batch processor: delivery and loss', () => {
  it('counts and logs batches the next component refuses; no crash on a synchronous throw', async () => {
    const p = create({ send_batch_size: 4 });
    sink.behavior = (_b, call) => {
      if (call === 0) return Promise.reject(new CollectorError('TP_EXPORT_PERMANENT', 'backend said no'));
      if (call === 1) throw new Error('thrown synchronously');
      return Promise.resolve();
    };
    await p.consume(makeBatch(0, 4));
    await p.consume(makeBatch(4, 5));
    await p.consume(makeBatch(9, 6));
    await settle();
    expect(sink.sizes()).toEqual([4, 5, 6]);
    expect(await metricValue(t.telemetry, 'tailpipe_processor_batch_dropped_spans', P)).toBe(9);
    // otelcol records trigger and size only for batches that were accepted.
    expect(await metricValue(t.telemetry, 'otelcol_processor_batch_batch_size_trigger_send', P)).toBe(1);
    const failures = t.logs.filter((l) => l.msg === 'Sender failed');
    expect(failures).toHaveLength(2);
    expect(failures[0]!.spans).toBe(4);
    expect(JSON.stringify(failures[0]!.err)).toContain('backend said no');
  });

  it('loses no span and duplicates none; the dropped counter equals exactly what was lost', async () => {
    const p = create(
      { send_batch_size: 50, send_batch_max_size: 70, timeout: '100ms', metadata_keys: ['tenant'] },
      { maxHeldSpans: 300 },
    );
    // Deterministic pseudo-random sizes, tenants and failures.
    let state = 12345;
    const rand = (n: number): number => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state % n;
    };
    const lost = new Set<number>();
    sink.behavior = (batch) => {
      if (rand(4) === 0) {
        for (const s of spanSeqs(batch)) lost.add(s);
        return Promise.reject(new Error('flaky'));
      }
      return rand(2) === 0 ? Promise.resolve() : new Promise<void>((r) => setTimeout(r, 30));
    };
    let seq = 0;
    const pending: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) {
      const n = 1 + rand(40);
      pending.push(p.consume(makeBatch(seq, n, { metadata: { tenant: `t${rand(3)}` } })));
      seq += n;
      if (i % 7 === 0) await vi.advanceTimersByTimeAsync(40);
    }
    await vi.advanceTimersByTimeAsync(1000);
    await Promise.all(pending);
    const done = p.shutdown();
    await vi.advanceTimersByTimeAsync(1000);
    await done;

    const seen = sink.seqs();
    expect(new Set(seen).size).toBe(seen.length); // no duplicates
    expect(seen.sort((a, b) => a - b)).toEqual([...Array(seq).keys()]); // every span sent once
    const dropped = await metricValue(t.telemetry, 'tailpipe_processor_batch_dropped_spans', P);
    expect(lost.size).toBeGreaterThan(0);
    expect(dropped).toBe(lost.size);
    expect(await metricValue(t.telemetry, 'otelcol_processor_batch_batch_send_size', P, 'sum')).toBe(seq - lost.size);
    for (const b of sink.received) expect(b.spanCount).toBeLessThanOrEqual(70);
  });
});

describe('batch processor: backpressure', () => {
  it('makes consume() wait once maxHeldSpans are held, and admits in order as sends settle', async () => {
    sink.hold();
    const p = create({ send_batch_size: 10, timeout: '1s' }, { maxHeldSpans: 20 });
    await p.consume(makeBatch(0, 10)); // sent, in flight
    await p.consume(makeBatch(10, 10)); // sent, in flight: 20 held
    expect(p.heldSpans).toBe(20);
    const third = track(p.consume(makeBatch(20, 5)));
    const fourth = track(p.consume(makeBatch(25, 5)));
    await settle();
    expect(third.done).toBe(false);
    expect(fourth.done).toBe(false);
    expect(p.heldSpans).toBe(20);

    sink.held.shift()!.resolve(); // 10 held: both waiters fit (10 + 5 < 20, then 15 < 20)
    await settle();
    expect(third.done && third.error === undefined).toBe(true);
    expect(fourth.done && fourth.error === undefined).toBe(true);
    expect(p.heldSpans).toBe(20);
    // They went on as one batch of 10 (size trigger), not lost or duplicated.
    expect(sink.sizes()).toEqual([10, 10, 10]);
    expect(sink.seqs()).toEqual([...Array(30).keys()]);
  });

  it('never holds more than the bound plus one request, however many requests arrive', async () => {
    sink.hold();
    const p = create({ send_batch_size: 8, timeout: '50ms' }, { maxHeldSpans: 32 });
    let maxHeld = 0;
    const all: Promise<void>[] = [];
    for (let i = 0; i < 100; i++) {
      all.push(p.consume(makeBatch(i * 6, 6)));
      maxHeld = Math.max(maxHeld, p.heldSpans);
    }
    for (let round = 0; round < 200 && sink.held.length > 0; round++) {
      sink.held.shift()!.resolve();
      await settle();
      await vi.advanceTimersByTimeAsync(50);
      maxHeld = Math.max(maxHeld, p.heldSpans);
    }
    await Promise.all(all);
    expect(maxHeld).toBeGreaterThanOrEqual(32);
    expect(maxHeld).toBeLessThan(32 + 6);
    expect(sink.seqs().sort((a, b) => a - b)).toEqual([...Array(600).keys()]);
  });

  it('uses max(10 x send_batch_size, 10000) as the default bound', () => {
    expect(create({}).maxHeldSpans).toBe(81920);
    expect(create({ send_batch_size: 10 }).maxHeldSpans).toBe(10000);
  });
});

describe('batch processor: shutdown', () => {
  it('flushes everything pending and waits for sends in flight', async () => {
    sink.hold();
    const p = create({ send_batch_size: 100, timeout: '10s', metadata_keys: ['tenant'] });
    await p.consume(makeBatch(0, 3, { metadata: { tenant: 'a' } }));
    await p.consume(makeBatch(3, 4, { metadata: { tenant: 'b' } }));
    const done = track(p.shutdown());
    expect(sink.sizes().sort()).toEqual([3, 4]);
    await settle();
    expect(done.done).toBe(false); // still sending
    sink.held.shift()!.resolve();
    await settle();
    expect(done.done).toBe(false);
    sink.held.shift()!.resolve();
    await settle();
    expect(done.done).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    expect(await metricValue(t.telemetry, 'otelcol_processor_batch_timeout_trigger_send', P)).toBe(2);
  });

  it('admits requests that were waiting for room, then refuses new ones', async () => {
    sink.hold();
    const p = create({ send_batch_size: 5 }, { maxHeldSpans: 5 });
    await p.consume(makeBatch(0, 5));
    const waiting = track(p.consume(makeBatch(5, 2)));
    const done = p.shutdown();
    await settle();
    expect(waiting.done && waiting.error === undefined).toBe(true);
    const late = await p.consume(makeBatch(7, 1)).catch((e: unknown) => e);
    expect((late as CollectorError).code).toBe('TP_SHUTTING_DOWN');
    for (const d of sink.held.splice(0)) d.resolve();
    await settle();
    for (const d of sink.held.splice(0)) d.resolve();
    await done;
    expect(sink.seqs()).toEqual([...Array(7).keys()]);
  });

  it('works without start() and when called twice', async () => {
    const p = create({});
    await p.consume(makeBatch(0, 2));
    const a = p.shutdown();
    const b = p.shutdown();
    expect(a).toBe(b);
    await a;
    await p.shutdown();
    expect(sink.sizes()).toEqual([2]);
  });
});
