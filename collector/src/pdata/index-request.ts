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
 *
 * The hottest loop of the collector: the read position lives in a local (a register) rather than
 * in r.pos, one-byte tags and lengths are decoded inline, row offsets are literals (imported
 * constants cost a module-binding load each; measured ~7%), and the switch has literal case labels
 * (tag = field << 3 | wire type) so V8 builds a jump table. Nested messages are validated by the
 * r.pos-based helpers below; pos is handed over and taken back around those calls.
 */
export function indexSpan(r: WireReader, start: number, end: number, sr: Uint32Array, so: number, maxDepth: number): void {
  const buf = r.buf;
  let pos = start;
  // Row layout (see span-batch.ts): 1 START, 2 END, 4 TRACE_ID, 5 SPAN_ID, 6 PARENT_ID,
  // 7/8 START_LO/HI, 9/10 END_LO/HI, 11 NAME_OFF, 12 NAME_LEN, 13 STATUS_KIND, 14 FLAGS, 15 FIELD_START.
  sr[so + 1] = start;
  sr[so + 2] = end;
  sr[so + 4] = 0xffffffff;
  sr[so + 5] = 0xffffffff;
  sr[so + 6] = 0xffffffff;
  sr[so + 7] = 0;
  sr[so + 8] = 0;
  sr[so + 9] = 0;
  sr[so + 10] = 0;
  sr[so + 11] = start;
  sr[so + 12] = 0;
  sr[so + 14] = 0;
  sr[so + 15] = 0xffffffff;
  let status = 0;
  let kind = 0;
  while (pos < end) {
    const at = pos;
    let tag = buf[pos]!;
    if (tag >= 8 && tag < 0x80) pos++;
    else {
      r.pos = pos;
      tag = readTag(r, end);
      pos = r.pos;
    }
    if ((tag & 7) === 2) {
      // LEN field: decode the length inline when it is one byte (most are).
      let len = buf[pos]!;
      if (len < 0x80 && pos < end) pos++;
      else {
        r.pos = pos;
        len = r.varint(end);
        pos = r.pos;
      }
      const stop = pos + len;
      if (stop > end) throw new WireError(`length ${len} runs past the end of its message`, pos);
      switch (tag) {
        case 10: // trace_id (1)
          if (len === 16) sr[so + 4] = pos;
          else if (len === 0) sr[so + 4] = 0xffffffff;
          else throw new InvalidIdError(`Span.trace_id has ${len} bytes, expected 16`, at);
          break;
        case 18: // span_id (2)
          if (len === 8) sr[so + 5] = pos;
          else if (len === 0) sr[so + 5] = 0xffffffff;
          else throw new InvalidIdError(`Span.span_id has ${len} bytes, expected 8`, at);
          break;
        case 26: // trace_state (3)
          break;
        case 34: // parent_span_id (4)
          if (len === 8) sr[so + 6] = pos;
          else if (len === 0) sr[so + 6] = 0xffffffff;
          else throw new InvalidIdError(`Span.parent_span_id has ${len} bytes, expected 8`, at);
          break;
        case 42: // name (5)
          sr[so + 11] = pos;
          sr[so + 12] = len;
          break;
        case 74: // attributes (9)
          r.pos = pos;
          validateKeyValue(r, stop, maxDepth);
          break;
        case 90: // events (11)
          r.pos = pos;
          validateEvent(r, stop, maxDepth);
          break;
        case 106: // links (13)
          r.pos = pos;
          validateLink(r, stop, maxDepth);
          break;
        case 122: // status (15)
          r.pos = pos;
          status = readStatusCode(r, stop) & 0xff;
          break;
        default: {
          const field = tag >>> 3;
          // Known fields 1..16 with LEN are all handled above; LEN for a scalar field is an error.
          if (field >= 1 && field <= 16) throw new WireError(`Span field ${field}: wrong wire type 2`, at);
        }
      }
      pos = stop;
      continue;
    }
    switch (tag) {
      case 48: // kind (6, VARINT)
        r.pos = pos;
        kind = r.int32(end) & 0xff;
        pos = r.pos;
        break;
      case 57: // start_time_unix_nano (7, I64)
        if (pos + 8 > end) throw new WireError('truncated fixed64', pos);
        sr[so + 7] = u32le(buf, pos);
        sr[so + 8] = u32le(buf, pos + 4);
        pos += 8;
        break;
      case 65: // end_time_unix_nano (8, I64)
        if (pos + 8 > end) throw new WireError('truncated fixed64', pos);
        sr[so + 9] = u32le(buf, pos);
        sr[so + 10] = u32le(buf, pos + 4);
        pos += 8;
        break;
      case 80: // dropped_attributes_count (10, VARINT)
      case 96: // dropped_events_count (12, VARINT)
      case 112: // dropped_links_count (14, VARINT)
        r.pos = pos;
        r.varint(end);
        pos = r.pos;
        break;
      case 133: // flags (16, I32)
        if (pos + 4 > end) throw new WireError('truncated fixed32', pos);
        sr[so + 14] = u32le(buf, pos);
        pos += 4;
        break;
      default: {
        const field = tag >>> 3;
        if (field >= 1 && field <= 16) throw new WireError(`Span field ${field}: wrong wire type ${tag & 7}`, at);
        r.pos = pos;
        r.skip(tag & 7, end, field);
        pos = r.pos;
      }
    }
  }
  r.pos = pos;
  sr[so + 13] = status | (kind << 8);
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

/**
 * Validates one KeyValue payload [r.pos, end). Attributes are most of a span's bytes, so like
 * indexSpan this keeps the position in a local and decodes one-byte tags and lengths inline.
 */
export function validateKeyValue(r: WireReader, end: number, depth: number): void {
  const buf = r.buf;
  let pos = r.pos;
  while (pos < end) {
    const at = pos;
    let tag = buf[pos]!;
    if (tag >= 8 && tag < 0x80) pos++;
    else {
      r.pos = pos;
      tag = readTag(r, end);
      pos = r.pos;
    }
    const field = tag >>> 3;
    if (field === 1 || field === 2) {
      expectWire(tag, WIRE_LEN, field === 1 ? 'KeyValue.key' : 'KeyValue.value', at);
      let len = buf[pos]!;
      if (len < 0x80 && pos < end) pos++;
      else {
        r.pos = pos;
        len = r.varint(end);
        pos = r.pos;
      }
      const stop = pos + len;
      if (stop > end) throw new WireError(`length ${len} runs past the end of its message`, pos);
      if (field === 2) {
        r.pos = pos;
        validateAnyValue(r, stop, depth);
      }
      pos = stop;
    } else if (field === 3) {
      expectWire(tag, WIRE_VARINT, 'KeyValue.key_strindex', at);
      r.pos = pos;
      r.varint(end);
      pos = r.pos;
    } else {
      r.pos = pos;
      r.skip(tag & 7, end, field);
      pos = r.pos;
    }
  }
  r.pos = pos;
}

function validateAnyValue(r: WireReader, end: number, depth: number): void {
  if (depth <= 0) throw new WireError('AnyValue nested too deeply', r.pos);
  const buf = r.buf;
  let pos = r.pos;
  while (pos < end) {
    const at = pos;
    let tag = buf[pos]!;
    if (tag >= 8 && tag < 0x80) pos++;
    else {
      r.pos = pos;
      tag = readTag(r, end);
      pos = r.pos;
    }
    switch (tag) {
      case 10: // string_value (1, LEN)
      case 58: { // bytes_value (7, LEN)
        let len = buf[pos]!;
        if (len < 0x80 && pos < end) pos++;
        else {
          r.pos = pos;
          len = r.varint(end);
          pos = r.pos;
        }
        if (pos + len > end) throw new WireError(`length ${len} runs past the end of its message`, pos);
        pos += len;
        break;
      }
      case 16: // bool_value (2, VARINT)
      case 24: // int_value (3, VARINT)
      case 64: // string_value_strindex (8, VARINT)
        r.pos = pos;
        r.varint(end);
        pos = r.pos;
        break;
      case 33: // double_value (4, I64)
        if (pos + 8 > end) throw new WireError('truncated fixed64', pos);
        pos += 8;
        break;
      case 42: { // array_value (5, LEN)
        r.pos = pos;
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
        pos = stop;
        break;
      }
      case 50: { // kvlist_value (6, LEN)
        r.pos = pos;
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
        pos = stop;
        break;
      }
      default: {
        const field = tag >>> 3;
        if (field >= 1 && field <= 8) throw new WireError(`AnyValue field ${field}: wrong wire type ${tag & 7}`, at);
        r.pos = pos;
        r.skip(tag & 7, end, field);
        pos = r.pos;
      }
    }
  }
  r.pos = pos;
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
