/** Zipkin decoders: v2 JSON, v2 protobuf (against protobufjs), v1 JSON -> v2 model; bad input. */
import { describe, expect, it } from 'vitest';
import { parseZipkinV1Json } from './json-v1.ts';
import { parseZipkinV2Json } from './json-v2.ts';
import { decodeZipkinProto } from './proto-decode.ts';
import { encodeListOfSpans, fullProtoSpans } from './test-support.ts';
import { ipv6Text, KIND_CLIENT, KIND_CONSUMER, KIND_NONE, KIND_PRODUCER, KIND_SERVER, ZipkinDecodeError, type ZipkinSpan } from './zipkin-model.ts';

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

function plain(s: ZipkinSpan) {
  return {
    traceId: s.traceId.toString('hex'),
    id: s.id.toString('hex'),
    parentId: s.parentId?.toString('hex') ?? null,
    kind: s.kind,
    name: s.name,
    timestampUs: s.timestampUs,
    durationUs: s.durationUs,
    local: s.localEndpoint === null ? null : { ...s.localEndpoint },
    remote: s.remoteEndpoint === null ? null : { ...s.remoteEndpoint },
    annotations: s.annotations.map((a) => [a.timestampUs, a.value]),
    tags: Object.fromEntries(s.tags),
    debug: s.debug,
    shared: s.shared,
  };
}

function expectDecodeError(fn: () => unknown, message: RegExp): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(ZipkinDecodeError);
  expect((thrown as Error).message).toMatch(message);
}

describe('zipkin v2 JSON', () => {
  it('reads every field; 64-bit and short ids are left-padded', () => {
    const [a, b] = parseZipkinV2Json(
      json([
        {
          traceId: '5b8efff798038103d269b633813fc60c',
          id: 'eee19b7ec3c1b174',
          parentId: '00f067aa0ba902b7',
          kind: 'CLIENT',
          name: 'get',
          timestamp: 1700000000123456,
          duration: 25,
          localEndpoint: { serviceName: 'fe', ipv4: '10.0.0.1', ipv6: '2001:DB8::1', port: 80 },
          remoteEndpoint: { serviceName: 'be', ipv4: 'not an ip', port: 0 },
          annotations: [{ timestamp: 1700000000123460, value: 'ws' }],
          tags: { a: 'x', n: 5, b: true, gone: null },
          debug: true,
          shared: true,
          unknownField: { ignored: [1, 2] },
        },
        { traceId: 'd269b633813fc60c', id: 'abc', kind: 'WHATEVER' },
      ]),
    );
    expect(plain(a!)).toEqual({
      traceId: '5b8efff798038103d269b633813fc60c',
      id: 'eee19b7ec3c1b174',
      parentId: '00f067aa0ba902b7',
      kind: KIND_CLIENT,
      name: 'get',
      timestampUs: 1700000000123456,
      durationUs: 25,
      local: { serviceName: 'fe', ipv4: '10.0.0.1', ipv6: '2001:db8::1', port: 80 },
      remote: { serviceName: 'be', ipv4: '', ipv6: '', port: 0 },
      annotations: [[1700000000123460, 'ws']],
      tags: { a: 'x', n: '5', b: 'true' },
      debug: true,
      shared: true,
    });
    expect(plain(b!)).toMatchObject({ traceId: '0000000000000000d269b633813fc60c', id: '0000000000000abc', kind: KIND_NONE, local: null, timestampUs: 0 });
  });

  it.each([
    ['SERVER', KIND_SERVER],
    ['PRODUCER', KIND_PRODUCER],
    ['CONSUMER', KIND_CONSUMER],
  ])('kind %s', (kind, expected) => {
    expect(parseZipkinV2Json(json([{ traceId: '1', id: '2', kind }]))[0]!.kind).toBe(expected);
  });

  it.each([
    ['not JSON', Buffer.from('[{"traceId":'), /invalid JSON/],
    ['not an array', json({ traceId: '1' }), /expected a JSON array of spans, got an object/],
    ['a span that is not an object', json([1]), /spans\[0\]: expected a span object, got number/],
    ['no traceId', json([{ id: '1' }]), /spans\[0\]\.traceId: valid traceId required/],
    ['a zero traceId', json([{ traceId: '0000', id: '1' }]), /valid traceId required \(got zero\)/],
    ['a 33-digit traceId', json([{ traceId: 'a'.repeat(33), id: '1' }]), /traceId: expected 1 to 32 hex digits/],
    ['a non-hex id', json([{ traceId: '1', id: 'xyz' }]), /spans\[0\]\.id: expected 1 to 16 hex digits, got "xyz"/],
    ['a numeric id', json([{ traceId: '1', id: 7 }]), /spans\[0\]\.id: expected a hex string, got number/],
    ['a fractional timestamp', json([{ traceId: '1', id: '2', timestamp: 1.5 }]), /timestamp: expected whole microseconds/],
    ['a negative duration', json([{ traceId: '1', id: '2', duration: -1 }]), /duration: expected whole microseconds/],
    ['a string timestamp', json([{ traceId: '1', id: '2', timestamp: '12' }]), /timestamp: expected whole microseconds .* got string/],
    ['an object tag value', json([{ traceId: '1', id: '2', tags: { k: { v: 1 } } }]), /tags\["k"\]: expected a string, got an object/],
    ['tags as an array', json([{ traceId: '1', id: '2', tags: [] }]), /tags: expected an object of strings, got an array/],
    ['a bad port', json([{ traceId: '1', id: '2', localEndpoint: { port: 70000 } }]), /localEndpoint\.port: expected a port number 0-65535, got 70000/],
    ['a bad annotation', json([{ traceId: '1', id: '2', annotations: ['x'] }]), /annotations\[0\]: expected an annotation object/],
    ['a non-boolean shared', json([{ traceId: '1', id: '2', shared: 'yes' }]), /shared: expected true or false/],
  ])('refuses %s with a clear message', (_what, body, message) => {
    expectDecodeError(() => parseZipkinV2Json(body), message);
  });

  it('refuses JSON nested deeper than 32 levels before parsing it (strings do not count)', () => {
    expectDecodeError(() => parseZipkinV2Json(Buffer.from('['.repeat(1_000_000) + ']'.repeat(1_000_000))), /nested deeper than 32 levels at byte 32/);
    const deepTags = json([{ traceId: '1', id: '2', tags: { s: '"\\[[[[{{{{'.repeat(100) } }]);
    expect(parseZipkinV2Json(deepTags)[0]!.tags.get('s')).toBe('"\\[[[[{{{{'.repeat(100));
    expect(parseZipkinV2Json(json([{ traceId: '1', id: '2', extra: JSON.parse('['.repeat(20) + ']'.repeat(20)) }]))).toHaveLength(1);
  });

  it('an empty list is fine', () => {
    expect(parseZipkinV2Json(json([]))).toEqual([]);
  });
});

describe('zipkin v2 protobuf', () => {
  it('reads every zipkin.proto field (protobufjs-encoded)', () => {
    const [a, b, c] = decodeZipkinProto(encodeListOfSpans(fullProtoSpans()));
    expect(plain(a!)).toEqual({
      traceId: '5b8efff798038103d269b633813fc60c',
      id: 'eee19b7ec3c1b174',
      parentId: null,
      kind: KIND_SERVER,
      name: 'get /api',
      timestampUs: 1700000000123456,
      durationUs: 2500,
      local: { serviceName: 'frontend', ipv4: '10.0.0.1', ipv6: '', port: 8080 },
      remote: { serviceName: 'browser', ipv4: '', ipv6: '2001:db8::1', port: 51234 },
      annotations: [[1700000000124000, 'wr']],
      tags: { 'http.method': 'GET', 'http.status_code': '200', error: 'upstream timed out' },
      debug: true,
      shared: false,
    });
    expect(plain(b!)).toMatchObject({ traceId: '0000000000000000d269b633813fc60c', parentId: 'eee19b7ec3c1b174', kind: KIND_CLIENT, remote: { ipv4: '10.0.0.2', port: 5432 } });
    expect(plain(c!)).toMatchObject({ id: '53995c3f42cd8ad8', shared: true, kind: KIND_SERVER });
  });

  it('refuses bad id lengths, wrong wire types and every truncation', () => {
    const bad = (span: Record<string, unknown>) => encodeListOfSpans({ spans: [span] });
    expectDecodeError(() => decodeZipkinProto(bad({ trace_id: Buffer.alloc(12, 1), id: Buffer.alloc(8, 1) })), /spans\[0\]\.trace_id must be 8 or 16 bytes, got 12/);
    expectDecodeError(() => decodeZipkinProto(bad({ trace_id: Buffer.alloc(16, 1) })), /spans\[0\]\.id must be 8 bytes, got 0/);
    expectDecodeError(() => decodeZipkinProto(bad({ trace_id: Buffer.alloc(16, 1), id: Buffer.alloc(8, 1), parent_id: Buffer.alloc(4, 1) })), /parent_id must be 8 bytes/);
    expectDecodeError(() => decodeZipkinProto(Buffer.from([0x0a, 0x02, 0x30, 0x01])), /Span\.timestamp: wrong wire type 0/);
    const valid = encodeListOfSpans(fullProtoSpans());
    let refused = 0;
    for (let n = 1; n < valid.length; n++) {
      try {
        decodeZipkinProto(valid.subarray(0, n));
      } catch (err) {
        expect(err).toBeInstanceOf(ZipkinDecodeError);
        refused++;
      }
    }
    // Cuts between two whole spans decode (fewer spans); every other cut is refused.
    expect(refused).toBe(valid.length - 1 - 2);
  });

  it('writes IPv6 addresses as Go does', () => {
    const h = (s: string) => Buffer.from(s, 'hex');
    expect(ipv6Text(h('00000000000000000000000000000001'))).toBe('::1');
    expect(ipv6Text(h('00000000000000000000ffff0a000001'))).toBe('10.0.0.1');
    expect(ipv6Text(h('20010db8000000010000000000000001'))).toBe('2001:db8:0:1::1');
    expect(ipv6Text(h('20010db8000100000001000100010001'))).toBe('2001:db8:1:0:1:1:1:1');
    expect(ipv6Text(h('00000000000000000000000000000000'))).toBe('::');
  });
});

describe('zipkin v1 JSON', () => {
  const ep = (serviceName: string, ipv4?: string, port?: number) => ({ serviceName, ...(ipv4 ? { ipv4 } : {}), ...(port ? { port } : {}) });

  it('core annotations give kind, local endpoint and times; others are events; ca/sa are the remote endpoint; lc is component', () => {
    const [client, server, local] = parseZipkinV1Json(
      json([
        {
          traceId: '5b8efff798038103d269b633813fc60c',
          id: 'eee19b7ec3c1b174',
          name: 'get',
          annotations: [
            { timestamp: 1000, value: 'cs', endpoint: ep('frontend', '10.0.0.1', 80) },
            { timestamp: 1500, value: 'retry' },
            { timestamp: 3000, value: 'cr', endpoint: ep('frontend') },
          ],
          binaryAnnotations: [
            { key: 'http.path', value: '/api', endpoint: ep('frontend') },
            { key: 'sa', value: true, endpoint: ep('backend', '10.0.0.2', 9000) },
            { key: 'http.status_code', value: 200 },
          ],
        },
        {
          traceId: 'd269b633813fc60c',
          id: '53995c3f42cd8ad8',
          parentId: 'eee19b7ec3c1b174',
          timestamp: 1200,
          duration: 500,
          annotations: [{ timestamp: 1200, value: 'sr', endpoint: ep('backend') }, { timestamp: 1700, value: 'ss', endpoint: ep('backend') }],
        },
        { traceId: '1', id: '2', binaryAnnotations: [{ key: 'lc', value: 'cron' }] },
      ]),
    );
    expect(plain(client!)).toEqual({
      traceId: '5b8efff798038103d269b633813fc60c',
      id: 'eee19b7ec3c1b174',
      parentId: null,
      kind: KIND_CLIENT,
      name: 'get',
      timestampUs: 1000,
      durationUs: 2000,
      local: { serviceName: 'frontend', ipv4: '10.0.0.1', ipv6: '', port: 80 },
      remote: { serviceName: 'backend', ipv4: '10.0.0.2', ipv6: '', port: 9000 },
      annotations: [[1500, 'retry']],
      tags: { 'http.path': '/api', 'http.status_code': '200' },
      debug: false,
      shared: false,
    });
    expect(plain(server!)).toMatchObject({ kind: KIND_SERVER, timestampUs: 1200, durationUs: 500, local: { serviceName: 'backend' }, parentId: 'eee19b7ec3c1b174' });
    expect(plain(local!)).toMatchObject({ kind: KIND_NONE, local: { serviceName: 'cron' }, tags: { component: 'cron' } });
  });

  it('refuses bad v1 input with a clear message', () => {
    expectDecodeError(() => parseZipkinV1Json(json([{ traceId: '1' }])), /spans\[0\]\.id: valid span id required/);
    expectDecodeError(() => parseZipkinV1Json(json([{ traceId: '1', id: '2', binaryAnnotations: [{ value: 'x' }] }])), /binaryAnnotations\[0\]\.key: expected a string/);
    expectDecodeError(() => parseZipkinV1Json(json([{ traceId: '1', id: '2', annotations: {} }])), /annotations: expected an array/);
  });
});
