/** Zipkin -> OTLP mapping rules, one by one (otelcol's zipkinv2 ToTranslator, deviations noted). */
import { describe, expect, it } from 'vitest';
import type { AnyValue, KeyValue, SpanModel } from '../../pdata/model.ts';
import { START_TIME_ABSENT, typedValue, zipkinToOtlp } from './translate.ts';
import { KIND_CLIENT, KIND_CONSUMER, KIND_NONE, KIND_PRODUCER, KIND_SERVER, ZipkinAnnotation, ZipkinEndpoint, ZipkinSpan } from './zipkin-model.ts';

const TRACE = Buffer.from('5b8efff798038103d269b633813fc60c', 'hex');
const id = (n: number) => Buffer.from(n.toString(16).padStart(16, '0'), 'hex');
const s = (v: string): AnyValue => ({ stringValue: v });
const kv = (key: string, value: AnyValue): KeyValue => ({ key, value });

interface SpanInit {
  id?: number;
  parent?: number;
  kind?: number;
  name?: string;
  service?: string;
  tags?: Record<string, string>;
  timestampUs?: number;
  durationUs?: number;
  localEndpoint?: ZipkinEndpoint | null;
  remoteEndpoint?: ZipkinEndpoint | null;
  annotations?: ZipkinAnnotation[];
}

function zspan(init: SpanInit = {}): ZipkinSpan {
  const z = new ZipkinSpan(TRACE, id(init.id ?? 1));
  z.kind = init.kind ?? KIND_NONE;
  z.name = init.name ?? 'op';
  z.timestampUs = init.timestampUs ?? 1_000;
  z.durationUs = init.durationUs ?? 10;
  z.localEndpoint = 'localEndpoint' in init ? init.localEndpoint! : new ZipkinEndpoint(init.service ?? 'svc', '', '', 0);
  z.remoteEndpoint = init.remoteEndpoint ?? null;
  z.annotations = init.annotations ?? [];
  if (init.parent !== undefined) z.parentId = id(init.parent);
  for (const [k, v] of Object.entries(init.tags ?? {})) z.tags.set(k, v);
  return z;
}

function one(z: ZipkinSpan, parseStringTags = false): SpanModel {
  return zipkinToOtlp([z], { parseStringTags }).resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
}

describe('zipkin -> OTLP translation', () => {
  it('ids, parent (parentId = id is no parent), name, times us -> ns', () => {
    const m = one(zspan({ id: 7, parent: 3, name: 'get', timestampUs: 1_700_000_000_123_456, durationUs: 2_500 }));
    expect(m.traceId).toEqual(TRACE);
    expect(m.spanId).toEqual(id(7));
    expect(m.parentSpanId).toEqual(id(3));
    expect(m.name).toBe('get');
    expect(m.startTimeUnixNano).toBe(1_700_000_000_123_456_000n);
    expect(m.endTimeUnixNano).toBe(1_700_000_000_125_956_000n);
    expect(one(zspan({ id: 7, parent: 7 })).parentSpanId.length).toBe(0);
  });

  it('an absent timestamp starts at 0 and is marked, as otelcol does', () => {
    const m = one(zspan({ timestampUs: 0, durationUs: 5 }));
    expect(m.startTimeUnixNano).toBe(0n);
    expect(m.endTimeUnixNano).toBe(5_000n);
    expect(m.attributes).toEqual([kv(START_TIME_ABSENT, { boolValue: true })]);
  });

  it.each([
    [KIND_CLIENT, {}, 3],
    [KIND_SERVER, {}, 2],
    [KIND_PRODUCER, {}, 4],
    [KIND_CONSUMER, {}, 5],
    [KIND_NONE, {}, 0],
    [KIND_NONE, { 'span.kind': 'internal' }, 1],
    [KIND_NONE, { 'span.kind': 'server' }, 0],
  ])('kind %i with tags %o -> %i (span.kind tag consumed)', (kind, tags, expected) => {
    const m = one(zspan({ kind, tags }));
    expect(m.kind).toBe(expected);
    expect(m.attributes).toEqual([]);
  });

  describe('status', () => {
    it.each([
      ['STATUS_CODE_OK', 1],
      ['STATUS_CODE_ERROR', 2],
      ['Ok', 1],
      ['Error', 2],
      ['OK', 1],
      ['ERROR', 2],
      ['weird', 0],
    ])('otel.status_code=%s -> %i, with otel.status_description as message', (code, expected) => {
      const m = one(zspan({ tags: { 'otel.status_code': code, 'otel.status_description': 'why', other: 'x' } }));
      expect(m.status).toEqual({ code: expected, message: 'why' });
      expect(m.attributes).toEqual([kv('other', s('x'))]);
    });

    it('an error tag -> ERROR; its value is the message (deviation: otelcol keeps it as an attribute)', () => {
      expect(one(zspan({ tags: { error: 'payment declined' } })).status).toEqual({ code: 2, message: 'payment declined' });
      const t = one(zspan({ tags: { error: 'true' } }));
      expect(t.status).toEqual({ code: 2, message: '' });
      expect(t.attributes).toEqual([]);
      // With a description, the description is the message.
      expect(one(zspan({ tags: { 'otel.status_code': 'ERROR', 'otel.status_description': 'd', error: 'e' } })).status).toEqual({ code: 2, message: 'd' });
      // The error tag wins over otel.status_code=OK (zipkin: an error tag means error).
      expect(one(zspan({ tags: { 'otel.status_code': 'OK', error: 'x' } })).status.code).toBe(2);
    });
  });

  it('tags -> string attributes; resource semantic-convention tags and otel.library.* are not span attributes', () => {
    const m = one(zspan({ tags: { 'http.method': 'GET', n: '12', 'service.version': '1.0', 'otel.library.name': 'lib', 'otel.library.version': '2' } }));
    expect(m.attributes).toEqual([kv('http.method', s('GET')), kv('n', s('12'))]);
  });

  it('parse_string_tags types values as Go would parse them', () => {
    const m = one(zspan({ tags: { i: '12', neg: '-7', big: '99999999999999999999', d: '1.5', e: '1e3', b: 'true', t: 'T', one: '1', str: 'hello', nan: 'NaN', ctor: 'constructor' } }), true);
    expect(Object.fromEntries(m.attributes.map((a) => [a.key, a.value]))).toEqual({
      i: { intValue: 12n },
      neg: { intValue: -7n },
      big: { doubleValue: 1e20 },
      d: { doubleValue: 1.5 },
      e: { doubleValue: 1000 },
      b: { boolValue: true },
      t: { boolValue: true },
      one: { intValue: 1n },
      str: { stringValue: 'hello' },
      nan: { doubleValue: Number.NaN },
      ctor: { stringValue: 'constructor' },
    });
    expect(typedValue('1.2.3')).toEqual({ stringValue: '1.2.3' });
    expect(typedValue('-inf')).toEqual({ doubleValue: -Infinity });
    expect(typedValue('1e400')).toEqual({ stringValue: '1e400' });
  });

  it('endpoints -> net.host.* / peer.service / net.peer.* (IPv6 wins over IPv4, as otelcol)', () => {
    const m = one(
      zspan({
        localEndpoint: new ZipkinEndpoint('svc', '10.0.0.1', '2001:db8::1', 8080),
        remoteEndpoint: new ZipkinEndpoint('db', '10.0.0.2', '', 5432),
      }),
    );
    expect(m.attributes).toEqual([
      kv('net.host.ip', s('2001:db8::1')),
      kv('net.host.port', { intValue: 8080n }),
      kv('peer.service', s('db')),
      kv('net.peer.ip', s('10.0.0.2')),
      kv('net.peer.port', { intValue: 5432n }),
    ]);
  });

  it('annotations -> events; otelcol\'s name|{json}|dropped encoding is read back, anything else is a plain name', () => {
    const m = one(
      zspan({
        annotations: [
          new ZipkinAnnotation(1_000, 'cache.miss'),
          new ZipkinAnnotation(2_000, 'ev|{"k":"v","n":2,"d":1.5,"b":true}|3'),
          new ZipkinAnnotation(3_000, 'a|b|c'),
        ],
      }),
    );
    expect(m.events).toEqual([
      { timeUnixNano: 1_000_000n, name: 'cache.miss', attributes: [], droppedAttributesCount: 0 },
      {
        timeUnixNano: 2_000_000n,
        name: 'ev',
        attributes: [kv('k', s('v')), kv('n', { intValue: 2n }), kv('d', { doubleValue: 1.5 }), kv('b', { boolValue: true })],
        droppedAttributesCount: 3,
      },
      { timeUnixNano: 3_000_000n, name: 'a|b|c', attributes: [], droppedAttributesCount: 0 },
    ]);
  });

  it('otelcol\'s otlp.link.N tags -> links', () => {
    const m = one(
      zspan({ tags: { 'otlp.link.0': '0af7651916cd43dd8448eb211c80319c|b7ad6b7169203331|x=y|{"a":"b"}|1', 'otlp.link.1': 'bad', keep: 'me' } }),
    );
    expect(m.links).toEqual([
      {
        traceId: Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex'),
        spanId: Buffer.from('b7ad6b7169203331', 'hex'),
        traceState: 'x=y',
        attributes: [kv('a', s('b'))],
        droppedAttributesCount: 1,
        flags: 0,
      },
    ]);
    expect(m.attributes).toEqual([kv('keep', s('me'))]);
  });

  it('w3c.tracestate -> trace_state', () => {
    const m = one(zspan({ tags: { 'w3c.tracestate': 'a=b' } }));
    expect(m.traceState).toBe('a=b');
    expect(m.attributes).toEqual([]);
  });

  describe('resource and scope', () => {
    it('service.name from the local endpoint, resource tags from the first span of each service, scope from otel.library.* / otel.scope.*', () => {
      const m = zipkinToOtlp(
        [
          zspan({ id: 1, service: 'a', tags: { 'host.name': 'h1', 'otel.library.name': 'lib', 'otel.library.version': '1' } }),
          zspan({ id: 2, service: 'b', tags: { 'service.version': '2.0' } }),
          zspan({ id: 3, service: 'a', tags: { 'host.name': 'other', x: 'y' } }),
          zspan({ id: 4, service: 'a', tags: { 'otel.scope.name': 's', 'otel.scope.version': '9' } }),
          zspan({ id: 5, localEndpoint: null }),
        ],
        { parseStringTags: false },
      );
      const rs = m.resourceSpans;
      expect(rs.map((r) => r.resource!.attributes)).toEqual([[kv('service.name', s('a')), kv('host.name', s('h1'))], [kv('service.name', s('b')), kv('service.version', s('2.0'))], []]);
      expect(rs[0]!.scopeSpans.map((ss) => [ss.scope!.name, ss.scope!.version, ss.spans.map((sp) => sp.spanId[7])])).toEqual([
        ['lib', '1', [1]],
        ['', '', [3]],
        ['s', '9', [4]],
      ]);
      // A later span's resource-ish tags are not span attributes (otelcol drops them too).
      expect(rs[0]!.scopeSpans[1]!.spans[0]!.attributes).toEqual([kv('x', s('y'))]);
    });

    it('otlp.service.name.source names the key the local service goes to', () => {
      const m = zipkinToOtlp([zspan({ service: 'svc', tags: { 'otlp.service.name.source': 'k8s.deployment.name' } })], { parseStringTags: false });
      expect(m.resourceSpans[0]!.resource!.attributes).toEqual([kv('k8s.deployment.name', s('svc'))]);
    });
  });
});
