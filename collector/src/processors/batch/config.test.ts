import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { FactoryRegistry } from '../../component/registry.ts';
import { builtinRegistry } from '../../components.ts';
import { resolveSection } from '../../config/resolve-components.ts';
import type { ConfigProblem } from '../../config/types.ts';
import { batchFactory } from './factory.ts';

function resolveYaml(file: string) {
  const raw = parse(readFileSync(new URL(`./testdata/${file}`, import.meta.url), 'utf8')) as { processors: unknown };
  const problems: ConfigProblem[] = [];
  const result = resolveSection('processors', 'processor', raw.processors, new FactoryRegistry([batchFactory]), problems);
  return { result, problems };
}

describe('batch config', () => {
  it('has otelcol defaults for an empty section', () => {
    const expected = { timeout: 200, send_batch_size: 8192, send_batch_max_size: 0, metadata_keys: [], metadata_cardinality_limit: 1000 };
    expect(batchFactory.configSchema.parse(null)).toEqual(expected);
    expect(batchFactory.configSchema.parse({})).toEqual(expected);
  });

  it('accepts the example configs', () => {
    const { result, problems } = resolveYaml('config.yaml');
    expect(problems).toEqual([]);
    expect(result.valid.get('batch/custom')?.config).toMatchObject({ send_batch_size: 10000, send_batch_max_size: 11000, timeout: 10_000 });
    expect(result.valid.get('batch/tenants')?.config).toMatchObject({ metadata_keys: ['X-Scope-OrgID'], metadata_cardinality_limit: 10 });
    expect(result.valid.get('batch/immediate')?.config).toMatchObject({ timeout: 0 });
  });

  it('reports each invalid setting with its path and otelcol message', () => {
    const { result, problems } = resolveYaml('invalid.yaml');
    expect(result.valid.size).toBe(0);
    expect(problems).toEqual([
      { path: 'processors.batch/max-below-size.send_batch_max_size', message: 'send_batch_max_size must be greater or equal to send_batch_size' },
      { path: 'processors.batch/duplicate-keys.metadata_keys[1]', message: 'duplicate entry in metadata_keys: "tenant" (case-insensitive)' },
      { path: 'processors.batch/negative-timeout.timeout', message: 'timeout must be greater or equal to 0' },
      { path: 'processors.batch/negative-size.send_batch_size', message: 'expected a whole number >= 0' },
      { path: 'processors.batch/unknown-key.send_batch_sizes', message: 'unknown key "send_batch_sizes"' },
    ]);
  });

  it('is registered as the batch processor', () => {
    expect(builtinRegistry().get('processor', 'batch')).toBe(batchFactory);
  });
});
