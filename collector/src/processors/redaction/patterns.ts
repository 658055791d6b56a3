/**
 * Regular expressions for the redaction processor, on a linear-time engine: re2js (a pure-JS port
 * of RE2/RE2J, no native build, no install script). otelcol compiles these patterns with Go's
 * regexp, which is RE2: same syntax, same leftmost-first semantics, same error messages
 * (`error parsing regexp: missing closing ): ...`), and matching time linear in the input. A
 * pattern that would backtrack catastrophically in JS (`(a+)+$`) costs the same as any other here,
 * so a config cannot stall the collector on hostile attribute values.
 *
 * Matching is unanchored everywhere, as otelcol's MatchString: for values and for key patterns
 * alike (`token` matches `tokenizer.name`; anchor with ^...$ to match whole keys).
 *
 * The hot path asks one question per attribute value: does any pattern of a list match? A list
 * is compiled once into an RE2Set, one automaton for all its patterns, which answers it in one pass
 * over the value's UTF-8 bytes taken straight from the request buffer (no string is decoded). The
 * individual patterns are used only on the rare values that match, to replace the matches.
 */
import { RE2JS, RE2JSException, RE2Set } from 're2js';

/** A pattern Go's regexp (RE2 syntax) would refuse; the message is Go's. */
export class PatternSyntaxError extends Error {
  constructor(message: string, readonly pattern: string) {
    super(message);
    this.name = 'PatternSyntaxError';
  }
}

/**
 * Memory for one list's lazily built DFA. When full, re2js drops the cache and falls back to its
 * NFA, which is slower but still linear: hostile input cannot grow memory past this.
 */
const SET_DFA_BYTES = 2 * 1024 * 1024;

export function compilePattern(pattern: string): RE2JS {
  try {
    return RE2JS.compile(pattern);
  } catch (err) {
    if (err instanceof RE2JSException) throw new PatternSyntaxError(err.message, pattern);
    throw err;
  }
}

const EMPTY = new Uint8Array(0);

/** The patterns of one config list. */
export class PatternList {
  readonly sources: readonly string[];
  /** In config order: otelcol applies blocked_values one after the other. */
  readonly patterns: readonly RE2JS[];
  /** Whether some pattern matches the empty string (non-string values read as '' in otelcol). */
  readonly matchesEmpty: boolean;
  private readonly set: RE2Set | null;

  constructor(sources: readonly string[]) {
    this.sources = sources;
    this.patterns = sources.map(compilePattern);
    if (sources.length === 0) {
      this.set = null;
      this.matchesEmpty = false;
      return;
    }
    const set = new RE2Set(RE2Set.UNANCHORED, 0, SET_DFA_BYTES);
    for (const s of sources) set.add(s);
    set.compile();
    this.set = set;
    this.matchesEmpty = set.match(EMPTY).length > 0;
  }

  get isEmpty(): boolean {
    return this.set === null;
  }

  /** Does any pattern match somewhere in these UTF-8 bytes? */
  testBytes(utf8: Uint8Array): boolean {
    const set = this.set;
    if (set === null) return false;
    if (utf8.length === 0) return this.matchesEmpty;
    return set.match(utf8).length > 0;
  }

  /** Does any pattern match somewhere in this string? */
  testString(s: string): boolean {
    const set = this.set;
    if (set === null) return false;
    if (s.length === 0) return this.matchesEmpty;
    return set.match(s).length > 0;
  }
}

/**
 * Go's Regexp.ReplaceAllStringFunc: every non-overlapping match replaced by fn(match); an empty
 * match right after a previous match is not replaced (so `.*` turns "abc" into one replacement,
 * not two). re2js's RE2 core carries a port of Go's loop; the public Matcher API follows Java's
 * rules for empty matches instead, so it is not used here.
 */
export function replaceAllFunc(pattern: RE2JS, s: string, fn: (match: string) => string): string {
  return pattern.re2().replaceAllFunc(s, fn, 2 * s.length + 1);
}
