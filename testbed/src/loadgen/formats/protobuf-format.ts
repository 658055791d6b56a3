/**
 * OTLP protobuf (ExportTraceServiceRequest) requests assembled from pre-encoded span records.
 * Each group is ResourceSpans{ resource, ScopeSpans{ scope, spans... } }; only the two length
 * prefixes are computed per request, every other byte is copied.
 */
import type { LoadgenConfig } from '../config.ts';
import type { TracePlan } from '../trace-plan.ts';
import type { RunClock } from '../run-clock.ts';
import { ProtoWriter, WireType, tagOf, varintSize, writeVarint } from '../../proto/wire-writer.ts';
import {
  AnyValueField,
  EventField,
  ExportTraceServiceRequestField,
  KeyValueField,
  ResourceField,
  ResourceSpansField,
  ScopeField,
  ScopeSpansField,
  SpanField,
  StatusField,
  SPAN_ID_BYTES,
  TRACE_ID_BYTES,
} from '../../proto/otlp-fields.ts';
import { SCOPE_NAME, SCOPE_VERSION, eventOffsetNs, spanContent, templateCount, type Attribute, type SpanContent } from '../span-content.ts';
import { packTemplates, type EncodedTemplate, type SpanTemplateSet } from '../span-templates.ts';
import { writeSpanId, writeTraceId } from '../trace-ids.ts';
import { put, type RequestFormat } from './request-format.ts';

const RESOURCE_SPANS_TAG = tagOf(ExportTraceServiceRequestField.RESOURCE_SPANS, WireType.LEN);
const SCOPE_SPANS_TAG = tagOf(ResourceSpansField.SCOPE_SPANS, WireType.LEN);

export class ProtobufFormat implements RequestFormat {
  readonly contentType = 'application/x-protobuf';
  readonly templates: SpanTemplateSet;
  /** ResourceSpans.resource field (tag + length + Resource) per service. */
  private readonly resourceFields: Uint8Array[];
  /** ScopeSpans.scope field (tag + length + InstrumentationScope). */
  private readonly scopeField: Uint8Array;
  private readonly eventsPerSpan: number;

  constructor(
    config: LoadgenConfig,
    plan: TracePlan,
    private readonly clock: RunClock,
    private readonly runTag: number,
  ) {
    this.eventsPerSpan = config.shape.events_per_span;
    this.templates = buildProtobufTemplates(config, plan);
    this.resourceFields = [];
    for (let s = 0; s < plan.serviceCount; s++) {
      const resource = new ProtoWriter();
      resource.messageField(ResourceField.ATTRIBUTES, encodeKeyValue({ key: 'service.name', value: { kind: 'string', value: plan.serviceName(s) } }));
      const field = new ProtoWriter();
      field.messageField(ResourceSpansField.RESOURCE, resource.finish());
      this.resourceFields.push(field.finish());
    }
    const scope = new ProtoWriter();
    scope.stringField(ScopeField.NAME, SCOPE_NAME);
    scope.stringField(ScopeField.VERSION, SCOPE_VERSION);
    const scopeField = new ProtoWriter();
    scopeField.messageField(ScopeSpansField.SCOPE, scope.finish());
    this.scopeField = scopeField.finish();
  }

  groupSize(service: number, recordBytes: number): number {
    const ssLen = this.scopeField.length + recordBytes;
    const rsLen = this.resourceFields[service]!.length + 1 + varintSize(ssLen) + ssLen;
    return 1 + varintSize(rsLen) + rsLen;
  }

  requestSize(groupBytes: number): number {
    return groupBytes;
  }

  writeRequestStart(_buf: Uint8Array, pos: number): number {
    return pos;
  }

  writeGroupStart(buf: Uint8Array, pos: number, service: number, recordBytes: number): number {
    const resourceField = this.resourceFields[service]!;
    const ssLen = this.scopeField.length + recordBytes;
    const rsLen = resourceField.length + 1 + varintSize(ssLen) + ssLen;
    buf[pos++] = RESOURCE_SPANS_TAG;
    pos = writeVarint(buf, pos, rsLen);
    pos = put(buf, pos, resourceField);
    buf[pos++] = SCOPE_SPANS_TAG;
    pos = writeVarint(buf, pos, ssLen);
    return put(buf, pos, this.scopeField);
  }

  writeSpanSeparator(_buf: Uint8Array, pos: number): number {
    return pos;
  }

  writeGroupEnd(_buf: Uint8Array, pos: number): number {
    return pos;
  }

  writeRequestEnd(_buf: Uint8Array, pos: number): number {
    return pos;
  }

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
  ): void {
    const t = this.templates;
    const runTag = this.runTag;
    writeTraceId(buf, recordPos + t.traceIdAt[k]!, runTag, traceIndex, salt0, salt1);
    writeSpanId(buf, recordPos + t.spanIdAt[k]!, runTag, traceIndex, spanIndex);
    if (parentIndex >= 0) writeSpanId(buf, recordPos + t.parentIdAt[k]!, runTag, traceIndex, parentIndex);
    this.clock.writeFixed64(buf, recordPos + t.startAt[k]!, startNs);
    this.clock.writeFixed64(buf, recordPos + t.endAt[k]!, endNs);
    const m = this.eventsPerSpan;
    for (let i = 0; i < m; i++) {
      this.clock.writeFixed64(buf, recordPos + t.eventTimeAt[k * m + i]!, eventOffsetNs(startNs, endNs, i, m));
    }
  }
}

export function encodeKeyValue(a: Attribute): Uint8Array {
  const value = new ProtoWriter(32);
  if (a.value.kind === 'string') value.stringField(AnyValueField.STRING, a.value.value);
  else value.int64Field(AnyValueField.INT, a.value.value);
  const kv = new ProtoWriter(64);
  kv.stringField(KeyValueField.KEY, a.key);
  kv.messageField(KeyValueField.VALUE, value.finish());
  return kv.finish();
}

const ZERO_TRACE_ID = new Uint8Array(TRACE_ID_BYTES);
const ZERO_SPAN_ID = new Uint8Array(SPAN_ID_BYTES);

/** Encodes one span record: ScopeSpans.spans tag + length + Span, with patch offsets. */
export function encodeProtobufSpan(content: SpanContent): EncodedTemplate {
  const w = new ProtoWriter(1024);
  const traceIdAt = w.bytesField(SpanField.TRACE_ID, ZERO_TRACE_ID);
  const spanIdAt = w.bytesField(SpanField.SPAN_ID, ZERO_SPAN_ID);
  const parentIdAt = content.hasParent ? w.bytesField(SpanField.PARENT_SPAN_ID, ZERO_SPAN_ID) : -1;
  w.stringField(SpanField.NAME, content.name);
  w.varintField(SpanField.KIND, content.kind);
  const startAt = w.fixed64Field(SpanField.START_TIME_UNIX_NANO, 0, 0);
  const endAt = w.fixed64Field(SpanField.END_TIME_UNIX_NANO, 0, 0);
  for (const a of content.attributes) w.messageField(SpanField.ATTRIBUTES, encodeKeyValue(a));
  const eventTimeAt: number[] = [];
  for (const ev of content.events) {
    const e = new ProtoWriter(64);
    const timeAt = e.fixed64Field(EventField.TIME_UNIX_NANO, 0, 0);
    e.stringField(EventField.NAME, ev.name);
    for (const a of ev.attributes) e.messageField(EventField.ATTRIBUTES, encodeKeyValue(a));
    const payloadAt = w.messageField(SpanField.EVENTS, e.finish());
    eventTimeAt.push(payloadAt + timeAt);
  }
  if (content.statusCode !== 0) {
    const status = new ProtoWriter(32);
    if (content.statusMessage) status.stringField(StatusField.MESSAGE, content.statusMessage);
    status.varintField(StatusField.CODE, content.statusCode);
    w.messageField(SpanField.STATUS, status.finish());
  }
  w.fixed32Field(SpanField.FLAGS, content.flags);
  const body = w.finish();
  const prefix = 1 + varintSize(body.length);
  const bytes = new Uint8Array(prefix + body.length);
  bytes[0] = tagOf(ScopeSpansField.SPANS, WireType.LEN);
  writeVarint(bytes, 1, body.length);
  bytes.set(body, prefix);
  return {
    bytes,
    traceIdAt: prefix + traceIdAt,
    spanIdAt: prefix + spanIdAt,
    parentIdAt: parentIdAt < 0 ? -1 : prefix + parentIdAt,
    startAt: prefix + startAt,
    endAt: prefix + endAt,
    eventTimeAt: eventTimeAt.map((o) => prefix + o),
  };
}

function buildProtobufTemplates(config: LoadgenConfig, plan: TracePlan): SpanTemplateSet {
  const templates: EncodedTemplate[] = new Array(templateCount(plan));
  for (let e = 0; e < plan.endpointCount; e++) {
    for (let j = 0; j < plan.spansPerTrace; j++) {
      for (const error of [false, true]) {
        const k = ((e * plan.spansPerTrace + j) << 1) | (error ? 1 : 0);
        templates[k] = encodeProtobufSpan(spanContent(config, plan, e, j, error && plan.spanIsError(j)));
      }
    }
  }
  return packTemplates(templates, config.shape.events_per_span);
}
