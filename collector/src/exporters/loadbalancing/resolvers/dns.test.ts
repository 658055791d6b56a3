/**
 * The dns and static resolvers. DNS lookups are injected (the system resolver is not ours to
 * test); time is fake, so interval and timeout are tested without waiting.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DnsResolver, systemLookup } from './dns.ts';
import { StaticResolver } from './static.ts';

const logger = pino({ level: 'silent' });

function recorder() {
  const lists: string[][] = [];
  const outcomes: boolean[] = [];
  return { lists, outcomes, hooks: { onEndpoints: (e: readonly string[]) => lists.push([...e]), onResolution: (s: boolean) => outcomes.push(s) } };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('dns resolver', () => {
  it('resolves every interval, formats IPv6 as [ip]:port, sorts, and reports only changes', async () => {
    vi.useFakeTimers();
    let answer = ['10.0.0.2', '10.0.0.1', 'fd00::1'];
    const r = recorder();
    const resolver = new DnsResolver({ hostname: 'gateways.svc', port: 4317, interval: 5000, timeout: 1000 }, logger, async (host) => {
      expect(host).toBe('gateways.svc');
      return answer;
    });
    await resolver.start(r.hooks);
    expect(r.lists).toEqual([['10.0.0.1:4317', '10.0.0.2:4317', '[fd00::1]:4317']]);
    await vi.advanceTimersByTimeAsync(5000);
    expect(r.lists).toHaveLength(1); // same answer: no update
    answer = ['10.0.0.3'];
    await vi.advanceTimersByTimeAsync(5000);
    expect(r.lists[1]).toEqual(['10.0.0.3:4317']);
    expect(r.outcomes).toEqual([true, true, true]);
    await resolver.shutdown();
    await vi.advanceTimersByTimeAsync(20000);
    expect(r.outcomes).toHaveLength(3);
  });

  it('counts a failed or timed-out lookup and keeps the last list', async () => {
    vi.useFakeTimers();
    let mode: 'ok' | 'fail' | 'hang' = 'ok';
    const r = recorder();
    const resolver = new DnsResolver({ hostname: 'gw', port: 55690, interval: 5000, timeout: 1000 }, logger, (async () => {
      if (mode === 'fail') throw Object.assign(new Error('getaddrinfo ENOTFOUND gw'), { code: 'ENOTFOUND' });
      if (mode === 'hang') return new Promise<string[]>(() => {});
      return ['10.1.1.1'];
    }));
    await resolver.start(r.hooks);
    mode = 'fail';
    await vi.advanceTimersByTimeAsync(5000);
    mode = 'hang';
    await vi.advanceTimersByTimeAsync(6000);
    expect(r.outcomes).toEqual([true, false, false]);
    expect(r.lists).toEqual([['10.1.1.1:55690']]);
    await resolver.shutdown();
  });

  it('the system lookup resolves localhost', async () => {
    const addrs = await systemLookup('localhost');
    expect(addrs.some((a) => a === '127.0.0.1' || a === '::1')).toBe(true);
  });
});

describe('static resolver', () => {
  it('reports its list once, sorted and without duplicates', async () => {
    const r = recorder();
    await new StaticResolver(['b:4317', 'a:4317', 'b:4317']).start(r.hooks);
    expect(r.lists).toEqual([['a:4317', 'b:4317']]);
    expect(r.outcomes).toEqual([true]);
  });
});
