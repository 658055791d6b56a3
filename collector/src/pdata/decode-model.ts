/**
 * Decodes OTLP trace protobuf into the object model (model.ts): the slow path, for code that
 * needs a span as a whole (debug output, JSON, span rewrites).
 *
 * Same strictness as index-request.ts, so a request the indexer accepts decodes here and vice
 * versa: ids empty or exactly 16 / 8 bytes (else InvalidIdError), known fields must have their
 * declared wire type (else WireError), unknown fields are skipped, truncation and over-long
 * lengths are WireErrors, AnyValue nesting is bounded (maxAnyValueDepth, default 32).
 * Protobuf merge semantics: the last occurrence of a scalar wins; a repeated occurrence of a
 * message field (status, resource, scope, KeyValue.value, array/kvlist) merges into the first.
 * Strings are decoded as UTF-8 with U+FFFD for invalid sequences (no error, as pdata).
 *
 * Not modelled (read, validated, dropped): Resource.entity_refs, KeyValue.key_strindex and
 * AnyValue.string_value_strindex (profiles-only dictionary references; such a value decodes
 * as empty).
 */
import { WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT, WireError, WireReader, expectWire, readTag } from './wire-reader.ts';
import { DEFAULT_MAX_ANYVALUE_DEPTH, InvalidIdError } from './index-request.ts';
import type {
  AnyValue,
  ExportRequestModel,
  KeyValue,
  ResourceModel,
  ResourceSpansModel,
  ScopeModel,
  ScopeSpansModel,
  SpanEvent,
  SpanLink,
  SpanModel,
  SpanStatus,
} from './model.ts';

export interface DecodeOptions {
  maxAnyValueDepth?: number;
}

const EMPTY = Buffer.alloc(0);

// ---- public entry points ----

/** Decodes a whole ExportTraceServiceRequest (or TracesData: same field 1). */
export function decodeExportRequest(buf: Buffer, options?: DecodeOptions): ExportRequestModel {
  const depth = options?.maxAnyValueDepth ?? DEFAULT_MAX_ANYVALUE_DEPTH;
  const r = new WireReader(buf, 0);
  const end = buf.length;
  const resourceSpans: ResourceSpansModel[] = [];
  while (r.pos < end) {
    const at = r.pos;
    const tag = readTag(r, end);
    if (tag >>> 3 === 1) {
      expectWire(tag, WIRE_LEN, 'ExportTraceServiceRequest.resource_spans', at);
      const stop = r.lenEnd(end);
      resourceSpans.push(readResourceSpans(r, stop, depth));
    } else {
      r.skip(tag & 7, end, tag >>> 3);
    }
  }
  return { resourceSpans };
}

/** Decodes one Span message payload buf[start, end) (a SpanBatch row's range). */
export function decodeSpan(buf: Buffer, start = 0, end = buf.length, options?: DecodeOptions): SpanModel {
  return readSpan(new WireReader(buf, start), end, options?.maxAnyValueDepth ?? DEFAULT_MAX_ANYVALUE_DEPTH);
}

/** Decodes one Resource message payload (a SpanBatch resource row's R_MSG_START..R_MSG_END). */
export function decodeResource(buf: Buffer, start = 0, end = buf.length, options?: DecodeOptions): ResourceModel {
  const m: ResourceModel = { attributes: [], droppedAttributesCount: 0 };
  readResourceInto(new WireReader(buf, start), end, m, options?.maxAnyValueDepth ?? DEFAULT_MAX_ANYVALUE_DEPTH);
  return m;
}

/** Decodes one InstrumentationScope message payload. */
export function decodeScope(buf: Buffer, start = 0, end = buf.length, options?: DecodeOptions): ScopeModel {
  const m: ScopeModel = { name: '', version: '', attributes: [], droppedAttributesCount: 0 };
  readScopeInto(new WireReader(buf, start), end, m, options?.maxAnyValueDepth ?? DEFAULT_MAX_ANYVALUE_DEPTH);
  return m;
}

/** Decodes one KeyValue message payload. */
export function decodeKeyValue(buf: Buffer, start = 0, end = buf.length, options?: DecodeOptions): KeyValue {
  return readKeyValue(new WireReader(buf, start), end, options?.maxAnyValueDepth ?? DEFAULT_MAX_ANYVALUE_DEPTH);
}

/** Decodes one AnyValue message payload. */
export function decodeAnyValue(buf: Buffer, start = 0, end = buf.length, options?: DecodeOptions): AnyValue {
  return readAnyValue(new WireReader(buf, start), end, options?.maxAnyValueDepth ?? DEFAULT_MAX_ANYVALUE_DEPTH, {});
}

/**
 * The repeated KeyValue field `fieldNumber` of the message payload buf[start, end): e.g. a
 * span's attributes (9), a resource's (1), a scope's (3), an event's (3), a link's (4).
 * Other fields are skipped (their tags checked, not their contents).
 */
export function decodeKeyValues(
  buf: Buffer,
  start: number,
  end: number,
  fieldNumber: number,
  options?: DecodeOptions,
): KeyValue[] {
  const depth = options?.maxAnyValueDepth ?? DEFAULT_MAX_ANYVALUE_DEPTH;
  const r = new WireReader(buf, start);
  const out: KeyValue[] = [];
  while (r.pos < end) {
    const at = r.pos;
    const tag = readTag(r, end);
    if (tag >>> 3 === fieldNumber) {
      expectWire(tag, WIRE_LEN, 'attributes', at);
      const stop = r.lenEnd(end);
      out.push(readKeyValue(r, stop, depth));
    } else {
      r.skip(tag & 7, end, tag >>> 3);
    }
  }
  return out;
}

// ---- scalar helpers ----

function readString(r: WireReader, end: number): string {
  const stop = r.lenEnd(end);
  const start = r.pos;
  r.pos = stop;
  return stop === start ? '' : r.buf.toString('utf8', start, stop);
}

/** A copy of the LEN payload: the model owns its bytes, the request buffer can go. */
function readBytes(r: WireReader, end: number): Buffer {
  const stop = r.lenEnd(end);
  const start = r.pos;
  r.pos = stop;
  return copyOut(r.buf, start, stop);
}

/** A pool-allocated copy of buf[start, end) (allocUnsafe + copy is about twice as fast as Buffer.from(subarray)). */
function copyOut(buf: Buffer, start: number, end: number): Buffer {
  if (end === start) return EMPTY;
  const out = Buffer.allocUnsafe(end - start);
  buf.copy(out, 0, start, end);
  return out;
}

function readId(r: WireReader, end: number, want: number, what: string, at: number): Buffer {
  const stop = r.lenEnd(end);
  const len = stop - r.pos;
  if (len !== 0 && len !== want) throw new InvalidIdError(`${what} has ${len} bytes, expected ${want}`, at);
  const start = r.pos;
  r.pos = stop;
  return copyOut(r.buf, start, stop);
}

/** uint32 varint: the low 32 bits, as protobufjs and Go do for an over-long value. */
function readUint32(r: WireReader, end: number): number {
  const at = r.pos;
  const v = r.varint(end);
  if (v <= 0xffffffff) return v;
  r.pos = at;
  return Number(BigInt.asUintN(32, r.varint64(end)));
}

/** int32 / enum varint (negative values arrive sign-extended to 10 bytes). */
function readInt32(r: WireReader, end: number): number {
  const at = r.pos;
  const v = r.varint(end);
  if (v <= 0x7fffffff) return v;
  r.pos = at;
  return Number(BigInt.asIntN(32, r.varint64(end)));
}

/** int64 varint; values below 2^53 (nearly all) skip the bigint loop. */
function readInt64(r: WireReader, end: number): bigint {
  const at = r.pos;
  const v = r.varint(end);
  if (v <= Number.MAX_SAFE_INTEGER) return BigInt(v);
  r.pos = at;
  return r.varint64(end);
}

function readFixed64(r: WireReader, end: number): bigint {
  const pos = r.pos;
  if (pos + 8 > end) throw new WireError('truncated fixed64', pos);
  r.pos = pos + 8;
  return r.buf.readBigUInt64LE(pos);
}

function readDouble(r: WireReader, end: number): number {
  const pos = r.pos;
  if (pos + 8 > end) throw new WireError('truncated double', pos);
  r.pos = pos + 8;
  return r.buf.readDoubleLE(pos);
}

// ---- messages ----

function readResourceSpans(r: WireReader, end: number, depth: number): ResourceSpansModel {
  const m: ResourceSpansModel = { resource: null, scopeSpans: [], schemaUrl: '' };
  while (r.pos < end) {
    const at = r.pos;
    const tag = readTag(r, end);
    switch (tag >>> 3) {
      case 1: {
        expectWire(tag, WIRE_LEN, 'ResourceSpans.resource', at);
        const stop = r.lenEnd(end);
        if (m.resource === null) m.resource = { attributes: [], droppedAttributesCount: 0 };
        readResourceInto(r, stop, m.resource, depth);
        break;
      }
      case 2: {
        expectWire(tag, WIRE_LEN, 'ResourceSpans.scope_spans', at);
        const stop = r.lenEnd(end);
        m.scopeSpans.push(readScopeSpans(r, stop, depth));
        break;
      }
      case 3:
        expectWire(tag, WIRE_LEN, 'ResourceSpans.schema_url', at);
        m.schemaUrl = readString(r, end);
        break;
      default:
        r.skip(tag & 7, end, tag >>> 3);
    }
  }
  return m;
}

function readScopeSpans(r: WireReader, end: number, depth: number): ScopeSpansModel {
  const m: ScopeSpansModel = { scope: null, spans: [], schemaUrl: '' };
  while (r.pos < end) {
    const at = r.pos;
    const tag = readTag(r, end);
    switch (tag >>> 3) {
      case 1: {
        expectWire(tag, WIRE_LEN, 'ScopeSpans.scope', at);
        const stop = r.lenEnd(end);
        if (m.scope === null) m.scope = { name: '', version: '', attributes: [], droppedAttributesCount: 0 };
        readScopeInto(r, stop, m.scope, depth);
        break;
      }
      case 2: {
        expectWire(tag, WIRE_LEN, 'ScopeSpans.spans', at);
        const stop = r.lenEnd(end);
        m.spans.push(readSpan(r, stop, depth));
        break;
      }
      case 3:
        expectWire(tag, WIRE_LEN, 'ScopeSpans.schema_url', at);
        m.schemaUrl = readString(r, end);
        break;
      default:
        r.skip(tag & 7, end, tag >>> 3);
    }
  }
  return m;
}

function readResourceInto(r: WireReader, end: number, m: ResourceModel, depth: number): void {
  while (r.pos < end) {
    const at = r.pos;
    const tag = readTag(r, end);
    switch (tag >>> 3) {
      case 1: {
        expectWire(tag, WIRE_LEN, 'Resource.attributes', at);
        const stop = r.lenEnd(end);
        m.attributes.push(readKeyValue(r, stop, depth));
        break;
      }
      case 2:
        expectWire(tag, WIRE_VARINT, 'Resource.dropped_attributes_count', at);
        m.droppedAttributesCount = readUint32(r, end);
        break;
      case 3:
        expectWire(tag, WIRE_LEN, 'Resource.entity_refs', at);
        r.pos = r.lenEnd(end);
        break;
      default:
        r.skip(tag & 7, end, tag >>> 3);
    }
  }
}

function readScopeInto(r: WireReader, end: number, m: ScopeModel, depth: number): void {
  while (r.pos < end) {
    const at = r.pos;
    const tag = readTag(r, end);
    switch (tag >>> 3) {
      case 1:
        expectWire(tag, WIRE_LEN, 'InstrumentationScope.name', at);
        m.name = readString(r, end);
        break;
      case 2:
        expectWire(tag, WIRE_LEN, 'InstrumentationScope.version', at);
        m.version = readString(r, end);
        break;
      case 3: {
        expectWire(tag, WIRE_LEN, 'InstrumentationScope.attributes', at);
        const stop = r.lenEnd(end);
        m.attributes.push(readKeyValue(r, stop, depth));
        break;
      }
      case 4:
        expectWire(tag, WIRE_VARINT, 'InstrumentationScope.dropped_attributes_count', at);
        m.droppedAttributesCount = readUint32(r, end);
        break;
      default:
        r.skip(tag & 7, end, tag >>> 3);
    }
  }
}

function readSpan(r: WireReader, end: number, depth: number): SpanModel {
  const m: SpanModel = {
    traceId: EMPTY,
    spanId: EMPTY,
    traceState: '',
    parentSpanId: EMPTY,
    flags: 0,
    name: '',
    kind: 0,
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { message: '', code: 0 },
  };
  while (r.pos < end) {
    const at = r.pos;
    const tag = readTag(r, end);
    switch (tag) {
      case (1 << 3) | WIRE_LEN:
        m.traceId = readId(r, end, 16, 'Span.trace_id', at);
        break;
      case (2 << 3) | WIRE_LEN:
        m.spanId = readId(r, end, 8, 'Span.span_id', at);
        break;
      case (3 << 3) | WIRE_LEN:
        m.traceState = readString(r, end);
        break;
      case (4 << 3) | WIRE_LEN:
        m.parentSpanId = readId(r, end, 8, 'Span.parent_span_id', at);
        break;
      case (5 << 3) | WIRE_LEN:
        m.name = readString(r, end);
        break;
      case (6 << 3) | WIRE_VARINT:
        m.kind = readInt32(r, end);
        break;
      case (7 << 3) | WIRE_I64:
        m.startTimeUnixNano = readFixed64(r, end);
        break;
      case (8 << 3) | WIRE_I64:
        m.endTimeUnixNano = readFixed64(r, end);
        break;
      case (9 << 3) | WIRE_LEN: {
        const stop = r.lenEnd(end);
        m.attributes.push(readKeyValue(r, stop, depth));
        break;
      }
      case (10 << 3) | WIRE_VARINT:
        m.droppedAttributesCount = readUint32(r, end);
        break;
      case (11 << 3) | WIRE_LEN: {
        const stop = r.lenEnd(end);
        m.events.push(readEvent(r, stop, depth));
        break;
      }
      case (12 << 3) | WIRE_VARINT:
        m.droppedEventsCount = readUint32(r, end);
        break;
      case (13 << 3) | WIRE_LEN: {
        const stop = r.lenEnd(end);
        m.links.push(readLink(r, stop, depth));
        break;
      }
      case (14 << 3) | WIRE_VARINT:
        m.droppedLinksCount = readUint32(r, end);
        break;
      case (15 << 3) | WIRE_LEN: {
        const stop = r.lenEnd(end);
        readStatusInto(r, stop, m.status);
        break;
      }
      case (16 << 3) | WIRE_I32:
        m.flags = r.fixed32(end);
        break;
      default: {
        const field = tag >>> 3;
        if (field >= 1 && field <= 16) throw new WireError(`Span field ${field}: wrong wire type ${tag & 7}`, at);
        r.skip(tag & 7, end, field);
      }
    }
  }
  return m;
}

function readStatusInto(r: WireReader, end: number, m: SpanStatus): void {
  while (r.pos < end) {
    const at = r.pos;
    const tag = readTag(r, end);
    const field = tag >>> 3;
    if (field === 3) {
      expectWire(tag, WIRE_VARINT, 'Status.code', at);
      m.code = readInt32(r, end);
    } else if (field === 2) {
      expectWire(tag, WIRE_LEN, 'Status.message', at);
      m.message = readString(r, end);
    } else {
      r.skip(tag & 7, end, field);
    }
  }
}

function readEvent(r: WireReader, end: number, depth: number): SpanEvent {
  const m: SpanEvent = { timeUnixNano: 0n, name: '', attributes: [], droppedAttributesCount: 0 };
  while (r.pos < end) {
    const at = r.pos;
    const tag = readTag(r, end);
    switch (tag >>> 3) {
      case 1:
        expectWire(tag, WIRE_I64, 'Event.time_unix_nano', at);
        m.timeUnixNano = readFixed64(r, end);
        break;
      case 2:
        expectWire(tag, WIRE_LEN, 'Event.name', at);
        m.name = readString(r, end);
        break;
      case 3: {
        expectWire(tag, WIRE_LEN, 'Event.attributes', at);
        const stop = r.lenEnd(end);
        m.attributes.push(readKeyValue(r, stop, depth));
        break;
      }
      case 4:
        expectWire(tag, WIRE_VARINT, 'Event.dropped_attributes_count', at);
        m.droppedAttributesCount = readUint32(r, end);
        break;
      default:
        r.skip(tag & 7, end, tag >>> 3);
    }
  }
  return m;
}

function readLink(r: WireReader, end: number, depth: number): SpanLink {
  const m: SpanLink = {
    traceId: EMPTY,
    spanId: EMPTY,
    traceState: '',
    attributes: [],
    droppedAttributesCount: 0,
    flags: 0,
  };
  while (r.pos < end) {
    const at = r.pos;
    const tag = readTag(r, end);
    switch (tag >>> 3) {
      case 1:
        expectWire(tag, WIRE_LEN, 'Link id', at);
        m.traceId = readId(r, end, 16, 'Link.trace_id', at);
        break;
      case 2:
        expectWire(tag, WIRE_LEN, 'Link id', at);
        m.spanId = readId(r, end, 8, 'Link.span_id', at);
        break;
      case 3:
        expectWire(tag, WIRE_LEN, 'Link.trace_state', at);
        m.traceState = readString(r, end);
        break;
      case 4: {
        expectWire(tag, WIRE_LEN, 'Link.attributes', at);
        const stop = r.lenEnd(end);
        m.attributes.push(readKeyValue(r, stop, depth));
        break;
      }
      case 5:
        expectWire(tag, WIRE_VARINT, 'Link.dropped_attributes_count', at);
        m.droppedAttributesCount = readUint32(r, end);
        break;
      case 6:
        expectWire(tag, WIRE_I32, 'Link.flags', at);
        m.flags = r.fixed32(end);
        break;
      default:
        r.skip(tag & 7, end, tag >>> 3);
    }
  }
  return m;
}

function readKeyValue(r: WireReader, end: number, depth: number): KeyValue {
  let key = '';
  let value: AnyValue | null = null;
  while (r.pos < end) {
    const at = r.pos;
    const tag = readTag(r, end);
    const field = tag >>> 3;
    if (field === 1) {
      expectWire(tag, WIRE_LEN, 'KeyValue.key', at);
      key = readString(r, end);
    } else if (field === 2) {
      expectWire(tag, WIRE_LEN, 'KeyValue.value', at);
      const stop = r.lenEnd(end);
      value = readAnyValue(r, stop, depth, value ?? {});
    } else if (field === 3) {
      expectWire(tag, WIRE_VARINT, 'KeyValue.key_strindex', at);
      r.varint(end);
    } else {
      r.skip(tag & 7, end, field);
    }
  }
  return { key, value: value ?? {} };
}

/**
 * Reads an AnyValue payload; `prev` is the value so far (a repeated occurrence merges: the last
 * oneof member wins, except that array/kvlist occurrences of the same member append).
 */
function readAnyValue(r: WireReader, end: number, depth: number, prev: AnyValue): AnyValue {
  if (depth <= 0) throw new WireError('AnyValue nested too deeply', r.pos);
  let v = prev;
  while (r.pos < end) {
    const at = r.pos;
    const tag = readTag(r, end);
    switch (tag >>> 3) {
      case 1:
        expectWire(tag, WIRE_LEN, 'AnyValue', at);
        v = { stringValue: readString(r, end) };
        break;
      case 2:
        expectWire(tag, WIRE_VARINT, 'AnyValue', at);
        v = { boolValue: r.varint64(end) !== 0n };
        break;
      case 3:
        expectWire(tag, WIRE_VARINT, 'AnyValue', at);
        v = { intValue: readInt64(r, end) };
        break;
      case 4:
        expectWire(tag, WIRE_I64, 'AnyValue.double_value', at);
        v = { doubleValue: readDouble(r, end) };
        break;
      case 5: {
        expectWire(tag, WIRE_LEN, 'AnyValue.array_value', at);
        const stop = r.lenEnd(end);
        const values = v.arrayValue !== undefined ? v.arrayValue : [];
        while (r.pos < stop) {
          const at2 = r.pos;
          const t2 = readTag(r, stop);
          if (t2 >>> 3 === 1) {
            expectWire(t2, WIRE_LEN, 'ArrayValue.values', at2);
            const s2 = r.lenEnd(stop);
            values.push(readAnyValue(r, s2, depth - 1, {}));
          } else r.skip(t2 & 7, stop, t2 >>> 3);
        }
        v = { arrayValue: values };
        break;
      }
      case 6: {
        expectWire(tag, WIRE_LEN, 'AnyValue.kvlist_value', at);
        const stop = r.lenEnd(end);
        const values = v.kvlistValue !== undefined ? v.kvlistValue : [];
        while (r.pos < stop) {
          const at2 = r.pos;
          const t2 = readTag(r, stop);
          if (t2 >>> 3 === 1) {
            expectWire(t2, WIRE_LEN, 'KeyValueList.values', at2);
            const s2 = r.lenEnd(stop);
            values.push(readKeyValue(r, s2, depth - 1));
          } else r.skip(t2 & 7, stop, t2 >>> 3);
        }
        v = { kvlistValue: values };
        break;
      }
      case 7:
        expectWire(tag, WIRE_LEN, 'AnyValue', at);
        v = { bytesValue: readBytes(r, end) };
        break;
      case 8:
        // string_value_strindex (profiles dictionaries): not representable here, decodes as empty.
        expectWire(tag, WIRE_VARINT, 'AnyValue', at);
        r.varint(end);
        v = {};
        break;
      default:
        r.skip(tag & 7, end, tag >>> 3);
    }
  }
  return v;
}
