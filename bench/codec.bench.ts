/**
 * Codec benchmark: what a collector hop costs per span for decode + encode.
 *   fast:      indexExportRequest + re-frame (the batch is marked non-pristine, so the re-frame
 *              path runs rather than the pass-through of unchanged requests)
 *   protobufjs: decode to objects + encode (the static code the OTel JS SDK ships)
 * Same batches, same process, alternating rounds; the ratio is the figure to read.
 */
import { indexExportRequest } from '../collector/src/pdata/index-request.ts';
import { encodeExportRequest } from '../collector/src/pdata/encode-request.ts';
import { ExportTraceServiceRequest, makeRequest, type SpanShape } from './fixtures.ts';

export interface CodecResult {
  shape: SpanShape;
  spansPerRequest: number;
  bytesPerSpan: number;
  fastSpansPerSec: number;
  protobufjsSpansPerSec: number;
  ratio: number;
  /** index + encode of an unchanged batch (the pass-through the collector does for it). */
  passthroughSpansPerSec: number;
  passthroughRatio: number;
}

function timeLoop(fn: () => void, minMs: number): { iterations: number; ms: number } {
  let iterations = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (let k = 0; k < 20; k++) fn();
    iterations += 20;
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return { iterations, ms: elapsed };
}

export function runCodecBench(shape: SpanShape, spansPerRequest = 100, rounds = 5, roundMs = 400): CodecResult {
  const requests = Array.from({ length: 32 }, (_, k) => makeRequest(shape, spansPerRequest, k * spansPerRequest));
  let sink = 0;
  let r = 0;
  const fast = () => {
    const batch = indexExportRequest(requests[r++ & 31]!);
    batch.pristine = null;
    sink += encodeExportRequest(batch).length;
  };
  const passthrough = () => {
    sink += encodeExportRequest(indexExportRequest(requests[r++ & 31]!)).length;
  };
  const reference = () => {
    const msg = ExportTraceServiceRequest.decode(requests[r++ & 31]!);
    sink += ExportTraceServiceRequest.encode(msg).finish().length;
  };
  // Warm up both paths so the JIT has compiled them before measuring.
  timeLoop(fast, 200);
  timeLoop(reference, 200);
  timeLoop(passthrough, 200);
  let passSpans = 0;
  let passMs = 0;
  let fastSpans = 0;
  let fastMs = 0;
  let refSpans = 0;
  let refMs = 0;
  for (let k = 0; k < rounds; k++) {
    const a = timeLoop(fast, roundMs);
    fastSpans += a.iterations * spansPerRequest;
    fastMs += a.ms;
    const b = timeLoop(reference, roundMs);
    refSpans += b.iterations * spansPerRequest;
    refMs += b.ms;
    const c = timeLoop(passthrough, roundMs);
    passSpans += c.iterations * spansPerRequest;
    passMs += c.ms;
  }
  if (sink === 0) throw new Error('unreachable');
  const fastSpansPerSec = (fastSpans / fastMs) * 1000;
  const protobufjsSpansPerSec = (refSpans / refMs) * 1000;
  const bytes = requests.reduce((n, b) => n + b.length, 0) / (requests.length * spansPerRequest);
  return {
    shape,
    spansPerRequest,
    bytesPerSpan: Math.round(bytes),
    fastSpansPerSec: Math.round(fastSpansPerSec),
    protobufjsSpansPerSec: Math.round(protobufjsSpansPerSec),
    ratio: Math.round((fastSpansPerSec / protobufjsSpansPerSec) * 10) / 10,
    passthroughSpansPerSec: Math.round((passSpans / passMs) * 1000),
    passthroughRatio: Math.round(((passSpans / passMs) * 1000 / protobufjsSpansPerSec) * 10) / 10,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const shape of ['testbed-2-int', 'http-20-attr'] as const) console.log(JSON.stringify(runCodecBench(shape)));
}
