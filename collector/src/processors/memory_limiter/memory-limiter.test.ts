import { totalmem } from 'node:os';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Consumer } from '../../component/types.ts';
import { CollectorError, Grpc } from '../../errors/codes.ts';
import type { SpanBatch } from '../../pdata/span-batch.ts';
import { makeBatch } from '../batch/testdata/make-batch.ts';
import { metricValue, testSettings, type TestSettings } from '../batch/testdata/test-settings.ts';
import { availableMemory, readCgroupMemoryLimit, type FileReader } from './cgroup.ts';
import { memoryLimiterConfigSchema } from './config.ts';
import { MemoryLimiterProcessor, type MemoryLimiterOptions } from './memory-limiter.ts';
import { readProcessMemory, usedBytes, type MemoryStats } from './memory-usage.ts';

const ID = 'memory_limiter/test';
const P = { processor: ID };
const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

class Sink implements Consumer {
  readonly received: SpanBatch[] = [];
  fail: Error | null = null;
  consume(batch: SpanBatch): Promise<void> {
    this.received.push(batch);
    return this.fail === null ? Promise.resolve() : Promise.reject(this.fail);
  }
}

let t: TestSettings;
let sink: Sink;
let processors: MemoryLimiterProcessor[];
/** What the injected reader reports, in MiB of live memory (external). */
let usedMiB: number;
const fakeMemory = (): MemoryStats => ({ rss: usedMiB * MIB, heapUsed: 0, external: usedMiB * MIB });

function create(config: Record<string, unknown>, options: MemoryLimiterOptions = {}): MemoryLimiterProcessor {
  const p = new MemoryLimiterProcessor(t.settings, memoryLimiterConfigSchema.parse(config), sink, {
    readMemory: fakeMemory,
    gc: null,
    ...options,
  });
  processors.push(p);
  return p;
}

const host = { getExtension: () => undefined, status: 'running' as const };

async function refusal(p: MemoryLimiterProcessor, batch = makeBatch(0, 3)): Promise<CollectorError | undefined> {
  try {
    await p.consume(batch);
    return undefined;
  } catch (err) {
    return err as CollectorError;
  }
}

beforeEach(() => {
  vi.useFakeTimers();
  t = testSettings(ID);
  sink = new Sink();
  processors = [];
  usedMiB = 50;
});

afterEach(async () => {
  for (const p of processors) await p.shutdown();
  vi.useRealTimers();
});

describe('memory_limiter: refusing and recovering', () => {
  it('refuses above the soft limit with a retryable TP_MEMORY_LIMITED, and accepts again below it', async () => {
    // hard 100 MiB, spike 20% = 20 MiB, soft 80 MiB
    const p = create({ check_interval: '1s', limit_mib: 100 });
    expect(p.limits).toMatchObject({ hardBytes: 100 * MIB, spikeBytes: 20 * MIB, softBytes: 80 * MIB });
    await p.start(host);
    await p.consume(makeBatch(0, 3));
    expect(sink.received).toHaveLength(1);

    usedMiB = 80; // at the soft limit counts as above (otelcol: >=)
    vi.advanceTimersByTime(999);
    expect(p.isRefusing).toBe(false);
    vi.advanceTimersByTime(1);
    expect(p.isRefusing).toBe(true);
    const err = await refusal(p, makeBatch(3, 4));
    expect(err).toBeInstanceOf(CollectorError);
    expect(err!.code).toBe('TP_MEMORY_LIMITED');
    expect(err!.retryable).toBe(true);
    expect(err!.grpcStatus).toBe(Grpc.UNAVAILABLE);
    expect(err!.httpStatus).toBe(503);
    expect(err!.message).toContain('data refused due to high memory usage');
    expect(sink.received).toHaveLength(1);

    // Several more checks while still high: one warning in all, not one per check or request.
    usedMiB = 95;
    vi.advanceTimersByTime(3000);
    await refusal(p, makeBatch(7, 2));
    expect(t.logs.filter((l) => l.msg === 'Memory usage is above soft limit. Refusing data.')).toHaveLength(1);

    usedMiB = 79;
    vi.advanceTimersByTime(1000);
    expect(p.isRefusing).toBe(false);
    expect(await refusal(p, makeBatch(9, 1))).toBeUndefined();
    expect(sink.received).toHaveLength(2);
    const back = t.logs.filter((l) => l.msg === 'Memory usage back within limits. Resuming normal operation.');
    expect(back).toHaveLength(1);
    expect(back[0]!.level).toBe(30); // info
    expect(t.logs.find((l) => l.msg.includes('Refusing data'))!.level).toBe(40); // warn

    expect(await metricValue(t.telemetry, 'otelcol_processor_memory_limiter_refused_spans', P)).toBe(6);
    expect(await metricValue(t.telemetry, 'otelcol_processor_refused_spans', P)).toBe(6);
    expect(await metricValue(t.telemetry, 'otelcol_processor_accepted_spans', P)).toBe(4);
    expect(await metricValue(t.telemetry, 'otelcol_processor_incoming_items', { ...P, otel_signal: 'traces' })).toBe(10);
    expect(await metricValue(t.telemetry, 'otelcol_processor_outgoing_items', { ...P, otel_signal: 'traces' })).toBe(4);
  });

  it('checks once at start, so it refuses from the first request when started over the limit', async () => {
    usedMiB = 500;
    const p = create({ check_interval: '1s', limit_mib: 100 });
    expect((await refusal(p))).toBeUndefined(); // not started: no measurement yet
    await p.start(host);
    expect((await refusal(p))?.code).toBe('TP_MEMORY_LIMITED');
  });

  it('uses live memory heapUsed + external: Buffers outside the V8 heap count, rss does not decide', async () => {
    expect(usedBytes({ rss: 10, heapUsed: 3, external: 4 })).toBe(7);
    expect(usedBytes({ rss: 10, heapUsed: 3, external: 9 })).toBe(12);
    let stats: MemoryStats = { rss: 50 * MIB, heapUsed: 10 * MIB, external: 75 * MIB };
    const p = create({ check_interval: '1s', limit_mib: 100 }, { readMemory: () => stats });
    await p.start(host);
    expect(p.isRefusing).toBe(true); // 85 MiB by heap + external, though rss says 50
    stats = { rss: 50 * MIB, heapUsed: 10 * MIB, external: 5 * MIB };
    vi.advanceTimersByTime(1000);
    expect(p.isRefusing).toBe(false);
  });

  it('recovers after a spike although rss stays above the limit (retained pages)', async () => {
    let stats: MemoryStats = { rss: 130 * MIB, heapUsed: 40 * MIB, external: 60 * MIB };
    const p = create({ check_interval: '1s', limit_mib: 100 }, { readMemory: () => stats });
    await p.start(host);
    expect(p.isRefusing).toBe(true);
    stats = { rss: 130 * MIB, heapUsed: 20 * MIB, external: 10 * MIB };
    vi.advanceTimersByTime(1000);
    expect(p.isRefusing).toBe(false);
  });

  it('passes batches and the next component’s errors through unchanged', async () => {
    const p = create({ check_interval: '1s', limit_mib: 100 });
    await p.start(host);
    const batch = makeBatch(0, 2);
    await p.consume(batch);
    expect(sink.received[0]).toBe(batch);
    sink.fail = new CollectorError('TP_QUEUE_FULL');
    expect((await refusal(p))?.code).toBe('TP_QUEUE_FULL');
  });
});

describe('memory_limiter: forced GC', () => {
  it('forces a GC before refusing, and does not refuse if the GC brought usage under the soft limit', async () => {
    const gc = vi.fn(() => {
      usedMiB = 60;
    });
    const p = create({ check_interval: '1s', limit_mib: 100 }, { gc });
    await p.start(host);
    usedMiB = 90;
    vi.advanceTimersByTime(1000);
    expect(gc).toHaveBeenCalledTimes(1);
    expect(p.isRefusing).toBe(false);
    expect(t.logs.some((l) => l.msg === 'Memory usage is above soft limit. Forcing a GC.')).toBe(true);
    expect(t.logs.some((l) => l.msg.includes('Refusing data'))).toBe(false);
  });

  it('respects min_gc_interval_when_soft_limited, and forces a GC at every check above the hard limit', async () => {
    const gc = vi.fn(); // frees nothing
    const p = create({ check_interval: '1s', limit_mib: 100, min_gc_interval_when_soft_limited: '10s' }, { gc });
    await p.start(host);
    usedMiB = 90; // soft-limited
    vi.advanceTimersByTime(1000);
    expect(gc).toHaveBeenCalledTimes(1);
    expect(p.isRefusing).toBe(true);
    vi.advanceTimersByTime(5000); // still refusing: no GC on every check
    expect(gc).toHaveBeenCalledTimes(1);
    usedMiB = 120; // hard-limited: min_gc_interval_when_hard_limited is 0
    vi.advanceTimersByTime(3000);
    expect(gc).toHaveBeenCalledTimes(4);
    expect(t.logs.filter((l) => l.msg === 'Memory usage is above hard limit. Forcing a GC.')).toHaveLength(3);
    // Back under the soft limit, then over it again within 10 s of the last GC: no GC, refuse at once.
    usedMiB = 50;
    vi.advanceTimersByTime(1000);
    usedMiB = 90;
    vi.advanceTimersByTime(1000);
    expect(gc).toHaveBeenCalledTimes(4);
    expect(p.isRefusing).toBe(true);
  });

  it('only refuses when global.gc is not exposed', async () => {
    const p = create({ check_interval: '1s', limit_mib: 100 }, { gc: null });
    usedMiB = 150;
    await p.start(host);
    expect(p.isRefusing).toBe(true);
    expect(t.logs.some((l) => l.msg.includes('Forcing a GC'))).toBe(false);
    expect(t.logs.some((l) => l.msg.includes('--expose-gc'))).toBe(true);
  });
});

describe('memory_limiter: robustness and lifecycle', () => {
  it('keeps its state and logs once when reading memory fails; never throws', async () => {
    let broken = false;
    const p = create(
      { check_interval: '1s', limit_mib: 100 },
      {
        readMemory: () => {
          if (broken) throw new Error('EMFILE: too many open files');
          return fakeMemory();
        },
      },
    );
    usedMiB = 90;
    await p.start(host);
    expect(p.isRefusing).toBe(true);
    broken = true;
    expect(() => vi.advanceTimersByTime(5000)).not.toThrow();
    expect(p.isRefusing).toBe(true);
    expect(t.logs.filter((l) => l.msg.startsWith('Memory usage check failed'))).toHaveLength(1);
    broken = false;
    usedMiB = 10;
    vi.advanceTimersByTime(1000);
    expect(p.isRefusing).toBe(false);
  });

  it('stops checking on shutdown; shutdown works without start and twice', async () => {
    const idle = create({ check_interval: '1s', limit_mib: 100 });
    await idle.shutdown();
    await idle.shutdown();
    const p = create({ check_interval: '1s', limit_mib: 100 });
    await p.start(host);
    expect(vi.getTimerCount()).toBe(1);
    await p.shutdown();
    await p.shutdown();
    expect(vi.getTimerCount()).toBe(0);
    await p.start(host); // no restart after shutdown
    expect(vi.getTimerCount()).toBe(0);
  });

  it('warns when limit_mib and limit_percentage are both set; limit_mib wins (as otelcol)', () => {
    const p = create({ check_interval: '1s', limit_mib: 100, limit_percentage: 50 }, { availableMemory: () => 8 * GIB });
    expect(p.limits.hardBytes).toBe(100 * MIB);
    expect(t.logs.some((l) => l.level === 40 && l.msg.includes('limit_mib takes precedence'))).toBe(true);
  });
});

describe('memory_limiter: limit_percentage and cgroups', () => {
  /** A fake filesystem for the cgroup reader. */
  function files(map: Record<string, string>): FileReader {
    return (path) => map[path];
  }

  it('takes percentages of the available memory; the spike defaults to 20% of the limit', () => {
    const p = create({ check_interval: '1s', limit_percentage: 50, spike_limit_percentage: 10 }, { availableMemory: () => 10 * GIB });
    expect(p.limits).toMatchObject({ hardBytes: 5 * GIB, spikeBytes: 1 * GIB, mode: 'percentage' });
    const q = create({ check_interval: '1s', limit_percentage: 50 }, { availableMemory: () => 10 * GIB });
    expect(q.limits).toMatchObject({ hardBytes: 5 * GIB, spikeBytes: 1 * GIB, softBytes: 4 * GIB });
    // Whole bytes, as otelcol's integer arithmetic.
    const r = create({ check_interval: '1s', limit_percentage: 33 }, { availableMemory: () => 1000 });
    expect(r.limits).toMatchObject({ hardBytes: 330, spikeBytes: 66, softBytes: 264 });
  });

  it('reads cgroup v2 memory.max, smallest along the path, "max" meaning unlimited', () => {
    const fs = files({
      '/proc/self/cgroup': '0::/kubepods/pod1/ctr\n',
      '/sys/fs/cgroup/kubepods/pod1/ctr/memory.max': 'max\n',
      '/sys/fs/cgroup/kubepods/pod1/memory.max': '2147483648\n',
      '/sys/fs/cgroup/kubepods/memory.max': '8589934592\n',
    });
    expect(readCgroupMemoryLimit(fs)).toEqual({ bytes: 2 * GIB, file: '/sys/fs/cgroup/kubepods/pod1/memory.max', version: 2 });
    expect(availableMemory(fs, 64 * GIB)).toEqual({ bytes: 2 * GIB, source: 'cgroup v2 /sys/fs/cgroup/kubepods/pod1/memory.max' });
    // Inside a container (cgroup namespace): "0::/" and the limit at the root.
    const inContainer = files({ '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/memory.max': '1073741824\n' });
    expect(availableMemory(inContainer, 64 * GIB).bytes).toBe(GIB);
    // Unlimited: the machine's memory.
    const unlimited = files({ '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/memory.max': 'max\n' });
    expect(availableMemory(unlimited, 64 * GIB)).toEqual({ bytes: 64 * GIB, source: 'system' });
  });

  it('reads cgroup v1 memory.limit_in_bytes; the v1 "unlimited" number and limits above the machine mean the machine', () => {
    const v1 = (limit: string): FileReader =>
      files({
        '/proc/self/cgroup': '12:pids:/docker/abc\n4:memory:/docker/abc\n0::/\n',
        '/sys/fs/cgroup/memory/memory.limit_in_bytes': limit,
      });
    expect(availableMemory(v1('536870912\n'), 64 * GIB)).toEqual({ bytes: 512 * MIB, source: 'cgroup v1 /sys/fs/cgroup/memory/memory.limit_in_bytes' });
    expect(availableMemory(v1('9223372036854771712\n'), 64 * GIB)).toEqual({ bytes: 64 * GIB, source: 'system' });
    expect(availableMemory(v1(`${128 * GIB}\n`), 64 * GIB).source).toBe('system');
    expect(availableMemory(files({}), 64 * GIB)).toEqual({ bytes: 64 * GIB, source: 'system' });
    expect(availableMemory(v1('garbage'), 64 * GIB).source).toBe('system');
  });

  it('feeds a cgroup limit through to the processor limits', () => {
    const fs = files({ '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/memory.max': `${1000 * MIB}\n` });
    const p = create({ check_interval: '1s', limit_percentage: 80, spike_limit_percentage: 20 }, {
      availableMemory: () => availableMemory(fs, 64 * GIB).bytes,
    });
    expect(p.limits).toMatchObject({ hardBytes: 800 * MIB, spikeBytes: 200 * MIB, softBytes: 600 * MIB });
  });
});

describe('memory_limiter: this process, real readings', () => {
  it('measures the real process: refuses under a 1 MiB limit, accepts under a huge one', async () => {
    vi.useRealTimers();
    const real = readProcessMemory();
    expect(real.rss).toBeGreaterThan(MIB);
    const low = create({ check_interval: '1h', limit_mib: 1 }, { readMemory: readProcessMemory });
    await low.start(host);
    expect(low.isRefusing).toBe(true);
    const high = create({ check_interval: '1h', limit_mib: 4_000_000 }, { readMemory: readProcessMemory });
    await high.start(host);
    expect(high.isRefusing).toBe(false);
  });

  it('finds this machine’s available memory (cgroup limit or total), never above the total', () => {
    const a = availableMemory();
    expect(a.bytes).toBeGreaterThan(0);
    expect(a.bytes).toBeLessThanOrEqual(totalmem());
  });
});
