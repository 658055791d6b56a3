/**
 * zod issues -> ConfigProblems with the full YAML path, and the "string after all" retry that
 * mirrors otelcol: `${env:X}` with X=123 is the number 123, but a string field still gets "123".
 */
import type { z } from 'zod';
import type { ConfigProblem } from './types.ts';
import { problem, type PathSegment } from './path.ts';
import { originalStringOf } from './expand.ts';

type Issue = z.core.$ZodIssue;

function segmentsOf(issue: Issue): PathSegment[] {
  return issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
}

export function issuesToProblems(issues: readonly Issue[], prefix: readonly PathSegment[]): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...segmentsOf(issue)];
    if (issue.code === 'unrecognized_keys') {
      // One problem per key, at the key itself, whatever message the schema chose.
      for (const k of issue.keys) out.push(problem([...path, k], `unknown key "${k}"`));
    } else {
      out.push(problem(path, issue.message));
    }
  }
  return out;
}

function childOf(value: unknown, key: PathSegment): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<PathSegment, unknown>)[key] : undefined;
}

/** The expansion's original text for the value at `path` inside `root`, if it had one. */
function originalAt(root: unknown, path: readonly PathSegment[]): string | undefined {
  if (path.length === 0) return undefined;
  let container = root;
  for (const seg of path.slice(0, -1)) container = childOf(container, seg);
  if (typeof container !== 'object' || container === null) return undefined;
  return originalStringOf(container, path[path.length - 1]!);
}

function withReplacements(root: unknown, replacements: ReadonlyMap<string, { path: PathSegment[]; text: string }>): unknown {
  const copy = structuredClone(root);
  for (const { path, text } of replacements.values()) {
    let container = copy;
    for (const seg of path.slice(0, -1)) container = childOf(container, seg);
    (container as Record<PathSegment, unknown>)[path[path.length - 1]!] = text;
  }
  return copy;
}

/**
 * safeParse, retrying with the original text wherever the schema wanted a string but got a
 * value that ${...} expansion had typed. Issues at other paths are returned unchanged.
 */
export function parseWithExpansionFallback<T>(
  schema: z.ZodType<T>,
  value: unknown,
): { success: true; data: T } | { success: false; issues: Issue[] } {
  const replacements = new Map<string, { path: PathSegment[]; text: string }>();
  let input = value;
  // Each round can only add replacements, and there are finitely many typed values.
  for (;;) {
    const r = schema.safeParse(input);
    if (r.success) return { success: true, data: r.data };
    let added = false;
    for (const issue of r.error.issues) {
      if (issue.code !== 'invalid_type' || issue.expected !== 'string') continue;
      const path = segmentsOf(issue);
      const key = JSON.stringify(path);
      if (replacements.has(key)) continue;
      const text = originalAt(value, path);
      if (text === undefined) continue;
      replacements.set(key, { path, text });
      added = true;
    }
    if (!added) return { success: false, issues: r.error.issues };
    input = withReplacements(value, replacements);
  }
}
