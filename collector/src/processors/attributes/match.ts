/**
 * include / exclude (filterconfig.MatchProperties for spans), evaluated on the span bytes: a
 * span matches when every property given matches (services, span_names, span_kinds: any entry;
 * attributes, resources: every entry; libraries: any entry), with `strict` equality or `regexp`
 * (RE2, unanchored). Nothing is decoded: attribute look-ups scan the bytes in place.
 */
import { AttributeRef, AV_BOOL, AV_DOUBLE, AV_EMPTY, AV_INT, AV_STRING, findResourceAttribute, findSpanAttribute } from '../../pdata/attributes.ts';
import { decodeScope } from '../../pdata/decode-model.ts';
import { C_BUF, C_MSG_END, C_MSG_START, SCOPE_STRIDE, type SpanBatch } from '../../pdata/span-batch.ts';
import { compileRe2 } from '../tail_sampling/policies/re2.ts';
import type { MatchConfig } from './config.ts';

type StringTest = (s: string) => boolean;

interface KvTest {
  key: Buffer;
  /** null: the key only has to be present. */
  value: StringTest | null;
}

/** Span kinds by otelcol's names (traceutil.SpanKindStr) and the short ones (ptrace.SpanKind.String()). */
const KIND_NAMES = [
  ['SPAN_KIND_UNSPECIFIED', 'Unspecified'],
  ['SPAN_KIND_INTERNAL', 'Internal'],
  ['SPAN_KIND_SERVER', 'Server'],
  ['SPAN_KIND_CLIENT', 'Client'],
  ['SPAN_KIND_PRODUCER', 'Producer'],
  ['SPAN_KIND_CONSUMER', 'Consumer'],
];

const SERVICE_NAME = Buffer.from('service.name');

export class SpanMatcher {
  private readonly services: StringTest[] | null;
  private readonly names: StringTest[] | null;
  private readonly kinds: Set<number> | null;
  private readonly attributes: KvTest[];
  private readonly resources: KvTest[];
  private readonly libraries: { name: StringTest; version: StringTest | null }[] | null;
  private readonly ref = new AttributeRef();

  constructor(m: MatchConfig) {
    const regexp = m.match_type === 'regexp';
    const test = (p: string): StringTest => {
      if (!regexp) return (s) => s === p;
      const re = compileRe2(p).regex;
      return (s) => {
        re.lastIndex = 0;
        return re.test(s);
      };
    };
    const list = (xs: string[] | undefined): StringTest[] | null => (xs === undefined || xs.length === 0 ? null : xs.map(test));
    this.services = list(m.services);
    this.names = list(m.span_names);
    this.kinds =
      m.span_kinds === undefined || m.span_kinds.length === 0
        ? null
        : new Set(m.span_kinds.map((k) => KIND_NAMES.findIndex((names) => names.includes(k))).filter((k) => k >= 0));
    const kv = (xs: MatchConfig['attributes']): KvTest[] =>
      (xs ?? []).map((a) => ({ key: Buffer.from(a.key, 'utf8'), value: a.value === undefined ? null : test(String(a.value)) }));
    this.attributes = kv(m.attributes);
    this.resources = kv(m.resources);
    this.libraries =
      m.libraries === undefined || m.libraries.length === 0
        ? null
        : m.libraries.map((l) => ({ name: test(l.name), version: l.version === undefined ? null : test(l.version) }));
  }

  matches(batch: SpanBatch, i: number): boolean {
    const ref = this.ref;
    if (this.services !== null) {
      const svc = findResourceAttribute(batch, i, SERVICE_NAME, ref) ? valueText(ref) : '';
      if (svc === null || !this.services.some((t) => t(svc))) return false;
    }
    if (this.names !== null) {
      const name = batch.name(i);
      if (!this.names.some((t) => t(name))) return false;
    }
    if (this.kinds !== null && !this.kinds.has(batch.kind(i))) return false;
    for (const a of this.attributes) if (!kvMatches(a, findSpanAttribute(batch, i, a.key, ref), ref)) return false;
    for (const r of this.resources) if (!kvMatches(r, findResourceAttribute(batch, i, r.key, ref), ref)) return false;
    if (this.libraries !== null) {
      const scope = batch.scopeIndexOf(i);
      const c = batch.scopes;
      const o = scope * SCOPE_STRIDE;
      const start = c[o + C_MSG_START]!;
      const end = c[o + C_MSG_END]!;
      const s = end > start ? decodeScope(batch.buffers[c[o + C_BUF]!]!, start, end) : { name: '', version: '' };
      if (!this.libraries.some((l) => l.name(s.name) && (l.version === null || l.version(s.version)))) return false;
    }
    return true;
  }
}

function kvMatches(t: KvTest, found: boolean, ref: AttributeRef): boolean {
  if (!found) return false;
  if (t.value === null) return true;
  const text = valueText(ref);
  return text !== null && t.value(text);
}

/** A scalar attribute as otelcol prints it for matching; null for arrays, maps and bytes. */
function valueText(ref: AttributeRef): string | null {
  switch (ref.type) {
    case AV_STRING:
      return ref.stringValue();
    case AV_INT:
      return ref.intValueBig().toString();
    case AV_DOUBLE:
      return String(ref.doubleValue());
    case AV_BOOL:
      return ref.boolValue() ? 'true' : 'false';
    case AV_EMPTY:
      return '';
    default:
      return null;
  }
}
