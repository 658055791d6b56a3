import { describe, expect, it } from 'vitest';
import { decodeExportRequest } from '../../pdata/decode-model.ts';
import { encodeSpan } from '../../pdata/encode-model.ts';
import { indexExportRequest } from '../../pdata/index-request.ts';
import { newSpan } from '../../pdata/model.ts';
import { replaceSpan } from '../../pdata/rewrite.ts';
import type { SpanBatch } from '../../pdata/span-batch.ts';
import { SpanStore, TraceScratch } from './span-store.ts';
import { makeSpanBatch, spanIdOf, spansOfRequest, traceIdOf, type SpanSpec } from './testdata/spans.ts';

/** Drives a SpanStore the way the processor does: one slot per trace number. */
class Harness {
  readonly store: SpanStore;
  readonly heads = new Int32Array(64).fill(-1);
  readonly tails = new Int32Array(64).fill(-1);
  readonly bytes = new Float64Array(64);
  readonly spans = new Uint32Array(64);
  readonly scratch = new TraceScratch();

  constructor(slabSize: number) {
    this.store = new SpanStore(slabSize, 4);
  }

  add(batch: SpanBatch): void {
    const byTrace = new Map<number, number[]>();
    for (let i = 0; i < batch.spanCount; i++) {
      const t = Buffer.from(batch.traceIdHex(i), 'hex').readUInt32BE(12);
      let list = byTrace.get(t);
      if (list === undefined) byTrace.set(t, (list = []));
      list.push(i);
    }
    this.store.beginBatch(batch);
    for (const [t, list] of byTrace) {
      this.bytes[t]! += this.store.append(Int32Array.from(list), 0, list.length, this.heads, this.tails, t);
      this.spans[t]! += list.length;
    }
    this.store.endBatch();
  }

  /** The trace as a SpanBatch over the scratch (valid until the next build). */
  build(trace: number): SpanBatch {
    return this.store.build(this.heads[trace]!, this.spans[trace]!, this.scratch);
  }

  /** The trace's request bytes (a copy). */
  bytesOf(trace: number): Buffer {
    this.build(trace);
    return this.scratch.copyBytes();
  }

  spansOf(trace: number) {
    return spansOfRequest(this.bytesOf(trace));
  }

  release(trace: number): void {
    this.store.release(this.heads[trace]!);
    this.heads[trace] = -1;
    this.tails[trace] = -1;
    this.bytes[trace] = 0;
    this.spans[trace] = 0;
    this.store.endBatch();
  }
}

const spec = (trace: number, span: number, service: string, scope: string): SpanSpec => ({ trace, span, service, scope });

describe('SpanStore', () => {
  it('gives back each trace as a request with its spans, resources and scopes, in arrival order', () => {
    const h = new Harness(1 << 16);
    h.add(makeSpanBatch([spec(1, 1, 'a', 'x'), spec(2, 2, 'a', 'x'), spec(1, 3, 'a', 'y'), spec(2, 4, 'b', 'x'), spec(1, 5, 'schema-svc', 'schema-lib')]));
    h.add(makeSpanBatch([spec(2, 6, 'a', 'x'), spec(1, 7, 'a', 'x')]));
    expect(h.spansOf(1).map((s) => [s.span, s.service, s.scope])).toEqual([
      [1, 'a', 'x'],
      [3, 'a', 'y'],
      [5, 'schema-svc', 'schema-lib'],
      [7, 'a', 'x'],
    ]);
    expect(h.spansOf(2).map((s) => [s.span, s.service, s.scope])).toEqual([
      [2, 'a', 'x'],
      [4, 'b', 'x'],
      [6, 'a', 'x'],
    ]);
    // Schema URLs come back, and the bytes index as a valid request.
    const model = decodeExportRequest(h.bytesOf(1));
    const rs = model.resourceSpans.find((r) => r.schemaUrl !== '')!;
    expect(rs.schemaUrl).toBe('https://opentelemetry.io/schemas/1.21.0');
    expect(rs.scopeSpans[0]!.schemaUrl).toBe('https://example.com/s');
    expect(indexExportRequest(h.bytesOf(2)).spanCount).toBe(3);
  });

  it("fills the batch's row tables exactly as indexExportRequest would from the same bytes", () => {
    const h = new Harness(1 << 16);
    h.add(makeSpanBatch([spec(1, 1, 'a', 'x'), spec(1, 2, 'schema-svc', 'schema-lib'), spec(1, 3, 'a', 'y'), { trace: 1, span: 4, parent: 1, status: 2, service: 'b' }]));
    h.add(makeSpanBatch([spec(1, 5, 'a', 'y')]));
    const built = h.build(1);
    const reference = indexExportRequest(h.scratch.copyBytes());
    expect(built.spanCount).toBe(5);
    expect(built.resourceCount).toBe(reference.resourceCount);
    expect(built.scopeCount).toBe(reference.scopeCount);
    expect(built.spans.subarray(0, 5 * 16)).toEqual(reference.spans.subarray(0, 5 * 16));
    expect(built.resources.subarray(0, built.resourceCount * 8)).toEqual(reference.resources.subarray(0, reference.resourceCount * 8));
    expect(built.scopes.subarray(0, built.scopeCount * 8)).toEqual(reference.scopes.subarray(0, reference.scopeCount * 8));
    expect(built.statusCode(3)).toBe(2);
    expect(built.isRoot(0)).toBe(true);
    expect(built.name(4)).toBe('op-5');
  });

  it('counts framed bytes and shares one interned resource and scope between traces and requests', () => {
    const h = new Harness(1 << 16);
    const a = makeSpanBatch([spec(1, 1, 'a', 'x'), spec(2, 2, 'a', 'x')]);
    h.add(a);
    h.add(makeSpanBatch([spec(1, 3, 'a', 'x')]));
    expect(h.store.contextCount).toBe(1);
    expect(h.store.liveBytes).toBe(h.bytes[1]! + h.bytes[2]!);
    // Each span's framed size is its payload plus tag and one length byte here.
    expect(h.bytes[2]).toBe(a.spanByteLength(1) + 2);
    // Trace 1's later span is a second fragment: trace 2's bytes lie between them in the slab.
    expect(h.store.fragments).toBe(3);
    h.release(1);
    h.release(2);
    expect(h.store.liveBytes).toBe(0);
    expect(h.store.contextCount).toBe(0);
    expect(h.store.contextBytes).toBe(0);
    expect(h.store.fragments).toBe(0);
  });

  it('frees slabs once their spans are released, and gives an oversized span a slab of its own', () => {
    const h = new Harness(4096);
    // ~600 bytes per span: a few per slab.
    const big = [{ key: 'payload', value: { stringValue: 'x'.repeat(600) } }];
    for (let t = 1; t <= 20; t++) h.add(makeSpanBatch([{ trace: t, span: t, attributes: big }]));
    const slabsHeld = h.store.slabBytes;
    expect(slabsHeld).toBeGreaterThanOrEqual(4 * 4096);
    for (let t = 1; t <= 20; t++) expect(h.spansOf(t).map((s) => s.span)).toEqual([t]);
    for (let t = 1; t <= 19; t++) h.release(t);
    // Only the slab being filled (with trace 20) is left.
    expect(h.store.slabBytes).toBe(4096);
    h.add(makeSpanBatch([{ trace: 21, span: 21, attributes: [{ key: 'payload', value: { stringValue: 'y'.repeat(10_000) } }] }]));
    expect(h.store.slabBytes).toBeGreaterThan(4096 + 10_000);
    expect(h.spansOf(21)[0]!.attributes[0]!.value.stringValue).toHaveLength(10_000);
    h.release(21);
    h.release(20);
    expect(h.store.liveBytes).toBe(0);
  });

  it('frames a rewritten span (which has no original framing) when storing it', () => {
    const h = new Harness(1 << 16);
    const batch = makeSpanBatch([spec(3, 1, 'a', 'x'), spec(3, 2, 'a', 'x'), spec(3, 3, 'a', 'x')]);
    replaceSpan(batch, 1, encodeSpan(newSpan({ traceId: traceIdOf(3), spanId: spanIdOf(2), name: 'rewritten', attributes: [{ key: 'k', value: { boolValue: true } }] })));
    h.add(batch);
    const spans = spansOfRequest(h.bytesOf(3));
    expect(spans.map((s) => s.span)).toEqual([1, 2, 3]);
    expect(spans[1]!.attributes).toEqual([{ key: 'k', value: { boolValue: true } }]);
  });
});
