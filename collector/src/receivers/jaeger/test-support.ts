/**
 * Shared pieces of the jaeger receiver tests: receivers started on free ports and stopped by the
 * tests, and reference encoders that are not ours — Apache Thrift's own TCompactProtocol /
 * TBinaryProtocol (npm `thrift`, driven field by field as its generated code would be) and
 * protobufjs for api_v2 (model.proto's messages, copied below without the gogoproto options).
 * What arrives at the sink is decoded with the otlp-reference protobufjs root
 * (referencePlainSpans), never with our own decoder.
 */
import { createRequire } from 'node:module';
import { SpanKind, SpanStatusCode, TraceFlags, type SpanContext } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import protobuf from 'protobufjs';
import type { Consumer, CreateSettings } from '../../component/types.ts';
import { testSettings } from '../otlp/test-support.ts';
import { jaegerReceiverConfigSchema } from './config.ts';
import { JaegerReceiver, type JaegerBoundAddresses, type JaegerReceiverOptions } from './receiver.ts';

export { counterValue, referencePlainSpans, SinkConsumer, type PlainSpan, type PlainValue } from '../otlp/test-support.ts';

const require = createRequire(import.meta.url);
// npm `thrift` ships no types; used through this narrow view.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const thrift = require('thrift') as ThriftModule;

interface ThriftProtocolWriter {
  writeMessageBegin(name: string, type: number, seqid: number): void;
  writeMessageEnd(): void;
  writeStructBegin(name: string): void;
  writeStructEnd(): void;
  writeFieldBegin(name: string, type: number, id: number): void;
  writeFieldEnd(): void;
  writeFieldStop(): void;
  writeListBegin(elemType: number, size: number): void;
  writeListEnd(): void;
  writeBool(v: boolean): void;
  writeI32(v: number): void;
  writeI64(v: unknown): void;
  writeDouble(v: number): void;
  writeString(v: string): void;
  writeBinary(v: Buffer): void;
}

interface ThriftModule {
  TBufferedTransport: new (buffer: undefined, onFlush: (buf: Buffer) => void) => { flush(): void };
  TCompactProtocol: new (transport: unknown) => ThriftProtocolWriter;
  TBinaryProtocol: new (transport: unknown) => ThriftProtocolWriter;
  Int64: new (buf: Buffer) => unknown;
  Thrift: { Type: Record<string, number>; MessageType: Record<string, number> };
}

const T = thrift.Thrift.Type;

// ---------- receivers under test ----------

const host = { getExtension: () => undefined, status: 'running' as const };

export interface StartedJaeger {
  receiver: JaegerReceiver;
  settings: CreateSettings;
  addresses: JaegerBoundAddresses;
}

/** Starts receivers and remembers them, so afterEach can stop them even when a test fails. */
export class JaegerPool {
  private readonly running: JaegerReceiver[] = [];

  async start(rawConfig: unknown, sink: Consumer, options?: JaegerReceiverOptions & { id?: string }): Promise<StartedJaeger> {
    const config = jaegerReceiverConfigSchema.parse(rawConfig);
    const settings = testSettings(options?.id ?? 'jaeger');
    const receiver = new JaegerReceiver(settings, config, sink, { shutdownGraceMs: 2000, ...options });
    this.running.push(receiver);
    await receiver.start(host);
    return { receiver, settings, addresses: receiver.boundAddresses() };
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.running.splice(0).map((r) => r.shutdown()));
  }
}

export function testHost() {
  return host;
}

/** "127.0.0.1:1234" -> { host, port }. */
export function hostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(address.slice(i + 1)) };
}

// ---------- jaeger.thrift values, encoded by Apache Thrift ----------

export const TagType = { STRING: 0, DOUBLE: 1, BOOL: 2, LONG: 3, BINARY: 4 } as const;

export interface TTag {
  key: string;
  vType: number;
  vStr?: string;
  vDouble?: number;
  vBool?: boolean;
  vLong?: bigint;
  vBinary?: Buffer;
}
export interface TLog {
  timestamp: bigint;
  fields: TTag[];
}
export interface TRef {
  refType: number;
  traceIdLow: bigint;
  traceIdHigh: bigint;
  spanId: bigint;
}
export interface TSpan {
  traceIdLow: bigint;
  traceIdHigh: bigint;
  spanId: bigint;
  parentSpanId: bigint;
  operationName: string;
  references?: TRef[];
  flags: number;
  startTime: bigint;
  duration: bigint;
  tags?: TTag[];
  logs?: TLog[];
}
export interface TBatch {
  process: { serviceName: string; tags?: TTag[] };
  spans: TSpan[];
  seqNo?: bigint;
}

export type ApacheProtocol = 'compact' | 'binary';

function i64(v: bigint): unknown {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt.asIntN(64, v));
  return new thrift.Int64(b);
}

function writeTag(p: ThriftProtocolWriter, t: TTag): void {
  p.writeStructBegin('Tag');
  p.writeFieldBegin('key', T.STRING!, 1);
  p.writeString(t.key);
  p.writeFieldEnd();
  p.writeFieldBegin('vType', T.I32!, 2);
  p.writeI32(t.vType);
  p.writeFieldEnd();
  if (t.vStr !== undefined) {
    p.writeFieldBegin('vStr', T.STRING!, 3);
    p.writeString(t.vStr);
    p.writeFieldEnd();
  }
  if (t.vDouble !== undefined) {
    p.writeFieldBegin('vDouble', T.DOUBLE!, 4);
    p.writeDouble(t.vDouble);
    p.writeFieldEnd();
  }
  if (t.vBool !== undefined) {
    p.writeFieldBegin('vBool', T.BOOL!, 5);
    p.writeBool(t.vBool);
    p.writeFieldEnd();
  }
  if (t.vLong !== undefined) {
    p.writeFieldBegin('vLong', T.I64!, 6);
    p.writeI64(i64(t.vLong));
    p.writeFieldEnd();
  }
  if (t.vBinary !== undefined) {
    p.writeFieldBegin('vBinary', T.STRING!, 7);
    p.writeBinary(t.vBinary);
    p.writeFieldEnd();
  }
  p.writeFieldStop();
  p.writeStructEnd();
}

function writeTags(p: ThriftProtocolWriter, name: string, id: number, tags: TTag[] | undefined): void {
  if (tags === undefined) return;
  p.writeFieldBegin(name, T.LIST!, id);
  p.writeListBegin(T.STRUCT!, tags.length);
  for (const t of tags) writeTag(p, t);
  p.writeListEnd();
  p.writeFieldEnd();
}

function writeI64Field(p: ThriftProtocolWriter, name: string, id: number, v: bigint): void {
  p.writeFieldBegin(name, T.I64!, id);
  p.writeI64(i64(v));
  p.writeFieldEnd();
}

function writeSpan(p: ThriftProtocolWriter, s: TSpan): void {
  p.writeStructBegin('Span');
  writeI64Field(p, 'traceIdLow', 1, s.traceIdLow);
  writeI64Field(p, 'traceIdHigh', 2, s.traceIdHigh);
  writeI64Field(p, 'spanId', 3, s.spanId);
  writeI64Field(p, 'parentSpanId', 4, s.parentSpanId);
  p.writeFieldBegin('operationName', T.STRING!, 5);
  p.writeString(s.operationName);
  p.writeFieldEnd();
  if (s.references !== undefined) {
    p.writeFieldBegin('references', T.LIST!, 6);
    p.writeListBegin(T.STRUCT!, s.references.length);
    for (const r of s.references) {
      p.writeStructBegin('SpanRef');
      p.writeFieldBegin('refType', T.I32!, 1);
      p.writeI32(r.refType);
      p.writeFieldEnd();
      writeI64Field(p, 'traceIdLow', 2, r.traceIdLow);
      writeI64Field(p, 'traceIdHigh', 3, r.traceIdHigh);
      writeI64Field(p, 'spanId', 4, r.spanId);
      p.writeFieldStop();
      p.writeStructEnd();
    }
    p.writeListEnd();
    p.writeFieldEnd();
  }
  p.writeFieldBegin('flags', T.I32!, 7);
  p.writeI32(s.flags);
  p.writeFieldEnd();
  writeI64Field(p, 'startTime', 8, s.startTime);
  writeI64Field(p, 'duration', 9, s.duration);
  writeTags(p, 'tags', 10, s.tags);
  if (s.logs !== undefined) {
    p.writeFieldBegin('logs', T.LIST!, 11);
    p.writeListBegin(T.STRUCT!, s.logs.length);
    for (const l of s.logs) {
      p.writeStructBegin('Log');
      writeI64Field(p, 'timestamp', 1, l.timestamp);
      writeTags(p, 'fields', 2, l.fields);
      p.writeFieldStop();
      p.writeStructEnd();
    }
    p.writeListEnd();
    p.writeFieldEnd();
  }
  p.writeFieldStop();
  p.writeStructEnd();
}

function writeBatch(p: ThriftProtocolWriter, b: TBatch): void {
  p.writeStructBegin('Batch');
  p.writeFieldBegin('process', T.STRUCT!, 1);
  p.writeStructBegin('Process');
  p.writeFieldBegin('serviceName', T.STRING!, 1);
  p.writeString(b.process.serviceName);
  p.writeFieldEnd();
  writeTags(p, 'tags', 2, b.process.tags);
  p.writeFieldStop();
  p.writeStructEnd();
  p.writeFieldEnd();
  p.writeFieldBegin('spans', T.LIST!, 2);
  p.writeListBegin(T.STRUCT!, b.spans.length);
  for (const s of b.spans) writeSpan(p, s);
  p.writeListEnd();
  p.writeFieldEnd();
  if (b.seqNo !== undefined) writeI64Field(p, 'seqNo', 3, b.seqNo);
  p.writeFieldStop();
  p.writeStructEnd();
}

function encodeWith(protocol: ApacheProtocol, write: (p: ThriftProtocolWriter) => void): Buffer {
  const chunks: Buffer[] = [];
  const transport = new thrift.TBufferedTransport(undefined, (buf) => chunks.push(Buffer.from(buf)));
  const p = protocol === 'compact' ? new thrift.TCompactProtocol(transport) : new thrift.TBinaryProtocol(transport);
  write(p);
  transport.flush();
  return Buffer.concat(chunks);
}

/** A bare Batch struct (the thrift_http body when binary). */
export function apacheBatch(protocol: ApacheProtocol, batch: TBatch): Buffer {
  return encodeWith(protocol, (p) => writeBatch(p, batch));
}

/** An `Agent.emitBatch` oneway message, as an agent UDP packet. */
export function apacheEmitBatch(protocol: ApacheProtocol, batch: TBatch, method = 'emitBatch'): Buffer {
  return encodeWith(protocol, (p) => {
    p.writeMessageBegin(method, thrift.Thrift.MessageType.ONEWAY!, 1);
    p.writeStructBegin('Agent_emitBatch_args');
    p.writeFieldBegin('batch', T.STRUCT!, 1);
    writeBatch(p, batch);
    p.writeFieldEnd();
    p.writeFieldStop();
    p.writeStructEnd();
    p.writeMessageEnd();
  });
}

/** A batch using every jaeger.thrift field: all tag types, logs, both reference types, 128-bit ids. */
export function fullThriftBatch(): TBatch {
  return {
    process: {
      serviceName: 'checkout',
      tags: [
        { key: 'hostname', vType: TagType.STRING, vStr: 'host-a' },
        { key: 'jaeger.version', vType: TagType.STRING, vStr: 'Go-2.30.0' },
        { key: 'ip', vType: TagType.STRING, vStr: '10.0.0.7' },
        { key: 'cores', vType: TagType.LONG, vLong: 8n },
      ],
    },
    seqNo: 3n,
    spans: [
      {
        traceIdLow: 0x1122334455667788n,
        traceIdHigh: -0x0fedcba987654321n,
        spanId: 0x0102030405060708n,
        parentSpanId: 0n,
        operationName: 'GET /checkout ✓',
        flags: 1,
        startTime: 1_700_000_000_123_456n,
        duration: 2_500n,
        references: [
          { refType: 1, traceIdLow: 0x99n, traceIdHigh: 0x77n, spanId: 0x55n },
        ],
        tags: [
          { key: 'span.kind', vType: TagType.STRING, vStr: 'server' },
          { key: 'str', vType: TagType.STRING, vStr: 'hello wörld' },
          { key: 'double', vType: TagType.DOUBLE, vDouble: -3.25 },
          { key: 'bool.true', vType: TagType.BOOL, vBool: true },
          { key: 'bool.false', vType: TagType.BOOL, vBool: false },
          { key: 'long', vType: TagType.LONG, vLong: -9_007_199_254_740_993n },
          { key: 'binary', vType: TagType.BINARY, vBinary: Buffer.from([0, 1, 254, 255]) },
          { key: 'error', vType: TagType.BOOL, vBool: true },
          { key: 'otel.status_description', vType: TagType.STRING, vStr: 'payment declined' },
          { key: 'otel.scope.name', vType: TagType.STRING, vStr: 'checkout-lib' },
          { key: 'otel.scope.version', vType: TagType.STRING, vStr: '1.2.3' },
        ],
        logs: [
          {
            timestamp: 1_700_000_000_124_000n,
            fields: [
              { key: 'event', vType: TagType.STRING, vStr: 'cache.miss' },
              { key: 'key', vType: TagType.STRING, vStr: 'user:42' },
              { key: 'retries', vType: TagType.LONG, vLong: 2n },
            ],
          },
        ],
      },
      {
        traceIdLow: 0x1122334455667788n,
        traceIdHigh: -0x0fedcba987654321n,
        spanId: 0x0a0b0c0d0e0f1011n,
        parentSpanId: 0n,
        operationName: 'SELECT orders',
        flags: 0,
        startTime: 1_700_000_000_200_000n,
        duration: 1_000n,
        references: [
          // CHILD_OF the first span (same trace): becomes the parent, not a link.
          { refType: 0, traceIdLow: 0x1122334455667788n, traceIdHigh: -0x0fedcba987654321n, spanId: 0x0102030405060708n },
          { refType: 0, traceIdLow: 0x1n, traceIdHigh: 0n, spanId: 0x2n },
        ],
        tags: [
          { key: 'span.kind', vType: TagType.STRING, vStr: 'client' },
          { key: 'otel.status_code', vType: TagType.STRING, vStr: 'OK' },
          { key: 'otel.scope.name', vType: TagType.STRING, vStr: 'checkout-lib' },
          { key: 'otel.scope.version', vType: TagType.STRING, vStr: '1.2.3' },
        ],
      },
      {
        // 64-bit trace id (traceIdHigh 0), explicit parent, no scope.
        traceIdLow: 0x00000000000000abn,
        traceIdHigh: 0n,
        spanId: 0x0000000000000cdn,
        parentSpanId: 0x00000000000000efn,
        operationName: 'publish',
        flags: 3,
        startTime: 1_700_000_001_000_000n,
        duration: 0n,
        tags: [{ key: 'span.kind', vType: TagType.STRING, vStr: 'producer' }],
      },
    ],
  };
}

// ---------- api_v2 protobuf, encoded by protobufjs ----------

// model.proto + collector.proto messages (jaeger-idl), without the gogoproto options.
const API_V2_PROTO = `
syntax = "proto3";
package jaeger.api_v2;
message Timestamp { int64 seconds = 1; int32 nanos = 2; }
message Duration { int64 seconds = 1; int32 nanos = 2; }
enum ValueType { STRING = 0; BOOL = 1; INT64 = 2; FLOAT64 = 3; BINARY = 4; }
message KeyValue {
  string key = 1; ValueType v_type = 2; string v_str = 3; bool v_bool = 4;
  int64 v_int64 = 5; double v_float64 = 6; bytes v_binary = 7;
}
message Log { Timestamp timestamp = 1; repeated KeyValue fields = 2; }
enum SpanRefType { CHILD_OF = 0; FOLLOWS_FROM = 1; }
message SpanRef { bytes trace_id = 1; bytes span_id = 2; SpanRefType ref_type = 3; }
message Process { string service_name = 1; repeated KeyValue tags = 2; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string operation_name = 3; repeated SpanRef references = 4;
  uint32 flags = 5; Timestamp start_time = 6; Duration duration = 7; repeated KeyValue tags = 8;
  repeated Log logs = 9; Process process = 10; string process_id = 11; repeated string warnings = 12;
}
message Batch { repeated Span spans = 1; Process process = 2; }
message PostSpansRequest { Batch batch = 1; }
`;

const apiV2Root = protobuf.parse(API_V2_PROTO, { keepCase: true }).root;
const PostSpansRequest = apiV2Root.lookupType('jaeger.api_v2.PostSpansRequest');

/** Encodes a PostSpansRequest given as a protobufjs plain object (snake_case keys). */
export function encodePostSpans(request: Record<string, unknown>): Buffer {
  // fromObject, not verify(): verify refuses decimal strings for int64 fields, fromObject converts them.
  return Buffer.from(PostSpansRequest.encode(PostSpansRequest.fromObject(request)).finish());
}

const hex = (h: string) => Buffer.from(h, 'hex');
const ts = (seconds: number, nanos: number) => ({ seconds, nanos });

/** A PostSpansRequest using every model.proto field: tag types, logs, references, a span with its own process. */
export function fullPostSpans(): Record<string, unknown> {
  return {
    batch: {
      process: {
        service_name: 'frontend',
        tags: [
          { key: 'hostname', v_type: 0, v_str: 'web-1' },
          { key: 'region', v_type: 0, v_str: 'eu-west-1' },
        ],
      },
      spans: [
        {
          trace_id: hex('5b8efff798038103d269b633813fc60c'),
          span_id: hex('eee19b7ec3c1b174'),
          operation_name: 'GET /',
          flags: 1,
          start_time: ts(1_700_000_000, 123_456_789),
          duration: ts(1, 500),
          tags: [
            { key: 'span.kind', v_type: 0, v_str: 'server' },
            { key: 'str', v_type: 0, v_str: 'v' },
            { key: 'bool', v_type: 1, v_bool: true },
            { key: 'int', v_type: 2, v_int64: '-42' },
            { key: 'double', v_type: 3, v_float64: 2.5 },
            { key: 'bytes', v_type: 4, v_binary: Buffer.from([9, 8, 7]) },
            { key: 'http.status_code', v_type: 2, v_int64: '503' },
            { key: 'w3c.tracestate', v_type: 0, v_str: 'vendor=x' },
          ],
          logs: [{ timestamp: ts(1_700_000_000, 500_000_000), fields: [{ key: 'event', v_type: 0, v_str: 'retry' }, { key: 'n', v_type: 2, v_int64: '3' }] }],
        },
        {
          trace_id: hex('5b8efff798038103d269b633813fc60c'),
          span_id: hex('53995c3f42cd8ad8'),
          operation_name: 'call backend',
          references: [
            { trace_id: hex('5b8efff798038103d269b633813fc60c'), span_id: hex('eee19b7ec3c1b174'), ref_type: 0 },
            { trace_id: hex('0af7651916cd43dd8448eb211c80319c'), span_id: hex('b7ad6b7169203331'), ref_type: 1 },
          ],
          start_time: ts(1_700_000_000, 200_000_000),
          duration: ts(0, 1_000_000),
          tags: [{ key: 'span.kind', v_type: 0, v_str: 'client' }, { key: 'error', v_type: 1, v_bool: true }],
        },
        {
          trace_id: hex('0af7651916cd43dd8448eb211c80319c'),
          span_id: hex('a2fb4a1d1a96d312'),
          operation_name: 'consume',
          start_time: ts(1_700_000_002, 0),
          duration: ts(0, 0),
          process: { service_name: 'worker', tags: [{ key: 'queue', v_type: 0, v_str: 'payments' }] },
          tags: [{ key: 'otel.library.name', v_type: 0, v_str: 'kafka-lib' }, { key: 'otel.library.version', v_type: 0, v_str: '0.1' }],
        },
      ],
    },
  };
}

// ---------- spans for the OpenTelemetry SDK exporters (jaeger, zipkin) ----------

export const OTEL_TRACE = '5b8efff798038103d269b633813fc60c';
export const OTEL_OTHER_TRACE = '0af7651916cd43dd8448eb211c80319c';

const otelResource = resourceFromAttributes({ 'service.name': 'checkout', 'service.version': '1.2.3' });
const otelScope = { name: 'checkout-lib', version: '0.9.1' };

function otelSpan(init: Partial<ReadableSpan> & Pick<ReadableSpan, 'name' | 'spanContext'>): ReadableSpan {
  return {
    kind: SpanKind.INTERNAL,
    startTime: [1700000000, 0],
    endTime: [1700000001, 0],
    duration: [1, 0],
    status: { code: SpanStatusCode.UNSET },
    attributes: {},
    links: [],
    events: [],
    ended: true,
    resource: otelResource,
    instrumentationScope: otelScope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
    ...init,
  };
}

const ctx = (traceId: string, spanId: string): SpanContext => ({ traceId, spanId, traceFlags: TraceFlags.SAMPLED });

/**
 * Five spans of one trace, one per span kind, with every field the Jaeger and Zipkin exporters
 * carry. Times are whole microseconds (both formats are in us), event times whole milliseconds
 * (the Jaeger exporter rounds them to ms).
 */
export function otelSpans(): ReadableSpan[] {
  const parent = ctx(OTEL_TRACE, 'eee19b7ec3c1b174');
  return [
    otelSpan({
      name: 'GET /checkout',
      kind: SpanKind.SERVER,
      spanContext: () => parent,
      startTime: [1700000000, 123456000],
      endTime: [1700000002, 987654000],
      duration: [2, 864198000],
      status: { code: SpanStatusCode.ERROR, message: 'payment declined' },
      attributes: { str: 'hello wörld', int: 42, dbl: 3.25, bool: true, 'bool.false': false },
      events: [{ name: 'cache.miss', time: [1700000000, 500000000], attributes: { key: 'user:42' } }],
      links: [{ context: ctx(OTEL_OTHER_TRACE, 'b7ad6b7169203331'), attributes: { 'link.n': 1 } }],
    }),
    otelSpan({
      name: 'SELECT orders',
      kind: SpanKind.CLIENT,
      spanContext: () => ctx(OTEL_TRACE, '53995c3f42cd8ad8'),
      parentSpanContext: parent,
      status: { code: SpanStatusCode.OK },
      attributes: { 'db.system': 'postgresql', 'db.rows': 17 },
    }),
    otelSpan({ name: 'publish', kind: SpanKind.PRODUCER, spanContext: () => ctx(OTEL_TRACE, 'a2fb4a1d1a96d312'), parentSpanContext: parent }),
    otelSpan({ name: 'consume', kind: SpanKind.CONSUMER, spanContext: () => ctx(OTEL_TRACE, '00f067aa0ba902b7'), parentSpanContext: parent }),
    otelSpan({ name: 'compute', kind: SpanKind.INTERNAL, spanContext: () => ctx(OTEL_TRACE, '1111111111111111'), parentSpanContext: parent }),
  ];
}
