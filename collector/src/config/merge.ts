/**
 * Merging config sources the way otelcol's confmap (koanf) does: maps merge key by key,
 * anything else (lists, scalars, null) from the later source replaces the earlier value.
 */
import { isMap } from './path.ts';

export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isMap(base) || !isMap(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? deepMerge(out[k], v) : v;
  return out;
}

/** `[a, b, c]` + value -> `{a: {b: {c: value}}}`, ready to deepMerge over a config. */
export function nestUnder(segments: readonly string[], value: unknown): unknown {
  let out = value;
  for (let i = segments.length - 1; i >= 0; i--) out = { [segments[i]!]: out };
  return out;
}

/**
 * otelcol's `yaml:` provider writes nesting with `::` in keys (`processors::batch::timeout: 2s`);
 * turn such keys into nested maps, at every level, merging siblings that share a prefix.
 */
export function splitColonKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(splitColonKeys);
  if (!isMap(value)) return value;
  let out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out = deepMerge(out, nestUnder(k.split('::'), splitColonKeys(v))) as Record<string, unknown>;
  }
  return out;
}
