/**
 * The small OTTL subset routing conditions need, parsed once at config time and evaluated on
 * bytes (no allocation per span or resource):
 *
 *   expr     := and ("or" and)*
 *   and      := not ("and" not)*
 *   not      := "not" not | "(" expr ")" | compare | "true" | "false"
 *   compare  := operand ("==" | "!=") operand
 *   operand  := path | "string" | integer | float | true | false | nil
 *   path     := request["key"] | attributes["key"] | resource.attributes["key"]
 *
 * `request["k"]` reads client metadata (request context only); `attributes["k"]` is the
 * resource's attributes in the resource context and the span's in the span context;
 * `resource.attributes["k"]` is always the resource's. Anything else (functions, other paths,
 * other operators) is a config error naming what was found. Comparison follows OTTL: values of
 * different types are not equal; a missing attribute is nil.
 */
import { AttributeRef, AV_BOOL, AV_DOUBLE, AV_INT, AV_STRING, findResourceAttributeByIndex, findSpanAttribute } from '../../pdata/attributes.ts';
import type { SpanBatch } from '../../pdata/span-batch.ts';

export type RouteContext = 'request' | 'resource' | 'span';

export class ConditionError extends Error {}

type Literal = { kind: 'string'; value: string; bytes: Buffer } | { kind: 'int'; value: bigint } | { kind: 'double'; value: number } | { kind: 'bool'; value: boolean } | { kind: 'nil' };
type PathKind = 'request' | 'attributes' | 'resource';
type Operand = { kind: 'path'; path: PathKind; key: string; keyBytes: Buffer } | { kind: 'literal'; lit: Literal };

export type Node =
  | { op: 'or' | 'and'; left: Node; right: Node }
  | { op: 'not'; expr: Node }
  | { op: 'const'; value: boolean }
  | { op: '==' | '!='; left: Operand; right: Operand };

// ---------------------------------------------------------------- lexer

type Token = { t: 'ident' | 'string' | 'number' | 'punct'; v: string; at: number };

function lex(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let v = '';
      while (j < src.length && src[j] !== '"') {
        if (src[j] === '\\') {
          const e = src[j + 1];
          v += e === 'n' ? '\n' : e === 't' ? '\t' : (e ?? '');
          j += 2;
        } else v += src[j++];
      }
      if (j >= src.length) throw new ConditionError(`unterminated string at position ${i}`);
      out.push({ t: 'string', v, at: i });
      i = j + 1;
      continue;
    }
    if (/[0-9-]/.test(c) && (c !== '-' || /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(src.slice(i))!;
      out.push({ t: 'number', v: m[0], at: i });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      out.push({ t: 'ident', v: m[0], at: i });
      i += m[0].length;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === '==' || two === '!=' || two === '<=' || two === '>=') {
      out.push({ t: 'punct', v: two, at: i });
      i += 2;
      continue;
    }
    if ('()[].,<>'.includes(c)) {
      out.push({ t: 'punct', v: c, at: i });
      i++;
      continue;
    }
    throw new ConditionError(`unexpected character ${JSON.stringify(c)} at position ${i}`);
  }
  return out;
}

// ---------------------------------------------------------------- parser

class Parser {
  private k = 0;
  constructor(private readonly toks: Token[], private readonly src: string, private readonly context: RouteContext) {}

  parse(): Node {
    const n = this.or();
    if (this.k < this.toks.length) throw this.unexpected();
    return n;
  }

  private peek(): Token | undefined {
    return this.toks[this.k];
  }

  private is(v: string): boolean {
    const t = this.peek();
    return t !== undefined && (t.t === 'punct' || t.t === 'ident') && t.v === v;
  }

  private expect(v: string): void {
    if (!this.is(v)) throw this.unexpected(`expected "${v}"`);
    this.k++;
  }

  private unexpected(what = 'unexpected'): ConditionError {
    const t = this.peek();
    return new ConditionError(t === undefined ? `${what}: the condition ends early` : `${what} ${JSON.stringify(t.v)} at position ${t.at}`);
  }

  private or(): Node {
    let n = this.and();
    while (this.is('or')) {
      this.k++;
      n = { op: 'or', left: n, right: this.and() };
    }
    return n;
  }

  private and(): Node {
    let n = this.not();
    while (this.is('and')) {
      this.k++;
      n = { op: 'and', left: n, right: this.not() };
    }
    return n;
  }

  private not(): Node {
    if (this.is('not')) {
      this.k++;
      return { op: 'not', expr: this.not() };
    }
    if (this.is('(')) {
      this.k++;
      const n = this.or();
      this.expect(')');
      return n;
    }
    const left = this.operand();
    const t = this.peek();
    if (t === undefined || (t.t === 'ident' && (t.v === 'and' || t.v === 'or')) || (t.t === 'punct' && t.v === ')')) {
      if (left.kind === 'literal' && left.lit.kind === 'bool') return { op: 'const', value: left.lit.value };
      throw new ConditionError(`a condition needs a comparison (== or !=) after ${describe(left)}`);
    }
    if (t.t === 'punct' && (t.v === '==' || t.v === '!=')) {
      this.k++;
      return { op: t.v, left, right: this.operand() };
    }
    throw new ConditionError(`operator ${JSON.stringify(t.v)} at position ${t.at} is not supported (only == and !=, and, or, not)`);
  }

  private operand(): Operand {
    const t = this.peek();
    if (t === undefined) throw this.unexpected();
    this.k++;
    if (t.t === 'string') return { kind: 'literal', lit: { kind: 'string', value: t.v, bytes: Buffer.from(t.v, 'utf8') } };
    if (t.t === 'number') {
      if (/^-?\d+$/.test(t.v)) return { kind: 'literal', lit: { kind: 'int', value: BigInt(t.v) } };
      return { kind: 'literal', lit: { kind: 'double', value: Number(t.v) } };
    }
    if (t.t === 'ident') {
      if (t.v === 'true' || t.v === 'false') return { kind: 'literal', lit: { kind: 'bool', value: t.v === 'true' } };
      if (t.v === 'nil') return { kind: 'literal', lit: { kind: 'nil' } };
      if (t.v === 'request' || t.v === 'attributes') return this.keyed(t.v, t);
      if (t.v === 'resource') {
        this.expect('.');
        const a = this.peek();
        if (a?.t !== 'ident' || a.v !== 'attributes') throw new ConditionError(`path "resource.${a?.v ?? ''}" is not supported (only resource.attributes["key"])`);
        this.k++;
        return this.keyed('resource', t);
      }
      if (this.is('(')) throw new ConditionError(`function "${t.v}" is not supported in routing conditions`);
      throw new ConditionError(`path "${t.v}" is not supported (use request["key"], attributes["key"] or resource.attributes["key"])`);
    }
    throw new ConditionError(`unexpected ${JSON.stringify(t.v)} at position ${t.at}`);
  }

  private keyed(path: PathKind, at: Token): Operand {
    this.expect('[');
    const key = this.peek();
    if (key?.t !== 'string') throw this.unexpected('expected a quoted key, got');
    this.k++;
    this.expect(']');
    if (this.is('[')) throw new ConditionError(`nested keys (${path}["${key.v}"][...]) are not supported`);
    if (path === 'request' && this.context !== 'request') {
      throw new ConditionError(`request["${key.v}"] is only available with context: request (position ${at.at})`);
    }
    if (path !== 'request' && this.context === 'request') {
      throw new ConditionError(`context: request conditions can only use request["key"], found ${path === 'resource' ? 'resource.attributes' : 'attributes'}["${key.v}"]`);
    }
    // gRPC metadata and our HTTP header keys are lower-case: request keys match case-insensitively.
    const k = path === 'request' ? key.v.toLowerCase() : key.v;
    return { kind: 'path', path, key: k, keyBytes: Buffer.from(k, 'utf8') };
  }
}

function describe(o: Operand): string {
  if (o.kind === 'path') return `${o.path === 'resource' ? 'resource.attributes' : o.path}["${o.key}"]`;
  return o.lit.kind === 'nil' ? 'nil' : o.lit.kind === 'string' ? `"${o.lit.value}"` : String(o.lit.value);
}

export function parseCondition(src: string, context: RouteContext): Node {
  return new Parser(lex(src), src, context).parse();
}

/** `route() where <condition>` (the legacy statement form); the rest is the condition. */
export function parseStatement(src: string, context: RouteContext): Node {
  const m = /^\s*route\s*\(\s*\)\s*(?:where\s+([\s\S]*))?$/.exec(src);
  if (m === null) throw new ConditionError('a statement must be route() where <condition>');
  if (m[1] === undefined || m[1].trim() === '') return { op: 'const', value: true };
  return parseCondition(m[1], context);
}

// ---------------------------------------------------------------- evaluation

/** What a condition is evaluated against; reused (one per router), filled per resource or span. */
export class EvalTarget {
  batch: SpanBatch | null = null;
  resource = 0;
  span = -1;
  readonly ref = new AttributeRef();
}

export function evaluate(n: Node, t: EvalTarget): boolean {
  switch (n.op) {
    case 'or':
      return evaluate(n.left, t) || evaluate(n.right, t);
    case 'and':
      return evaluate(n.left, t) && evaluate(n.right, t);
    case 'not':
      return !evaluate(n.expr, t);
    case 'const':
      return n.value;
    case '==':
      return equal(n.left, n.right, t);
    case '!=':
      return !equal(n.left, n.right, t);
  }
}

function equal(a: Operand, b: Operand, t: EvalTarget): boolean {
  if (a.kind === 'literal' && b.kind === 'literal') return literalsEqual(a.lit, b.lit);
  if (a.kind === 'literal') return pathEquals(b as Extract<Operand, { kind: 'path' }>, a.lit, t);
  if (b.kind === 'literal') return pathEquals(a, b.lit, t);
  // path == path: compare their text (rare; allocates).
  return pathText(a, t) === pathText(b, t);
}

function literalsEqual(a: Literal, b: Literal): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'nil') return true;
  return (a as { value: unknown }).value === (b as { value: unknown }).value;
}

function find(p: Extract<Operand, { kind: 'path' }>, t: EvalTarget): boolean {
  const batch = t.batch!;
  if (p.path === 'attributes' && t.span >= 0) return findSpanAttribute(batch, t.span, p.keyBytes, t.ref);
  return findResourceAttributeByIndex(batch, t.resource, p.keyBytes, t.ref);
}

/** Client metadata value: exactly one value, else nil (several values are ambiguous: never a match). */
function requestValue(p: Extract<Operand, { kind: 'path' }>, t: EvalTarget): string | null {
  const values = t.batch!.metadata?.get(p.key);
  return values !== undefined && values.length === 1 ? values[0]! : null;
}

function pathEquals(p: Extract<Operand, { kind: 'path' }>, lit: Literal, t: EvalTarget): boolean {
  if (p.path === 'request') {
    const v = requestValue(p, t);
    if (v === null) return lit.kind === 'nil';
    return lit.kind === 'string' && lit.value === v;
  }
  if (!find(p, t)) return lit.kind === 'nil';
  const ref = t.ref;
  switch (lit.kind) {
    case 'nil':
      return false;
    case 'string':
      return ref.stringEquals(lit.bytes);
    case 'int':
      return ref.type === AV_INT && ref.intValueBig() === lit.value;
    case 'double':
      return ref.type === AV_DOUBLE ? ref.doubleValue() === lit.value : ref.type === AV_INT && Number(ref.intValueBig()) === lit.value;
    case 'bool':
      return ref.type === AV_BOOL && ref.boolValue() === lit.value;
  }
}

function pathText(p: Extract<Operand, { kind: 'path' }>, t: EvalTarget): string | null {
  if (p.path === 'request') return requestValue(p, t);
  if (!find(p, t)) return null;
  const ref = t.ref;
  if (ref.type === AV_STRING) return `s:${ref.stringValue()}`;
  if (ref.type === AV_INT) return `i:${ref.intValueBig()}`;
  if (ref.type === AV_DOUBLE) return `d:${ref.doubleValue()}`;
  if (ref.type === AV_BOOL) return `b:${ref.boolValue()}`;
  return `x:${ref.buf.toString('hex', ref.start, ref.end)}`;
}
