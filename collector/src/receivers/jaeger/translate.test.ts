/** Jaeger -> OTLP mapping rules, one by one (otelcol's pkg/translator/jaeger behaviour). */
import { describe, expect, it } from 'vitest';
import type { AnyValue, KeyValue, SpanModel } from '../../pdata/model.ts';
import { JaegerBatch, JaegerLog, JaegerProcess, JaegerRef, JaegerSpan } from './jaeger-model.ts';
import { dedupeAttributes, jaegerToOtlp, RESOURCE_NO_SERVICE_NAME } from './translate.ts';

const TRACE = Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex');
const OTHER_TRACE = Buffer.from('5b8efff798038103d269b633813fc60c', 'hex');
const id = (n: number) => Buffer.from(n.toString(16).padStart(16, '0'), 'hex');

const s = (v: string): AnyValue => ({ stringValue: v });
const kv = (key: string, value: AnyValue): KeyValue => ({ key, value });

function jspan(init: Partial<JaegerSpan> = {}): JaegerSpan {
  return new JaegerSpan(
    init.traceId ?? TRACE,
    init.spanId ?? id(1),
    init.parentSpanId ?? null,
    init.operationName ?? 'op',
    init.references ?? [],
    init.flags ?? 0,
    init.startNs ?? 1_000n,
    init.durationNs ?? 500n,
    init.tags ?? [],
    init.logs ?? [],
  );
}

function one(span: JaegerSpan, process: JaegerProcess | null = new JaegerProcess('svc', [])): SpanModel {
  const m = jaegerToOtlp([new JaegerBatch(process, [span])]);
  return m.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
}

describe('jaeger -> OTLP translation', () => {
  it('maps ids, name, times (end = start + duration), flags (sampled bit only)', () => {
    const m = one(jspan({ spanId: id(7), operationName: 'GET /', startNs: 10n, durationNs: 5n, flags: 3 }));
    expect(m.traceId).toEqual(TRACE);
    expect(m.spanId).toEqual(id(7));
    expect(m.name).toBe('GET /');
    expect(m.startTimeUnixNano).toBe(10n);
    expect(m.endTimeUnixNano).toBe(15n);
    expect(m.flags).toBe(1);
    expect(one(jspan({ flags: 2 })).flags).toBe(0);
  });

  it.each([
    ['client', 3],
    ['server', 2],
    ['producer', 4],
    ['consumer', 5],
    ['internal', 1],
    ['bogus', 0],
  ])('span.kind=%s -> kind %i, and the tag is removed', (tag, kind) => {
    const m = one(jspan({ tags: [kv('a', s('1')), kv('span.kind', s(tag)), kv('b', s('2'))] }));
    expect(m.kind).toBe(kind);
    expect(m.attributes).toEqual([kv('a', s('1')), kv('b', s('2'))]);
  });

  it('no span.kind tag -> UNSPECIFIED', () => {
    expect(one(jspan()).kind).toBe(0);
  });

  describe('status', () => {
    it('error=true -> ERROR with otel.status_description as message; both tags removed', () => {
      const m = one(jspan({ tags: [kv('error', { boolValue: true }), kv('otel.status_description', s('boom')), kv('x', s('y'))] }));
      expect(m.status).toEqual({ code: 2, message: 'boom' });
      expect(m.attributes).toEqual([kv('x', s('y'))]);
    });

    it('error=true wins over otel.status_code=OK; otel.status_code is removed anyway', () => {
      const m = one(jspan({ tags: [kv('otel.status_code', s('OK')), kv('error', { boolValue: true })] }));
      expect(m.status).toEqual({ code: 2, message: '' });
      expect(m.attributes).toEqual([]);
    });

    it('error=true takes http.status_message as message when there is no description (and keeps it)', () => {
      const m = one(jspan({ tags: [kv('error', { boolValue: true }), kv('http.status_message', s('Bad Gateway'))] }));
      expect(m.status).toEqual({ code: 2, message: 'Bad Gateway' });
      expect(m.attributes).toEqual([kv('http.status_message', s('Bad Gateway'))]);
    });

    it('error=false and a string "true" error tag stay attributes and set nothing', () => {
      const a = one(jspan({ tags: [kv('error', { boolValue: false })] }));
      expect(a.status).toEqual({ code: 0, message: '' });
      expect(a.attributes).toEqual([kv('error', { boolValue: false })]);
      const b = one(jspan({ tags: [kv('error', s('true'))] }));
      expect(b.status.code).toBe(0);
      expect(b.attributes).toEqual([kv('error', s('true'))]);
    });

    it.each([
      ['OK', 1],
      ['ok', 1],
      ['ERROR', 2],
      ['Error', 2],
      ['UNSET', 0],
    ])('otel.status_code=%s -> %i with the description as message', (code, expected) => {
      const m = one(jspan({ tags: [kv('otel.status_code', s(code)), kv('otel.status_description', s('why'))] }));
      expect(m.status).toEqual({ code: expected, message: 'why' });
      expect(m.attributes).toEqual([]);
    });

    it.each([
      [503, 'server', 2],
      [404, 'server', 0],
      [404, 'client', 2],
      [200, 'client', 0],
      [399, 'client', 2],
      [42, 'client', 2],
    ])('http.status_code=%i on a %s span -> %i (only without error / otel.status_code)', (code, kind, expected) => {
      const m = one(jspan({ tags: [kv('span.kind', s(kind)), kv('http.status_code', { intValue: BigInt(code) }), kv('http.status_message', s('msg'))] }));
      expect(m.status).toEqual({ code: expected, message: expected === 0 ? '' : 'msg' });
      // http.* tags are not removed.
      expect(m.attributes.map((a) => a.key)).toEqual(['http.status_code', 'http.status_message']);
      const asString = one(jspan({ tags: [kv('span.kind', s(kind)), kv('http.status_code', s(String(code)))] }));
      expect(asString.status.code).toBe(expected);
    });
  });

  it('w3c.tracestate -> trace_state (removed from attributes)', () => {
    const m = one(jspan({ tags: [kv('w3c.tracestate', s('a=1,b=2'))] }));
    expect(m.traceState).toBe('a=1,b=2');
    expect(m.attributes).toEqual([]);
  });

  describe('parent and links', () => {
    it('an explicit parent id wins; CHILD_OF to it is not repeated as a link', () => {
      const m = one(
        jspan({
          parentSpanId: id(9),
          references: [new JaegerRef(0, TRACE, id(9)), new JaegerRef(1, OTHER_TRACE, id(3))],
        }),
      );
      expect(m.parentSpanId).toEqual(id(9));
      expect(m.links).toEqual([
        { traceId: OTHER_TRACE, spanId: id(3), traceState: '', attributes: [kv('opentracing.ref_type', s('follows_from'))], droppedAttributesCount: 0, flags: 0 },
      ]);
    });

    it('without a parent id: the first same-trace CHILD_OF, other references are links', () => {
      const m = one(
        jspan({
          references: [new JaegerRef(0, OTHER_TRACE, id(2)), new JaegerRef(1, TRACE, id(4)), new JaegerRef(0, TRACE, id(5)), new JaegerRef(0, TRACE, id(6))],
        }),
      );
      expect(m.parentSpanId).toEqual(id(5));
      expect(m.links.map((l) => [l.spanId.toString('hex'), (l.attributes[0]!.value as { stringValue: string }).stringValue])).toEqual([
        [id(2).toString('hex'), 'child_of'],
        [id(4).toString('hex'), 'follows_from'],
        [id(6).toString('hex'), 'child_of'],
      ]);
    });

    it('without CHILD_OF: the first same-trace FOLLOWS_FROM is the parent and stays a link', () => {
      const m = one(jspan({ references: [new JaegerRef(1, TRACE, id(4))] }));
      expect(m.parentSpanId).toEqual(id(4));
      expect(m.links).toHaveLength(1);
    });

    it('no parent at all: empty parent id', () => {
      expect(one(jspan()).parentSpanId.length).toBe(0);
    });
  });

  it('logs -> events: time, `event` field as name, the other fields as attributes', () => {
    const m = one(
      jspan({
        logs: [
          new JaegerLog(123n, [kv('level', s('info')), kv('event', s('cache.miss')), kv('n', { intValue: 2n })]),
          new JaegerLog(456n, []),
        ],
      }),
    );
    expect(m.events).toEqual([
      { timeUnixNano: 123n, name: 'cache.miss', attributes: [kv('level', s('info')), kv('n', { intValue: 2n })], droppedAttributesCount: 0 },
      { timeUnixNano: 456n, name: '', attributes: [], droppedAttributesCount: 0 },
    ]);
  });

  it('groups spans by scope (otel.scope.* or otel.library.* tags, removed), in first-seen order', () => {
    const m = jaegerToOtlp([
      new JaegerBatch(new JaegerProcess('svc', []), [
        jspan({ spanId: id(1), tags: [kv('otel.scope.name', s('a')), kv('otel.scope.version', s('1'))] }),
        jspan({ spanId: id(2), tags: [kv('otel.library.name', s('b')), kv('otel.library.version', s('2'))] }),
        jspan({ spanId: id(3) }),
        jspan({ spanId: id(4), tags: [kv('otel.scope.name', s('a')), kv('otel.scope.version', s('1')), kv('k', s('v'))] }),
        jspan({ spanId: id(5), tags: [kv('otel.scope.version', s('9'))] }),
      ]),
    ]);
    const ss = m.resourceSpans[0]!.scopeSpans;
    expect(ss.map((x) => [x.scope!.name, x.scope!.version, x.spans.map((sp) => sp.spanId[7])])).toEqual([
      ['a', '1', [1, 4]],
      ['b', '2', [2]],
      ['', '', [3, 5]],
    ]);
    expect(ss[0]!.spans[1]!.attributes).toEqual([kv('k', s('v'))]);
    // A version without a name is an ordinary attribute.
    expect(ss[2]!.spans[1]!.attributes).toEqual([kv('otel.scope.version', s('9'))]);
  });

  describe('resource', () => {
    it('service.name from the process, then process tags; hostname and jaeger.version translated', () => {
      const m = jaegerToOtlp([
        new JaegerBatch(new JaegerProcess('checkout', [kv('hostname', s('h1')), kv('jaeger.version', s('Node-3.19.0')), kv('ip', s('10.1.1.1'))]), [jspan()]),
      ]);
      expect(m.resourceSpans[0]!.resource!.attributes).toEqual([
        kv('service.name', s('checkout')),
        kv('ip', s('10.1.1.1')),
        kv('host.name', s('h1')),
        kv('opencensus.exporterversion', s('Jaeger-Node-3.19.0')),
      ]);
    });

    it('keeps hostname / jaeger.version when host.name / opencensus.exporterversion are already there', () => {
      const tags = [kv('hostname', s('h1')), kv('host.name', s('h2')), kv('jaeger.version', s('x')), kv('opencensus.exporterversion', s('y'))];
      const m = jaegerToOtlp([new JaegerBatch(new JaegerProcess('svc', tags.slice()), [jspan()])]);
      expect(m.resourceSpans[0]!.resource!.attributes).toEqual([kv('service.name', s('svc')), ...tags]);
    });

    it('a service.name process tag overwrites the process service name (last value wins, first place)', () => {
      const m = jaegerToOtlp([new JaegerBatch(new JaegerProcess('a', [kv('x', s('1')), kv('service.name', s('b'))]), [jspan()])]);
      expect(m.resourceSpans[0]!.resource!.attributes).toEqual([kv('service.name', s('b')), kv('x', s('1'))]);
    });

    it('no process, or otelcol\'s no-service marker: an empty resource; an empty batch: nothing', () => {
      expect(jaegerToOtlp([new JaegerBatch(null, [jspan()])]).resourceSpans[0]!.resource!.attributes).toEqual([]);
      expect(jaegerToOtlp([new JaegerBatch(new JaegerProcess(RESOURCE_NO_SERVICE_NAME, [kv('a', s('b'))]), [jspan()])]).resourceSpans[0]!.resource!.attributes).toEqual([]);
      expect(jaegerToOtlp([new JaegerBatch(null, [])]).resourceSpans).toEqual([]);
      // A process without spans still makes a resource (as otelcol).
      expect(jaegerToOtlp([new JaegerBatch(new JaegerProcess('svc', []), [])]).resourceSpans[0]!.scopeSpans).toEqual([]);
    });
  });

  it('duplicate tag keys: the last value wins, in the first position (small and large lists)', () => {
    const small = [kv('a', s('1')), kv('b', s('2')), kv('a', s('3'))];
    dedupeAttributes(small);
    expect(small).toEqual([kv('a', s('3')), kv('b', s('2'))]);
    const large: KeyValue[] = [];
    for (let i = 0; i < 40; i++) large.push(kv(`k${i % 20}`, { intValue: BigInt(i) }));
    dedupeAttributes(large);
    expect(large).toHaveLength(20);
    expect(large[0]).toEqual(kv('k0', { intValue: 20n }));
    expect(large[19]).toEqual(kv('k19', { intValue: 39n }));
  });
});
