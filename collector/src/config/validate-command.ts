/**
 * `validate`: load and resolve the config, print every problem as `path: message` in the order
 * they appear in the YAML (exit code 1), or `config is valid` (exit code 0). Warnings (unset
 * environment variables, ignored telemetry options) are printed first, prefixed `warning: `.
 */
import type { FactoryRegistry } from '../component/registry.ts';
import { loadConfigSources, type LoadOptions } from './load.ts';
import { resolveConfig } from './resolve.ts';
import { formatProblem } from './path.ts';

export function runValidate(
  configArgs: readonly string[],
  setArgs: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  registry: FactoryRegistry,
  out: (line: string) => void,
  opts: LoadOptions = {},
): number {
  const loaded = loadConfigSources(configArgs, setArgs, env, opts);
  for (const w of loaded.warnings) out(`warning: ${formatProblem(w)}`);
  if (loaded.raw === undefined) {
    for (const p of loaded.problems) out(formatProblem(p));
    return 1;
  }
  const resolved = resolveConfig(loaded.raw, registry);
  for (const w of resolved.warnings) out(`warning: ${formatProblem(w)}`);
  if (resolved.problems.length > 0) {
    for (const p of resolved.problems) out(formatProblem(p));
    return 1;
  }
  out('config is valid');
  return 0;
}
