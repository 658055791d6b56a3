import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { FactoryRegistry } from '../../component/registry.ts';
import { builtinRegistry } from '../../components.ts';
import { resolveSection } from '../../config/resolve-components.ts';
import type { ConfigProblem } from '../../config/types.ts';
import { effectiveMode } from './config.ts';
import { probabilisticSamplerFactory } from './factory.ts';

function resolveYaml(file: string) {
  const raw = parse(readFileSync(new URL(`./testdata/${file}`, import.meta.url), 'utf8')) as { processors: unknown };
  const problems: ConfigProblem[] = [];
  const result = resolveSection('processors', 'processor', raw.processors, new FactoryRegistry([probabilisticSamplerFactory]), problems);
  return { result, problems };
}

describe('probabilistic_sampler config', () => {
  it('has otelcol defaults (fail_closed true, precision 4, mode unset = hash_seed)', () => {
    const cfg = probabilisticSamplerFactory.configSchema.parse(null);
    expect(cfg).toEqual({
      sampling_percentage: 0,
      hash_seed: 0,
      mode: '',
      fail_closed: true,
      sampling_precision: 4,
      attribute_source: 'traceID',
      from_attribute: '',
      sampling_priority: '',
    });
    expect(effectiveMode(cfg)).toBe('hash_seed');
  });

  it('keeps sampling_percentage as the float32 otelcol reads', () => {
    expect(probabilisticSamplerFactory.configSchema.parse({ sampling_percentage: 15.3 }).sampling_percentage).toBe(Math.fround(15.3));
  });

  it('accepts the example configs', () => {
    const { result, problems } = resolveYaml('config.yaml');
    expect(problems).toEqual([]);
    expect(result.valid.size).toBe(5);
    expect(result.valid.get('probabilistic_sampler/proportional')?.config).toMatchObject({ mode: 'proportional', sampling_precision: 6 });
  });

  it('reports each invalid setting with its path', () => {
    const { problems } = resolveYaml('invalid.yaml');
    const p = (id: string, key: string) => `processors.probabilistic_sampler/${id}.${key}`;
    expect(problems).toEqual([
      { path: p('negative', 'sampling_percentage'), message: 'sampling rate is negative: -1%' },
      { path: p('too-small', 'sampling_percentage'), message: 'sampling rate is too small: 9.99999968e-21%'.replace('9.99999968e-21', String(Math.fround(1e-20))) },
      { path: p('mode', 'mode'), message: 'unsupported sampler mode; expected one of hash_seed, equalizing, proportional' },
      { path: p('precision', 'sampling_precision'), message: 'sampling precision is too great, should be <= 14: 15' },
      { path: p('precision-zero', 'sampling_precision'), message: 'invalid sampling precision: 0' },
      { path: p('seed', 'hash_seed'), message: 'expected a whole number between 0 and 4294967295' },
      { path: p('source', 'attribute_source'), message: 'invalid attribute source; expected traceID or record' },
      { path: p('unknown', 'sampler_mode'), message: 'unknown key "sampler_mode"' },
    ]);
  });

  it('is registered as the probabilistic_sampler processor', () => {
    expect(builtinRegistry().get('processor', 'probabilistic_sampler')).toBe(probabilisticSamplerFactory);
  });
});
