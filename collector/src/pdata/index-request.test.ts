/**
 * The fast path (indexExportRequest + re-framing) against the model codec and the reference
 * protobufjs codec: every indexed field, every selection and concatenation, rewritten spans,
 * and malformed input.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { indexExportRequest, InvalidIdError } from './index-request.ts';
import { encodeExportRequest } from './encode-request.ts';
import { decodeExportRequest } from './decode-model.ts';
import { encodeExportRequestModel, encodeSpan } from './encode-model.ts';
import { replaceSpan } from './rewrite.ts';
import { SpanBatch } from './span-batch.ts';
import { WireError } from './wire-reader.ts';
import {
  allSpans,
  arbExportRequest,
  referenceDecodeToObject,
  referenceEncode,
  stripFlags,
} from './test-arbitraries.ts';
import type { ExportRequestModel, ResourceModel, ScopeModel, SpanModel } from './model.ts';
import {
  AttributeRef,
  AV_BOOL,
  AV_DOUBLE,
  AV_INT,
  AV_STRING,
  findResourceAttribute,
  findScopeAttribute,
  findSpanAttribute,
} from './attributes.ts';

/** Spans with the resource and scope they belong to, in request order. */
interface Placed {
  resource: ResourceModel | null;
  resourceSchemaUrl: string;
  scope: ScopeModel | null;
  scopeSchemaUrl: string;
  span: SpanModel;
}

function placed(m: ExportRequestModel): Placed[] {
  const out: Placed[] = [];
  for (const rs of m.resourceSpans)
    for (const ss of rs.scopeSpans)
      for (const span of ss.spans)
        out.push({ resource: rs.resource, resourceSchemaUrl: rs.schemaUrl, scope: ss.scope, scopeSchemaUrl: ss.schemaUrl, span });
  return out;
}

const hex = (b: Buffer) => b.toString('hex');

function expectIndexedFields(batch: SpanBatch, spans: SpanModel[], canonical = true): void {
  expect(batch.spanCount).toBe(spans.length);
  spans.forEach((s, i) => {
    expect(batch.traceIdHex(i)).toBe(hex(s.traceId));
    expect(batch.spanIdHex(i)).toBe(hex(s.spanId));
    expect(batch.parentSpanIdHex(i)).toBe(hex(s.parentSpanId));
    expect(batch.isRoot(i)).toBe(s.parentSpanId.length === 0);
    expect(batch.startTimeBig(i)).toBe(s.startTimeUnixNano);
    expect(batch.endTimeBig(i)).toBe(s.endTimeUnixNano);
    expect(batch.name(i)).toBe(s.name);
    expect(batch.kind(i)).toBe(s.kind & 0xff);
    expect(batch.statusCode(i)).toBe(s.status.code & 0xff);
    expect(batch.flags(i)).toBe(s.flags >>> 0);
    // Our encoder writes canonical bytes; input that was not canonical keeps its own bytes.
    if (canonical) expect(batch.spanBytes(i).equals(encodeSpan(s))).toBe(true);
  });
}

/** What a re-framed encoding must hold: the same spans with the same resource and scope. */
function expectSamePlacedSpans(encoded: Buffer, want: Placed[]): void {
  const got = placed(decodeExportRequest(encoded));
  expect(got.length).toBe(want.length);
  got.forEach((g, k) => {
    const w = want[k]!;
    expect(g.span).toEqual(w.span);
    expect(g.resource).toEqual(w.resource);
    expect(g.scope).toEqual(w.scope);
    expect(g.resourceSchemaUrl).toBe(w.resourceSchemaUrl);
    expect(g.scopeSchemaUrl).toBe(w.scopeSchemaUrl);
  });
}

describe('indexExportRequest', () => {
  it('indexes every field the way the model decoder reads it', () => {
    fc.assert(
      fc.property(arbExportRequest(), (m) => {
        const batch = indexExportRequest(encodeExportRequestModel(m));
        expectIndexedFields(batch, allSpans(m));
      }),
      { numRuns: 300 },
    );
  });

  it('agrees with the reference protobufjs encoding', () => {
    fc.assert(
      fc.property(arbExportRequest({ flags: false }), (m) => {
        const bytes = referenceEncode(m);
        const batch = indexExportRequest(bytes);
        expectIndexedFields(batch, allSpans(stripFlags(m)));
      }),
      { numRuns: 200 },
    );
  });

  it('passes unchanged requests through as the same bytes', () => {
    fc.assert(
      fc.property(arbExportRequest(), (m) => {
        const bytes = encodeExportRequestModel(m);
        expect(encodeExportRequest(indexExportRequest(bytes))).toBe(bytes);
      }),
      { numRuns: 50 },
    );
  });

  it('re-frames to a request the reference decodes to the same spans', () => {
    fc.assert(
      fc.property(arbExportRequest({ flags: false }), (m) => {
        const batch = indexExportRequest(referenceEncode(m));
        batch.pristine = null;
        const out = encodeExportRequest(batch);
        expectSamePlacedSpans(out, placed(stripFlags(m)));
        // And the reference codec reads the re-framed bytes as the same spans.
        const ref = referenceDecodeToObject(out) as { resourceSpans?: { scopeSpans?: { spans?: unknown[] }[] }[] };
        const refSpans = (ref.resourceSpans ?? []).flatMap((rs) => (rs.scopeSpans ?? []).flatMap((ss) => ss.spans ?? []));
        expect(refSpans.length).toBe(batch.spanCount);
      }),
      { numRuns: 200 },
    );
  });

  it('select() keeps any subset, in any order, with its resource and scope', () => {
    fc.assert(
      fc.property(
        arbExportRequest().chain((m) => {
          const n = allSpans(m).length;
          return fc.tuple(fc.constant(m), fc.array(fc.nat({ max: Math.max(0, n - 1) }), { maxLength: n === 0 ? 0 : 2 * n }));
        }),
        ([m, picks]) => {
          const all = placed(m);
          const batch = indexExportRequest(encodeExportRequestModel(m));
          const sub = batch.select(Uint32Array.from(picks));
          expectSamePlacedSpans(encodeExportRequest(sub), picks.map((p) => all[p]!));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('concat() of batches equals the concatenation of their spans, pristine or not', () => {
    fc.assert(
      fc.property(fc.array(arbExportRequest(), { minLength: 1, maxLength: 4 }), fc.boolean(), (models, breakPristine) => {
        const batches = models.map((m) => indexExportRequest(encodeExportRequestModel(m)));
        if (breakPristine) batches[0]!.pristine = null;
        const merged = SpanBatch.concat(batches);
        const want = models.flatMap(placed);
        expect(merged.spanCount).toBe(want.length);
        // Concatenation stays a pass-through only while every part is an unchanged request.
        expect(merged.pristine === null).toBe(breakPristine);
        expectSamePlacedSpans(encodeExportRequest(merged), want);
        // slice() halves put back together hold the same spans.
        const half = merged.spanCount >> 1;
        const again = SpanBatch.concat([merged.slice(0, half), merged.slice(half, merged.spanCount)]);
        expectSamePlacedSpans(encodeExportRequest(again), want);
      }),
      { numRuns: 150 },
    );
  });

  it('replaceSpan() re-serializes only that span and re-indexes it', () => {
    fc.assert(
      fc.property(arbExportRequest(), fc.nat(), fc.string(), (m, pick, newName) => {
        const all = placed(m);
        fc.pre(all.length > 0);
        const i = pick % all.length;
        const batch = indexExportRequest(encodeExportRequestModel(m));
        const view = batch.select(Uint32Array.from(all.keys())); // shares the buffers array
        const changed: SpanModel = { ...all[i]!.span, name: newName, status: { code: 2, message: 'rewritten' } };
        replaceSpan(view, i, encodeSpan(changed));
        expect(view.name(i)).toBe(newName);
        expect(view.statusCode(i)).toBe(2);
        const want = all.map((p, k) => (k === i ? { ...p, span: changed } : p));
        expectSamePlacedSpans(encodeExportRequest(view), want);
        // The batch it was selected from is untouched.
        expectSamePlacedSpans(encodeExportRequest(batch), all);
      }),
      { numRuns: 150 },
    );
  });

  it('clone() is independent of the original under rewrites', () => {
    const m = fc.sample(arbExportRequest({ maxSpans: 3 }).filter((x) => allSpans(x).length > 0), 1)[0]!;
    const batch = indexExportRequest(encodeExportRequestModel(m));
    const copy = batch.clone();
    replaceSpan(copy, 0, encodeSpan({ ...allSpans(m)[0]!, name: 'changed-in-copy' }));
    expect(copy.name(0)).toBe('changed-in-copy');
    expect(batch.name(0)).toBe(allSpans(m)[0]!.name);
  });
});

describe('malformed input', () => {
  it('every truncation of a valid request is rejected with WireError, or is itself a valid request', () => {
    fc.assert(
      fc.property(arbExportRequest({ maxSpans: 3 }), (m) => {
        const bytes = encodeExportRequestModel(m);
        for (let cut = 0; cut < bytes.length; cut++) {
          const part = bytes.subarray(0, cut);
          let ours: SpanBatch | Error;
          try {
            ours = indexExportRequest(part);
          } catch (err) {
            ours = err as Error;
          }
          if (ours instanceof Error) {
            expect(ours).toBeInstanceOf(WireError);
          } else {
            // Accepted: then the model decoder must read the same spans.
            expectIndexedFields(ours, allSpans(decodeExportRequest(part)), false);
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('random and mutated bytes: only WireError, and never accepted where the reference fails', () => {
    const mutated = arbExportRequest({ flags: false, maxSpans: 3 }).chain((m) => {
      const bytes = referenceEncode(m);
      return fc.tuple(fc.constant(bytes), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 4 }));
    });
    const inputs = fc.oneof(
      fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
      mutated.map(([bytes, flips]) => {
        const b = Buffer.from(bytes);
        if (b.length > 0) for (const [at, v] of flips) b[at % b.length] = v;
        return b;
      }),
    );
    fc.assert(
      fc.property(inputs, (buf) => {
        let ours: SpanBatch | Error;
        try {
          ours = indexExportRequest(buf);
        } catch (err) {
          ours = err as Error;
        }
        let refOk = true;
        try {
          referenceDecodeToObject(buf);
        } catch {
          refOk = false;
        }
        if (ours instanceof Error) {
          expect(ours).toBeInstanceOf(WireError);
        } else {
          expect(refOk).toBe(true);
          // What we accept, we can forward: re-framed bytes decode to the same spans.
          ours.pristine = null;
          const spans = allSpans(decodeExportRequest(buf));
          expectIndexedFields(ours, spans, false);
          expect(allSpans(decodeExportRequest(encodeExportRequest(ours)))).toEqual(spans);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects ids of the wrong length as InvalidIdError', () => {
    const base: SpanModel = allSpans(
      fc.sample(arbExportRequest({ maxSpans: 1 }).filter((x) => allSpans(x).length === 1), { numRuns: 1, seed: 7 })[0]!,
    )[0]!;
    const wrap = (s: SpanModel) =>
      encodeExportRequestModel({ resourceSpans: [{ resource: null, schemaUrl: '', scopeSpans: [{ scope: null, schemaUrl: '', spans: [s] }] }] });
    expect(() => indexExportRequest(wrap({ ...base, traceId: Buffer.alloc(15, 1) }))).toThrow(InvalidIdError);
    expect(() => indexExportRequest(wrap({ ...base, spanId: Buffer.alloc(9, 1) }))).toThrow(InvalidIdError);
    expect(() => indexExportRequest(wrap({ ...base, parentSpanId: Buffer.alloc(4, 1) }))).toThrow(/parent_span_id has 4 bytes/);
    expect(indexExportRequest(wrap({ ...base, traceId: Buffer.alloc(0) })).traceIdHex(0)).toBe('');
  });

  it('rejects AnyValue nesting deeper than the limit', () => {
    let v: any = { stringValue: 'leaf' };
    for (let k = 0; k < 40; k++) v = { arrayValue: [v] };
    const span: SpanModel = {
      ...allSpans(fc.sample(arbExportRequest({ maxSpans: 1 }).filter((x) => allSpans(x).length === 1), { numRuns: 1, seed: 3 })[0]!)[0]!,
      attributes: [{ key: 'deep', value: v }],
    };
    const bytes = encodeExportRequestModel({ resourceSpans: [{ resource: null, schemaUrl: '', scopeSpans: [{ scope: null, schemaUrl: '', spans: [span] }] }] });
    expect(() => indexExportRequest(bytes)).toThrow(/nested too deeply/);
    expect(indexExportRequest(bytes, { maxAnyValueDepth: 64 }).spanCount).toBe(1);
  });

  it('an empty request is an empty batch', () => {
    const b = indexExportRequest(Buffer.alloc(0));
    expect(b.spanCount).toBe(0);
    expect(encodeExportRequest(b).length).toBe(0);
  });
});

describe('attribute look-ups', () => {
  it('find the first span, resource and scope attribute with each key, by type', () => {
    const ref = new AttributeRef();
    fc.assert(
      fc.property(arbExportRequest(), (m) => {
        const all = placed(m);
        const batch = indexExportRequest(encodeExportRequestModel(m));
        all.forEach((p, i) => {
          const check = (attrs: { key: string; value: any }[], find: (key: Buffer) => boolean) => {
            for (const kv of attrs) {
              const first = attrs.find((a) => a.key === kv.key)!;
              expect(find(Buffer.from(kv.key))).toBe(true);
              const v = first.value;
              if (v.stringValue !== undefined) {
                expect(ref.type).toBe(AV_STRING);
                expect(ref.stringValue()).toBe(v.stringValue);
                expect(ref.stringEquals(Buffer.from(v.stringValue))).toBe(true);
              } else if (v.intValue !== undefined) {
                expect(ref.type).toBe(AV_INT);
                expect(ref.intValueBig()).toBe(v.intValue);
              } else if (v.doubleValue !== undefined) {
                expect(ref.type).toBe(AV_DOUBLE);
                expect(Object.is(ref.doubleValue(), v.doubleValue)).toBe(true);
              } else if (v.boolValue !== undefined) {
                expect(ref.type).toBe(AV_BOOL);
                expect(ref.boolValue()).toBe(v.boolValue);
              }
            }
            expect(find(Buffer.from('\u0000no-such-key'))).toBe(attrs.some((a) => a.key === '\u0000no-such-key'));
          };
          check(p.span.attributes, (k) => findSpanAttribute(batch, i, k, ref));
          check(p.resource?.attributes ?? [], (k) => findResourceAttribute(batch, i, k, ref));
          check(p.scope?.attributes ?? [], (k) => findScopeAttribute(batch, i, k, ref));
        });
      }),
      { numRuns: 200 },
    );
  });
});

describe('AttributeRef.intValue', () => {
  it('equals Number(intValueBig()) for every int64 (fast path below 2^49)', () => {
    const ref = new AttributeRef();
    fc.assert(
      fc.property(fc.oneof(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), fc.bigInt({ min: 0n, max: 1n << 50n })), (v) => {
        const span = { ...allSpans(fc.sample(arbExportRequest({ maxSpans: 1 }).filter((x) => allSpans(x).length === 1), { numRuns: 1, seed: 1 })[0]!)[0]!, attributes: [{ key: 'n', value: { intValue: v } }] };
        const bytes = encodeExportRequestModel({ resourceSpans: [{ resource: null, schemaUrl: '', scopeSpans: [{ scope: null, schemaUrl: '', spans: [span] }] }] });
        const batch = indexExportRequest(bytes);
        expect(findSpanAttribute(batch, 0, Buffer.from('n'), ref)).toBe(true);
        expect(ref.intValue()).toBe(Number(v));
      }),
      { numRuns: 300 },
    );
  });
});
