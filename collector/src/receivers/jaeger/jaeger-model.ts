/**
 * The decoded form of a Jaeger batch, shared by the Thrift (agent UDP, collector HTTP) and the
 * api_v2 protobuf (gRPC) decoders, so one translator maps both to OTLP (translate.ts).
 *
 * Tags are decoded straight into OTLP KeyValues (string / bool / int / double / bytes): the
 * tag-to-attribute mapping is one line per type, and doing it while decoding saves an object per
 * tag. Ids are Buffers of exactly 16 (trace) and 8 (span) bytes, big-endian as Jaeger writes them
 * (traceIdHigh first), so a 64-bit trace id arrives already widened to 128 bits.
 */
import type { KeyValue } from '../../pdata/model.ts';

/** The one error type the Jaeger decoders throw for bad input (the receiver answers 400 / INVALID_ARGUMENT). */
export class JaegerDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JaegerDecodeError';
  }
}

export const REF_CHILD_OF = 0;
export const REF_FOLLOWS_FROM = 1;

// Classes with every field set in the constructor: one hidden class per type (stable shapes on
// the hot path), unlike object literals built field by field.

export class JaegerRef {
  refType: number;
  traceId: Buffer;
  spanId: Buffer;
  constructor(refType: number, traceId: Buffer, spanId: Buffer) {
    this.refType = refType;
    this.traceId = traceId;
    this.spanId = spanId;
  }
}

export class JaegerLog {
  /** Nanoseconds since the epoch (Jaeger sends microseconds or a Timestamp). */
  timeNs: bigint;
  fields: KeyValue[];
  constructor(timeNs: bigint, fields: KeyValue[]) {
    this.timeNs = timeNs;
    this.fields = fields;
  }
}

export class JaegerSpan {
  traceId: Buffer;
  spanId: Buffer;
  /** Thrift's parentSpanId field when non-zero; null otherwise (api_v2 carries parents as references only). */
  parentSpanId: Buffer | null;
  operationName: string;
  references: JaegerRef[];
  flags: number;
  startNs: bigint;
  durationNs: bigint;
  tags: KeyValue[];
  logs: JaegerLog[];
  constructor(
    traceId: Buffer,
    spanId: Buffer,
    parentSpanId: Buffer | null,
    operationName: string,
    references: JaegerRef[],
    flags: number,
    startNs: bigint,
    durationNs: bigint,
    tags: KeyValue[],
    logs: JaegerLog[],
  ) {
    this.traceId = traceId;
    this.spanId = spanId;
    this.parentSpanId = parentSpanId;
    this.operationName = operationName;
    this.references = references;
    this.flags = flags;
    this.startNs = startNs;
    this.durationNs = durationNs;
    this.tags = tags;
    this.logs = logs;
  }
}

export class JaegerProcess {
  serviceName: string;
  tags: KeyValue[];
  constructor(serviceName: string, tags: KeyValue[]) {
    this.serviceName = serviceName;
    this.tags = tags;
  }
}

/** Spans that share one process (one OTLP resource). */
export class JaegerBatch {
  process: JaegerProcess | null;
  spans: JaegerSpan[];
  constructor(process: JaegerProcess | null, spans: JaegerSpan[]) {
    this.process = process;
    this.spans = spans;
  }
}

