/**
 * The slow-path object model of OTLP trace data: plain objects mirroring the protobuf messages
 * (opentelemetry/proto/{trace,common,resource,collector/trace}/v1). Used where spans must be
 * looked at or changed as a whole: debug output, OTLP/JSON conversion, span rewrites by
 * processors, tests. The hot path never builds these (see span-batch.ts).
 *
 * Field presence follows proto3: scalars and strings are never absent (default '' / 0 / 0n /
 * empty Buffer), repeated fields are arrays; only the message fields `resource` and `scope` may
 * be null (absent on the wire), so that encode(decode(x)) reproduces canonical bytes.
 * Ids are Buffers of exactly 16 (trace) / 8 (span) bytes, or 0 bytes when empty.
 */

interface AnyValueFields {
  stringValue: string;
  boolValue: boolean;
  intValue: bigint;
  doubleValue: number;
  arrayValue: AnyValue[];
  kvlistValue: KeyValue[];
  bytesValue: Buffer;
}

type AnyValueKey = keyof AnyValueFields;

/** Exactly one member of the oneof; the others are declared `?: never` so `v.x !== undefined` narrows. */
type OneOf<K extends AnyValueKey> = { [P in K]: AnyValueFields[P] } & { [P in Exclude<AnyValueKey, K>]?: never };

/**
 * AnyValue as a tagged union mirroring the proto oneof: `{ stringValue: 'x' }`, `{ intValue: 5n }`,
 * ..., or `{}` for an empty value. Test a member with `v.stringValue !== undefined` (narrows),
 * or switch on anyValueType(v).
 */
export type AnyValue =
  | OneOf<'stringValue'>
  | OneOf<'boolValue'>
  | OneOf<'intValue'>
  | OneOf<'doubleValue'>
  | OneOf<'arrayValue'>
  | OneOf<'kvlistValue'>
  | OneOf<'bytesValue'>
  | { [P in AnyValueKey]?: never };

export type AnyValueType = 'string' | 'bool' | 'int' | 'double' | 'array' | 'kvlist' | 'bytes' | 'empty';

export function anyValueType(v: AnyValue): AnyValueType {
  if (v.stringValue !== undefined) return 'string';
  if (v.intValue !== undefined) return 'int';
  if (v.boolValue !== undefined) return 'bool';
  if (v.doubleValue !== undefined) return 'double';
  if (v.arrayValue !== undefined) return 'array';
  if (v.kvlistValue !== undefined) return 'kvlist';
  if (v.bytesValue !== undefined) return 'bytes';
  return 'empty';
}

export interface KeyValue {
  key: string;
  value: AnyValue;
}

export interface SpanEvent {
  timeUnixNano: bigint;
  name: string;
  attributes: KeyValue[];
  droppedAttributesCount: number;
}

export interface SpanLink {
  traceId: Buffer;
  spanId: Buffer;
  traceState: string;
  attributes: KeyValue[];
  droppedAttributesCount: number;
  /** fixed32: W3C trace flags in the low byte, bits 8-9 the is-remote flags. */
  flags: number;
}

export interface SpanStatus {
  message: string;
  /** 0 unset, 1 ok, 2 error (other values pass through). */
  code: number;
}

export const SpanKind = {
  UNSPECIFIED: 0,
  INTERNAL: 1,
  SERVER: 2,
  CLIENT: 3,
  PRODUCER: 4,
  CONSUMER: 5,
} as const;

export const StatusCode = {
  UNSET: 0,
  OK: 1,
  ERROR: 2,
} as const;

export interface SpanModel {
  traceId: Buffer;
  spanId: Buffer;
  traceState: string;
  parentSpanId: Buffer;
  /** fixed32 (field 16). */
  flags: number;
  name: string;
  /** SpanKind enum (int32; unknown values pass through). */
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: KeyValue[];
  droppedAttributesCount: number;
  events: SpanEvent[];
  droppedEventsCount: number;
  links: SpanLink[];
  droppedLinksCount: number;
  /** Never null: a default status is simply not written. */
  status: SpanStatus;
}

export interface ScopeModel {
  name: string;
  version: string;
  attributes: KeyValue[];
  droppedAttributesCount: number;
}

export interface ResourceModel {
  attributes: KeyValue[];
  droppedAttributesCount: number;
}

export interface ScopeSpansModel {
  scope: ScopeModel | null;
  spans: SpanModel[];
  schemaUrl: string;
}

export interface ResourceSpansModel {
  resource: ResourceModel | null;
  scopeSpans: ScopeSpansModel[];
  schemaUrl: string;
}

export interface ExportRequestModel {
  resourceSpans: ResourceSpansModel[];
}

const EMPTY = Buffer.alloc(0);

/** A span with every field at its default; fields given in `init` override. */
export function newSpan(init?: Partial<SpanModel>): SpanModel {
  return {
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
    ...init,
  };
}
