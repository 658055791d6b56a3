/**
 * What the request encoder needs from a wire format: the span templates, the sizes and bytes of
 * the framing around them, and how to patch ids and timestamps into a copied record.
 *
 * A request is: start, then groups (one per service: its resource, one scope, its span records),
 * then end. Sizes are computed first so each request is one exact allocation.
 */
import type { SpanTemplateSet } from '../span-templates.ts';

export interface RequestFormat {
  readonly contentType: string;
  readonly templates: SpanTemplateSet;
  groupSize(service: number, recordBytes: number, spanCount: number): number;
  requestSize(groupBytes: number, groupCount: number): number;
  writeRequestStart(buf: Uint8Array, pos: number): number;
  writeGroupStart(buf: Uint8Array, pos: number, service: number, recordBytes: number, spanCount: number, groupOrdinal: number): number;
  /** Separator before the record of the spanOrdinal-th span of a group (JSON's comma). */
  writeSpanSeparator(buf: Uint8Array, pos: number, spanOrdinal: number): number;
  writeGroupEnd(buf: Uint8Array, pos: number): number;
  writeRequestEnd(buf: Uint8Array, pos: number): number;
  /**
   * Patches the record of template k copied at recordPos. Times are nanosecond offsets from the run
   * start; parentIndex is -1 for a root span.
   */
  patchSpan(
    buf: Uint8Array,
    recordPos: number,
    k: number,
    traceIndex: number,
    spanIndex: number,
    parentIndex: number,
    salt0: number,
    salt1: number,
    startNs: number,
    endNs: number,
  ): void;
}

/** Copies `bytes` into buf at pos; returns the position after. */
export function put(buf: Uint8Array, pos: number, bytes: Uint8Array): number {
  buf.set(bytes, pos);
  return pos + bytes.length;
}
