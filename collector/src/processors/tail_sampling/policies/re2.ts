/**
 * Go regexp (RE2 syntax) patterns, compiled to JS RegExps that match the same strings.
 *
 * otelcol's string_attribute policy and OTTL's IsMatch use Go's regexp: RE2 syntax, unanchored
 * search (MatchString), rune semantics. JS RegExp syntax and semantics differ, so a pattern is
 * parsed here with Go's rules and re-emitted as a JS source (always with the `u` flag, for rune
 * semantics):
 * - rejected at config time, with RE2's reason: backreferences (\1, \k<n>), lookaround
 *   ((?=, (?!, (?<=, (?<!), atomic groups, unknown escapes (\Z, \G, \e, \u...), stacked
 *   repetition (a**), bad repeat counts (> 1000, {2,1}), unterminated groups and classes;
 * - translated: `.` (RE2 excludes only \n; JS also \r, U+2028, U+2029), \s (RE2: [\t\n\f\r ]),
 *   \w and \d (ASCII), \A and \z, POSIX classes [[:alpha:]], \Q...\E, octal \123, \x{10FFFF},
 *   the m and s flags and (?U) (by rewriting ^ $ . and greediness), (?P<name>...), \pL and
 *   \p{Greek} (as \p{Script=Greek}), a literal `{` or `]` (JS `u` mode wants them escaped).
 * - (?i) is supported at the start of the pattern only (JS has no scoped case folding on Node 20).
 *
 * Matching existence (what MatchString answers) is the same for both engines once the syntax is
 * the same: neither has backreferences, so greediness and leftmost-first rules do not change
 * whether a match exists. One difference stays: RE2 runs in linear time, JS backtracks; a
 * pattern with nested unbounded repetition such as (a+)+ is reported (`mayBacktrack`) so the
 * caller can log a warning.
 */

export class Re2SyntaxError extends Error {
  constructor(message: string, readonly pattern: string) {
    super(`invalid regular expression ${JSON.stringify(pattern)}: ${message}`);
    this.name = 'Re2SyntaxError';
  }
}

export interface Re2Translation {
  source: string;
  flags: string;
  /** Nested unbounded repetition: JS may backtrack exponentially where RE2 is linear. */
  mayBacktrack: boolean;
}

const MAX_REPEAT = 1000;
const MAX_DEPTH = 1000;
const MAX_RUNE = 0x10ffff;

type Range = [number, number];

const PERL_CLASSES: Record<string, Range[]> = {
  d: [[0x30, 0x39]],
  s: [
    [0x09, 0x0a],
    [0x0c, 0x0d],
    [0x20, 0x20],
  ],
  w: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x5f, 0x5f],
    [0x61, 0x7a],
  ],
};

const POSIX_CLASSES: Record<string, Range[]> = {
  alnum: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  alpha: [
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  ascii: [[0x00, 0x7f]],
  blank: [
    [0x09, 0x09],
    [0x20, 0x20],
  ],
  cntrl: [
    [0x00, 0x1f],
    [0x7f, 0x7f],
  ],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [
    [0x21, 0x2f],
    [0x3a, 0x40],
    [0x5b, 0x60],
    [0x7b, 0x7e],
  ],
  space: [
    [0x09, 0x0d],
    [0x20, 0x20],
  ],
  upper: [[0x41, 0x5a]],
  word: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x5f, 0x5f],
    [0x61, 0x7a],
  ],
  xdigit: [
    [0x30, 0x39],
    [0x41, 0x46],
    [0x61, 0x66],
  ],
};

/** Go's unicode.Categories names (JS General_Category values of the same name). */
const GENERAL_CATEGORIES = new Set([
  'C', 'Cc', 'Cf', 'Co', 'Cs', 'L', 'Ll', 'Lm', 'Lo', 'Lt', 'Lu', 'M', 'Mc', 'Me', 'Mn', 'N', 'Nd', 'Nl', 'No',
  'P', 'Pc', 'Pd', 'Pe', 'Pf', 'Pi', 'Po', 'Ps', 'S', 'Sc', 'Sk', 'Sm', 'So', 'Z', 'Zl', 'Zp', 'Zs',
]);

function complement(ranges: Range[]): Range[] {
  const sorted = normalize(ranges);
  const out: Range[] = [];
  let next = 0;
  for (const [lo, hi] of sorted) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_RUNE) out.push([next, MAX_RUNE]);
  return out;
}

function normalize(ranges: Range[]): Range[] {
  const sorted = ranges.map((r) => [r[0], r[1]] as Range).sort((a, b) => a[0] - b[0]);
  const out: Range[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push(r);
  }
  return out;
}

function hex(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}

/** A literal code point in JS `u` syntax: plain when harmless, \u{...} otherwise. */
function literal(cp: number): string {
  if ((cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a)) return String.fromCodePoint(cp);
  if (cp === 0x20 || cp === 0x5f || cp === 0x2c || cp === 0x3a || cp === 0x3b || cp === 0x3d || cp === 0x22 || cp === 0x27) {
    return String.fromCodePoint(cp);
  }
  return hex(cp);
}

function classSource(ranges: Range[], props: string[], negate: boolean): string {
  let body = '';
  for (const [lo, hi] of normalize(ranges)) body += lo === hi ? hex(lo) : `${hex(lo)}-${hex(hi)}`;
  for (const p of props) body += p;
  if (body === '') return negate ? '[\\u{0}-\\u{10ffff}]' : '[^\\u{0}-\\u{10ffff}]';
  return negate ? `[^${body}]` : `[${body}]`;
}

function isWordAscii(cp: number): boolean {
  return (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) || cp === 0x5f;
}

function isOctal(cp: number | undefined): boolean {
  return cp !== undefined && cp >= 0x30 && cp <= 0x37;
}

function hexValue(cp: number | undefined): number {
  if (cp === undefined) return -1;
  if (cp >= 0x30 && cp <= 0x39) return cp - 0x30;
  if (cp >= 0x41 && cp <= 0x46) return cp - 0x41 + 10;
  if (cp >= 0x61 && cp <= 0x66) return cp - 0x61 + 10;
  return -1;
}

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  U: boolean;
}

interface Atom {
  src: string;
  /** Zero-width (^ $ \b ...): JS `u` mode refuses a quantifier on those without a group. */
  assertion: boolean;
  /** Contains an unbounded repetition (for the backtracking warning). */
  unbounded: boolean;
}

class Translator {
  private readonly cps: number[];
  private pos = 0;
  private depth = 0;
  /** Fixed by the first atom whose matching depends on case (see checkFold). */
  private globalI: boolean | null = null;
  private readonly names = new Set<string>();
  mayBacktrack = false;

  constructor(private readonly pattern: string) {
    this.cps = Array.from(pattern, (c) => c.codePointAt(0)!);
  }

  fail(message: string): never {
    throw new Re2SyntaxError(message, this.pattern);
  }

  private peek(offset = 0): number | undefined {
    return this.cps[this.pos + offset];
  }

  private text(from: number, to: number): string {
    return String.fromCodePoint(...this.cps.slice(from, to));
  }

  translate(): Re2Translation {
    const flags: Flags = { i: false, m: false, s: false, U: false };
    const { src } = this.alternation(flags);
    if (this.pos < this.cps.length) this.fail('unexpected )');
    return { source: src, flags: this.globalI === true ? 'iu' : 'u', mayBacktrack: this.mayBacktrack };
  }

  /**
   * Case folding must be the same for every atom it affects (literals, classes): JS has one `i`
   * flag for the whole RegExp. The first such atom fixes it, so a leading (?i) works and so does
   * `.*(?i)abc`; `a(?i)b` does not.
   */
  private checkFold(flags: Flags): void {
    if (this.globalI === null) this.globalI = flags.i;
    else if (this.globalI !== flags.i) this.fail('case-insensitive matching (?i) is supported only for the whole pattern (put it at the start)');
  }

  private alternation(flags: Flags): Atom {
    if (++this.depth > MAX_DEPTH) this.fail('expression nests too deeply');
    const parts: string[] = [];
    let unbounded = false;
    for (;;) {
      const c = this.concat(flags);
      parts.push(c.src);
      unbounded ||= c.unbounded;
      if (this.peek() === 0x7c) {
        this.pos++;
        continue;
      }
      break;
    }
    this.depth--;
    return { src: parts.join('|'), assertion: false, unbounded };
  }

  private concat(flags: Flags): Atom {
    const atoms: Atom[] = [];
    let lastWasRepeat = false;
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === 0x7c || c === 0x29) break; // end, |, )
      if (c === 0x2a || c === 0x2b || c === 0x3f || (c === 0x7b && this.repeatBounds(this.pos) !== null)) {
        const start = this.pos;
        const rep = this.repeatOp();
        if (lastWasRepeat) this.fail(`invalid nested repetition operator: ${this.text(start, this.pos)}`);
        const last = atoms.pop();
        if (last === undefined) this.fail(`missing argument to repetition operator: ${this.text(start, this.pos)}`);
        let greedy = !rep.lazy;
        if (flags.U) greedy = !greedy;
        const operand = last.assertion ? `(?:${last.src})` : last.src;
        if ((rep.max === -1 || rep.max > 1) && last.unbounded) this.mayBacktrack = true;
        atoms.push({ src: operand + rep.src + (greedy ? '' : '?'), assertion: false, unbounded: last.unbounded || rep.max === -1 });
        lastWasRepeat = true;
        continue;
      }
      lastWasRepeat = false;
      const atom = this.atom(flags);
      if (atom !== null) atoms.push(atom);
    }
    let src = '';
    let unbounded = false;
    for (const a of atoms) {
      src += a.src;
      unbounded ||= a.unbounded;
    }
    return { src, assertion: false, unbounded };
  }

  /** {n}, {n,}, {n,m} at `at`; null when it is not a repeat (then `{` is a literal, as in Go). */
  private repeatBounds(at: number): { min: number; max: number; end: number } | null {
    let p = at + 1;
    const num = (): number | null => {
      const s = p;
      while (this.cps[p] !== undefined && this.cps[p]! >= 0x30 && this.cps[p]! <= 0x39) p++;
      if (p === s) return null;
      const digits = this.text(s, p);
      // Go refuses leading zeros beyond a lone 0 as a repeat count.
      if (digits.length > 1 && digits[0] === '0') return null;
      return digits.length > 8 ? Infinity : Number(digits);
    };
    const min = num();
    if (min === null) return null;
    let max = min;
    if (this.cps[p] === 0x2c) {
      p++;
      if (this.cps[p] === 0x7d) max = -1;
      else {
        const m = num();
        if (m === null) return null;
        max = m;
      }
    }
    if (this.cps[p] !== 0x7d) return null;
    return { min, max, end: p + 1 };
  }

  private repeatOp(): { src: string; lazy: boolean; max: number } {
    const c = this.peek()!;
    let src: string;
    let max: number;
    if (c === 0x7b) {
      const b = this.repeatBounds(this.pos)!;
      const text = this.text(this.pos, b.end);
      if (b.min > MAX_REPEAT || b.max > MAX_REPEAT || (b.max !== -1 && b.max < b.min)) this.fail(`invalid repeat count: ${text}`);
      src = b.max === -1 ? `{${b.min},}` : b.max === b.min ? `{${b.min}}` : `{${b.min},${b.max}}`;
      max = b.max;
      this.pos = b.end;
    } else {
      src = String.fromCodePoint(c);
      max = c === 0x3f ? 1 : -1;
      this.pos++;
    }
    let lazy = false;
    if (this.peek() === 0x3f) {
      lazy = true;
      this.pos++;
    }
    return { src, lazy, max };
  }

  private atom(flags: Flags): Atom | null {
    const c = this.peek()!;
    switch (c) {
      case 0x28:
        return this.group(flags);
      case 0x5b:
        this.checkFold(flags);
        return { src: this.charClass(), assertion: false, unbounded: false };
      case 0x2e:
        this.pos++;
        return { src: flags.s ? '[\\u{0}-\\u{10ffff}]' : '[^\\n]', assertion: false, unbounded: false };
      case 0x5e:
        this.pos++;
                return { src: flags.m ? '(?:^|(?<=\\n))' : '^', assertion: true, unbounded: false };
      case 0x24:
        this.pos++;
                return { src: flags.m ? '(?:$|(?=\\n))' : '$', assertion: true, unbounded: false };
      case 0x5c:
        return this.escape(flags);
      default:
        this.pos++;
        this.checkFold(flags);
        return { src: literal(c), assertion: false, unbounded: false };
    }
  }

  private group(flags: Flags): Atom | null {
    const start = this.pos;
    this.pos++; // (
    let capture = true;
    // Flags set inside the group end with it: the group works on a copy.
    const inner: Flags = { ...flags };
    if (this.peek() === 0x3f) {
      const c1 = this.peek(1);
      const c2 = this.peek(2);
      if (c1 === 0x3d || c1 === 0x21) this.fail(`lookahead ${this.text(start, start + 3)}...) is not supported by RE2 (Go regexp)`);
      if (c1 === 0x3c && (c2 === 0x3d || c2 === 0x21)) this.fail(`lookbehind ${this.text(start, start + 4)}...) is not supported by RE2 (Go regexp)`);
      if (c1 === 0x3e) this.fail('atomic groups (?>...) are not supported by RE2 (Go regexp)');
      if (c1 === 0x50 && c2 === 0x3d) this.fail('named backreferences (?P=name) are not supported by RE2 (Go regexp)');
      if ((c1 === 0x50 && c2 === 0x3c) || c1 === 0x3c) {
        // (?P<name>re) or (?<name>re)
        this.pos += c1 === 0x50 ? 3 : 2;
        const nameStart = this.pos;
        while (this.peek() !== undefined && this.peek() !== 0x3e) this.pos++;
        if (this.peek() === undefined) this.fail(`invalid named capture: ${this.text(start, this.pos)}`);
        const name = this.text(nameStart, this.pos);
        this.pos++; // >
        if (!/^[A-Za-z0-9_]+$/.test(name)) this.fail(`invalid named capture: ${this.text(start, this.pos)}`);
        if (this.names.has(name)) this.fail(`duplicate capture group name: ${name}`);
        this.names.add(name);
      } else {
        // (?:re), (?flags), (?flags:re)
        this.pos++; // ?
        let negated = false;
        let sawFlag = false;
        for (;;) {
          const f = this.peek();
          if (f === undefined) this.fail(`missing closing ): ${this.text(start, this.pos)}`);
          if (f === 0x69 || f === 0x6d || f === 0x73 || f === 0x55) {
            const key = f === 0x69 ? 'i' : f === 0x6d ? 'm' : f === 0x73 ? 's' : 'U';
            inner[key] = !negated;
            sawFlag = true;
            this.pos++;
          } else if (f === 0x2d) {
            if (negated) this.fail(`invalid or unsupported Perl syntax: ${this.text(start, this.pos + 1)}`);
            negated = true;
            sawFlag = false;
            this.pos++;
          } else if (f === 0x29 || f === 0x3a) {
            if (negated && !sawFlag) this.fail(`invalid or unsupported Perl syntax: ${this.text(start, this.pos + 1)}`);
            if (f === 0x29 && !sawFlag && !negated) this.fail(`invalid or unsupported Perl syntax: ${this.text(start, this.pos + 1)}`);
            this.pos++;
            if (f === 0x29) {
              // (?flags): applies to the rest of the enclosing group.
              Object.assign(flags, inner);
              return null;
            }
            capture = false;
            break;
          } else {
            this.fail(`invalid or unsupported Perl syntax: ${this.text(start, this.pos + 1)}`);
          }
        }
      }
    }
    const body = this.alternation(inner);
    if (this.peek() !== 0x29) this.fail(`missing closing ): ${this.pattern}`);
    this.pos++;
    return { src: capture ? `(${body.src})` : `(?:${body.src})`, assertion: false, unbounded: body.unbounded };
  }

  private escape(flags: Flags): Atom | null {
    const start = this.pos;
    this.pos++; // backslash
    const c = this.peek();
    if (c === undefined) this.fail('trailing backslash at end of expression');
    switch (c) {
      case 0x41: // \A
        this.pos++;
                return { src: '^', assertion: true, unbounded: false };
      case 0x7a: // \z
        this.pos++;
                return { src: '$', assertion: true, unbounded: false };
      case 0x62: // \b
      case 0x42: // \B
        this.pos++;
                return { src: c === 0x62 ? '\\b' : '\\B', assertion: true, unbounded: false };
      case 0x51: {
        // \Q...\E: literal text
        this.pos++;
        const lits: string[] = [];
        while (this.peek() !== undefined && !(this.peek() === 0x5c && this.peek(1) === 0x45)) {
          this.checkFold(flags);
          lits.push(literal(this.peek()!));
          this.pos++;
        }
        if (this.peek() !== undefined) this.pos += 2;
        if (lits.length === 0) return null;
        // The last character in a group of its own, so a following repetition applies to it
        // alone, as in Go.
        const last = lits.pop()!;
        return { src: lits.join('') + (lits.length > 0 ? `(?:${last})` : last), assertion: false, unbounded: false };
      }
      case 0x64:
      case 0x44:
      case 0x73:
      case 0x53:
      case 0x77:
      case 0x57: {
        this.pos++;
        this.checkFold(flags);
        const lower = String.fromCodePoint(c).toLowerCase();
        const ranges = PERL_CLASSES[lower]!;
        return { src: classSource(c >= 0x61 ? ranges : complement(ranges), [], false), assertion: false, unbounded: false };
      }
      case 0x70:
      case 0x50: {
        this.checkFold(flags);
        this.pos = start;
        const cls = this.unicodeClass();
        return { src: classSource(cls.ranges, cls.props, false), assertion: false, unbounded: false };
      }
      default: {
        this.pos = start;
        this.checkFold(flags);
        return { src: literal(this.escapedChar(false)), assertion: false, unbounded: false };
      }
    }
  }

  /** An escape that stands for one character (Go's parseEscape); pos is at the backslash. */
  private escapedChar(inClass: boolean): number {
    const start = this.pos;
    this.pos++;
    const c = this.peek();
    if (c === undefined) this.fail('trailing backslash at end of expression');
    this.pos++;
    if (c < 0x80 && !isWordAscii(c)) return c; // escaped punctuation is itself
    if (c === 0x38 || c === 0x39 || (c >= 0x31 && c <= 0x37 && !isOctal(this.peek()))) {
      this.fail(`backreference \\${String.fromCodePoint(c)} is not supported by RE2 (Go regexp)`);
    }
    if (c >= 0x30 && c <= 0x37) {
      let v = c - 0x30;
      for (let k = 1; k < 3 && isOctal(this.peek()); k++) v = v * 8 + (this.cps[this.pos++]! - 0x30);
      return v;
    }
    switch (c) {
      case 0x78: {
        // \xHH or \x{H...}
        if (this.peek() === 0x7b) {
          this.pos++;
          let v = 0;
          let digits = 0;
          while (hexValue(this.peek()) >= 0) {
            v = v * 16 + hexValue(this.cps[this.pos++]);
            digits++;
            if (v > MAX_RUNE) this.fail(`invalid escape sequence: ${this.text(start, this.pos)}`);
          }
          if (digits === 0 || this.peek() !== 0x7d) this.fail(`invalid escape sequence: ${this.text(start, this.pos + 1)}`);
          this.pos++;
          return v;
        }
        const h1 = hexValue(this.peek());
        const h2 = hexValue(this.peek(1));
        if (h1 < 0 || h2 < 0) this.fail(`invalid escape sequence: ${this.text(start, Math.min(this.pos + 2, this.cps.length))}`);
        this.pos += 2;
        return h1 * 16 + h2;
      }
      case 0x61:
        return 0x07;
      case 0x66:
        return 0x0c;
      case 0x6e:
        return 0x0a;
      case 0x72:
        return 0x0d;
      case 0x74:
        return 0x09;
      case 0x76:
        return 0x0b;
      case 0x6b:
        return this.fail('named backreferences \\k<name> are not supported by RE2 (Go regexp)');
      default:
        this.fail(`invalid escape sequence: ${this.text(start, this.pos)}${inClass ? ' (in a character class)' : ''}`);
    }
  }

  /** \pN, \p{Name}, \p{^Name}, \PN; pos is at the backslash. */
  private unicodeClass(): { ranges: Range[]; props: string[] } {
    const start = this.pos;
    this.pos++;
    let negate = this.peek() === 0x50;
    this.pos++;
    let name: string;
    if (this.peek() === 0x7b) {
      const close = this.cps.indexOf(0x7d, this.pos);
      if (close < 0) this.fail(`invalid character class range: ${this.text(start, this.cps.length)}`);
      name = this.text(this.pos + 1, close);
      this.pos = close + 1;
    } else {
      const c = this.peek();
      if (c === undefined) this.fail(`invalid character class range: ${this.text(start, this.pos)}`);
      name = String.fromCodePoint(c);
      this.pos++;
    }
    if (name.startsWith('^')) {
      negate = !negate;
      name = name.slice(1);
    }
    const text = this.text(start, this.pos);
    if (name === 'Any') return negate ? { ranges: [], props: [] } : { ranges: [[0, MAX_RUNE]], props: [] };
    let prop: string;
    if (GENERAL_CATEGORIES.has(name)) prop = name;
    else if (/^[A-Z][A-Za-z_]*$/.test(name)) prop = `Script=${name}`;
    else this.fail(`invalid character class range: ${text}`);
    try {
      new RegExp(`\\p{${prop}}`, 'u');
    } catch {
      this.fail(`invalid character class range: ${text}`);
    }
    return { ranges: [], props: [`\\${negate ? 'P' : 'p'}{${prop}}`] };
  }

  /** A bracketed class; pos is at `[`. Returns its JS source. */
  private charClass(): string {
    const start = this.pos;
    this.pos++;
    let negate = false;
    if (this.peek() === 0x5e) {
      negate = true;
      this.pos++;
    }
    const ranges: Range[] = [];
    const props: string[] = [];
    let first = true;
    for (;;) {
      const c = this.peek();
      if (c === undefined) this.fail(`missing closing ]: ${this.text(start, this.cps.length)}`);
      if (c === 0x5d && !first) {
        this.pos++;
        break;
      }
      first = false;
      // [:alpha:] and [:^alpha:]
      if (c === 0x5b && this.peek(1) === 0x3a) {
        let close = -1;
        for (let p = this.pos + 2; p + 1 < this.cps.length; p++) {
          if (this.cps[p] === 0x3a && this.cps[p + 1] === 0x5d) {
            close = p;
            break;
          }
        }
        if (close >= 0) {
          let name = this.text(this.pos + 2, close);
          const neg = name.startsWith('^');
          if (neg) name = name.slice(1);
          const cls = POSIX_CLASSES[name];
          if (cls === undefined) this.fail(`invalid character class range: ${this.text(this.pos, close + 2)}`);
          ranges.push(...(neg ? complement(cls) : cls));
          this.pos = close + 2;
          continue;
        }
      }
      if (c === 0x5c) {
        const e = this.peek(1);
        if (e !== undefined && (e === 0x64 || e === 0x44 || e === 0x73 || e === 0x53 || e === 0x77 || e === 0x57)) {
          const base = PERL_CLASSES[String.fromCodePoint(e).toLowerCase()]!;
          ranges.push(...(e >= 0x61 ? base : complement(base)));
          this.pos += 2;
          continue;
        }
        if (e === 0x70 || e === 0x50) {
          const u = this.unicodeClass();
          ranges.push(...u.ranges);
          props.push(...u.props);
          continue;
        }
      }
      const lo = this.classChar();
      let hi = lo;
      if (this.peek() === 0x2d && this.peek(1) !== undefined && this.peek(1) !== 0x5d) {
        const rangeStart = this.pos;
        this.pos++;
        if (this.peek() === 0x5c && this.peek(1) !== undefined && 'dDsSwWpP'.includes(String.fromCodePoint(this.peek(1)!))) {
          this.fail(`invalid character class range: ${this.text(rangeStart - 1, this.pos + 2)}`);
        }
        hi = this.classChar();
        if (hi < lo) this.fail(`invalid character class range: ${this.text(rangeStart - 1, this.pos)}`);
      }
      ranges.push([lo, hi]);
    }
    return classSource(ranges, props, negate);
  }

  private classChar(): number {
    const c = this.peek()!;
    if (c === 0x5c) return this.escapedChar(true);
    this.pos++;
    return c;
  }
}

/** Translates a Go regexp to a JS source + flags, or throws Re2SyntaxError. */
export function translateRe2(pattern: string): Re2Translation {
  return new Translator(pattern).translate();
}

/** Compiles a Go regexp for unanchored matching (Go's MatchString), or throws Re2SyntaxError. */
export function compileRe2(pattern: string): { regex: RegExp; mayBacktrack: boolean } {
  const t = translateRe2(pattern);
  let regex: RegExp;
  try {
    regex = new RegExp(t.source, t.flags);
  } catch (err) {
    // A translation bug, not the user's pattern: still a clear config error, never a crash.
    throw new Re2SyntaxError(`could not be translated to a JS RegExp (${(err as Error).message})`, pattern);
  }
  return { regex, mayBacktrack: t.mayBacktrack };
}
