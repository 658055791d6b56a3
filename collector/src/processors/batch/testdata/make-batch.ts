/**
 * Test-only: small real SpanBatches, built the way a receiver builds them (encode a request with
 * pdata/encode-model.ts, index the bytes). Span ids are sequence numbers, so a test can check
 * that every span arrived exactly once.
 */
import { encodeExportRequestModel } from '../../../pdata/encode-model.ts';
import { indexExportRequest } from '../../../pdata/index-request.ts';
import { newSpan, type ExportRequestModel, type SpanModel } from '../../../pdata/model.ts';
import type { ClientMetadata, SpanBatch } from '../../../pdata/span-batch.ts';

export interface MakeBatchOptions {
  /** Client metadata the batch carries (keys lower-case, as receivers set them). */
  metadata?: Record<string, string | string[]>;
  /** Spread the spans over this many ResourceSpans (each with two scopes), default 2. */
  resources?: number;
}

function idBytes(n: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  b.writeUInt32BE(n >>> 0, size - 4);
  b.writeUInt32BE(Math.floor(n / 0x100000000), size - 8);
  b[0] = 0x01; // never all zero (an all-zero id is invalid)
  return b;
}

/** A batch of spans with span ids firstId .. firstId + count - 1. */
export function makeBatch(firstId: number, count: number, options: MakeBatchOptions = {}): SpanBatch {
  const nRes = Math.max(1, Math.min(options.resources ?? 2, count));
  const model: ExportRequestModel = { resourceSpans: [] };
  for (let r = 0; r < nRes; r++) {
    const scopeA: SpanModel[] = [];
    const scopeB: SpanModel[] = [];
    model.resourceSpans.push({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: `svc-${r}` } }], droppedAttributesCount: 0 },
      scopeSpans: [
        { scope: { name: 'scope-a', version: '1', attributes: [], droppedAttributesCount: 0 }, spans: scopeA, schemaUrl: '' },
        { scope: { name: 'scope-b', version: '1', attributes: [], droppedAttributesCount: 0 }, spans: scopeB, schemaUrl: '' },
      ],
      schemaUrl: '',
    });
    const from = Math.floor((count * r) / nRes);
    const to = Math.floor((count * (r + 1)) / nRes);
    for (let i = from; i < to; i++) {
      const id = firstId + i;
      const span = newSpan({
        traceId: idBytes(Math.floor(id / 4), 16),
        spanId: idBytes(id, 8),
        name: `span-${id}`,
        kind: 2,
        startTimeUnixNano: 1_700_000_000_000_000_000n + BigInt(id),
        endTimeUnixNano: 1_700_000_000_000_000_500n + BigInt(id),
      });
      // First half in scope-a, second half in scope-b: batch order is sequence order.
      (i < from + Math.ceil((to - from) / 2) ? scopeA : scopeB).push(span);
    }
    // An empty ScopeSpans would be legal but pointless here.
    model.resourceSpans[r]!.scopeSpans = model.resourceSpans[r]!.scopeSpans.filter((s) => s.spans.length > 0);
  }
  const batch = indexExportRequest(encodeExportRequestModel(model));
  if (options.metadata !== undefined) {
    const md = new Map<string, readonly string[]>();
    for (const [k, v] of Object.entries(options.metadata)) md.set(k, Array.isArray(v) ? v : [v]);
    batch.metadata = md satisfies ClientMetadata;
  }
  return batch;
}

/** The sequence numbers makeBatch put in the span ids, in batch order. */
export function spanSeqs(batch: SpanBatch): number[] {
  const out: number[] = [];
  for (let i = 0; i < batch.spanCount; i++) {
    const hex = batch.spanIdHex(i);
    out.push(parseInt(hex.slice(2, 8), 16) * 0x100000000 + parseInt(hex.slice(8), 16));
  }
  return out;
}
