/**
 * Decoders for the jaeger.thrift structs (Batch, Process, Span, Tag, Log, SpanRef) and the
 * agent.thrift `Agent.emitBatch` message, over either Thrift protocol (thrift-reader.ts).
 *
 * As Apache Thrift's generated Go code reads them (which is what otelcol runs): fields are
 * matched by id; a known field with an unexpected type is skipped like an unknown one; after the
 * struct, every `required` field must have been seen, or the struct is refused
 * ("required field Span.spanId is not set"). Trailing bytes after the message are ignored.
 */
import type { AnyValue, KeyValue } from '../../pdata/model.ts';
import {
  JaegerBatch,
  JaegerDecodeError,
  JaegerLog,
  JaegerProcess,
  JaegerRef,
  JaegerSpan,
} from './jaeger-model.ts';
import {
  BinaryReader,
  CompactReader,
  MESSAGE_CALL,
  MESSAGE_ONEWAY,
  T_BOOL,
  T_DOUBLE,
  T_I32,
  T_I64,
  T_LIST,
  T_STOP,
  T_STRING,
  T_STRUCT,
  thriftError,
  type ThriftReader,
} from './thrift-reader.ts';

export type ThriftProtocol = 'compact' | 'binary';

// jaeger.thrift TagType.
const TAG_STRING = 0;
const TAG_DOUBLE = 1;
const TAG_BOOL = 2;
const TAG_LONG = 3;
const TAG_BINARY = 4;

// Shared by every span without references; frozen so that nothing can fill it by mistake.
const NO_REFS = Object.freeze([]) as unknown as JaegerRef[];

/** Decodes one agent UDP packet (`Agent.emitBatch`). Returns null for a call without a batch. */
export function decodeAgentPacket(packet: Buffer, protocol: ThriftProtocol): JaegerBatch | null {
  const r: ThriftReader = protocol === 'compact' ? new CompactReader(packet) : new BinaryReader(packet);
  r.readMessageBegin();
  const name = r.messageName;
  if (name !== 'emitBatch') {
    if (name === 'emitZipkinBatch') {
      throw new JaegerDecodeError('Agent.emitZipkinBatch is not supported: send Zipkin spans to the zipkin receiver');
    }
    throw new JaegerDecodeError(`unknown Agent method "${name.length > 64 ? `${name.slice(0, 64)}...` : name}"`);
  }
  if (r.messageType !== MESSAGE_ONEWAY && r.messageType !== MESSAGE_CALL) {
    throw new JaegerDecodeError(`Agent.emitBatch sent as message type ${r.messageType} (expected a oneway call)`);
  }
  let batch: JaegerBatch | null = null;
  r.readStructBegin();
  for (;;) {
    const type = r.readFieldBegin();
    if (type === T_STOP) break;
    if (r.fieldId === 1 && type === T_STRUCT) batch = readBatch(r, 1);
    else r.skip(type, 1);
  }
  r.readStructEnd();
  return batch;
}

/** Decodes a jaeger.thrift Batch struct (the collector's POST /api/traces body: TBinaryProtocol). */
export function decodeThriftBatch(body: Buffer, protocol: ThriftProtocol = 'binary'): JaegerBatch {
  const r: ThriftReader = protocol === 'compact' ? new CompactReader(body) : new BinaryReader(body);
  return readBatch(r, 0);
}

function missing(struct: string, field: string, r: ThriftReader): JaegerDecodeError {
  return thriftError(`required field ${struct}.${field} is not set`, r.pos);
}

/** Reads a list header and checks that its elements are structs. */
function readStructList(r: ThriftReader, what: string): number {
  const at = r.pos;
  const n = r.readListBegin();
  if (n > 0 && r.elemType !== T_STRUCT) throw thriftError(`${what}: expected a list of structs, got element type ${r.elemType}`, at);
  return n;
}

function readBatch(r: ThriftReader, depth: number): JaegerBatch {
  let process: JaegerProcess | null = null;
  let spans: JaegerSpan[] | null = null;
  r.readStructBegin();
  for (;;) {
    const type = r.readFieldBegin();
    if (type === T_STOP) break;
    const id = r.fieldId;
    if (id === 1 && type === T_STRUCT) process = readProcess(r, depth + 1);
    else if (id === 2 && type === T_LIST) {
      const n = readStructList(r, 'Batch.spans');
      spans = [];
      for (let i = 0; i < n; i++) spans.push(readSpan(r, depth + 2));
    } else r.skip(type, depth + 1); // seqNo, stats, unknown
  }
  r.readStructEnd();
  if (process === null) throw missing('Batch', 'process', r);
  if (spans === null) throw missing('Batch', 'spans', r);
  return new JaegerBatch(process, spans);
}

function readProcess(r: ThriftReader, depth: number): JaegerProcess {
  let serviceName: string | null = null;
  let tags: KeyValue[] = [];
  r.readStructBegin();
  for (;;) {
    const type = r.readFieldBegin();
    if (type === T_STOP) break;
    const id = r.fieldId;
    if (id === 1 && type === T_STRING) serviceName = r.readString();
    else if (id === 2 && type === T_LIST) tags = readTags(r, depth + 1, 'Process.tags');
    else r.skip(type, depth + 1);
  }
  r.readStructEnd();
  if (serviceName === null) throw missing('Process', 'serviceName', r);
  return new JaegerProcess(serviceName, tags);
}

// Required-field bits of Span.
const SP_TRACE_LOW = 1;
const SP_TRACE_HIGH = 2;
const SP_SPAN_ID = 4;
const SP_PARENT = 8;
const SP_NAME = 16;
const SP_FLAGS = 32;
const SP_START = 64;
const SP_DURATION = 128;
const SP_ALL = 255;
const SP_NAMES: readonly [number, string][] = [
  [SP_TRACE_LOW, 'traceIdLow'],
  [SP_TRACE_HIGH, 'traceIdHigh'],
  [SP_SPAN_ID, 'spanId'],
  [SP_PARENT, 'parentSpanId'],
  [SP_NAME, 'operationName'],
  [SP_FLAGS, 'flags'],
  [SP_START, 'startTime'],
  [SP_DURATION, 'duration'],
];

function readSpan(r: ThriftReader, depth: number): JaegerSpan {
  // The trace id is filled from two fields: allocate it once and write each half where it goes.
  const traceId = Buffer.allocUnsafe(16);
  const spanId = Buffer.allocUnsafe(8);
  let parentSpanId: Buffer | null = null;
  let operationName = '';
  let references = NO_REFS;
  let flags = 0;
  let start = 0n;
  let duration = 0n;
  let tags: KeyValue[] = [];
  let logs: JaegerLog[] = [];
  let seen = 0;
  r.readStructBegin();
  for (;;) {
    const type = r.readFieldBegin();
    if (type === T_STOP) break;
    switch (r.fieldId) {
      case 1:
        if (type !== T_I64) break;
        r.readI64();
        r.writeI64(traceId, 8);
        seen |= SP_TRACE_LOW;
        continue;
      case 2:
        if (type !== T_I64) break;
        r.readI64();
        r.writeI64(traceId, 0);
        seen |= SP_TRACE_HIGH;
        continue;
      case 3:
        if (type !== T_I64) break;
        r.readI64();
        r.writeI64(spanId, 0);
        seen |= SP_SPAN_ID;
        continue;
      case 4:
        if (type !== T_I64) break;
        r.readI64();
        // 0 means "no parent" (then references may name one).
        if (r.hi !== 0 || r.lo !== 0) {
          parentSpanId = Buffer.allocUnsafe(8);
          r.writeI64(parentSpanId, 0);
        } else parentSpanId = null;
        seen |= SP_PARENT;
        continue;
      case 5:
        if (type !== T_STRING) break;
        operationName = r.readString();
        seen |= SP_NAME;
        continue;
      case 6:
        if (type !== T_LIST) break;
        references = readRefs(r, depth + 1);
        continue;
      case 7:
        if (type !== T_I32) break;
        flags = r.readI32();
        seen |= SP_FLAGS;
        continue;
      case 8:
        if (type !== T_I64) break;
        r.readI64();
        start = r.i64AsBigInt() * 1000n;
        seen |= SP_START;
        continue;
      case 9:
        if (type !== T_I64) break;
        r.readI64();
        duration = r.i64AsBigInt() * 1000n;
        seen |= SP_DURATION;
        continue;
      case 10:
        if (type !== T_LIST) break;
        tags = readTags(r, depth + 1, 'Span.tags');
        continue;
      case 11:
        if (type !== T_LIST) break;
        logs = readLogs(r, depth + 1);
        continue;
    }
    r.skip(type, depth + 1);
  }
  r.readStructEnd();
  if (seen !== SP_ALL) {
    for (const [bit, name] of SP_NAMES) if ((seen & bit) === 0) throw missing('Span', name, r);
  }
  return new JaegerSpan(traceId, spanId, parentSpanId, operationName, references, flags, start, duration, tags, logs);
}

function readRefs(r: ThriftReader, depth: number): JaegerRef[] {
  const n = readStructList(r, 'Span.references');
  const refs: JaegerRef[] = [];
  for (let i = 0; i < n; i++) {
    const traceId = Buffer.allocUnsafe(16);
    const spanId = Buffer.allocUnsafe(8);
    let refType = 0;
    let seen = 0;
    r.readStructBegin();
    for (;;) {
      const type = r.readFieldBegin();
      if (type === T_STOP) break;
      const id = r.fieldId;
      if (id === 1 && type === T_I32) {
        refType = r.readI32();
        seen |= 1;
      } else if (id >= 2 && id <= 4 && type === T_I64) {
        r.readI64();
        if (id === 2) r.writeI64(traceId, 8);
        else if (id === 3) r.writeI64(traceId, 0);
        else r.writeI64(spanId, 0);
        seen |= 1 << (id - 1);
      } else r.skip(type, depth + 1);
    }
    r.readStructEnd();
    if (seen !== 15) {
      const name = (seen & 1) === 0 ? 'refType' : (seen & 2) === 0 ? 'traceIdLow' : (seen & 4) === 0 ? 'traceIdHigh' : 'spanId';
      throw missing('SpanRef', name, r);
    }
    refs.push(new JaegerRef(refType, traceId, spanId));
  }
  return refs;
}

function readLogs(r: ThriftReader, depth: number): JaegerLog[] {
  const n = readStructList(r, 'Span.logs');
  const logs: JaegerLog[] = [];
  for (let i = 0; i < n; i++) {
    let time: bigint | null = null;
    let fields: KeyValue[] | null = null;
    r.readStructBegin();
    for (;;) {
      const type = r.readFieldBegin();
      if (type === T_STOP) break;
      const id = r.fieldId;
      if (id === 1 && type === T_I64) {
        r.readI64();
        time = r.i64AsBigInt() * 1000n;
      } else if (id === 2 && type === T_LIST) fields = readTags(r, depth + 1, 'Log.fields');
      else r.skip(type, depth + 1);
    }
    r.readStructEnd();
    if (time === null) throw missing('Log', 'timestamp', r);
    if (fields === null) throw missing('Log', 'fields', r);
    logs.push(new JaegerLog(time, fields));
  }
  return logs;
}

function readTags(r: ThriftReader, depth: number, what: string): KeyValue[] {
  const n = readStructList(r, what);
  const tags: KeyValue[] = [];
  for (let i = 0; i < n; i++) tags.push(readTag(r, depth + 1));
  return tags;
}

/** A Tag, mapped by its vType to the OTLP value it becomes (otelcol's jThriftTagsToInternalAttributes). */
function readTag(r: ThriftReader, depth: number): KeyValue {
  let key: string | null = null;
  let vType = 0;
  let hasType = false;
  let vStr = '';
  let vDouble = 0;
  let vBool = false;
  let vLong = 0n;
  let vBinary: Buffer | null = null;
  r.readStructBegin();
  for (;;) {
    const type = r.readFieldBegin();
    if (type === T_STOP) break;
    switch (r.fieldId) {
      case 1:
        if (type !== T_STRING) break;
        key = r.readString();
        continue;
      case 2:
        if (type !== T_I32) break;
        vType = r.readI32();
        hasType = true;
        continue;
      case 3:
        if (type !== T_STRING) break;
        vStr = r.readString();
        continue;
      case 4:
        if (type !== T_DOUBLE) break;
        vDouble = r.readDouble();
        continue;
      case 5:
        if (type !== T_BOOL) break;
        vBool = r.readBool();
        continue;
      case 6:
        if (type !== T_I64) break;
        r.readI64();
        vLong = r.i64AsBigInt();
        continue;
      case 7:
        if (type !== T_STRING) break;
        vBinary = r.readBinary();
        continue;
    }
    r.skip(type, depth + 1);
  }
  r.readStructEnd();
  if (key === null) throw missing('Tag', 'key', r);
  if (!hasType) throw missing('Tag', 'vType', r);
  let value: AnyValue;
  switch (vType) {
    case TAG_STRING:
      value = { stringValue: vStr };
      break;
    case TAG_DOUBLE:
      value = { doubleValue: vDouble };
      break;
    case TAG_BOOL:
      value = { boolValue: vBool };
      break;
    case TAG_LONG:
      value = { intValue: vLong };
      break;
    case TAG_BINARY:
      // Copy: the packet buffer is reused / released after decoding.
      value = { bytesValue: vBinary === null ? Buffer.alloc(0) : Buffer.from(vBinary) };
      break;
    default:
      // As otelcol (Go's %q of an unknown TagType, whose String() is "<UNSET>").
      value = { stringValue: '<Unknown Jaeger TagType "<UNSET>">' };
  }
  return { key, value };
}
