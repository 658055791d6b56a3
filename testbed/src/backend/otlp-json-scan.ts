/**
 * OTLP/JSON counterpart of the protobuf scanner: parses the body and reports each span's hex ids.
 * JSON is the slow path anyway (JSON.parse dominates), so this keeps to plain objects.
 */
export interface HexSpanSink {
  addHexSpan(traceIdHex: unknown, spanIdHex: unknown): void;
}

interface JsonRequest {
  resourceSpans?: { scopeSpans?: { spans?: { traceId?: unknown; spanId?: unknown }[] }[] }[];
}

/** Returns the number of spans; throws on malformed JSON or shape. */
export function scanJsonTraceRequest(text: string, sink: HexSpanSink): number {
  const req = JSON.parse(text) as JsonRequest;
  if (typeof req !== 'object' || req === null) throw new Error('request is not a JSON object');
  let n = 0;
  for (const rs of req.resourceSpans ?? []) {
    for (const ss of rs.scopeSpans ?? []) {
      for (const span of ss.spans ?? []) {
        sink.addHexSpan(span.traceId, span.spanId);
        n++;
      }
    }
  }
  return n;
}
