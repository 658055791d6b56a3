/**
 * Orders problems as their places appear in the config, so `validate` reads top to bottom like
 * the YAML. A problem about something missing sorts at its nearest existing parent.
 */
import type { ConfigProblem } from './types.ts';
import { formatPath, isMap, type PathSegment } from './path.ts';

function ordinals(raw: unknown): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (v: unknown, path: PathSegment[]): void => {
    out.set(formatPath(path), out.size);
    if (Array.isArray(v)) v.forEach((item, i) => walk(item, [...path, i]));
    else if (isMap(v)) for (const [k, item] of Object.entries(v)) walk(item, [...path, k]);
  };
  walk(raw, []);
  return out;
}

/** Drops the last `.key` or `[i]` of a formatted path. */
function parentOf(path: string): string {
  const cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
  return cut <= 0 ? '' : path.slice(0, cut);
}

export function sortByAppearance(problems: readonly ConfigProblem[], raw: unknown): ConfigProblem[] {
  const order = ordinals(raw);
  const rank = (path: string): number => {
    for (let p = path; ; p = parentOf(p)) {
      const n = order.get(p);
      if (n !== undefined) return n;
      if (p === '') return Number.MAX_SAFE_INTEGER;
    }
  };
  // Array.prototype.sort is stable: problems at the same place keep the order they were found in.
  return problems
    .map((p) => ({ p, r: rank(p.path) }))
    .sort((a, b) => a.r - b.r)
    .map((x) => x.p);
}
