/**
 * Rewriting one span: the new payload goes into a buffer of its own, the span's row is pointed at
 * it and re-indexed; every other span keeps its original bytes. Processors that change spans
 * (redaction, attributes) use this, so only changed spans are ever re-serialized.
 */
import { WireReader } from './wire-reader.ts';
import { DEFAULT_MAX_ANYVALUE_DEPTH, indexSpan } from './index-request.ts';
import { SPAN_STRIDE, S_BUF, type SpanBatch } from './span-batch.ts';
import { decodeResource, decodeScope } from './decode-model.ts';
import { lenFieldSize, WireWriter } from './wire-writer.ts';
import {
  C_BUF,
  C_FIELD_END,
  C_FIELD_START,
  C_MSG_END,
  C_MSG_START,
  C_SCHEMA_END,
  C_SCHEMA_START,
  RES_STRIDE,
  R_BUF,
  R_FIELD_END,
  R_FIELD_START,
  R_MSG_END,
  R_MSG_START,
  R_SCHEMA_END,
  R_SCHEMA_START,
  SCOPE_STRIDE,
} from './span-batch.ts';

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

/**
 * Replacing resources' or scopes' bytes (a processor that changes resource or scope attributes).
 * Resource and scope rows are shared by every batch select()/clone() made from the same one, so
 * the table is copied first (copy-on-write, once per call: pass every replacement of a batch in
 * one call) and only this batch's copy is repointed. Each replacement is written into a buffer of
 * its own as the whole `resource` (or `scope`) field followed by the row's `schema_url` field
 * copied from the old bytes: re-framing copies both from the row's one buffer. Spans are untouched.
 *
 * `payloads` maps row index -> the new Resource (InstrumentationScope) message payload, without
 * tag and length, e.g. from encode-model.ts encodeResource / encodeScope. Each payload is
 * validated, as replaceSpan does: a processor bug must not put malformed bytes on the wire.
 */
export function replaceResources(batch: SpanBatch, payloads: ReadonlyMap<number, Buffer>): void {
  if (payloads.size === 0) return;
  for (const [r, payload] of payloads) {
    if (!Number.isInteger(r) || r < 0 || r >= batch.resourceCount) throw new RangeError(`resource index ${r} out of range`);
    decodeResource(payload); // throws WireError on malformed bytes
  }
  const rows = batch.resources.slice();
  for (const [r, payload] of payloads) {
    const o = r * RES_STRIDE;
    const placed = placeField(batch, rows[o + R_BUF]!, rows[o + R_SCHEMA_START]!, rows[o + R_SCHEMA_END]!, payload);
    rows[o + R_BUF] = placed.bufIndex;
    rows[o + R_FIELD_START] = 0;
    rows[o + R_FIELD_END] = placed.fieldEnd;
    rows[o + R_MSG_START] = placed.payloadStart;
    rows[o + R_MSG_END] = placed.fieldEnd;
    rows[o + R_SCHEMA_START] = placed.fieldEnd;
    rows[o + R_SCHEMA_END] = placed.end;
  }
  batch.resources = rows;
  batch.pristine = null;
}

/** replaceResources for one resource row. */
export function replaceResource(batch: SpanBatch, resIndex: number, payload: Buffer): void {
  replaceResources(batch, new Map([[resIndex, payload]]));
}

/** As replaceResources, for InstrumentationScope rows (ScopeSpans.scope and its schema_url). */
export function replaceScopes(batch: SpanBatch, payloads: ReadonlyMap<number, Buffer>): void {
  if (payloads.size === 0) return;
  for (const [c, payload] of payloads) {
    if (!Number.isInteger(c) || c < 0 || c >= batch.scopeCount) throw new RangeError(`scope index ${c} out of range`);
    decodeScope(payload);
  }
  const rows = batch.scopes.slice();
  for (const [c, payload] of payloads) {
    const o = c * SCOPE_STRIDE;
    const placed = placeField(batch, rows[o + C_BUF]!, rows[o + C_SCHEMA_START]!, rows[o + C_SCHEMA_END]!, payload);
    rows[o + C_BUF] = placed.bufIndex;
    rows[o + C_FIELD_START] = 0;
    rows[o + C_FIELD_END] = placed.fieldEnd;
    rows[o + C_MSG_START] = placed.payloadStart;
    rows[o + C_MSG_END] = placed.fieldEnd;
    rows[o + C_SCHEMA_START] = placed.fieldEnd;
    rows[o + C_SCHEMA_END] = placed.end;
  }
  batch.scopes = rows;
  batch.pristine = null;
}

/** replaceScopes for one scope row. */
export function replaceScope(batch: SpanBatch, scopeIndex: number, payload: Buffer): void {
  replaceScopes(batch, new Map([[scopeIndex, payload]]));
}

/**
 * Appends to the batch's buffers: field 1 (tag 0x0a: `resource` in ResourceSpans and `scope` in
 * ScopeSpans alike) framing `payload`, then the old schema_url field bytes [schemaStart, schemaEnd)
 * of buffer `oldBuf`.
 */
function placeField(
  batch: SpanBatch,
  oldBuf: number,
  schemaStart: number,
  schemaEnd: number,
  payload: Buffer,
): { bufIndex: number; payloadStart: number; fieldEnd: number; end: number } {
  const schemaLen = schemaEnd - schemaStart;
  const w = new WireWriter(lenFieldSize(payload.length) + schemaLen);
  w.byte(0x0a);
  w.varint(payload.length);
  const payloadStart = w.pos;
  w.bytes(payload);
  const fieldEnd = w.pos;
  if (schemaLen > 0) w.copy(batch.buffers[oldBuf]!, schemaStart, schemaEnd);
  const bytes = w.finish();
  if (!batch.buffersOwned) {
    batch.buffers = batch.buffers.slice();
    batch.buffersOwned = true;
  }
  const bufIndex = batch.buffers.length;
  batch.buffers.push(bytes);
  return { bufIndex, payloadStart, fieldEnd, end: bytes.length };
}
