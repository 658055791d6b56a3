import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeAnyValue, decodeExportRequest, decodeKeyValues, decodeResource, decodeScope, decodeSpan } from './decode-model.ts';
import { encodeExportRequestModel, encodeSpan } from './encode-model.ts';
import { indexExportRequest, InvalidIdError } from './index-request.ts';
import { R_MSG_END, R_MSG_START, RES_STRIDE, C_MSG_END, C_MSG_START, SCOPE_STRIDE } from './span-batch.ts';
import { WireError } from './wire-reader.ts';
import { newSpan, type ExportRequestModel } from './model.ts';
import {
  allSpans,
  arbExportRequest,
  ReferenceExportRequest,
  referenceEncode,
  stripFlags,
} from './test-arbitraries.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function lenField(tag: number, payload: Buffer): Buffer {
  const len: number[] = [];
  let n = payload.length;
  while (n >= 0x80) {
    len.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  len.push(n);
  return Buffer.concat([Buffer.from([tag, ...len]), payload]);
}

/** Wraps a span payload into a request: resource_spans { scope_spans { spans { payload } } }. */
function requestWithSpan(payload: Buffer): Buffer {
  return lenField(0x0a, lenField(0x12, lenField(0x12, payload)));
}

/** Runs the decoder; returns the thrown value, or undefined when it succeeded. */
function ourError(buf: Buffer): unknown {
  try {
    decodeExportRequest(buf);
    return undefined;
  } catch (err) {
    return err;
  }
}

function referenceThrows(buf: Buffer): boolean {
  try {
    ReferenceExportRequest.decode(buf);
    return false;
  } catch {
    return true;
  }
}

function indexError(buf: Buffer): unknown {
  try {
    indexExportRequest(buf);
    return undefined;
  } catch (err) {
    return err;
  }
}

/** The malformed-input contract: our decoder fails only with WireError, and whenever the reference fails. */
function checkMalformed(buf: Buffer): void {
  const err = ourError(buf);
  if (err !== undefined && !(err instanceof WireError)) throw err;
  if (referenceThrows(buf)) expect(err, `reference rejects ${buf.toString('hex')}`).toBeInstanceOf(WireError);
  // Same strictness as the indexer (the hot path): both accept or both refuse, with the same class.
  const ie = indexError(buf);
  expect(err === undefined).toBe(ie === undefined);
  if (err !== undefined) expect((err as Error).constructor).toBe((ie as Error).constructor);
}

describe('decodeExportRequest against the reference encoder', () => {
  it('decodes what the reference encodes to the same model', () => {
    fc.assert(
      fc.property(arbExportRequest({ flags: false }), (m) => {
        expect(decodeExportRequest(referenceEncode(m))).toStrictEqual(m);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips every field through our encoder (flags included)', () => {
    fc.assert(
      fc.property(arbExportRequest(), (m) => {
        expect(decodeExportRequest(encodeExportRequestModel(m))).toStrictEqual(m);
      }),
      { numRuns: 300 },
    );
  });

  it('decodeSpan on every indexed span row equals the span of the model', () => {
    fc.assert(
      fc.property(arbExportRequest(), (m) => {
        const buf = encodeExportRequestModel(m);
        const batch = indexExportRequest(buf);
        const spans = allSpans(m);
        expect(batch.spanCount).toBe(spans.length);
        for (let i = 0; i < spans.length; i++) {
          const bytes = batch.spanBytes(i);
          expect(decodeSpan(bytes)).toStrictEqual(spans[i]);
          expect(encodeSpan(spans[i]!).equals(bytes)).toBe(true);
        }
        // resource and scope payload ranges decode to the model's resource / scope
        let res = 0;
        let scope = 0;
        for (const rs of m.resourceSpans) {
          const o = res++ * RES_STRIDE;
          if (rs.resource !== null) {
            expect(decodeResource(buf, batch.resources[o + R_MSG_START]!, batch.resources[o + R_MSG_END]!)).toStrictEqual(rs.resource);
          }
          for (const ss of rs.scopeSpans) {
            const c = scope++ * SCOPE_STRIDE;
            if (ss.scope !== null) {
              expect(decodeScope(buf, batch.scopes[c + C_MSG_START]!, batch.scopes[c + C_MSG_END]!)).toStrictEqual(ss.scope);
            }
          }
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('malformed input', () => {
  it('every truncation of a valid encoding: WireError whenever the reference fails, never another error', () => {
    fc.assert(
      fc.property(arbExportRequest({ flags: false, maxResourceSpans: 2, maxSpans: 2 }), (m) => {
        const buf = referenceEncode(m);
        for (let len = 0; len < buf.length; len++) checkMalformed(buf.subarray(0, len));
      }),
      { numRuns: 60 },
    );
  });

  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (a) => checkMalformed(Buffer.from(a))),
      { numRuns: 3000 },
    );
  });

  it('valid encodings with random bytes overwritten, inserted or deleted', () => {
    const mutation = fc.array(
      fc.record({ op: fc.constantFrom('set', 'insert', 'delete'), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
      { minLength: 1, maxLength: 4 },
    );
    fc.assert(
      fc.property(arbExportRequest({ flags: false, maxResourceSpans: 1, maxSpans: 2 }), mutation, (m, muts) => {
        const bytes = [...referenceEncode(m)];
        for (const { op, at, byte } of muts) {
          const i = bytes.length === 0 ? 0 : at % bytes.length;
          if (op === 'set' && bytes.length) bytes[i] = byte;
          else if (op === 'insert') bytes.splice(i, 0, byte);
          else bytes.splice(i, 1);
        }
        checkMalformed(Buffer.from(bytes));
      }),
      { numRuns: 1500 },
    );
  });

  it('refuses ids of the wrong length with InvalidIdError', () => {
    expect(() => decodeExportRequest(requestWithSpan(hex('0a03 010203')))).toThrow(InvalidIdError);
    expect(() => decodeExportRequest(requestWithSpan(hex('1209 010203040506070809')))).toThrow(/span_id has 9 bytes/);
    expect(() => decodeExportRequest(requestWithSpan(hex('2201 01')))).toThrow(InvalidIdError);
    // link ids
    expect(() => decodeSpan(hex('6a04 0a02 0102'))).toThrow(/Link.trace_id has 2 bytes/);
    expect(() => decodeSpan(hex('6a03 1201 01'))).toThrow(InvalidIdError);
    // empty ids are fine
    expect(decodeSpan(hex('0a00 1200 2200'))).toStrictEqual(newSpan());
  });

  it('refuses a known field with the wrong wire type; skips unknown fields of any wire type', () => {
    expect(() => decodeSpan(hex('2d 00000000'))).toThrow(WireError); // name as fixed32
    expect(() => decodeSpan(hex('38 01'))).toThrow(/Span field 7: wrong wire type 0/); // start time as varint
    expect(() => decodeSpan(hex('7a02 1a00'))).toThrow(/Status.code: wrong wire type/);
    expect(() => decodeAnyValue(hex('2000'))).toThrow(/double_value: wrong wire type 0/);
    // unknown fields: varint, fixed64, LEN, group, fixed32 (field 17..21), then name
    const span = decodeSpan(hex('8801 05 9101 0000000000000000 9a01 02 abcd a301 0801 a401 ad01 00000000 2a01 78'));
    expect(span.name).toBe('x');
  });

  it('merges repeated occurrences as protobuf does', () => {
    // scalar: last wins
    expect(decodeSpan(hex('2a01 61 2a01 62')).name).toBe('b');
    // status twice: fields merge
    expect(decodeSpan(hex('7a03 1201 61 7a02 1802')).status).toStrictEqual({ message: 'a', code: 2 });
    // oneof: last member wins; array_value twice appends
    expect(decodeAnyValue(hex('0a01 61 1801'))).toStrictEqual({ intValue: 1n });
    expect(decodeAnyValue(hex('2a04 0a02 1801 2a04 0a02 1802'))).toStrictEqual({ arrayValue: [{ intValue: 1n }, { intValue: 2n }] });
    // string_value_strindex is not modelled: the value becomes empty
    expect(decodeAnyValue(hex('0a01 61 4005'))).toStrictEqual({});
  });

  it('reads int32 enums and uint32 counts like protobuf (sign-extended negatives, low 32 bits)', () => {
    expect(decodeSpan(hex('30 ffffffffffffffffff01')).kind).toBe(-1);
    expect(decodeSpan(hex('50 ffffffffffffffffff01')).droppedAttributesCount).toBe(0xffffffff);
    expect(decodeSpan(hex('50 8080808010')).droppedAttributesCount).toBe(0);
    expect(decodeAnyValue(hex('18 80808080808080808001'))).toStrictEqual({ intValue: -(1n << 63n) });
  });

  it('decodes fixed64 times and fixed32 flags exactly', () => {
    const s = decodeSpan(hex('39 ffffffffffffffff 41 0100000000000080 8501 01030000'));
    expect(s.startTimeUnixNano).toBe((1n << 64n) - 1n);
    expect(s.endTimeUnixNano).toBe((1n << 63n) + 1n);
    expect(s.flags).toBe(0x301);
  });

  it('bounds AnyValue nesting like the indexer', () => {
    let v: Buffer = hex('0a01 61'); // innermost stringValue 'a'
    const wrap = (inner: Buffer) => lenField(0x2a, lenField(0x0a, inner));
    for (let i = 0; i < 31; i++) v = wrap(v);
    expect(() => decodeAnyValue(v)).not.toThrow(); // 32 levels
    expect(() => decodeAnyValue(wrap(v))).toThrow(/nested too deeply/);
    expect(() => decodeAnyValue(v, 0, v.length, { maxAnyValueDepth: 8 })).toThrow(WireError);
  });

  it('decodeKeyValues picks one repeated field out of a message', () => {
    const buf = encodeSpan(newSpan({ name: 'n', attributes: [{ key: 'a', value: { boolValue: true } }, { key: 'b', value: {} }] }));
    expect(decodeKeyValues(buf, 0, buf.length, 9)).toStrictEqual([
      { key: 'a', value: { boolValue: true } },
      { key: 'b', value: {} },
    ]);
  });

  it('copies bytes out of the request buffer', () => {
    const m: ExportRequestModel = {
      resourceSpans: [{ resource: null, schemaUrl: '', scopeSpans: [{ scope: null, schemaUrl: '', spans: [newSpan({ traceId: Buffer.alloc(16, 7) })] }] }],
    };
    const buf = encodeExportRequestModel(m);
    const d = decodeExportRequest(buf);
    buf.fill(0);
    expect(d.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.traceId).toStrictEqual(Buffer.alloc(16, 7));
  });

  it('decodes invalid UTF-8 with replacement characters, like the indexer accepts it', () => {
    expect(decodeSpan(hex('2a02 ff61')).name).toBe('\ufffda');
  });

  it('the reference agrees on a stripped-flags model even when ours carries flags (flags are unknown to it)', () => {
    fc.assert(
      fc.property(arbExportRequest(), (m) => {
        const ref = ReferenceExportRequest.decode(encodeExportRequestModel(m));
        const back = Buffer.from(ReferenceExportRequest.encode(ref).finish());
        expect(decodeExportRequest(back)).toStrictEqual(stripFlags(m));
      }),
      { numRuns: 100 },
    );
  });
});
