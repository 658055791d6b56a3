/**
 * ${...} expansion in string values, as otelcol's confmap resolver does it after merging all
 * sources:
 *   ${env:VAR}  ${VAR}  ${env:VAR:-default}  ${VAR:-default}  ${file:path}
 *   $${...} -> literal ${...}      $$ -> $
 * A value that is exactly one ${...} takes the YAML type of what it expands to ("4317" -> 4317);
 * references inside a longer string are plain text substitution. Map keys are not expanded, and
 * expanded text is not expanded again (so an env var cannot inject further references).
 */
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import type { ConfigProblem } from './types.ts';
import { isMap, problem, type PathSegment } from './path.ts';

export interface ExpandOptions {
  env: Readonly<Record<string, string | undefined>>;
  /** For ${file:...}; defaults to reading from disk (relative paths against the cwd, as otelcol). */
  readFile?: (path: string) => string;
}

export interface ExpandResult {
  value: unknown;
  problems: ConfigProblem[];
  warnings: ConfigProblem[];
}

export const SUPPORTED_SCHEMES = ['env', 'file'] as const;

/**
 * When `${env:X}` became a non-string (X=123 -> 123), the text it came from, keyed by the
 * containing map/list and key. otelcol keeps that text and uses it when the target field is a
 * string; resolve.ts does the same when a schema rejects the typed value with "expected string".
 */
const originals = new WeakMap<object, Map<PathSegment, string>>();

export function originalStringOf(container: object, key: PathSegment): string | undefined {
  return originals.get(container)?.get(key);
}

type Part = { text: string } | { ref: string };

/** Splits a scalar into literal text and ${...} references, applying the $$ escapes. */
export function tokenize(s: string): Part[] {
  const parts: Part[] = [];
  let text = '';
  let i = 0;
  while (i < s.length) {
    if (s[i] === '$' && s[i + 1] === '$') {
      text += '$';
      i += 2;
    } else if (s[i] === '$' && s[i + 1] === '{') {
      const close = s.indexOf('}', i + 2);
      if (close === -1) {
        // Unclosed: otelcol leaves it alone.
        text += s.slice(i);
        break;
      }
      if (text !== '') parts.push({ text });
      text = '';
      parts.push({ ref: s.slice(i + 2, close) });
      i = close + 1;
    } else {
      text += s[i];
      i++;
    }
  }
  if (text !== '' || parts.length === 0) parts.push({ text });
  return parts;
}

// A scheme is followed by ':' but not ':-' (that is ${VAR:-default} with the default scheme).
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):(?!-)/s;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** What a reference resolved to: the text, plus whether it should be YAML-typed when alone. */
type Resolved = { ok: true; text: string; typed: boolean } | { ok: false };

class Expander {
  readonly problems: ConfigProblem[] = [];
  readonly warnings: ConfigProblem[] = [];
  constructor(private readonly opts: ExpandOptions) {}

  walk(value: unknown, path: PathSegment[]): unknown {
    if (typeof value === 'string') return this.expandString(value, path).value;
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      value.forEach((v, i) => out.push(this.walkChild(out, i, v, [...path, i])));
      return out;
    }
    if (isMap(value)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.walkChild(out, k, v, [...path, k]);
      return out;
    }
    return value;
  }

  private walkChild(container: object, key: PathSegment, v: unknown, path: PathSegment[]): unknown {
    if (typeof v !== 'string') return this.walk(v, path);
    const r = this.expandString(v, path);
    if (r.original !== undefined) {
      let m = originals.get(container);
      if (m === undefined) originals.set(container, (m = new Map()));
      m.set(key, r.original);
    }
    return r.value;
  }

  /** `original` is set when the value became a non-string. */
  expandString(s: string, path: PathSegment[]): { value: unknown; original?: string } {
    if (!s.includes('$')) return { value: s };
    const parts = tokenize(s);
    const only = parts.length === 1 ? parts[0] : undefined;
    if (only !== undefined && 'ref' in only) {
      const r = this.resolve(only.ref, path);
      if (!r.ok) return { value: s };
      if (!r.typed) return { value: r.text };
      const typed = yamlTyped(r.text);
      return typeof typed === 'string' ? { value: typed } : { value: typed, original: r.text };
    }
    let out = '';
    for (const p of parts) {
      if ('text' in p) out += p.text;
      else {
        const r = this.resolve(p.ref, path);
        out += r.ok ? r.text : '${' + p.ref + '}';
      }
    }
    return { value: out };
  }

  private resolve(ref: string, path: PathSegment[]): Resolved {
    const m = SCHEME.exec(ref);
    const scheme = m?.[1] ?? 'env';
    const rest = m ? ref.slice(m[0].length) : ref;
    if (scheme === 'env') return this.env(rest, ref, path);
    if (scheme === 'file') return this.file(rest, path);
    this.problems.push(
      problem(path, `unsupported provider scheme "${scheme}" in "\${${ref}}"; supported: ${SUPPORTED_SCHEMES.join(', ')}`),
    );
    return { ok: false };
  }

  private env(rest: string, ref: string, path: PathSegment[]): Resolved {
    const sep = rest.indexOf(':-');
    const name = sep === -1 ? rest : rest.slice(0, sep);
    const fallback = sep === -1 ? undefined : rest.slice(sep + 2);
    if (!ENV_NAME.test(name)) {
      this.problems.push(problem(path, `environment variable "${name}" has an invalid name in "\${${ref}}"`));
      return { ok: false };
    }
    const value = this.opts.env[name];
    // As otelcol's env provider: the default applies only when the variable is unset, not empty.
    if (value !== undefined) return { ok: true, text: value, typed: true };
    if (fallback !== undefined) return { ok: true, text: fallback, typed: true };
    this.warnings.push(problem(path, `environment variable "${name}" is not set; using an empty string`));
    return { ok: true, text: '', typed: true };
  }

  private file(filePath: string, path: PathSegment[]): Resolved {
    const read = this.opts.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
    try {
      return { ok: true, text: read(filePath), typed: true };
    } catch (err) {
      this.problems.push(problem(path, `cannot read "${filePath}": ${(err as Error).message}`));
      return { ok: false };
    }
  }
}

/**
 * The YAML value of an expanded reference, as otelcol's providers return them. Text that is not
 * valid YAML stays a string, and so does '' (an unset variable gives "", not null).
 */
function yamlTyped(text: string): unknown {
  if (text === '') return '';
  const doc = YAML.parseDocument(text, { logLevel: 'silent' });
  if (doc.errors.length > 0) return text;
  return doc.toJS();
}

/** Expands every string value in a parsed config tree; returns a new tree. */
export function expandConfig(value: unknown, opts: ExpandOptions): ExpandResult {
  const x = new Expander(opts);
  const out = x.walk(value, []);
  return { value: out, problems: x.problems, warnings: x.warnings };
}
