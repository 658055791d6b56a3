import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { FactoryRegistry } from '../../component/registry.ts';
import { builtinRegistry } from '../../components.ts';
import { resolveSection } from '../../config/resolve-components.ts';
import type { ConfigProblem } from '../../config/types.ts';
import { tailSamplingFactory } from './factory.ts';
import { effectiveLimits } from './limits.ts';

function resolveYaml(file: string) {
  const raw = parse(readFileSync(new URL(`./testdata/${file}`, import.meta.url), 'utf8')) as { processors: unknown };
  const problems: ConfigProblem[] = [];
  const result = resolveSection('processors', 'processor', raw.processors, new FactoryRegistry([tailSamplingFactory]), problems);
  return { result, problems };
}

const ONE_POLICY = [{ name: 'all', type: 'always_sample' }];

describe('tail_sampling config', () => {
  it("has otelcol's defaults, plus tailpipe's bounds", () => {
    const cfg = tailSamplingFactory.configSchema.parse({ policies: ONE_POLICY });
    expect(cfg).toEqual({
      decision_wait: 30_000,
      num_traces: 50_000,
      expected_new_traces_per_sec: 0,
      decision_cache: { sampled_cache_size: 0, non_sampled_cache_size: 0 },
      sample_on_first_match: false,
      drop_pending_traces_on_shutdown: false,
      block_on_overflow: false,
      decision_wait_after_root_received: 0,
      sampling_strategy: 'trace-complete',
      maximum_trace_size_bytes: 0,
      max_buffered_bytes: 256 * 1024 * 1024,
      max_spans_per_trace: 0,
      record_policy: false,
      policies: [{ name: 'all', type: 'always_sample' }],
    });
    expect(effectiveLimits(cfg)).toEqual({
      decisionWaitMs: 30_000,
      rootWaitMs: 0,
      numTraces: 50_000,
      maxBufferedBytes: 256 * 1024 * 1024,
      maxTraceBytes: 16 * 1024 * 1024,
      maxSpansPerTrace: 0,
      initialTraces: 1024,
      tickMs: 1000,
    });
  });

  it('derives the table size from expected_new_traces_per_sec and the tick from the shortest wait', () => {
    const cfg = tailSamplingFactory.configSchema.parse({
      decision_wait: '2s',
      decision_wait_after_root_received: '500ms',
      expected_new_traces_per_sec: 10_000,
      maximum_trace_size_bytes: 1000,
      policies: ONE_POLICY,
    });
    expect(effectiveLimits(cfg)).toMatchObject({ initialTraces: 25_000, tickMs: 50, maxTraceBytes: 1000 });
  });

  it('accepts the example configs', () => {
    const { result, problems } = resolveYaml('config.yaml');
    expect(problems).toEqual([]);
    expect(result.valid.get('tail_sampling/classic')?.config).toMatchObject({
      decision_wait: 10_000,
      num_traces: 100_000,
      decision_cache: { sampled_cache_size: 500_000, non_sampled_cache_size: 1_000_000 },
      policies: [
        { name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } },
        { name: 'slow', type: 'latency', latency: { threshold_ms: 250 } },
      ],
    });
    expect(result.valid.get('tail_sampling/bounded')?.config).toMatchObject({
      decision_wait_after_root_received: 5_000,
      max_buffered_bytes: 134_217_728,
      maximum_trace_size_bytes: 8_388_608,
      max_spans_per_trace: 20_000,
      block_on_overflow: true,
      sample_on_first_match: true,
      record_policy: true,
    });
  });

  it('reports each invalid setting with its path', () => {
    const { result, problems } = resolveYaml('invalid.yaml');
    expect(result.valid.size).toBe(0);
    expect(problems).toEqual(PROBLEMS);
  });

  it('is registered as a built-in processor', () => {
    expect(builtinRegistry().get('processor', 'tail_sampling')).toBe(tailSamplingFactory);
  });
});

const PROBLEMS: ConfigProblem[] = [
  { path: 'processors.tail_sampling/no-policies.policies', message: 'required: a list of sampling policies (each with a unique name and a type)' },
  { path: 'processors.tail_sampling/empty-policies.policies', message: 'at least one policy is required' },
  { path: 'processors.tail_sampling/zero-wait.decision_wait', message: 'decision_wait must be greater than 0' },
  { path: 'processors.tail_sampling/bad-duration.decision_wait', message: 'expected a duration like "200ms"' },
  { path: 'processors.tail_sampling/root-wait-longer.decision_wait_after_root_received', message: 'decision_wait_after_root_received must not be longer than decision_wait' },
  { path: 'processors.tail_sampling/span-ingest.sampling_strategy', message: 'sampling_strategy "span-ingest" is not supported; use "trace-complete" (the default)' },
  { path: 'processors.tail_sampling/trace-over-budget.maximum_trace_size_bytes', message: 'maximum_trace_size_bytes must not be greater than max_buffered_bytes' },
  { path: 'processors.tail_sampling/tiny-budget.max_buffered_bytes', message: 'max_buffered_bytes must be at least 65536 (64 KiB)' },
  { path: 'processors.tail_sampling/zero-traces.num_traces', message: 'num_traces must be greater than 0' },
  { path: 'processors.tail_sampling/negative-cache.decision_cache.sampled_cache_size', message: 'expected a whole number >= 0' },
  { path: 'processors.tail_sampling/unknown-key.num_trace', message: 'unknown key "num_trace"' },
  { path: 'processors.tail_sampling/duplicate-names.policies[1].name', message: 'duplicate policy name "errors"' },
  { path: 'processors.tail_sampling/bad-policy.policies[0].status_code.status_codes[0]', message: 'unknown status code "BAD", supported: OK, ERROR, UNSET' },
];
