import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { FactoryRegistry } from '../../component/registry.ts';
import { builtinRegistry } from '../../components.ts';
import { resolveSection } from '../../config/resolve-components.ts';
import type { ConfigProblem } from '../../config/types.ts';
import { memoryLimiterFactory } from './factory.ts';

function resolveYaml(file: string) {
  const raw = parse(readFileSync(new URL(`./testdata/${file}`, import.meta.url), 'utf8')) as { processors: unknown };
  const problems: ConfigProblem[] = [];
  const result = resolveSection('processors', 'processor', raw.processors, new FactoryRegistry([memoryLimiterFactory]), problems);
  return { result, problems };
}

describe('memory_limiter config', () => {
  it('has otelcol defaults around the required settings', () => {
    expect(memoryLimiterFactory.configSchema.parse({ check_interval: '1s', limit_mib: 100 })).toEqual({
      check_interval: 1000,
      limit_mib: 100,
      spike_limit_mib: 0,
      limit_percentage: 0,
      spike_limit_percentage: 0,
      min_gc_interval_when_soft_limited: 10_000,
      min_gc_interval_when_hard_limited: 0,
    });
  });

  it('accepts the example configs', () => {
    const { result, problems } = resolveYaml('config.yaml');
    expect(problems).toEqual([]);
    expect([...result.valid.keys()]).toEqual(['memory_limiter', 'memory_limiter/spike', 'memory_limiter/percentage', 'memory_limiter/gc']);
    expect(result.valid.get('memory_limiter/gc')?.config).toMatchObject({ check_interval: 500, min_gc_interval_when_soft_limited: 30_000 });
  });

  it('reports each invalid setting with its path and otelcol message', () => {
    const { result, problems } = resolveYaml('invalid.yaml');
    expect(result.valid.size).toBe(0);
    expect(problems).toEqual([
      { path: 'processors.memory_limiter/no-interval.check_interval', message: "'check_interval' must be greater than zero" },
      { path: 'processors.memory_limiter/no-limit', message: "'limit_mib' or 'limit_percentage' must be greater than zero" },
      { path: 'processors.memory_limiter/spike-too-big.spike_limit_mib', message: "'spike_limit_mib' must be smaller than 'limit_mib'" },
      {
        path: 'processors.memory_limiter/percentage-range.limit_percentage',
        message: "'limit_percentage' and 'spike_limit_percentage' must be greater than zero and less than or equal to hundred",
      },
      {
        path: 'processors.memory_limiter/spike-percentage.spike_limit_percentage',
        message: "'spike_limit_percentage' must be smaller than 'limit_percentage'",
      },
      {
        path: 'processors.memory_limiter/gc-intervals.min_gc_interval_when_soft_limited',
        message: "'min_gc_interval_when_soft_limited' should be larger than 'min_gc_interval_when_hard_limited'",
      },
      { path: 'processors.memory_limiter/fraction.limit_percentage', message: 'expected a whole number >= 0' },
      { path: 'processors.memory_limiter/unknown.ballast_size_mib', message: 'unknown key "ballast_size_mib"' },
    ]);
  });

  it('rejects an empty section (check_interval and a limit are required, as in otelcol)', () => {
    const r = memoryLimiterFactory.configSchema.safeParse(null);
    expect(r.success).toBe(false);
  });

  it('is registered as the memory_limiter processor', () => {
    expect(builtinRegistry().get('processor', 'memory_limiter')).toBe(memoryLimiterFactory);
  });
});
