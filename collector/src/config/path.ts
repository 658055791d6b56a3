/** YAML paths as shown to users: `service.pipelines.traces.exporters[1]`. */
import type { ConfigProblem } from './types.ts';

export type PathSegment = string | number;

export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out === '' ? s : `.${s}`;
  }
  return out;
}

export function problem(segments: readonly PathSegment[], message: string): ConfigProblem {
  return { path: formatPath(segments), message };
}

/** `path: message`, or just the message when the problem has no place in the config. */
export function formatProblem(p: ConfigProblem): string {
  return p.path === '' ? p.message : `${p.path}: ${p.message}`;
}

/** A YAML mapping as parsed (not null, not a list). */
export function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Short type name for messages ("got a list"). */
export function describeType(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  return `${typeof v} ${JSON.stringify(v)}`;
}
