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
 *
 * re2js costs about a microsecond per call however short the value, so most values are turned
 * away before it: each pattern's program is analysed once for the fewest characters, and the
 * fewest ASCII digits, any match of it contains (MatchBounds). A value with fewer cannot match
 * that pattern. PII patterns are digit-heavy (a card number needs 16 digits), and most attribute
 * values have few digits, so the automaton rarely runs. The analysis is sound by construction
 * (lower bounds over every path of the program); it reads re2js's compiled program, and if that
 * ever has a shape it does not know, it answers "no bound" (0, 0) and only speed is lost.
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

/** Lower bounds over all matches of a pattern: characters (runes) and ASCII digits. */
export interface MatchBounds {
  minChars: number;
  minDigits: number;
}

const NO_BOUNDS: MatchBounds = { minChars: 0, minDigits: 0 };

// re2js instruction opcodes (its Inst class; checked against the program in matchBounds).
const OP_ALT = 1;
const OP_ALT_MATCH = 2;
const OP_CAPTURE = 3;
const OP_EMPTY_WIDTH = 4;
const OP_FAIL = 5;
const OP_MATCH = 6;
const OP_NOP = 7;
const OP_RUNE = 8;
const OP_RUNE1 = 9;
const OP_RUNE_ANY = 10;
const OP_RUNE_ANY_NOT_NL = 11;

interface ProgInst {
  op: number;
  out: number;
  arg: number;
  runes: ArrayLike<number>;
}

/** Does this rune instruction only ever consume one of '0'..'9'? */
function digitsOnly(inst: ProgInst): boolean {
  if (inst.op !== OP_RUNE && inst.op !== OP_RUNE1) return false;
  const r = inst.runes;
  if (r.length === 1) return r[0]! >= 0x30 && r[0]! <= 0x39; // digits have no case folds
  if (r.length === 0 || r.length % 2 !== 0) return false;
  for (let i = 0; i < r.length; i += 2) if (r[i]! < 0x30 || r[i + 1]! > 0x39) return false;
  return true;
}

/**
 * Shortest path from the program's start to a MATCH, once counting every rune instruction
 * (characters) and once counting the digits-only ones: 0-1 BFS over the instruction graph.
 */
export function matchBounds(re: RE2JS): MatchBounds {
  const prog = (re.re2() as unknown as { prog?: { start?: unknown; inst?: unknown } }).prog;
  if (prog === undefined || typeof prog.start !== 'number' || !Array.isArray(prog.inst)) return NO_BOUNDS;
  const insts = prog.inst as ProgInst[];
  const start = prog.start;
  const shortest = (weight: (inst: ProgInst) => number): number => {
    const dist = new Array<number>(insts.length).fill(Infinity);
    const deque: number[] = [start];
    dist[start] = 0;
    let head = 0;
    let best = Infinity;
    // A deque as an array with a moving head; 0-weight edges go to the front (unshift is fine:
    // programs have a few hundred instructions at most).
    while (head < deque.length) {
      const pc = deque[head++]!;
      const inst = insts[pc];
      if (inst === undefined) return 0;
      const d = dist[pc]!;
      const relax = (to: number, w: number): void => {
        if (d + w < dist[to]!) {
          dist[to] = d + w;
          if (w === 0) deque.splice(head, 0, to);
          else deque.push(to);
        }
      };
      switch (inst.op) {
        case OP_ALT:
        case OP_ALT_MATCH:
          relax(inst.out, 0);
          relax(inst.arg, 0);
          break;
        case OP_CAPTURE:
        case OP_EMPTY_WIDTH:
        case OP_NOP:
          relax(inst.out, 0);
          break;
        case OP_RUNE:
        case OP_RUNE1:
        case OP_RUNE_ANY:
        case OP_RUNE_ANY_NOT_NL:
          relax(inst.out, weight(inst));
          break;
        case OP_MATCH:
          if (d < best) best = d;
          break;
        case OP_FAIL:
          break;
        default:
          return 0; // an instruction we do not know (lookbehind...): no bound
      }
    }
    return best === Infinity ? 0 : best;
  };
  return { minChars: shortest(() => 1), minDigits: shortest((inst) => (digitsOnly(inst) ? 1 : 0)) };
}

function countDigitBytes(b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c >= 0x30 && c <= 0x39) n++;
  }
  return n;
}

function countDigitChars(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) n++;
  }
  return n;
}

/** The patterns of one config list. */
export class PatternList {
  readonly sources: readonly string[];
  /** In config order: otelcol applies blocked_values one after the other. */
  readonly patterns: readonly RE2JS[];
  /** Whether some pattern matches the empty string (non-string values read as '' in otelcol). */
  readonly matchesEmpty: boolean;
  /** Per pattern, in the same order. */
  readonly bounds: readonly MatchBounds[];
  private readonly set: RE2Set | null;
  /** The smallest minChars of the list: shorter values (in UTF-8 bytes or UTF-16 units) cannot match. */
  private readonly minChars: number;
  private readonly anyNeedsDigits: boolean;

  constructor(sources: readonly string[]) {
    this.sources = sources;
    this.patterns = sources.map(compilePattern);
    this.bounds = this.patterns.map(matchBounds);
    this.minChars = this.bounds.reduce((m, b) => Math.min(m, b.minChars), Infinity);
    this.anyNeedsDigits = this.bounds.some((b) => b.minDigits > 0);
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
    const n = utf8.length;
    if (n === 0) return this.matchesEmpty;
    // A rune is at least one byte: n bytes hold at most n characters.
    if (n < this.minChars) return false;
    if (this.anyNeedsDigits && !this.someWithin(n, countDigitBytes(utf8))) return false;
    return set.match(utf8).length > 0;
  }

  /**
   * testBytes for buf[start, end), without making a view unless the automaton has to run (most
   * values are turned away by the bounds first; a view per value is an allocation per value).
   */
  testRange(buf: Buffer, start: number, end: number): boolean {
    const set = this.set;
    if (set === null) return false;
    const n = end - start;
    if (n === 0) return this.matchesEmpty;
    if (n < this.minChars) return false;
    if (this.anyNeedsDigits) {
      let digits = 0;
      for (let i = start; i < end; i++) {
        const c = buf[i]!;
        if (c >= 0x30 && c <= 0x39) digits++;
      }
      if (!this.someWithin(n, digits)) return false;
    }
    return set.match(buf.subarray(start, end)).length > 0;
  }

  /** Does any pattern match somewhere in this string? */
  testString(s: string): boolean {
    const set = this.set;
    if (set === null) return false;
    const n = s.length;
    if (n === 0) return this.matchesEmpty;
    // A rune is one or two UTF-16 units: n units hold at most n characters.
    if (n < this.minChars) return false;
    if (this.anyNeedsDigits && !this.someWithin(n, countDigitChars(s))) return false;
    return set.match(s).length > 0;
  }

  /** Could pattern k match in a value of at most `chars` characters holding `digits` digits? */
  mayMatch(k: number, chars: number, digits: number): boolean {
    const b = this.bounds[k]!;
    return chars >= b.minChars && digits >= b.minDigits;
  }

  /** For the slow path: could pattern k match somewhere in s (false = surely not)? */
  mayMatchString(k: number, s: string): boolean {
    const b = this.bounds[k]!;
    return s.length >= b.minChars && (b.minDigits === 0 || countDigitChars(s) >= b.minDigits);
  }

  private someWithin(chars: number, digits: number): boolean {
    for (let k = 0; k < this.bounds.length; k++) if (this.mayMatch(k, chars, digits)) return true;
    return false;
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
