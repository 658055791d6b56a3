/** Reads ExportTraceServiceResponse.partial_success.rejected_spans from response bytes (0 if absent). */
import { WireReader } from '../../proto/wire-reader.ts';
import { WireType } from '../../proto/wire-writer.ts';
import { ExportTraceServiceResponseField, PartialSuccessField } from '../../proto/otlp-fields.ts';

export function rejectedSpansOf(response: Uint8Array | undefined): number {
  if (!response || response.length === 0) return 0;
  try {
    const r = new WireReader(response);
    while (!r.atEnd()) {
      const tag = r.varint();
      if (tag >>> 3 === ExportTraceServiceResponseField.PARTIAL_SUCCESS && (tag & 7) === WireType.LEN) {
        const end = r.lengthDelimitedEnd();
        const inner = new WireReader(response, r.pos, end);
        while (!inner.atEnd()) {
          const t = inner.varint();
          if (t >>> 3 === PartialSuccessField.REJECTED_SPANS && (t & 7) === WireType.VARINT) return inner.varint();
          inner.skip(t & 7);
        }
        r.pos = end;
      } else r.skip(tag & 7);
    }
  } catch {
    return 0;
  }
  return 0;
}

/** Same for an OTLP/JSON response body. */
export function rejectedSpansOfJson(text: string): number {
  if (!text) return 0;
  try {
    const v = JSON.parse(text) as { partialSuccess?: { rejectedSpans?: number | string } };
    return Number(v.partialSuccess?.rejectedSpans ?? 0) || 0;
  } catch {
    return 0;
  }
}
