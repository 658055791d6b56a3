/**
 * A small subset of OTTL boolean conditions, parsed into an AST: the conditions users write most
 * in ottl_condition policies. Anything outside the subset is refused at config time with an
 * OttlParseError naming the construct, never silently treated as false.
 *
 *   condition  := or
 *   or         := and ("or" and)*
 *   and        := not ("and" not)*
 *   not        := "not" not | primary
 *   primary    := "(" or ")" | value [cmp value]        (a bare value must be a boolean)
 *   cmp        := "==" | "!=" | "<" | "<=" | ">" | ">="
 *   value      := term (("+" | "-") term)*
 *   term       := factor (("*" | "/") factor)*
 *   factor     := string | int | float | true | false | nil | ENUM | path | Converter(args) | "(" value ")" | "-" factor
 *   path       := name ("." name)* ("[" string "]")?
 */

export class OttlParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OttlParseError';
  }
}

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';
export type MathOp = '+' | '-' | '*' | '/';

export type ValueExpr =
  | { kind: 'string'; value: string }
  | { kind: 'int'; value: bigint }
  | { kind: 'float'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'nil' }
  | { kind: 'enum'; name: string }
  | { kind: 'path'; parts: string[]; key: string | null; text: string }
  | { kind: 'call'; name: string; args: ValueExpr[]; text: string }
  | { kind: 'math'; op: MathOp; left: ValueExpr; right: ValueExpr }
  | { kind: 'neg'; operand: ValueExpr };

export type BoolExpr =
  | { kind: 'or'; items: BoolExpr[] }
  | { kind: 'and'; items: BoolExpr[] }
  | { kind: 'not'; operand: BoolExpr }
  | { kind: 'compare'; op: CompareOp; left: ValueExpr; right: ValueExpr }
  | { kind: 'value'; value: ValueExpr };

type TokKind = 'word' | 'string' | 'number' | 'op' | 'end';

interface Token {
  kind: TokKind;
  text: string;
  /** Decoded value of a string literal. */
  str?: string;
  pos: number;
}

const OPERATORS = ['==', '!=', '<=', '>=', '<', '>', '+', '-', '*', '/', '(', ')', '[', ']', ',', '.'];

function unquote(raw: string, at: number): string {
  let out = '';
  for (let i = 1; i < raw.length - 1; i++) {
    const c = raw[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = raw[++i];
    switch (e) {
      case '"':
      case '\\':
        out += e;
        break;
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case 'u': {
        const h = raw.slice(i + 1, i + 5);
        if (!/^[0-9a-fA-F]{4}$/.test(h)) throw new OttlParseError(`invalid escape \\u${h} in string at ${at}`);
        out += String.fromCharCode(parseInt(h, 16));
        i += 4;
        break;
      }
      default:
        throw new OttlParseError(`not supported: escape \\${e ?? ''} in string at ${at}`);
    }
  }
  return out;
}

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== '"') j += src[j] === '\\' ? 2 : 1;
      if (j >= src.length) throw new OttlParseError(`unterminated string starting at ${i}`);
      const raw = src.slice(i, j + 1);
      out.push({ kind: 'string', text: raw, str: unquote(raw, i), pos: i });
      i = j + 1;
      continue;
    }
    if (c >= '0' && c <= '9') {
      const m = /^(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(i))!;
      out.push({ kind: 'number', text: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      out.push({ kind: 'word', text: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (op === undefined) throw new OttlParseError(`unexpected character ${JSON.stringify(c)} at ${i}`);
    out.push({ kind: 'op', text: op, pos: i });
    i += op.length;
  }
  out.push({ kind: 'end', text: '', pos: src.length });
  return out;
}

const COMPARE_OPS = new Set(['==', '!=', '<', '<=', '>', '>=']);
const KEYWORDS = new Set(['and', 'or', 'not', 'true', 'false', 'nil']);

class Parser {
  private i = 0;

  constructor(
    private readonly toks: Token[],
    private readonly src: string,
  ) {}

  private peek(k = 0): Token {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)]!;
  }

  private take(): Token {
    const t = this.peek();
    if (t.kind !== 'end') this.i++;
    return t;
  }

  private isOp(text: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'op' && t.text === text;
  }

  private isWord(text: string): boolean {
    const t = this.peek();
    return t.kind === 'word' && t.text === text;
  }

  private expectOp(text: string): void {
    if (!this.isOp(text)) throw this.unexpected(`expected "${text}"`);
    this.i++;
  }

  private unexpected(what: string): OttlParseError {
    const t = this.peek();
    return new OttlParseError(t.kind === 'end' ? `${what} at the end of the condition` : `${what}, found ${JSON.stringify(t.text)} at ${t.pos}`);
  }

  parseValueOnly(): ValueExpr {
    const v = this.parseValue();
    if (this.peek().kind !== 'end') throw this.unexpected('unexpected input');
    return v;
  }

  parseCondition(): BoolExpr {
    const e = this.parseOr();
    if (this.peek().kind !== 'end') throw this.unexpected('unexpected input');
    return e;
  }

  private parseOr(): BoolExpr {
    const items = [this.parseAnd()];
    while (this.isWord('or')) {
      this.i++;
      items.push(this.parseAnd());
    }
    return items.length === 1 ? items[0]! : { kind: 'or', items };
  }

  private parseAnd(): BoolExpr {
    const items = [this.parseNot()];
    while (this.isWord('and')) {
      this.i++;
      items.push(this.parseNot());
    }
    return items.length === 1 ? items[0]! : { kind: 'and', items };
  }

  private parseNot(): BoolExpr {
    if (this.isWord('not')) {
      this.i++;
      return { kind: 'not', operand: this.parseNot() };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): BoolExpr {
    if (this.isOp('(')) {
      // "(" starts either a boolean sub-expression or a parenthesized value in a comparison
      // ("(end_time_unix_nano - start_time_unix_nano) > 1000"): try the first, fall back.
      const save = this.i;
      try {
        this.i++;
        const inner = this.parseOr();
        this.expectOp(')');
        const next = this.peek();
        if (!(next.kind === 'op' && (COMPARE_OPS.has(next.text) || '+-*/'.includes(next.text)))) return inner;
      } catch (err) {
        if (!(err instanceof OttlParseError)) throw err;
      }
      this.i = save;
    }
    const left = this.parseValue();
    const t = this.peek();
    if (t.kind === 'op' && COMPARE_OPS.has(t.text)) {
      this.i++;
      const right = this.parseValue();
      return { kind: 'compare', op: t.text as CompareOp, left, right };
    }
    if (left.kind === 'bool' || left.kind === 'call') return { kind: 'value', value: left };
    throw this.unexpected('expected a comparison operator (==, !=, <, <=, >, >=)');
  }

  private parseValue(): ValueExpr {
    let left = this.parseTerm();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.take().text as MathOp;
      left = { kind: 'math', op, left, right: this.parseTerm() };
    }
    return left;
  }

  private parseTerm(): ValueExpr {
    let left = this.parseFactor();
    while (this.isOp('*') || this.isOp('/')) {
      const op = this.take().text as MathOp;
      left = { kind: 'math', op, left, right: this.parseFactor() };
    }
    return left;
  }

  private parseFactor(): ValueExpr {
    const t = this.peek();
    if (t.kind === 'string') {
      this.i++;
      return { kind: 'string', value: t.str! };
    }
    if (t.kind === 'number') {
      this.i++;
      if (/^\d+$/.test(t.text)) return { kind: 'int', value: BigInt(t.text) };
      return { kind: 'float', value: Number(t.text) };
    }
    if (t.kind === 'op' && t.text === '-') {
      this.i++;
      return { kind: 'neg', operand: this.parseFactor() };
    }
    if (t.kind === 'op' && t.text === '(') {
      this.i++;
      const v = this.parseValue();
      this.expectOp(')');
      return v;
    }
    if (t.kind === 'op' && t.text === '[') throw new OttlParseError(`not supported: list literal at ${t.pos}`);
    if (t.kind !== 'word') throw this.unexpected('expected a value');
    if (t.text === 'true' || t.text === 'false') {
      this.i++;
      return { kind: 'bool', value: t.text === 'true' };
    }
    if (t.text === 'nil') {
      this.i++;
      return { kind: 'nil' };
    }
    if (KEYWORDS.has(t.text)) throw this.unexpected('expected a value');
    if (this.isOp('(', 1)) return this.parseCall();
    if (/^[A-Z][A-Z0-9_]*$/.test(t.text) && !this.isOp('.', 1) && !this.isOp('[', 1)) {
      this.i++;
      return { kind: 'enum', name: t.text };
    }
    return this.parsePath();
  }

  private parseCall(): ValueExpr {
    const start = this.peek().pos;
    const name = this.take().text;
    this.expectOp('(');
    const args: ValueExpr[] = [];
    if (!this.isOp(')')) {
      for (;;) {
        args.push(this.parseValue());
        if (this.isOp(',')) {
          this.i++;
          continue;
        }
        break;
      }
    }
    this.expectOp(')');
    const end = this.toks[this.i - 1]!.pos + 1;
    return { kind: 'call', name, args, text: this.src.slice(start, end) };
  }

  private parsePath(): ValueExpr {
    const start = this.peek().pos;
    const parts = [this.take().text];
    while (this.isOp('.')) {
      this.i++;
      const t = this.take();
      if (t.kind !== 'word') throw new OttlParseError(`expected a path segment after "." at ${t.pos}`);
      parts.push(t.text);
    }
    let key: string | null = null;
    let end = this.toks[this.i - 1]!.pos + this.toks[this.i - 1]!.text.length;
    if (this.isOp('[')) {
      this.i++;
      const k = this.take();
      if (k.kind !== 'string') throw new OttlParseError(`not supported: non-string key in ${this.src.slice(start, k.pos + k.text.length)}`);
      key = k.str!;
      this.expectOp(']');
      end = this.toks[this.i - 1]!.pos + 1;
      if (this.isOp('[')) throw new OttlParseError(`not supported: nested keys in ${this.src.slice(start, this.peek().pos)}[...]`);
    }
    return { kind: 'path', parts, key, text: this.src.slice(start, end) };
  }
}

/** Parses one condition; throws OttlParseError with the reason. */
export function parseCondition(src: string): BoolExpr {
  return new Parser(tokenize(src), src).parseCondition();
}

/** Parses one value expression (a path such as resource.attributes["service.name"]). */
export function parseValueExpression(src: string): ValueExpr {
  return new Parser(tokenize(src), src).parseValueOnly();
}
