/**
 * Decoder for Jaeger's api_v2 `PostSpansRequest` (model.proto / collector.proto) over the
 * protobuf WireReader, into the shared decoded form (jaeger-model.ts).
 *
 * As gogoproto's generated Unmarshal (what the Jaeger collector and otelcol run): a known field
 * with the wrong wire type is an error, unknown fields are skipped, a repeated occurrence of a
 * singular message field merges into the first. Ids must be exactly 16 (trace) / 8 (span) bytes
 * or absent (all zeros); Jaeger's own TraceID.Unmarshal accepts longer buffers and ignores the
 * rest, which we refuse as malformed.
 *
 * A span may carry its own Process; as otelcol's translator does, spans are regrouped into one
 * batch per distinct process (compared by their encoded bytes), the batch-level process first.
 */
import type { AnyValue, KeyValue } from '../../pdata/model.ts';
import { WIRE_I64, WIRE_LEN, WIRE_VARINT, WireError, WireReader, expectWire, nextTag } from '../../pdata/wire-reader.ts';
import { JaegerBatch, JaegerDecodeError, JaegerLog, JaegerProcess, JaegerRef, JaegerSpan } from './jaeger-model.ts';
import { utf8 } from './utf8.ts';

// model.proto ValueType.
const VT_STRING = 0;
const VT_BOOL = 1;
const VT_INT64 = 2;
const VT_FLOAT64 = 3;
const VT_BINARY = 4;

const ZERO_TRACE_ID: Buffer = Buffer.alloc(16);
const ZERO_SPAN_ID: Buffer = Buffer.alloc(8);
// Shared by every span without references; frozen so that nothing can fill it by mistake.
const NO_REFS = Object.freeze([]) as unknown as JaegerRef[];

/**
 * Decodes a PostSpansRequest into batches of spans that share a process. Throws
 * JaegerDecodeError (and only that) for malformed input.
 */
export function decodePostSpansRequest(buf: Buffer): JaegerBatch[] {
  try {
    const state = new BatchState(buf);
    const r = new WireReader(buf, 0);
    const end = buf.length;
    while (r.pos < end) {
      const at = r.pos;
      const tag = nextTag(r, end);
      if (tag >>> 3 === 1) {
        expectWire(tag, WIRE_LEN, 'PostSpansRequest.batch', at);
        const stop = r.lenEnd(end);
        readBatch(r, stop, state);
        r.pos = stop;
      } else r.skip(tag & 7, end, tag >>> 3);
    }
    return state.finish();
  } catch (err) {
    if (err instanceof WireError) throw new JaegerDecodeError(`invalid api_v2 PostSpansRequest: ${err.message}`);
    throw err;
  }
}

/** Accumulates spans per process while decoding (one Batch, possibly sent in several pieces). */
class BatchState {
  readonly buf: Buffer;
  /** Encoded bytes of the batch's Process field(s), as the grouping key; null when absent. */
  batchProcessKey: string | null = null;
  batchProcess: JaegerProcess | null = null;
  /** Spans without a process of their own. */
  readonly plainSpans: JaegerSpan[] = [];
  /** Spans with their own process, by process key, in first-seen order. */
  readonly groups = new Map<string, JaegerBatch>();

  constructor(buf: Buffer) {
    this.buf = buf;
  }

  finish(): JaegerBatch[] {
    const out: JaegerBatch[] = [];
    const key = this.batchProcessKey;
    const same = key === null ? undefined : this.groups.get(key);
    if (same !== undefined) {
      // Spans whose own process equals the batch's belong to the same resource.
      for (const s of this.plainSpans) same.spans.push(s);
      this.groups.delete(key!);
      out.push(same);
    } else if (this.batchProcess !== null || this.plainSpans.length > 0) {
      out.push(new JaegerBatch(this.batchProcess, this.plainSpans));
    }
    for (const g of this.groups.values()) out.push(g);
    return out;
  }
}

function readBatch(r: WireReader, end: number, state: BatchState): void {
  while (r.pos < end) {
    const at = r.pos;
    const tag = nextTag(r, end);
    switch (tag >>> 3) {
      case 1: {
        expectWire(tag, WIRE_LEN, 'Batch.spans', at);
        const stop = r.lenEnd(end);
        readSpan(r, stop, state);
        r.pos = stop;
        break;
      }
      case 2: {
        expectWire(tag, WIRE_LEN, 'Batch.process', at);
        const stop = r.lenEnd(end);
        const bytesStart = r.pos;
        state.batchProcess = readProcess(r, stop, state.batchProcess);
        // Key on the payload bytes, concatenated if the field repeats (protobuf merge = concatenation).
        const key = r.buf.toString('latin1', bytesStart, stop);
        state.batchProcessKey = state.batchProcessKey === null ? key : state.batchProcessKey + key;
        r.pos = stop;
        break;
      }
      default:
        r.skip(tag & 7, end, tag >>> 3);
    }
  }
}

function readProcess(r: WireReader, end: number, into: JaegerProcess | null): JaegerProcess {
  const p = into ?? new JaegerProcess('', []);
  while (r.pos < end) {
    const at = r.pos;
    const tag = nextTag(r, end);
    switch (tag >>> 3) {
      case 1: {
        expectWire(tag, WIRE_LEN, 'Process.service_name', at);
        const stop = r.lenEnd(end);
        p.serviceName = utf8(r.buf, r.pos, stop);
        r.pos = stop;
        break;
      }
      case 2: {
        expectWire(tag, WIRE_LEN, 'Process.tags', at);
        const stop = r.lenEnd(end);
        p.tags.push(readKeyValue(r, stop));
        r.pos = stop;
        break;
      }
      default:
        r.skip(tag & 7, end, tag >>> 3);
    }
  }
  return p;
}

function readId(r: WireReader, end: number, size: number, what: string, at: number): Buffer {
  const stop = r.lenEnd(end);
  const len = stop - r.pos;
  if (len !== size) throw new WireError(`${what} must be ${size} bytes, got ${len}`, at);
  // Copy: ids outlive the request buffer's decode (they go into the OTLP model).
  const id = Buffer.allocUnsafe(size);
  r.buf.copy(id, 0, r.pos, stop);
  r.pos = stop;
  return id;
}

function readSpan(r: WireReader, end: number, state: BatchState): void {
  let traceId = ZERO_TRACE_ID;
  let spanId = ZERO_SPAN_ID;
  let operationName = '';
  let references = NO_REFS;
  let flags = 0;
  let start = 0n;
  let duration = 0n;
  const tags: KeyValue[] = [];
  const logs: JaegerLog[] = [];
  let process: JaegerProcess | null = null;
  let processKey: string | null = null;
  while (r.pos < end) {
    const at = r.pos;
    const tag = nextTag(r, end);
    switch (tag >>> 3) {
      case 1:
        expectWire(tag, WIRE_LEN, 'Span.trace_id', at);
        traceId = readId(r, end, 16, 'Span.trace_id', at);
        break;
      case 2:
        expectWire(tag, WIRE_LEN, 'Span.span_id', at);
        spanId = readId(r, end, 8, 'Span.span_id', at);
        break;
      case 3: {
        expectWire(tag, WIRE_LEN, 'Span.operation_name', at);
        const stop = r.lenEnd(end);
        operationName = utf8(r.buf, r.pos, stop);
        r.pos = stop;
        break;
      }
      case 4: {
        expectWire(tag, WIRE_LEN, 'Span.references', at);
        const stop = r.lenEnd(end);
        if (references === NO_REFS) references = [];
        references.push(readRef(r, stop));
        r.pos = stop;
        break;
      }
      case 5:
        expectWire(tag, WIRE_VARINT, 'Span.flags', at);
        flags = r.int32(end) >>> 0;
        break;
      case 6: {
        expectWire(tag, WIRE_LEN, 'Span.start_time', at);
        const stop = r.lenEnd(end);
        start = readTimestampNs(r, stop, 'Span.start_time');
        r.pos = stop;
        break;
      }
      case 7: {
        expectWire(tag, WIRE_LEN, 'Span.duration', at);
        const stop = r.lenEnd(end);
        duration = readTimestampNs(r, stop, 'Span.duration');
        r.pos = stop;
        break;
      }
      case 8: {
        expectWire(tag, WIRE_LEN, 'Span.tags', at);
        const stop = r.lenEnd(end);
        tags.push(readKeyValue(r, stop));
        r.pos = stop;
        break;
      }
      case 9: {
        expectWire(tag, WIRE_LEN, 'Span.logs', at);
        const stop = r.lenEnd(end);
        logs.push(readLog(r, stop));
        r.pos = stop;
        break;
      }
      case 10: {
        expectWire(tag, WIRE_LEN, 'Span.process', at);
        const stop = r.lenEnd(end);
        const bytesStart = r.pos;
        process = readProcess(r, stop, process);
        const key = r.buf.toString('latin1', bytesStart, stop);
        processKey = processKey === null ? key : processKey + key;
        r.pos = stop;
        break;
      }
      default:
        // process_id (11), warnings (12) and unknown fields: not mapped (as otelcol).
        r.skip(tag & 7, end, tag >>> 3);
    }
  }
  const span = new JaegerSpan(traceId, spanId, null, operationName, references, flags, start, duration, tags, logs);
  if (processKey === null) {
    state.plainSpans.push(span);
    return;
  }
  let group = state.groups.get(processKey);
  if (group === undefined) {
    group = new JaegerBatch(process, []);
    state.groups.set(processKey, group);
  }
  group.spans.push(span);
}

function readRef(r: WireReader, end: number): JaegerRef {
  let traceId = ZERO_TRACE_ID;
  let spanId = ZERO_SPAN_ID;
  let refType = 0;
  while (r.pos < end) {
    const at = r.pos;
    const tag = nextTag(r, end);
    switch (tag >>> 3) {
      case 1:
        expectWire(tag, WIRE_LEN, 'SpanRef.trace_id', at);
        traceId = readId(r, end, 16, 'SpanRef.trace_id', at);
        break;
      case 2:
        expectWire(tag, WIRE_LEN, 'SpanRef.span_id', at);
        spanId = readId(r, end, 8, 'SpanRef.span_id', at);
        break;
      case 3:
        expectWire(tag, WIRE_VARINT, 'SpanRef.ref_type', at);
        refType = r.int32(end);
        break;
      default:
        r.skip(tag & 7, end, tag >>> 3);
    }
  }
  return new JaegerRef(refType, traceId, spanId);
}

function readLog(r: WireReader, end: number): JaegerLog {
  let time = 0n;
  const fields: KeyValue[] = [];
  while (r.pos < end) {
    const at = r.pos;
    const tag = nextTag(r, end);
    switch (tag >>> 3) {
      case 1: {
        expectWire(tag, WIRE_LEN, 'Log.timestamp', at);
        const stop = r.lenEnd(end);
        time = readTimestampNs(r, stop, 'Log.timestamp');
        r.pos = stop;
        break;
      }
      case 2: {
        expectWire(tag, WIRE_LEN, 'Log.fields', at);
        const stop = r.lenEnd(end);
        fields.push(readKeyValue(r, stop));
        r.pos = stop;
        break;
      }
      default:
        r.skip(tag & 7, end, tag >>> 3);
    }
  }
  return new JaegerLog(time, fields);
}

/** google.protobuf.Timestamp or Duration (same fields) as nanoseconds. */
function readTimestampNs(r: WireReader, end: number, what: string): bigint {
  let seconds = 0n;
  let nanos = 0;
  while (r.pos < end) {
    const at = r.pos;
    const tag = nextTag(r, end);
    switch (tag >>> 3) {
      case 1:
        expectWire(tag, WIRE_VARINT, `${what}.seconds`, at);
        seconds = r.varint64(end);
        break;
      case 2:
        expectWire(tag, WIRE_VARINT, `${what}.nanos`, at);
        nanos = r.int32(end);
        break;
      default:
        r.skip(tag & 7, end, tag >>> 3);
    }
  }
  return seconds * 1_000_000_000n + BigInt(nanos);
}

function readKeyValue(r: WireReader, end: number): KeyValue {
  let key = '';
  let vType = 0;
  let vStr = '';
  let vBool = false;
  let vInt = 0n;
  let vFloat = 0;
  let vBinStart = 0;
  let vBinEnd = 0;
  while (r.pos < end) {
    const at = r.pos;
    const tag = nextTag(r, end);
    switch (tag >>> 3) {
      case 1: {
        expectWire(tag, WIRE_LEN, 'KeyValue.key', at);
        const stop = r.lenEnd(end);
        key = utf8(r.buf, r.pos, stop);
        r.pos = stop;
        break;
      }
      case 2:
        expectWire(tag, WIRE_VARINT, 'KeyValue.v_type', at);
        vType = r.int32(end);
        break;
      case 3: {
        expectWire(tag, WIRE_LEN, 'KeyValue.v_str', at);
        const stop = r.lenEnd(end);
        vStr = utf8(r.buf, r.pos, stop);
        r.pos = stop;
        break;
      }
      case 4:
        expectWire(tag, WIRE_VARINT, 'KeyValue.v_bool', at);
        vBool = r.varint(end) !== 0;
        break;
      case 5:
        expectWire(tag, WIRE_VARINT, 'KeyValue.v_int64', at);
        vInt = r.varint64(end);
        break;
      case 6:
        expectWire(tag, WIRE_I64, 'KeyValue.v_float64', at);
        if (r.pos + 8 > end) throw new WireError('truncated double', r.pos);
        vFloat = r.buf.readDoubleLE(r.pos);
        r.pos += 8;
        break;
      case 7: {
        expectWire(tag, WIRE_LEN, 'KeyValue.v_binary', at);
        const stop = r.lenEnd(end);
        vBinStart = r.pos;
        vBinEnd = stop;
        r.pos = stop;
        break;
      }
      default:
        r.skip(tag & 7, end, tag >>> 3);
    }
  }
  let value: AnyValue;
  switch (vType) {
    case VT_STRING:
      value = { stringValue: vStr };
      break;
    case VT_BOOL:
      value = { boolValue: vBool };
      break;
    case VT_INT64:
      value = { intValue: vInt };
      break;
    case VT_FLOAT64:
      value = { doubleValue: vFloat };
      break;
    case VT_BINARY:
      value = { bytesValue: Buffer.from(r.buf.subarray(vBinStart, vBinEnd)) };
      break;
    default:
      // As otelcol: Go's %q of an unknown proto enum value prints its number.
      value = { stringValue: `<Unknown Jaeger TagType "${vType}">` };
  }
  return { key, value };
}
