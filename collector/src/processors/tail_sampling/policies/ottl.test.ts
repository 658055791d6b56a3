import { describe, expect, it } from 'vitest';
import { compileCondition, OttlContext, OttlRuntimeError, type OttlContextKind } from './ottl/evaluate.ts';
import { OttlParseError } from './ottl/parse.ts';
import { buildPolicy, Decision, policiesSchema, type PolicyConfig } from './index.ts';
import { EPOCH_NS, makeTrace, policySettings, span1, type SpanSpec } from './testdata/make-trace.ts';

function evalOn(cond: string, s: SpanSpec, resources?: Record<string, unknown>[], context: OttlContextKind = 'span'): boolean {
  const t = span1(s, resources === undefined ? {} : { resources: resources as never });
  const node = compileCondition(cond, context);
  const ctx = new OttlContext();
  ctx.batch = t.batch;
  ctx.span = 0;
  if (context === 'span') return node.test(ctx);
  ctx.events.reset(t.batch, 0);
  let any = false;
  while (ctx.events.next()) any ||= node.test(ctx);
  return any;
}

const base: SpanSpec = {
  name: 'GET /users',
  kind: 2,
  status: 2,
  statusMessage: 'boom',
  start: 0,
  end: 300,
  root: true,
  attrs: { 'http.route': '/users', 'http.status_code': 503, ratio: { double: 0.5 }, ok: true, empty: null },
};

describe('OTTL subset: accepted conditions', () => {
  it.each([
    ['attributes["http.route"] == "/users"', true],
    ['attributes["http.route"] != "/users"', false],
    ['attributes["missing"] == "x"', false],
    ['attributes["missing"] != "x"', true],
    ['attributes["missing"] == nil', true],
    ['attributes["empty"] == nil', true],
    ['attributes["http.status_code"] >= 500', true],
    ['attributes["http.status_code"] < 500', false],
    ['attributes["http.status_code"] == 503.0', true], // int vs double compares numerically
    ['attributes["http.status_code"] == "503"', false], // mismatched types are unequal
    ['attributes["http.status_code"] != "503"', true],
    ['attributes["http.status_code"] > "5"', false], // and never ordered
    ['attributes["ratio"] < 0.6', true],
    ['attributes["ok"] == true', true],
    ['attributes["ok"] > false', false],
    ['attributes["http.route"] < "/z"', true], // strings order bytewise
    ['name == "GET /users"', true],
    ['span.name == "GET /users"', true],
    ['kind == SPAN_KIND_SERVER', true],
    ['kind == SPAN_KIND_CLIENT', false],
    ['status.code == STATUS_CODE_ERROR', true],
    ['status.message == "boom"', true],
    ['resource.attributes["service.name"] == "checkout"', true],
    ['instrumentation_scope.name == "scope"', true],
    ['end_time_unix_nano - start_time_unix_nano > 250000000', true],
    ['end_time_unix_nano - start_time_unix_nano >= 300000000', true],
    ['end_time_unix_nano - start_time_unix_nano > 300000000', false],
    ['(end_time_unix_nano - start_time_unix_nano) / 1000000 == 300', true],
    ['start_time_unix_nano > 0', true],
    ['parent_span_id.string == ""', true],
    ['trace_id.string == "0102030405060708090a0b0c0d0e0f10"', true],
    ['IsMatch(attributes["http.route"], "^/use")', true],
    ['IsMatch(name, "(?i)^get ")', true],
    ['IsMatch(attributes["http.status_code"], "^5\\\\d\\\\d$")', true],
    ['IsMatch(attributes["missing"], ".*")', false],
    ['not IsMatch(name, "POST")', true],
    ['attributes["http.route"] == "/users" and status.code == STATUS_CODE_ERROR', true],
    ['attributes["http.route"] == "/x" or kind == SPAN_KIND_SERVER', true],
    ['not (attributes["http.route"] == "/x" or kind == SPAN_KIND_CLIENT)', true],
    ['(name == "a" or name == "GET /users") and not attributes["ok"] == false', true],
    ['attributes["http.status_code"] - 3 == 500', true],
    ['attributes["http.status_code"] == -1 * -503', true],
    ['true', true],
    ['false or false', false],
  ])('%s -> %s', (cond, want) => {
    expect(evalOn(cond, base, [{ 'service.name': 'checkout' }])).toBe(want);
  });

  it('duration uses exact nanoseconds (no 2^53 rounding of the timestamps)', () => {
    const s = { ...base, startNs: EPOCH_NS + 1n, endNs: EPOCH_NS + 250_000_002n };
    expect(evalOn('end_time_unix_nano - start_time_unix_nano > 250000000', s)).toBe(true);
    expect(evalOn('end_time_unix_nano - start_time_unix_nano > 250000001', s)).toBe(false);
  });

  it('spanevent context: event name and attributes, span paths with span.', () => {
    const s: SpanSpec = { ...base, events: [{ name: 'exception', attrs: { 'exception.type': 'Timeout' } }, { name: 'log' }] };
    expect(evalOn('name == "exception"', s, undefined, 'spanevent')).toBe(true);
    expect(evalOn('attributes["exception.type"] == "Timeout"', s, undefined, 'spanevent')).toBe(true);
    expect(evalOn('spanevent.name == "log" and span.name == "GET /users"', s, undefined, 'spanevent')).toBe(true);
    expect(evalOn('attributes["http.route"] == "/users"', s, undefined, 'spanevent')).toBe(false); // event attributes, not the span's
    expect(evalOn('span.attributes["http.route"] == "/users"', s, undefined, 'spanevent')).toBe(true);
  });
});

describe('OTTL subset: rejected at config time', () => {
  it.each([
    ['attributes["a"] == ', 'expected a value'],
    ['attributes["a"]', 'expected a comparison operator'],
    ['Concat(["a"], "") == "a"', 'not supported: list literal'],
    ['attributes["a"] == {"k": 1}', 'unexpected character'],
    ['ToLower(name) == "x"', 'not supported: converter ToLower()'],
    ['set(name, "x")', 'not supported: function set()'],
    ['attributes["a"]["b"] == "x"', 'not supported: nested keys'],
    ['attributes[0] == "x"', 'not supported: non-string key'],
    ['links == nil', 'not supported: path links'],
    ['resource.dropped_attributes_count == 0', 'not supported: path resource.dropped_attributes_count'],
    ['kind == SPAN_KIND_WHATEVER', 'not supported: enum SPAN_KIND_WHATEVER'],
    ['IsMatch(name, attributes["p"])', 'not supported: IsMatch pattern that is not a string literal'],
    ['IsMatch(name, "(?=x)")', 'lookahead'],
    ['name == "a" and', 'expected a value'],
    ['(name == "a"', 'expected ")"'],
    ['name == "unterminated', 'unterminated string'],
    ['name == "\\q"', 'not supported: escape \\q'],
  ])('%s', (cond, reason) => {
    expect(() => compileCondition(cond, 'span')).toThrow(OttlParseError);
    expect(() => compileCondition(cond, 'span')).toThrow(reason);
  });

  it('event-only paths are not span paths', () => {
    expect(() => compileCondition('time_unix_nano > 0', 'span')).toThrow('not supported: path time_unix_nano in the span context');
  });
});

describe('ottl_condition policy', () => {
  function policyOf(c: Record<string, unknown>) {
    const settings = policySettings();
    const cfg = policiesSchema.parse([{ name: 'o', type: 'ottl_condition', ottl_condition: c }]) as PolicyConfig[];
    return { p: buildPolicy(cfg[0]!, settings), settings };
  }

  it('ORs the span conditions and the span event conditions over every span', () => {
    const { p } = policyOf({ span: ['name == "nope"', 'attributes["x"] == 1'], spanevent: ['name == "exception"'] });
    expect(p.evaluate(makeTrace({ spans: [{ name: 'a' }, { name: 'b', attrs: { x: 1 } }] }), 0)).toBe(Decision.Sampled);
    expect(p.evaluate(makeTrace({ spans: [{ name: 'a' }, { name: 'b', events: [{ name: 'exception' }] }] }), 0)).toBe(Decision.Sampled);
    expect(p.evaluate(makeTrace({ spans: [{ name: 'a', events: [{ name: 'log' }] }] }), 0)).toBe(Decision.NotSampled);
  });

  it('error_mode propagate throws runtime errors (the engine counts a policy error)', () => {
    const { p } = policyOf({ span: ['attributes["s"] + 1 > 0'] });
    expect(() => p.evaluate(span1({ attrs: { s: 'x' } }), 0)).toThrow(OttlRuntimeError);
  });

  it('error_mode ignore treats the condition as false and logs (rate limited)', () => {
    const { p, settings } = policyOf({ error_mode: 'ignore', span: ['attributes["s"] + 1 > 0', 'name == "b"'] });
    expect(p.evaluate(span1({ name: 'a', attrs: { s: 'x' } }), 0)).toBe(Decision.NotSampled);
    expect(p.evaluate(span1({ name: 'b', attrs: { s: 'x' } }), 1)).toBe(Decision.Sampled);
    expect(settings.logs.filter((l) => l.msg.includes('failed to evaluate an OTTL condition'))).toHaveLength(1);
  });

  it('error_mode silent does not log', () => {
    const { p, settings } = policyOf({ error_mode: 'silent', span: ['1 / 0 == 1'] });
    expect(p.evaluate(span1({}), 0)).toBe(Decision.NotSampled);
    expect(settings.logs.filter((l) => l.msg.includes('OTTL'))).toHaveLength(0);
  });
});
