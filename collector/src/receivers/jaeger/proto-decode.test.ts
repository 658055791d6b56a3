/** The api_v2 PostSpansRequest decoder against protobufjs-encoded requests, and malformed input. */
import { describe, expect, it } from 'vitest';
import { JaegerDecodeError } from './jaeger-model.ts';
import { decodePostSpansRequest } from './proto-decode.ts';
import { encodePostSpans, fullPostSpans } from './test-support.ts';

const hex = (h: string) => Buffer.from(h, 'hex');

function expectDecodeError(fn: () => unknown, message?: RegExp): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(JaegerDecodeError);
  if (message !== undefined) expect((thrown as Error).message).toMatch(message);
}

describe('jaeger api_v2 protobuf decoding', () => {
  it('decodes every model.proto field and groups spans by process', () => {
    const batches = decodePostSpansRequest(encodePostSpans(fullPostSpans()));
    expect(batches.map((b) => [b.process?.serviceName, b.spans.length])).toEqual([
      ['frontend', 2],
      ['worker', 1],
    ]);
    const [front, worker] = batches;
    expect(front!.process!.tags).toEqual([
      { key: 'hostname', value: { stringValue: 'web-1' } },
      { key: 'region', value: { stringValue: 'eu-west-1' } },
    ]);
    const a = front!.spans[0]!;
    expect(a.traceId.toString('hex')).toBe('5b8efff798038103d269b633813fc60c');
    expect(a.spanId.toString('hex')).toBe('eee19b7ec3c1b174');
    expect(a.parentSpanId).toBeNull();
    expect(a.operationName).toBe('GET /');
    expect(a.flags).toBe(1);
    expect(a.startNs).toBe(1_700_000_000_123_456_789n);
    expect(a.durationNs).toBe(1_000_000_500n);
    expect(a.tags).toEqual([
      { key: 'span.kind', value: { stringValue: 'server' } },
      { key: 'str', value: { stringValue: 'v' } },
      { key: 'bool', value: { boolValue: true } },
      { key: 'int', value: { intValue: -42n } },
      { key: 'double', value: { doubleValue: 2.5 } },
      { key: 'bytes', value: { bytesValue: Buffer.from([9, 8, 7]) } },
      { key: 'http.status_code', value: { intValue: 503n } },
      { key: 'w3c.tracestate', value: { stringValue: 'vendor=x' } },
    ]);
    expect(a.logs).toEqual([
      { timeNs: 1_700_000_000_500_000_000n, fields: [{ key: 'event', value: { stringValue: 'retry' } }, { key: 'n', value: { intValue: 3n } }] },
    ]);
    const b = front!.spans[1]!;
    expect(b.references.map((r) => [r.refType, r.traceId.toString('hex'), r.spanId.toString('hex')])).toEqual([
      [0, '5b8efff798038103d269b633813fc60c', 'eee19b7ec3c1b174'],
      [1, '0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331'],
    ]);
    expect(worker!.process!.tags).toEqual([{ key: 'queue', value: { stringValue: 'payments' } }]);
    expect(worker!.spans[0]!.spanId.toString('hex')).toBe('a2fb4a1d1a96d312');
  });

  it('puts a span whose own process equals the batch process into the batch resource', () => {
    const process = { service_name: 'svc', tags: [{ key: 'k', v_type: 0, v_str: 'v' }] };
    const span = (id: string, own: boolean) => ({
      trace_id: hex('0af7651916cd43dd8448eb211c80319c'),
      span_id: hex(id),
      operation_name: id,
      ...(own ? { process } : {}),
    });
    const batches = decodePostSpansRequest(
      encodePostSpans({ batch: { process, spans: [span('0000000000000001', false), span('0000000000000002', true), span('0000000000000003', false)] } }),
    );
    expect(batches).toHaveLength(1);
    expect(batches[0]!.spans.map((s) => s.operationName).sort()).toEqual(['0000000000000001', '0000000000000002', '0000000000000003']);
  });

  it('treats absent ids as zero and a missing batch as nothing to do', () => {
    expect(decodePostSpansRequest(Buffer.alloc(0))).toEqual([]);
    const [b] = decodePostSpansRequest(encodePostSpans({ batch: { spans: [{ operation_name: 'x' }] } }));
    expect(b!.process).toBeNull();
    expect(b!.spans[0]!.traceId.toString('hex')).toBe('0'.repeat(32));
    expect(b!.spans[0]!.spanId.toString('hex')).toBe('0'.repeat(16));
  });

  it('merges a batch sent as two fields (protobuf concatenation)', () => {
    const one = encodePostSpans({ batch: { process: { service_name: 'a' }, spans: [{ span_id: hex('0000000000000001') }] } });
    const two = encodePostSpans({ batch: { spans: [{ span_id: hex('0000000000000002') }] } });
    const batches = decodePostSpansRequest(Buffer.concat([one, two]));
    expect(batches).toHaveLength(1);
    expect(batches[0]!.process!.serviceName).toBe('a');
    expect(batches[0]!.spans).toHaveLength(2);
  });

  it('refuses ids of the wrong length, naming the field', () => {
    expectDecodeError(() => decodePostSpansRequest(encodePostSpans({ batch: { spans: [{ trace_id: hex('0102') }] } })), /Span\.trace_id must be 16 bytes, got 2/);
    expectDecodeError(() => decodePostSpansRequest(encodePostSpans({ batch: { spans: [{ span_id: hex('010203040506070809') }] } })), /Span\.span_id must be 8 bytes, got 9/);
    expectDecodeError(
      () => decodePostSpansRequest(encodePostSpans({ batch: { spans: [{ references: [{ span_id: hex('01') }] }] } })),
      /SpanRef\.span_id must be 8 bytes/,
    );
  });

  it('refuses every truncation of a valid request, and wrong wire types', () => {
    const valid = encodePostSpans(fullPostSpans());
    let refused = 0;
    for (let n = 1; n < valid.length; n++) {
      try {
        decodePostSpansRequest(valid.subarray(0, n));
      } catch (err) {
        expect(err).toBeInstanceOf(JaegerDecodeError);
        refused++;
      }
    }
    // A cut can land exactly between two top-level fields only at the end: everything else fails.
    expect(refused).toBe(valid.length - 1);
    // PostSpansRequest.batch as a varint.
    expectDecodeError(() => decodePostSpansRequest(Buffer.from([0x08, 0x01])), /PostSpansRequest\.batch: wrong wire type 0/);
    // Span.flags as a length-delimited field.
    expectDecodeError(() => decodePostSpansRequest(Buffer.from([0x0a, 0x04, 0x0a, 0x02, 0x2a, 0x00])), /Span\.flags: wrong wire type 2/);
  });

  it('maps an unknown value type to otelcol\'s placeholder string', () => {
    const [b] = decodePostSpansRequest(encodePostSpans({ batch: { spans: [{ tags: [{ key: 'odd', v_type: 7, v_str: 'x' }] }] } }));
    expect(b!.spans[0]!.tags).toEqual([{ key: 'odd', value: { stringValue: '<Unknown Jaeger TagType "7">' } }]);
  });
});
