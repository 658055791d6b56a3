/**
 * The exporterhelper sender chain, as otelcol builds it: queue -> metrics -> retry -> timeout ->
 * push. Each stage is a Sender holding the next one; the chain is built once per exporter, so a
 * batch costs one call per stage and no per-span work.
 */
import type { SpanBatch } from '../../pdata/span-batch.ts';

export interface Sender {
  /**
   * Sends the batch on. Resolves with the number of spans the destination rejected in a partial
   * success (0 when it accepted all); rejects with a CollectorError when the send failed.
   */
  send(batch: SpanBatch): Promise<number>;
}

/**
 * One attempt at the destination: what an exporter implements (otelcol's push function).
 * `signal` aborts the attempt (its reason is the error to reject with); `deadlineMs` is the
 * attempt's deadline as epoch milliseconds, Infinity when there is none (gRPC sends it along as
 * grpc-timeout). Resolves with the number of spans the destination rejected (partial success).
 */
export type PushSpans = (batch: SpanBatch, signal: AbortSignal, deadlineMs: number) => Promise<number>;
