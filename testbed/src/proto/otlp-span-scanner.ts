/**
 * Walks an ExportTraceServiceRequest's bytes and reports, for every span, where its trace id and
 * span id sit in the buffer. Nothing is decoded beyond that: the mock backend copies the 24 id bytes
 * into its columns and moves on.
 */
import { WireReader, WireFormatError } from './wire-reader.ts';
import { WireType } from './wire-writer.ts';
import {
  ExportTraceServiceRequestField,
  ResourceSpansField,
  ScopeSpansField,
  SpanField,
  SPAN_ID_BYTES,
  TRACE_ID_BYTES,
} from './otlp-fields.ts';

/** Receives one call per span. An offset of -1 means the id is missing or has the wrong length. */
export interface SpanIdSink {
  addSpan(buf: Uint8Array, traceIdOffset: number, spanIdOffset: number): void;
}

/** Scans `buf` (a whole ExportTraceServiceRequest) and returns the number of spans found. */
export function scanExportTraceRequest(buf: Uint8Array, sink: SpanIdSink): number {
  const r = new WireReader(buf);
  let spans = 0;
  while (!r.atEnd()) {
    const tag = r.varint();
    if (tag >>> 3 === ExportTraceServiceRequestField.RESOURCE_SPANS && (tag & 7) === WireType.LEN) {
      const rsEnd = r.lengthDelimitedEnd();
      spans += scanResourceSpans(r, rsEnd, sink);
      r.pos = rsEnd;
    } else {
      r.skip(tag & 7);
    }
  }
  return spans;
}

function scanResourceSpans(r: WireReader, end: number, sink: SpanIdSink): number {
  let spans = 0;
  while (r.pos < end) {
    const tag = r.varint();
    if (tag >>> 3 === ResourceSpansField.SCOPE_SPANS && (tag & 7) === WireType.LEN) {
      const ssEnd = r.lengthDelimitedEnd();
      spans += scanScopeSpans(r, ssEnd, sink);
      r.pos = ssEnd;
    } else {
      skipWithin(r, tag, end);
    }
  }
  return spans;
}

function scanScopeSpans(r: WireReader, end: number, sink: SpanIdSink): number {
  let spans = 0;
  while (r.pos < end) {
    const tag = r.varint();
    if (tag >>> 3 === ScopeSpansField.SPANS && (tag & 7) === WireType.LEN) {
      const spanEnd = r.lengthDelimitedEnd();
      scanSpan(r, spanEnd, sink);
      r.pos = spanEnd;
      spans++;
    } else {
      skipWithin(r, tag, end);
    }
  }
  return spans;
}

function scanSpan(r: WireReader, end: number, sink: SpanIdSink): void {
  let traceIdOffset = -1;
  let spanIdOffset = -1;
  while (r.pos < end) {
    const tag = r.varint();
    const field = tag >>> 3;
    if ((field === SpanField.TRACE_ID || field === SpanField.SPAN_ID) && (tag & 7) === WireType.LEN) {
      const idEnd = r.lengthDelimitedEnd();
      const len = idEnd - r.pos;
      if (field === SpanField.TRACE_ID) traceIdOffset = len === TRACE_ID_BYTES ? r.pos : -1;
      else spanIdOffset = len === SPAN_ID_BYTES ? r.pos : -1;
      r.pos = idEnd;
      // Ids come first in every encoder we know of; stop scanning the span once both are seen.
      if (traceIdOffset >= 0 && spanIdOffset >= 0) break;
    } else {
      skipWithin(r, tag, end);
    }
  }
  sink.addSpan(r.buf, traceIdOffset, spanIdOffset);
}

function skipWithin(r: WireReader, tag: number, end: number): void {
  r.skip(tag & 7);
  if (r.pos > end) throw new WireFormatError('field overruns its parent message');
}
