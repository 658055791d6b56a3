/**
 * Reads every --config source and --set override into one config tree, in otelcol's order:
 * sources merged left to right, then --set values, then ${...} expansion over the result.
 *
 * --config forms: PATH | file:PATH | env:VAR (the variable holds YAML) | yaml:INLINE (keys nest
 * with `::`, e.g. `yaml:processors::batch::timeout: 2s`).
 * --set forms: a.b.c=VALUE or a::b::c=VALUE; VALUE is YAML (`=[otlp]` is a list). Use `::`
 * when a key itself contains a dot.
 */
import { readFileSync } from 'node:fs';
import type { ConfigProblem, LoadResult } from './types.ts';
import { describeType, isMap } from './path.ts';
import { deepMerge, nestUnder, splitColonKeys } from './merge.ts';
import { parseYamlSource } from './yaml-source.ts';
import { expandConfig } from './expand.ts';

export interface LoadOptions {
  /** Reads files for PATH / file:PATH / ${file:...}; injectable for tests. */
  readFile?: (path: string) => string;
}

type Env = Readonly<Record<string, string | undefined>>;

// Two or more letters, so a Windows drive letter (C:\...) reads as a path.
const SOURCE_SCHEME = /^([A-Za-z][A-Za-z0-9+.-]+):(.*)$/s;

/** One source's parsed YAML (a map), or problems. */
interface SourceResult {
  value?: Record<string, unknown>;
  problems: ConfigProblem[];
  warnings: ConfigProblem[];
}

function fromYaml(text: string, name: string): SourceResult {
  const parsed = parseYamlSource(text, name);
  if (parsed.problems.length > 0) return { problems: parsed.problems, warnings: [] };
  const v = parsed.value ?? {}; // an empty file is an empty config
  if (!isMap(v)) return { problems: [{ path: '', message: `${name}: the configuration must be a map, got ${describeType(v)}` }], warnings: [] };
  return { value: v, problems: [], warnings: [] };
}

function readConfigSource(arg: string, env: Env, readFile: (p: string) => string): SourceResult {
  const m = SOURCE_SCHEME.exec(arg);
  const scheme = m?.[1] ?? 'file';
  const rest = m?.[2] ?? arg;
  switch (scheme) {
    case 'file': {
      let text: string;
      try {
        text = readFile(rest);
      } catch (err) {
        return { problems: [{ path: '', message: `cannot read config file "${rest}": ${(err as Error).message}` }], warnings: [] };
      }
      return fromYaml(text, rest);
    }
    case 'env': {
      const text = env[rest];
      if (text === undefined) {
        // otelcol's env provider warns and yields an empty config.
        return { value: {}, problems: [], warnings: [{ path: '', message: `--config env:${rest}: environment variable "${rest}" is not set` }] };
      }
      return fromYaml(text, `env:${rest}`);
    }
    case 'yaml': {
      const r = fromYaml(rest, `--config ${arg}`);
      if (r.value !== undefined) r.value = splitColonKeys(r.value) as Record<string, unknown>;
      return r;
    }
    default:
      return {
        problems: [{ path: '', message: `--config ${arg}: unsupported source scheme "${scheme}"; supported: file, env, yaml (or a plain path)` }],
        warnings: [],
      };
  }
}

/** One --set override as a nested map to merge over the config. */
function readSetArg(arg: string): SourceResult {
  const eq = arg.indexOf('=');
  if (eq === -1) return { problems: [{ path: '', message: `--set ${arg}: expected key=value` }], warnings: [] };
  const key = arg.slice(0, eq);
  const segments = key.includes('::') ? key.split('::') : key.split('.');
  if (segments.some((s) => s === '')) return { problems: [{ path: '', message: `--set ${arg}: empty key segment in "${key}"` }], warnings: [] };
  const parsed = parseYamlSource(arg.slice(eq + 1), `--set ${key}`);
  if (parsed.problems.length > 0) return { problems: parsed.problems, warnings: [] };
  return { value: nestUnder(segments, parsed.value ?? null) as Record<string, unknown>, problems: [], warnings: [] };
}

export function loadConfigSources(configArgs: readonly string[], setArgs: readonly string[], env: Env, opts: LoadOptions = {}): LoadResult {
  const readFile = opts.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const problems: ConfigProblem[] = [];
  const warnings: ConfigProblem[] = [];
  if (configArgs.length === 0) problems.push({ path: '', message: 'at least one --config source is required' });

  let merged: unknown = {};
  const results = [...configArgs.map((a) => readConfigSource(a, env, readFile)), ...setArgs.map(readSetArg)];
  for (const r of results) {
    problems.push(...r.problems);
    warnings.push(...r.warnings);
    if (r.value !== undefined) merged = deepMerge(merged, r.value);
  }
  if (problems.length > 0) return { raw: undefined, problems, warnings };

  const expanded = expandConfig(merged, { env, readFile });
  warnings.push(...expanded.warnings);
  if (expanded.problems.length > 0) return { raw: undefined, problems: expanded.problems, warnings };
  return { raw: expanded.value as Record<string, unknown>, problems: [], warnings };
}
