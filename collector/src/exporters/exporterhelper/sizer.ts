/**
 * sending_queue.sizer: what one batch weighs against queue_size. `requests` counts batches (the
 * cheapest), `items` spans, `bytes` the encoded size (encodedSize: exact for unchanged requests,
 * a close lower bound otherwise, computed from the span table without encoding).
 */
import { encodedSize } from '../../pdata/encode-request.ts';
import type { SpanBatch } from '../../pdata/span-batch.ts';
import type { SizerType } from './config.ts';
import type { QueueRecord } from './persistent-storage.ts';

export function batchSize(sizer: SizerType, batch: SpanBatch): number {
  if (sizer === 'requests') return 1;
  if (sizer === 'items') return batch.spanCount;
  return encodedSize(batch);
}

/** The same measure for a record recovered from disk (its payload is the encoded request). */
export function recordSize(sizer: SizerType, record: QueueRecord): number {
  if (sizer === 'requests') return 1;
  if (sizer === 'items') return record.items;
  return record.bytes;
}
