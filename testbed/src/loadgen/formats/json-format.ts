/**
 * OTLP/JSON requests built the same way as protobuf ones: span records pre-rendered once as ASCII
 * JSON with fixed-width placeholders (32 hex chars for trace ids, 16 for span ids, 19 digits for
 * nanosecond timestamps) that are patched in place. Ids are hex and enums are integers, as the
 * OTLP/JSON spec requires; int64 values are strings as in the proto3 JSON mapping.
 */
import type { LoadgenConfig } from '../config.ts';
import type { TracePlan } from '../trace-plan.ts';
import type { RunClock } from '../run-clock.ts';
import { SCOPE_NAME, SCOPE_VERSION, eventOffsetNs, spanContent, templateCount, type Attribute, type SpanContent } from '../span-content.ts';
import { packTemplates, type EncodedTemplate, type SpanTemplateSet } from '../span-templates.ts';
import { writeSpanId, writeTraceId } from '../trace-ids.ts';
import { put, type RequestFormat } from './request-format.ts';

const ascii = (s: string): Uint8Array => {
  const b = Buffer.from(s, 'utf8');
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
};

const REQUEST_START = ascii('{"resourceSpans":[');
const REQUEST_END = ascii(']}');
const GROUP_END = ascii(']}]}');
const COMMA = 44;
/** Lower-case hex digit codes. */
const HEX_DIGITS = ascii('0123456789abcdef');

export class JsonFormat implements RequestFormat {
  readonly contentType = 'application/json';
  readonly templates: SpanTemplateSet;
  private readonly groupStarts: Uint8Array[];
  private readonly eventsPerSpan: number;
  /** Scratch for an id before it is hex-encoded; one per format instance (one per worker). */
  private readonly idScratch = new Uint8Array(16);

  constructor(
    config: LoadgenConfig,
    plan: TracePlan,
    private readonly clock: RunClock,
    private readonly runTag: number,
  ) {
    this.eventsPerSpan = config.shape.events_per_span;
    this.templates = buildJsonTemplates(config, plan);
    const scope = JSON.stringify({ name: SCOPE_NAME, version: SCOPE_VERSION });
    this.groupStarts = [];
    for (let s = 0; s < plan.serviceCount; s++) {
      const resource = `{"attributes":[${attributeJson({ key: 'service.name', value: { kind: 'string', value: plan.serviceName(s) } })}]}`;
      this.groupStarts.push(ascii(`{"resource":${resource},"scopeSpans":[{"scope":${scope},"spans":[`));
    }
  }

  groupSize(service: number, recordBytes: number, spanCount: number): number {
    return this.groupStarts[service]!.length + recordBytes + (spanCount - 1) + GROUP_END.length;
  }

  requestSize(groupBytes: number, groupCount: number): number {
    return REQUEST_START.length + groupBytes + (groupCount - 1) + REQUEST_END.length;
  }

  writeRequestStart(buf: Uint8Array, pos: number): number {
    return put(buf, pos, REQUEST_START);
  }

  writeGroupStart(buf: Uint8Array, pos: number, service: number, _recordBytes: number, _spanCount: number, groupOrdinal: number): number {
    if (groupOrdinal > 0) buf[pos++] = COMMA;
    return put(buf, pos, this.groupStarts[service]!);
  }

  writeSpanSeparator(buf: Uint8Array, pos: number, spanOrdinal: number): number {
    if (spanOrdinal > 0) buf[pos++] = COMMA;
    return pos;
  }

  writeGroupEnd(buf: Uint8Array, pos: number): number {
    return put(buf, pos, GROUP_END);
  }

  writeRequestEnd(buf: Uint8Array, pos: number): number {
    return put(buf, pos, REQUEST_END);
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
    const id = this.idScratch;
    const runTag = this.runTag;
    writeTraceId(id, 0, runTag, traceIndex, salt0, salt1);
    writeHex(buf, recordPos + t.traceIdAt[k]!, id, 16);
    writeSpanId(id, 0, runTag, traceIndex, spanIndex);
    writeHex(buf, recordPos + t.spanIdAt[k]!, id, 8);
    if (parentIndex >= 0) {
      writeSpanId(id, 0, runTag, traceIndex, parentIndex);
      writeHex(buf, recordPos + t.parentIdAt[k]!, id, 8);
    }
    this.clock.writeDecimal19(buf, recordPos + t.startAt[k]!, startNs);
    this.clock.writeDecimal19(buf, recordPos + t.endAt[k]!, endNs);
    const m = this.eventsPerSpan;
    for (let i = 0; i < m; i++) {
      this.clock.writeDecimal19(buf, recordPos + t.eventTimeAt[k * m + i]!, eventOffsetNs(startNs, endNs, i, m));
    }
  }
}

function writeHex(buf: Uint8Array, pos: number, bytes: Uint8Array, len: number): void {
  for (let i = 0; i < len; i++) {
    const b = bytes[i]!;
    buf[pos + 2 * i] = HEX_DIGITS[b >>> 4]!;
    buf[pos + 2 * i + 1] = HEX_DIGITS[b & 15]!;
  }
}

function attributeJson(a: Attribute): string {
  const value = a.value.kind === 'string' ? { stringValue: a.value.value } : { intValue: String(a.value.value) };
  return JSON.stringify({ key: a.key, value });
}

/** Renders one span as JSON with placeholders and records where they are. */
export function encodeJsonSpan(content: SpanContent): EncodedTemplate {
  let text = '';
  const mark = (): number => Buffer.byteLength(text, 'utf8');
  text += '{"traceId":"';
  const traceIdAt = mark();
  text += '0'.repeat(32) + '","spanId":"';
  const spanIdAt = mark();
  text += '0'.repeat(16) + '"';
  let parentIdAt = -1;
  if (content.hasParent) {
    text += ',"parentSpanId":"';
    parentIdAt = mark();
    text += '0'.repeat(16) + '"';
  }
  text += `,"name":${JSON.stringify(content.name)},"kind":${content.kind},"startTimeUnixNano":"`;
  const startAt = mark();
  text += '0'.repeat(19) + '","endTimeUnixNano":"';
  const endAt = mark();
  text += '0'.repeat(19) + '"';
  text += `,"attributes":[${content.attributes.map(attributeJson).join(',')}]`;
  const eventTimeAt: number[] = [];
  if (content.events.length) {
    text += ',"events":[';
    content.events.forEach((ev, i) => {
      if (i > 0) text += ',';
      text += '{"timeUnixNano":"';
      eventTimeAt.push(mark());
      text += '0'.repeat(19) + `","name":${JSON.stringify(ev.name)},"attributes":[${ev.attributes.map(attributeJson).join(',')}]}`;
    });
    text += ']';
  }
  if (content.statusCode !== 0) text += `,"status":${JSON.stringify({ message: content.statusMessage, code: content.statusCode })}`;
  text += `,"flags":${content.flags}}`;
  return { bytes: ascii(text), traceIdAt, spanIdAt, parentIdAt, startAt, endAt, eventTimeAt };
}

function buildJsonTemplates(config: LoadgenConfig, plan: TracePlan): SpanTemplateSet {
  const templates: EncodedTemplate[] = new Array(templateCount(plan));
  for (let e = 0; e < plan.endpointCount; e++) {
    for (let j = 0; j < plan.spansPerTrace; j++) {
      for (const error of [false, true]) {
        const k = ((e * plan.spansPerTrace + j) << 1) | (error ? 1 : 0);
        templates[k] = encodeJsonSpan(spanContent(config, plan, e, j, error && plan.spanIsError(j)));
      }
    }
  }
  return packTemplates(templates, config.shape.events_per_span);
}
