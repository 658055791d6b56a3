/** Every file in collector/examples/ is a valid config for this collector. */
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigSources } from '../src/config/load.ts';
import { resolveConfig } from '../src/config/resolve.ts';
import { builtinRegistry } from '../src/components.ts';
import { REPO_ROOT } from './helpers/collector-process.ts';

const dir = join(REPO_ROOT, 'collector/examples');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'));

describe('collector/examples', () => {
  it('has examples', () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
  });

  it.each(files)('%s loads and resolves without problems', (file) => {
    const loaded = loadConfigSources([join(dir, file)], [], {});
    expect(loaded.problems).toEqual([]);
    const resolved = resolveConfig(loaded.raw, builtinRegistry());
    expect(resolved.problems).toEqual([]);
    expect(resolved.config!.service.pipelines.size).toBeGreaterThan(0);
  });
});
