/**
 * Rewriting one span: the new payload goes into a buffer of its own, the span's row is pointed at
 * it and re-indexed; every other span keeps its original bytes. Processors that change spans
 * (redaction, attributes) use this, so only changed spans are ever re-serialized.
 */
import { WireReader } from './wire-reader.ts';
import { DEFAULT_MAX_ANYVALUE_DEPTH, indexSpan } from './index-request.ts';
import { SPAN_STRIDE, S_BUF, type SpanBatch } from './span-batch.ts';

export function replaceSpan(batch: SpanBatch, i: number, payload: Buffer): void {
  if (i < 0 || i >= batch.spanCount) throw new RangeError(`span index ${i} out of range`);
  if (!batch.buffersOwned) {
    // Copy-on-write: the buffers array may be shared with the batch this one was selected from.
    batch.buffers = batch.buffers.slice();
    batch.buffersOwned = true;
  }
  const bufIndex = batch.buffers.length;
  batch.buffers.push(payload);
  const o = i * SPAN_STRIDE;
  batch.spans[o + S_BUF] = bufIndex;
  // Validates the new payload too: a processor bug must not put malformed bytes on the wire.
  indexSpan(new WireReader(payload, 0), 0, payload.length, batch.spans, o, DEFAULT_MAX_ANYVALUE_DEPTH);
  batch.pristine = null;
}
