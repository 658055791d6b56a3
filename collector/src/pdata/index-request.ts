/**
 * Indexes an ExportTraceServiceRequest without building objects: one pass over the bytes that
 * validates the structure of every nested message (so whatever we forward later is well-formed
 * protobuf) and fills the SpanBatch tables. This is the receiver's decode on the hot path.
 *
 * Strictness follows otelcol's pdata unmarshal: ids must be empty or exactly 16 / 8 bytes,
 * known fields must have their declared wire type, unknown fields are skipped, truncation and
 * over-long lengths are errors. Strings are not checked for UTF-8 (neither does pdata's gogoproto
 * code); AnyValue nesting deeper than maxDepth is refused so hostile input cannot recurse deep.
 */
import {
  WIRE_I32,
  WIRE_I64,
  WIRE_LEN,
  WIRE_VARINT,
  WireError,
  WireReader,
  expectWire,
  nextTag,
  readTag,
} from './wire-reader.ts';
import {
  C_BUF,
  C_FIELD_END,
  C_FIELD_START,
  C_MSG_END,
  C_MSG_START,
  C_RES,
  C_SCHEMA_END,
  C_SCHEMA_START,
  NONE,
  RES_STRIDE,
  R_BUF,
  R_FIELD_END,
  R_FIELD_START,
  R_MSG_END,
  R_MSG_START,
  R_SCHEMA_END,
  R_SCHEMA_START,
  SCOPE_STRIDE,
  SPAN_STRIDE,
  S_BUF,
  S_END,
  S_END_HI,
  S_END_LO,
  S_FLAGS,
  S_NAME_LEN,
  S_NAME_OFF,
  S_PARENT_ID,
  S_SCOPE,
  S_SPAN_ID,
  S_START,
  S_START_HI,
  S_START_LO,
  S_STATUS_KIND,
  S_TRACE_ID,
  S_FIELD_START,
  SpanBatch,
} from './span-batch.ts';

export const DEFAULT_MAX_ANYVALUE_DEPTH = 32;

/** Thrown for an invalid id length, so receivers can tell it apart from malformed bytes. */
export class InvalidIdError extends WireError {}

/** Growable fixed-stride table; the indexer appends rows and hands the array to the batch. */
class RowTable {
  rows: Uint32Array;
  count = 0;
  constructor(readonly stride: number, initialRows: number) {
    this.rows = new Uint32Array(Math.max(4, initialRows) * stride);
  }
  add(): number {
    const base = this.count * this.stride;
    if (base + this.stride > this.rows.length) {
      const next = new Uint32Array(this.rows.length * 2);
      next.set(this.rows);
      this.rows = next;
    }
    this.count++;
    return base;
  }
}

export interface IndexOptions {
  maxAnyValueDepth?: number;
}

/** Indexes one request. Throws WireError (or InvalidIdError) on malformed input. */
export function indexExportRequest(buf: Buffer, options?: IndexOptions): SpanBatch {
  const maxDepth = options?.maxAnyValueDepth ?? DEFAULT_MAX_ANYVALUE_DEPTH;
  const r = new WireReader(buf, 0);
  const end = buf.length;
  // First guess of ~128 wire bytes a span: small spans grow the table once at most, large ones
  // waste little (a row is 64 bytes).
  const resources = new RowTable(RES_STRIDE, 2);
  const scopes = new RowTable(SCOPE_STRIDE, 2);
  const spans = new RowTable(SPAN_STRIDE, (end >>> 7) + 4);
  while (r.pos < end) {
    const at = r.pos;
    const tag = nextTag(r, end);
    if (tag >>> 3 === 1) {
      expectWire(tag, WIRE_LEN, 'ExportTraceServiceRequest.resource_spans', at);
      const stop = r.lenEnd(end);
      indexResourceSpans(r, stop, resources, scopes, spans, maxDepth);
      r.pos = stop;
    } else {
      r.skip(tag & 7, end, tag >>> 3);
    }
  }
  return new SpanBatch([buf], resources.rows, resources.count, scopes.rows, scopes.count, spans.rows, spans.count, [buf]);
}

function indexResourceSpans(
  r: WireReader,
  end: number,
  resources: RowTable,
  scopes: RowTable,
  spans: RowTable,
  maxDepth: number,
): void {
  const resIndex = resources.count;
  const ro = resources.add();
  const rr = resources.rows;
  rr[ro + R_BUF] = 0;
  rr[ro + R_FIELD_START] = rr[ro + R_FIELD_END] = 0;
  rr[ro + R_SCHEMA_START] = rr[ro + R_SCHEMA_END] = 0;
  rr[ro + R_MSG_START] = rr[ro + R_MSG_END] = 0;
  while (r.pos < end) {
    const at = r.pos;
    const tag = nextTag(r, end);
    switch (tag >>> 3) {
      case 1: {
        expectWire(tag, WIRE_LEN, 'ResourceSpans.resource', at);
        const stop = r.lenEnd(end);
        const payload = r.pos;
        validateResource(r, stop, maxDepth);
        // resources.rows may have been replaced by growth in a nested call: index it afresh.
        const rows = resources.rows;
        rows[ro + R_FIELD_START] = at;
        rows[ro + R_FIELD_END] = stop;
        rows[ro + R_MSG_START] = payload;
        rows[ro + R_MSG_END] = stop;
        break;
      }
      case 2: {
        expectWire(tag, WIRE_LEN, 'ResourceSpans.scope_spans', at);
        const stop = r.lenEnd(end);
        indexScopeSpans(r, stop, resIndex, scopes, spans, maxDepth);
        r.pos = stop;
        break;
      }
      case 3: {
        expectWire(tag, WIRE_LEN, 'ResourceSpans.schema_url', at);
        const stop = r.lenEnd(end);
        resources.rows[ro + R_SCHEMA_START] = at;
        resources.rows[ro + R_SCHEMA_END] = stop;
        r.pos = stop;
        break;
      }
      default:
        r.skip(tag & 7, end, tag >>> 3);
    }
  }
}

function indexScopeSpans(
  r: WireReader,
  end: number,
  resIndex: number,
  scopes: RowTable,
  spans: RowTable,
  maxDepth: number,
): void {
  const scopeIndex = scopes.count;
  const co = scopes.add();
  const cr = scopes.rows;
  cr[co + C_RES] = resIndex;
  cr[co + C_BUF] = 0;
  cr[co + C_FIELD_START] = cr[co + C_FIELD_END] = 0;
  cr[co + C_SCHEMA_START] = cr[co + C_SCHEMA_END] = 0;
  cr[co + C_MSG_START] = cr[co + C_MSG_END] = 0;
  while (r.pos < end) {
    const at = r.pos;
    const tag = nextTag(r, end);
    switch (tag >>> 3) {
      case 1: {
        expectWire(tag, WIRE_LEN, 'ScopeSpans.scope', at);
        const stop = r.lenEnd(end);
        const payload = r.pos;
        validateScope(r, stop, maxDepth);
        cr[co + C_FIELD_START] = at;
        cr[co + C_FIELD_END] = stop;
        cr[co + C_MSG_START] = payload;
        cr[co + C_MSG_END] = stop;
        break;
      }
      case 2: {
        expectWire(tag, WIRE_LEN, 'ScopeSpans.spans', at);
        const stop = r.lenEnd(end);
        const so = spans.add();
        const sr = spans.rows;
        sr[so + S_BUF] = 0;
        sr[so + S_SCOPE] = scopeIndex;
        indexSpan(r, r.pos, stop, sr, so, maxDepth);
        sr[so + S_FIELD_START] = at;
        r.pos = stop;
        break;
      }
      case 3: {
        expectWire(tag, WIRE_LEN, 'ScopeSpans.schema_url', at);
        const stop = r.lenEnd(end);
        cr[co + C_SCHEMA_START] = at;
        cr[co + C_SCHEMA_END] = stop;
        r.pos = stop;
        break;
      }
      default:
        r.skip(tag & 7, end, tag >>> 3);
    }
  }
}

/**
 * Fills span row `so` from the span payload [start, end) and validates every nested message.
 * Also used to re-index a rewritten span.
 */
export function indexSpan(r: WireReader, start: number, end: number, sr: Uint32Array, so: number, maxDepth: number): void {
  const buf = r.buf;
  r.pos = start;
  sr[so + S_START] = start;
  sr[so + S_END] = end;
  sr[so + S_TRACE_ID] = NONE;
  sr[so + S_SPAN_ID] = NONE;
  sr[so + S_PARENT_ID] = NONE;
  sr[so + S_START_LO] = sr[so + S_START_HI] = 0;
  sr[so + S_END_LO] = sr[so + S_END_HI] = 0;
  sr[so + S_NAME_OFF] = start;
  sr[so + S_NAME_LEN] = 0;
  sr[so + S_FLAGS] = 0;
  sr[so + S_FIELD_START] = NONE;
  let status = 0;
  let kind = 0;
  while (r.pos < end) {
    const at = r.pos;
    // One-byte tags inline (fields 1..15); readTag validates the rest. Invalid wire types of
    // one-byte tags fall to the default branch, where skip() rejects them.
    let tag = buf[at]!;
    if (tag >= 8 && tag < 0x80) r.pos = at + 1;
    else tag = nextTag(r, end);
    // Literal case labels (tag = field << 3 | wire type) let V8 build a jump table.
    switch (tag) {
      case 10: { // trace_id (1, LEN)
        const stop = r.lenEnd(end);
        const len = stop - r.pos;
        if (len === 16) sr[so + S_TRACE_ID] = r.pos;
        else if (len === 0) sr[so + S_TRACE_ID] = NONE;
        else throw new InvalidIdError(`Span.trace_id has ${len} bytes, expected 16`, at);
        r.pos = stop;
        break;
      }
      case 18: { // span_id (2, LEN)
        const stop = r.lenEnd(end);
        const len = stop - r.pos;
        if (len === 8) sr[so + S_SPAN_ID] = r.pos;
        else if (len === 0) sr[so + S_SPAN_ID] = NONE;
        else throw new InvalidIdError(`Span.span_id has ${len} bytes, expected 8`, at);
        r.pos = stop;
        break;
      }
      case 26: // trace_state (3, LEN)
        r.pos = r.lenEnd(end);
        break;
      case 34: { // parent_span_id (4, LEN)
        const stop = r.lenEnd(end);
        const len = stop - r.pos;
        if (len === 8) sr[so + S_PARENT_ID] = r.pos;
        else if (len === 0) sr[so + S_PARENT_ID] = NONE;
        else throw new InvalidIdError(`Span.parent_span_id has ${len} bytes, expected 8`, at);
        r.pos = stop;
        break;
      }
      case 42: { // name (5, LEN)
        const stop = r.lenEnd(end);
        sr[so + S_NAME_OFF] = r.pos;
        sr[so + S_NAME_LEN] = stop - r.pos;
        r.pos = stop;
        break;
      }
      case 48: // kind (6, VARINT)
        // Enums are int32; keep the low byte (valid kinds are 0..5). Out-of-range values pass through in the bytes.
        kind = r.int32(end) & 0xff;
        break;
      case 57: // start_time_unix_nano (7, I64)
        if (r.pos + 8 > end) throw new WireError('truncated fixed64', r.pos);
        sr[so + S_START_LO] = u32le(buf, r.pos);
        sr[so + S_START_HI] = u32le(buf, r.pos + 4);
        r.pos += 8;
        break;
      case 65: // end_time_unix_nano (8, I64)
        if (r.pos + 8 > end) throw new WireError('truncated fixed64', r.pos);
        sr[so + S_END_LO] = u32le(buf, r.pos);
        sr[so + S_END_HI] = u32le(buf, r.pos + 4);
        r.pos += 8;
        break;
      case 74: { // attributes (9, LEN)
        const stop = r.lenEnd(end);
        validateKeyValue(r, stop, maxDepth);
        break;
      }
      case 80: // dropped_attributes_count (10, VARINT)
      case 96: // dropped_events_count (12, VARINT)
      case 112: // dropped_links_count (14, VARINT)
        r.varint(end);
        break;
      case 90: { // events (11, LEN)
        const stop = r.lenEnd(end);
        validateEvent(r, stop, maxDepth);
        break;
      }
      case 106: { // links (13, LEN)
        const stop = r.lenEnd(end);
        validateLink(r, stop, maxDepth);
        break;
      }
      case 122: { // status (15, LEN)
        const stop = r.lenEnd(end);
        status = readStatusCode(r, stop) & 0xff;
        break;
      }
      case 133: // flags (16, I32)
        sr[so + S_FLAGS] = r.fixed32(end);
        break;
      default: {
        const field = tag >>> 3;
        if (field >= 1 && field <= 16) throw new WireError(`Span field ${field}: wrong wire type ${tag & 7}`, at);
        r.skip(tag & 7, end, field);
      }
    }
  }
  sr[so + S_STATUS_KIND] = status | (kind << 8);
}

/** Little-endian u32 without Buffer#readUInt32LE's call and range check (bounds checked by the caller). */
function u32le(buf: Buffer, p: number): number {
  return (buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24)) >>> 0;
}

function readStatusCode(r: WireReader, end: number): number {
  let code = 0;
  while (r.pos < end) {
    const at = r.pos;
    const tag = nextTag(r, end);
    const field = tag >>> 3;
    if (field === 3) {
      expectWire(tag, WIRE_VARINT, 'Status.code', at);
      code = r.int32(end);
    } else if (field === 2) {
      expectWire(tag, WIRE_LEN, 'Status.message', at);
      r.pos = r.lenEnd(end);
    } else {
      r.skip(tag & 7, end, field);
    }
  }
  return code;
}

export function validateKeyValue(r: WireReader, end: number, depth: number): void {
  while (r.pos < end) {
    const at = r.pos;
    const tag = nextTag(r, end);
    const field = tag >>> 3;
    if (field === 1) {
      expectWire(tag, WIRE_LEN, 'KeyValue.key', at);
      r.pos = r.lenEnd(end);
    } else if (field === 2) {
      expectWire(tag, WIRE_LEN, 'KeyValue.value', at);
      const stop = r.lenEnd(end);
      validateAnyValue(r, stop, depth);
    } else if (field === 3) {
      expectWire(tag, WIRE_VARINT, 'KeyValue.key_strindex', at);
      r.varint(end);
    } else {
      r.skip(tag & 7, end, field);
    }
  }
}

function validateAnyValue(r: WireReader, end: number, depth: number): void {
  if (depth <= 0) throw new WireError('AnyValue nested too deeply', r.pos);
  while (r.pos < end) {
    const at = r.pos;
    const tag = nextTag(r, end);
    const field = tag >>> 3;
    switch (field) {
      case 1:
      case 7:
        expectWire(tag, WIRE_LEN, 'AnyValue', at);
        r.pos = r.lenEnd(end);
        break;
      case 2:
      case 3:
      case 8:
        expectWire(tag, WIRE_VARINT, 'AnyValue', at);
        r.varint(end);
        break;
      case 4:
        expectWire(tag, WIRE_I64, 'AnyValue.double_value', at);
        r.skip(WIRE_I64, end, 4);
        break;
      case 5: {
        expectWire(tag, WIRE_LEN, 'AnyValue.array_value', at);
        const stop = r.lenEnd(end);
        while (r.pos < stop) {
          const at2 = r.pos;
          const t2 = nextTag(r, stop);
          if (t2 >>> 3 === 1) {
            expectWire(t2, WIRE_LEN, 'ArrayValue.values', at2);
            const s2 = r.lenEnd(stop);
            validateAnyValue(r, s2, depth - 1);
          } else r.skip(t2 & 7, stop, t2 >>> 3);
        }
        break;
      }
      case 6: {
        expectWire(tag, WIRE_LEN, 'AnyValue.kvlist_value', at);
        const stop = r.lenEnd(end);
        while (r.pos < stop) {
          const at2 = r.pos;
          const t2 = nextTag(r, stop);
          if (t2 >>> 3 === 1) {
            expectWire(t2, WIRE_LEN, 'KeyValueList.values', at2);
            const s2 = r.lenEnd(stop);
            validateKeyValue(r, s2, depth - 1);
          } else r.skip(t2 & 7, stop, t2 >>> 3);
        }
        break;
      }
      default:
        r.skip(tag & 7, end, field);
    }
  }
}

function validateEvent(r: WireReader, end: number, depth: number): void {
  while (r.pos < end) {
    const at = r.pos;
    const tag = nextTag(r, end);
    const field = tag >>> 3;
    if (field === 1) {
      expectWire(tag, WIRE_I64, 'Event.time_unix_nano', at);
      r.skip(WIRE_I64, end, 1);
    } else if (field === 2) {
      expectWire(tag, WIRE_LEN, 'Event.name', at);
      r.pos = r.lenEnd(end);
    } else if (field === 3) {
      expectWire(tag, WIRE_LEN, 'Event.attributes', at);
      const stop = r.lenEnd(end);
      validateKeyValue(r, stop, depth);
    } else if (field === 4) {
      expectWire(tag, WIRE_VARINT, 'Event.dropped_attributes_count', at);
      r.varint(end);
    } else r.skip(tag & 7, end, field);
  }
}

function validateLink(r: WireReader, end: number, depth: number): void {
  while (r.pos < end) {
    const at = r.pos;
    const tag = nextTag(r, end);
    const field = tag >>> 3;
    switch (field) {
      case 1:
      case 2: {
        expectWire(tag, WIRE_LEN, 'Link id', at);
        const stop = r.lenEnd(end);
        const len = stop - r.pos;
        const want = field === 1 ? 16 : 8;
        if (len !== 0 && len !== want) {
          throw new InvalidIdError(`Link.${field === 1 ? 'trace_id' : 'span_id'} has ${len} bytes, expected ${want}`, at);
        }
        r.pos = stop;
        break;
      }
      case 3:
        expectWire(tag, WIRE_LEN, 'Link.trace_state', at);
        r.pos = r.lenEnd(end);
        break;
      case 4: {
        expectWire(tag, WIRE_LEN, 'Link.attributes', at);
        const stop = r.lenEnd(end);
        validateKeyValue(r, stop, depth);
        break;
      }
      case 5:
        expectWire(tag, WIRE_VARINT, 'Link.dropped_attributes_count', at);
        r.varint(end);
        break;
      case 6:
        expectWire(tag, WIRE_I32, 'Link.flags', at);
        r.fixed32(end);
        break;
      default:
        r.skip(tag & 7, end, field);
    }
  }
}

function validateResource(r: WireReader, end: number, depth: number): void {
  while (r.pos < end) {
    const at = r.pos;
    const tag = nextTag(r, end);
    const field = tag >>> 3;
    if (field === 1) {
      expectWire(tag, WIRE_LEN, 'Resource.attributes', at);
      const stop = r.lenEnd(end);
      validateKeyValue(r, stop, depth);
    } else if (field === 2) {
      expectWire(tag, WIRE_VARINT, 'Resource.dropped_attributes_count', at);
      r.varint(end);
    } else if (field === 3) {
      expectWire(tag, WIRE_LEN, 'Resource.entity_refs', at);
      r.pos = r.lenEnd(end);
    } else r.skip(tag & 7, end, field);
  }
}

function validateScope(r: WireReader, end: number, depth: number): void {
  while (r.pos < end) {
    const at = r.pos;
    const tag = nextTag(r, end);
    const field = tag >>> 3;
    if (field === 1 || field === 2) {
      expectWire(tag, WIRE_LEN, 'InstrumentationScope name/version', at);
      r.pos = r.lenEnd(end);
    } else if (field === 3) {
      expectWire(tag, WIRE_LEN, 'InstrumentationScope.attributes', at);
      const stop = r.lenEnd(end);
      validateKeyValue(r, stop, depth);
    } else if (field === 4) {
      expectWire(tag, WIRE_VARINT, 'InstrumentationScope.dropped_attributes_count', at);
      r.varint(end);
    } else r.skip(tag & 7, end, field);
  }
}
