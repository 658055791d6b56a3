/**
 * Compiles a parsed OTTL condition (parse.ts) into a tree of node objects evaluated against one
 * span (or one span event) of a SpanBatch, reading fields lazily from the bytes.
 *
 * Performance: every node and every intermediate value slot (Val) is created once at compile
 * time; evaluating a span allocates nothing except where a regex needs a JS string (IsMatch).
 * Strings compare as bytes (Go compares strings bytewise), literals are pre-encoded to UTF-8.
 *
 * Semantics follow OTTL's comparators: nil equals only nil; mismatched types are unequal and
 * never ordered; int and double compare numerically; booleans only with == / !=; a missing
 * attribute is nil. Math needs operands of one numeric type (an error otherwise, as OTTL).
 */
import {
  AV_ARRAY,
  AV_BOOL,
  AV_BYTES,
  AV_DOUBLE,
  AV_INT,
  AV_KVLIST,
  AV_STRING,
  AttributeRef,
  findAttribute,
  findResourceAttribute,
  findSpanAttribute,
} from '../../../../pdata/attributes.ts';
import { NONE, SPAN_STRIDE, S_END_HI, S_END_LO, S_NAME_LEN, S_NAME_OFF, S_PARENT_ID, S_SPAN_ID, S_START_HI, S_START_LO, S_TRACE_ID, type SpanBatch } from '../../../../pdata/span-batch.ts';
import { WireReader } from '../../../../pdata/wire-reader.ts';
import { intAttributeValue } from '../int-value.ts';
import { compileRe2 } from '../re2.ts';
import { ByteRange, EventCursor, readScopeString, readStatusMessage } from '../span-fields.ts';
import { OttlParseError, parseCondition, parseValueExpression, type BoolExpr, type CompareOp, type MathOp, type ValueExpr } from './parse.ts';

export const T_NIL = 0;
export const T_STR = 1;
export const T_INT = 2;
export const T_DBL = 3;
export const T_BOOL = 4;
export const T_BYTES = 5;
export const T_OTHER = 6;

const EMPTY = Buffer.alloc(0);
const TWO_32 = 4294967296;

/** An evaluated value; one per node, reused for every span. Strings are byte ranges. */
export class Val {
  t = T_NIL;
  n = 0;
  b = false;
  buf: Buffer = EMPTY;
  start = 0;
  end = 0;

  setStr(buf: Buffer, start: number, end: number): void {
    this.t = T_STR;
    this.buf = buf;
    this.start = start;
    this.end = end;
  }

  setNum(t: number, n: number): void {
    this.t = t;
    this.n = n;
  }

  setBool(b: boolean): void {
    this.t = T_BOOL;
    this.b = b;
  }
}

/** A runtime error (math on mismatched types, division by zero): subject to error_mode. */
export class OttlRuntimeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OttlRuntimeError';
  }
}

export type OttlContextKind = 'span' | 'spanevent';

/** What the nodes read: the batch, the span, the current event. Reused for every evaluation. */
export class OttlContext {
  batch: SpanBatch | null = null;
  span = 0;
  readonly events = new EventCursor();
  readonly reader = new WireReader(EMPTY, 0);
  readonly range = new ByteRange();
}

export interface ValueNode {
  eval(ctx: OttlContext, out: Val): void;
}

export interface BoolNode {
  test(ctx: OttlContext): boolean;
}

// ---- value nodes ----

class LiteralNode implements ValueNode {
  private readonly v = new Val();
  constructor(init: (v: Val) => void) {
    init(this.v);
  }
  eval(_ctx: OttlContext, out: Val): void {
    const v = this.v;
    out.t = v.t;
    out.n = v.n;
    out.b = v.b;
    out.buf = v.buf;
    out.start = v.start;
    out.end = v.end;
  }
}

function fromAttribute(ref: AttributeRef, out: Val): void {
  switch (ref.type) {
    case AV_STRING:
      out.setStr(ref.buf, ref.start, ref.end);
      return;
    case AV_INT:
      out.setNum(T_INT, intAttributeValue(ref));
      return;
    case AV_DOUBLE:
      out.setNum(T_DBL, ref.doubleValue());
      return;
    case AV_BOOL:
      out.setBool(ref.boolValue());
      return;
    case AV_BYTES:
      out.t = T_BYTES;
      out.buf = ref.buf;
      out.start = ref.start;
      out.end = ref.end;
      return;
    case AV_ARRAY:
    case AV_KVLIST:
      out.t = T_OTHER;
      return;
    default:
      out.t = T_NIL; // an empty AnyValue reads as nil in OTTL
  }
}

type AttrSource = 'span' | 'resource' | 'event';

class AttributeNode implements ValueNode {
  private readonly ref = new AttributeRef();
  private readonly key: Buffer;
  constructor(
    private readonly source: AttrSource,
    key: string,
  ) {
    this.key = Buffer.from(key, 'utf8');
  }
  eval(ctx: OttlContext, out: Val): void {
    const batch = ctx.batch!;
    let found: boolean;
    if (this.source === 'span') found = findSpanAttribute(batch, ctx.span, this.key, this.ref);
    else if (this.source === 'resource') found = findResourceAttribute(batch, ctx.span, this.key, this.ref);
    else found = findAttribute(ctx.events.buf, ctx.events.msgStart, ctx.events.msgEnd, 3, this.key, this.ref);
    if (found) fromAttribute(this.ref, out);
    else out.t = T_NIL;
  }
}

class SpanNameNode implements ValueNode {
  eval(ctx: OttlContext, out: Val): void {
    const b = ctx.batch!;
    const o = ctx.span * SPAN_STRIDE;
    const off = b.spans[o + S_NAME_OFF]!;
    out.setStr(b.spanBuffer(ctx.span), off, off + b.spans[o + S_NAME_LEN]!);
  }
}

class SpanIntNode implements ValueNode {
  constructor(private readonly field: 'kind' | 'status' | 'start' | 'end' | 'duration') {}
  eval(ctx: OttlContext, out: Val): void {
    const b = ctx.batch!;
    const i = ctx.span;
    switch (this.field) {
      case 'kind':
        out.setNum(T_INT, b.kind(i));
        return;
      case 'status':
        out.setNum(T_INT, b.statusCode(i));
        return;
      case 'start':
        out.setNum(T_INT, b.startTimeNs(i)); // a double: exact below 2^53 ns, within 256 ns beyond
        return;
      case 'end':
        out.setNum(T_INT, b.endTimeNs(i));
        return;
      default: {
        // end_time_unix_nano - start_time_unix_nano, exact from the u32 words (no 2^53 rounding
        // of the two 1.7e18 timestamps before subtracting).
        const s = b.spans;
        const o = i * SPAN_STRIDE;
        out.setNum(T_INT, (s[o + S_END_HI]! - s[o + S_START_HI]!) * TWO_32 + (s[o + S_END_LO]! - s[o + S_START_LO]!));
      }
    }
  }
}

class StatusMessageNode implements ValueNode {
  eval(ctx: OttlContext, out: Val): void {
    if (readStatusMessage(ctx.batch!, ctx.span, ctx.reader, ctx.range)) out.setStr(ctx.range.buf, ctx.range.start, ctx.range.end);
    else out.setStr(EMPTY, 0, 0);
  }
}

class ScopeStringNode implements ValueNode {
  constructor(private readonly field: 1 | 2) {}
  eval(ctx: OttlContext, out: Val): void {
    if (readScopeString(ctx.batch!, ctx.span, this.field, ctx.reader, ctx.range)) out.setStr(ctx.range.buf, ctx.range.start, ctx.range.end);
    else out.setStr(EMPTY, 0, 0);
  }
}

const HEX = Buffer.from('0123456789abcdef');

/** trace_id.string / span_id.string / parent_span_id.string: lower-case hex, "" when empty. */
class IdStringNode implements ValueNode {
  private readonly scratch: Buffer;
  constructor(
    private readonly column: number,
    private readonly size: number,
  ) {
    this.scratch = Buffer.alloc(size * 2);
  }
  eval(ctx: OttlContext, out: Val): void {
    const b = ctx.batch!;
    const off = b.spans[ctx.span * SPAN_STRIDE + this.column]!;
    if (off === NONE) {
      out.setStr(EMPTY, 0, 0);
      return;
    }
    const src = b.spanBuffer(ctx.span);
    const dst = this.scratch;
    for (let k = 0; k < this.size; k++) {
      const x = src[off + k]!;
      dst[2 * k] = HEX[x >>> 4]!;
      dst[2 * k + 1] = HEX[x & 15]!;
    }
    out.setStr(dst, 0, dst.length);
  }
}

class EventNameNode implements ValueNode {
  eval(ctx: OttlContext, out: Val): void {
    const e = ctx.events;
    out.setStr(e.buf, e.nameStart, e.nameEnd);
  }
}

class EventTimeNode implements ValueNode {
  eval(ctx: OttlContext, out: Val): void {
    out.setNum(T_INT, ctx.events.timeHi * TWO_32 + ctx.events.timeLo);
  }
}

class MathNode implements ValueNode {
  private readonly l = new Val();
  private readonly r = new Val();
  constructor(
    private readonly op: MathOp,
    private readonly left: ValueNode,
    private readonly right: ValueNode,
  ) {}
  eval(ctx: OttlContext, out: Val): void {
    const l = this.l;
    const r = this.r;
    this.left.eval(ctx, l);
    this.right.eval(ctx, r);
    if (l.t !== r.t || (l.t !== T_INT && l.t !== T_DBL)) {
      throw new OttlRuntimeError(`math "${this.op}" needs two ints or two doubles, got ${typeName(l.t)} and ${typeName(r.t)}`);
    }
    let v: number;
    switch (this.op) {
      case '+':
        v = l.n + r.n;
        break;
      case '-':
        v = l.n - r.n;
        break;
      case '*':
        v = l.n * r.n;
        break;
      default:
        if (l.t === T_INT) {
          if (r.n === 0) throw new OttlRuntimeError('division by zero');
          v = Math.trunc(l.n / r.n); // int64 division truncates toward zero
        } else v = l.n / r.n;
    }
    out.setNum(l.t, v);
  }
}

class NegNode implements ValueNode {
  constructor(private readonly operand: ValueNode) {}
  eval(ctx: OttlContext, out: Val): void {
    this.operand.eval(ctx, out);
    if (out.t !== T_INT && out.t !== T_DBL) throw new OttlRuntimeError(`cannot negate a ${typeName(out.t)}`);
    out.n = -out.n;
  }
}

/** IsMatch(target, "regex"): Go regexp (RE2) unanchored search; a nil target is false. */
class IsMatchNode implements ValueNode {
  private readonly v = new Val();
  constructor(
    private readonly target: ValueNode,
    private readonly regex: RegExp,
  ) {}
  eval(ctx: OttlContext, out: Val): void {
    const v = this.v;
    this.target.eval(ctx, v);
    let s: string | null;
    switch (v.t) {
      case T_STR:
        s = v.buf.toString('utf8', v.start, v.end);
        break;
      case T_INT:
      case T_DBL:
        s = String(v.n);
        break;
      case T_BOOL:
        s = v.b ? 'true' : 'false';
        break;
      case T_BYTES:
        s = v.buf.toString('hex', v.start, v.end);
        break;
      default:
        s = null;
    }
    out.setBool(s !== null && this.regex.test(s));
  }
}

function typeName(t: number): string {
  return ['nil', 'string', 'int', 'double', 'bool', 'bytes', 'map/slice'][t] ?? 'unknown';
}

// ---- boolean nodes ----

function compareOrdered(c: number, op: CompareOp): boolean {
  switch (op) {
    case '==':
      return c === 0;
    case '!=':
      return c !== 0;
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    default:
      return c >= 0;
  }
}

/** OTTL's comparison of two values. */
export function compareVals(a: Val, b: Val, op: CompareOp): boolean {
  if (a.t === T_NIL || b.t === T_NIL) {
    const both = a.t === b.t;
    return op === '==' ? both : op === '!=' ? !both : false;
  }
  const aNum = a.t === T_INT || a.t === T_DBL;
  const bNum = b.t === T_INT || b.t === T_DBL;
  if (aNum && bNum) {
    if (Number.isNaN(a.n) || Number.isNaN(b.n)) return op === '!=';
    return compareOrdered(a.n < b.n ? -1 : a.n > b.n ? 1 : 0, op);
  }
  if (a.t !== b.t) return op === '!=';
  switch (a.t) {
    case T_STR:
      return compareOrdered(a.buf.compare(b.buf, b.start, b.end, a.start, a.end), op);
    case T_BOOL:
    case T_BYTES: {
      const eq = a.t === T_BOOL ? a.b === b.b : a.buf.compare(b.buf, b.start, b.end, a.start, a.end) === 0;
      return op === '==' ? eq : op === '!=' ? !eq : false;
    }
    default:
      return op === '!='; // maps and slices: not compared here
  }
}

class CompareNode implements BoolNode {
  private readonly l = new Val();
  private readonly r = new Val();
  constructor(
    private readonly op: CompareOp,
    private readonly left: ValueNode,
    private readonly right: ValueNode,
  ) {}
  test(ctx: OttlContext): boolean {
    this.left.eval(ctx, this.l);
    this.right.eval(ctx, this.r);
    return compareVals(this.l, this.r, this.op);
  }
}

class ValueBoolNode implements BoolNode {
  private readonly v = new Val();
  constructor(private readonly value: ValueNode) {}
  test(ctx: OttlContext): boolean {
    this.value.eval(ctx, this.v);
    if (this.v.t !== T_BOOL) throw new OttlRuntimeError(`condition is a ${typeName(this.v.t)}, not a boolean`);
    return this.v.b;
  }
}

class AndNode implements BoolNode {
  constructor(private readonly items: BoolNode[]) {}
  test(ctx: OttlContext): boolean {
    for (let k = 0; k < this.items.length; k++) if (!this.items[k]!.test(ctx)) return false;
    return true;
  }
}

class OrNode implements BoolNode {
  constructor(private readonly items: BoolNode[]) {}
  test(ctx: OttlContext): boolean {
    for (let k = 0; k < this.items.length; k++) if (this.items[k]!.test(ctx)) return true;
    return false;
  }
}

class NotNode implements BoolNode {
  constructor(private readonly operand: BoolNode) {}
  test(ctx: OttlContext): boolean {
    return !this.operand.test(ctx);
  }
}

// ---- compilation ----

const ENUMS: Record<string, number> = {
  STATUS_CODE_UNSET: 0,
  STATUS_CODE_OK: 1,
  STATUS_CODE_ERROR: 2,
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};

const SPAN_PATHS =
  'name, kind, status.code, status.message, start_time_unix_nano, end_time_unix_nano, attributes["k"], trace_id.string, span_id.string, parent_span_id.string, resource.attributes["k"], instrumentation_scope.name, instrumentation_scope.version';
const EVENT_PATHS = 'name, time_unix_nano, attributes["k"], span.<span path>, resource.attributes["k"], instrumentation_scope.name, instrumentation_scope.version';

export interface CompileOptions {
  /** Called for an IsMatch pattern that may backtrack exponentially in JS (see re2.ts). */
  onBacktrackRisk?: (pattern: string) => void;
}

class Compiler {
  constructor(
    private readonly context: OttlContextKind,
    private readonly options: CompileOptions,
  ) {}

  bool(e: BoolExpr): BoolNode {
    switch (e.kind) {
      case 'or':
        return new OrNode(e.items.map((x) => this.bool(x)));
      case 'and':
        return new AndNode(e.items.map((x) => this.bool(x)));
      case 'not':
        return new NotNode(this.bool(e.operand));
      case 'compare':
        return new CompareNode(e.op, this.value(e.left), this.value(e.right));
      default:
        return new ValueBoolNode(this.value(e.value));
    }
  }

  value(e: ValueExpr): ValueNode {
    switch (e.kind) {
      case 'string': {
        const buf = Buffer.from(e.value, 'utf8');
        return new LiteralNode((v) => v.setStr(buf, 0, buf.length));
      }
      case 'int':
        return new LiteralNode((v) => v.setNum(T_INT, Number(e.value)));
      case 'float':
        return new LiteralNode((v) => v.setNum(T_DBL, e.value));
      case 'bool':
        return new LiteralNode((v) => v.setBool(e.value));
      case 'nil':
        return new LiteralNode((v) => (v.t = T_NIL));
      case 'enum': {
        const n = ENUMS[e.name];
        if (n === undefined) throw new OttlParseError(`not supported: enum ${e.name} (supported: ${Object.keys(ENUMS).join(', ')})`);
        return new LiteralNode((v) => v.setNum(T_INT, n));
      }
      case 'neg':
        return new NegNode(this.value(e.operand));
      case 'math':
        if (this.context === 'span' && e.op === '-' && isPath(e.left, 'end_time_unix_nano') && isPath(e.right, 'start_time_unix_nano')) {
          return new SpanIntNode('duration');
        }
        return new MathNode(e.op, this.value(e.left), this.value(e.right));
      case 'call':
        return this.call(e);
      default:
        return this.path(e);
    }
  }

  private call(e: Extract<ValueExpr, { kind: 'call' }>): ValueNode {
    if (e.name !== 'IsMatch') {
      throw new OttlParseError(`not supported: ${/^[A-Z]/.test(e.name) ? 'converter' : 'function'} ${e.name}() in ${e.text} (supported: IsMatch)`);
    }
    if (e.args.length !== 2) throw new OttlParseError(`IsMatch takes 2 arguments (target, pattern), got ${e.args.length} in ${e.text}`);
    const pattern = e.args[1]!;
    if (pattern.kind !== 'string') throw new OttlParseError(`not supported: IsMatch pattern that is not a string literal in ${e.text}`);
    let compiled: ReturnType<typeof compileRe2>;
    try {
      compiled = compileRe2(pattern.value);
    } catch (err) {
      throw new OttlParseError(`${(err as Error).message} in ${e.text}`);
    }
    if (compiled.mayBacktrack) this.options.onBacktrackRisk?.(pattern.value);
    return new IsMatchNode(this.value(e.args[0]!), compiled.regex);
  }

  private path(e: Extract<ValueExpr, { kind: 'path' }>): ValueNode {
    const node = this.context === 'span' ? this.spanPath(e.parts, e.key, true) : this.eventPath(e.parts, e.key);
    if (node === null) {
      throw new OttlParseError(`not supported: path ${e.text} in the ${this.context} context (supported: ${this.context === 'span' ? SPAN_PATHS : EVENT_PATHS})`);
    }
    return node;
  }

  private common(parts: string[], key: string | null): ValueNode | null {
    const p = parts.join('.');
    if (p === 'resource.attributes' && key !== null) return new AttributeNode('resource', key);
    if (key !== null) return null;
    if (p === 'instrumentation_scope.name' || p === 'scope.name') return new ScopeStringNode(1);
    if (p === 'instrumentation_scope.version' || p === 'scope.version') return new ScopeStringNode(2);
    return null;
  }

  private spanPath(parts: string[], key: string | null, allowPrefix: boolean): ValueNode | null {
    if (allowPrefix && parts[0] === 'span' && parts.length > 1) return this.spanPath(parts.slice(1), key, false);
    const common = this.common(parts, key);
    if (common !== null) return common;
    const p = parts.join('.');
    if (p === 'attributes') return key === null ? null : new AttributeNode('span', key);
    if (key !== null) return null;
    switch (p) {
      case 'name':
        return new SpanNameNode();
      case 'kind':
        return new SpanIntNode('kind');
      case 'status.code':
        return new SpanIntNode('status');
      case 'status.message':
        return new StatusMessageNode();
      case 'start_time_unix_nano':
        return new SpanIntNode('start');
      case 'end_time_unix_nano':
        return new SpanIntNode('end');
      case 'trace_id.string':
        return new IdStringNode(S_TRACE_ID, 16);
      case 'span_id.string':
        return new IdStringNode(S_SPAN_ID, 8);
      case 'parent_span_id.string':
        return new IdStringNode(S_PARENT_ID, 8);
      default:
        return null;
    }
  }

  private eventPath(parts: string[], key: string | null): ValueNode | null {
    if (parts[0] === 'span' && parts.length > 1) return this.spanPath(parts.slice(1), key, false);
    const rest = parts[0] === 'spanevent' && parts.length > 1 ? parts.slice(1) : parts;
    const common = this.common(rest, key);
    if (common !== null) return common;
    const p = rest.join('.');
    if (p === 'attributes') return key === null ? null : new AttributeNode('event', key);
    if (key !== null) return null;
    if (p === 'name') return new EventNameNode();
    if (p === 'time_unix_nano') return new EventTimeNode();
    return null;
  }
}

function isPath(e: ValueExpr, name: string): boolean {
  return e.kind === 'path' && e.key === null && (e.parts.join('.') === name || e.parts.join('.') === `span.${name}`);
}

/** Parses and compiles one condition for the span or spanevent context; throws OttlParseError. */
export function compileCondition(src: string, context: OttlContextKind, options: CompileOptions = {}): BoolNode {
  return new Compiler(context, options).bool(parseCondition(src));
}

/** Parses and compiles one value expression for the span context (endpoint_floor keys). */
export function compileValue(src: string, options: CompileOptions = {}): ValueNode {
  return new Compiler('span', options).value(parseValueExpression(src));
}
