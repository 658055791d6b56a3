/**
 * OTLP/JSON (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding) <-> object model.
 *
 * Output: lowerCamelCase names; trace/span ids as lower-case hex; enums (kind, status.code) as
 * integers; int64/fixed64 as decimal strings; bytes as base64; non-finite doubles as "NaN" /
 * "Infinity" / "-Infinity"; proto3 defaults omitted (as protojson), except KeyValue.key and
 * KeyValue.value which are always written, and `resource` / `scope` which are written when present.
 *
 * Input, as protobuf JSON parsers accept it: lowerCamelCase or the proto snake_case names;
 * ids as hex in either case ('' = empty); enums as integers or names (SPAN_KIND_SERVER,
 * STATUS_CODE_ERROR); 64-bit integers as decimal strings or numbers; uint32 as numbers or decimal
 * strings; doubles as numbers, numeric strings or "NaN" / "Infinity" / "-Infinity"; bytes as
 * standard or URL-safe base64; null means the default; unknown fields are ignored. A wrong type or
 * value throws OtlpJsonError naming the JSON path, e.g.
 * `resourceSpans[0].scopeSpans[1].spans[3].traceId: expected 32 hex characters, got 30`.
 *
 * Precision: JSON.parse turns an integer literal beyond 2^53 into an approximate double. The text
 * entry point (otlpJsonToProtobuf) therefore quotes integer literals of 16 or more digits before
 * parsing so that int64/fixed64 values such as nanosecond timestamps sent as bare numbers stay
 * exact (a side effect: such a literal is also accepted where a string is expected).
 * jsonToExportRequest on an already parsed value accepts bigint for 64-bit fields.
 */
import { DEFAULT_MAX_ANYVALUE_DEPTH } from './index-request.ts';
import { decodeExportRequest } from './decode-model.ts';
import { encodeExportRequestModel } from './encode-model.ts';
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

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export class OtlpJsonError extends Error {
  /** The JSON path of the offending value ('' for the document itself). */
  readonly path: string;
  constructor(message: string, path = '') {
    super(path === '' ? message : `${path}: ${message}`);
    this.name = 'OtlpJsonError';
    this.path = path;
  }
}

export interface JsonDecodeOptions {
  maxAnyValueDepth?: number;
}

// ---------------------------------------------------------------------------------------------
// Convenience entry points (receiver / exporter)
// ---------------------------------------------------------------------------------------------

/** OTLP/JSON request body -> ExportTraceServiceRequest protobuf bytes. Throws OtlpJsonError. */
export function otlpJsonToProtobuf(body: Buffer | string, options?: JsonDecodeOptions): Buffer {
  return encodeExportRequestModel(jsonToExportRequest(parseJsonText(body), options));
}

/** ExportTraceServiceRequest protobuf bytes -> OTLP/JSON text. Throws WireError on bad bytes. */
export function protobufToOtlpJson(buf: Buffer): string {
  return JSON.stringify(exportRequestToJson(decodeExportRequest(buf)));
}

/**
 * JSON.parse for OTLP bodies: strips a UTF-8 BOM, keeps integer literals beyond 2^53 exact (see
 * the module comment) and reports syntax errors as OtlpJsonError.
 */
export function parseJsonText(body: Buffer | string): unknown {
  let text = typeof body === 'string' ? body : body.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    if (!LONG_DIGIT_RUN.test(text)) return JSON.parse(text);
    const quoted = quoteLongIntegers(text);
    if (quoted === text) return JSON.parse(text);
    try {
      return JSON.parse(quoted);
    } catch {
      return JSON.parse(text); // the original text's error message (positions unshifted)
    }
  } catch (err) {
    throw new OtlpJsonError(`invalid JSON: ${(err as Error).message}`);
  }
}

// A bare (unquoted) number of 16+ digits: after ':' ',' or '[' (whitespace and a sign allowed).
// Digit runs inside strings (timestamps sent as strings, ids) do not match, except by rare
// accident, which only costs the scan below.
const LONG_DIGIT_RUN = /[:,[]\s*-?\d{16}/;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/**
 * Wraps integer number tokens of 16+ digits in quotes (outside strings, not in key position), so
 * JSON.parse keeps their exact text. Leaves the text unchanged when there are none.
 */
function quoteLongIntegers(text: string): string {
  const n = text.length;
  let out = '';
  let last = 0;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // skip a string literal
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i += 2;
        else if (d === 0x22) break;
        else i++;
      }
      i++;
      continue;
    }
    if (c === 0x2d || isDigit(c)) {
      const start = i;
      if (c === 0x2d) i++;
      const digitsStart = i;
      while (i < n && isDigit(text.charCodeAt(i))) i++;
      const digits = i - digitsStart;
      const next = i < n ? text.charCodeAt(i) : 0;
      const isInteger = next !== 0x2e && next !== 0x65 && next !== 0x45; // . e E
      // skip the rest of the token (fraction, exponent)
      while (i < n) {
        const d = text.charCodeAt(i);
        if (isDigit(d) || d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d) i++;
        else break;
      }
      if (digits >= 16 && isInteger) {
        let j = i;
        while (j < n && (text.charCodeAt(j) === 0x20 || text.charCodeAt(j) === 0x0a || text.charCodeAt(j) === 0x0d || text.charCodeAt(j) === 0x09)) j++;
        if (j >= n || text.charCodeAt(j) !== 0x3a) {
          out += text.slice(last, start) + '"' + text.slice(start, i) + '"';
          last = i;
        }
      }
      continue;
    }
    i++;
  }
  return last === 0 ? text : out + text.slice(last);
}

// ---------------------------------------------------------------------------------------------
// JSON -> model
// ---------------------------------------------------------------------------------------------

type Obj = Record<string, unknown>;

/** Path stack: segments are pushed and popped as the reader descends; formatted only on error. */
class Ctx {
  readonly path: (string | number)[] = [];
  constructor(readonly maxDepth: number) {}

  fail(message: string): never {
    throw new OtlpJsonError(message, formatPath(this.path));
  }
}

function formatPath(path: readonly (string | number)[]): string {
  let s = '';
  for (const seg of path) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else s += s === '' ? seg : `.${seg}`;
  }
  return s;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return 'a string';
  return `a ${typeof v}`;
}

function obj(ctx: Ctx, v: unknown): Obj {
  if (!isObj(v)) ctx.fail(`expected an object, got ${describe(v)}`);
  return v;
}

/** Calls fn for each element of the array `v` (the field's key is already on the path). */
function each(ctx: Ctx, v: unknown, fn: (el: unknown) => void): void {
  if (!Array.isArray(v)) ctx.fail(`expected an array, got ${describe(v)}`);
  const path = ctx.path;
  for (let i = 0; i < v.length; i++) {
    path.push(i);
    fn(v[i]);
    path.pop();
  }
}

function str(ctx: Ctx, v: unknown): string {
  if (typeof v !== 'string') ctx.fail(`expected a string, got ${describe(v)}`);
  return v;
}

function bool(ctx: Ctx, v: unknown): boolean {
  if (typeof v !== 'boolean') ctx.fail(`expected a boolean, got ${describe(v)}`);
  return v;
}

const DECIMAL_UINT = /^\d+$/;
const DECIMAL_INT = /^-?\d+$/;
const NUMERIC = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

function uint32(ctx: Ctx, v: unknown): number {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && DECIMAL_UINT.test(v)) n = Number(v);
  else return ctx.fail(`expected an unsigned 32-bit integer, got ${describe(v)}`);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) ctx.fail(`expected an unsigned 32-bit integer, got ${v}`);
  return n;
}

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;

function int64(ctx: Ctx, v: unknown, unsigned: boolean): bigint {
  let b: bigint;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number' && Number.isInteger(v)) b = BigInt(v);
  else if (typeof v === 'string' && DECIMAL_INT.test(v)) b = BigInt(v);
  else return ctx.fail(`expected ${unsigned ? 'an unsigned' : 'a'} 64-bit integer (decimal string or number), got ${typeof v === 'string' ? JSON.stringify(v) : describe(v)}`);
  if (unsigned ? b < 0n || b > UINT64_MAX : b < INT64_MIN || b > INT64_MAX) {
    ctx.fail(`${b} is out of range for ${unsigned ? 'fixed64' : 'int64'}`);
  }
  return b;
}

function double(ctx: Ctx, v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    if (NUMERIC.test(v)) return Number(v);
  }
  return ctx.fail(`expected a number, "NaN", "Infinity" or "-Infinity", got ${typeof v === 'string' ? JSON.stringify(v) : describe(v)}`);
}

const SPAN_KIND_NAMES: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};

const STATUS_CODE_NAMES: Record<string, number> = {
  STATUS_CODE_UNSET: 0,
  STATUS_CODE_OK: 1,
  STATUS_CODE_ERROR: 2,
};

function enumValue(ctx: Ctx, v: unknown, names: Record<string, number>, what: string): number {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) ctx.fail(`expected a ${what} integer, got ${v}`);
    return v;
  }
  if (typeof v === 'string' && Object.hasOwn(names, v)) return names[v]!;
  return ctx.fail(`expected a ${what} integer or name, got ${typeof v === 'string' ? JSON.stringify(v) : describe(v)}`);
}

const EMPTY = Buffer.alloc(0);
const HEX = /^[0-9a-fA-F]*$/;

function hexId(ctx: Ctx, v: unknown, bytes: number): Buffer {
  if (typeof v !== 'string') return ctx.fail(`expected ${bytes * 2} hex characters, got ${describe(v)}`);
  if (v.length === 0) return EMPTY;
  if (v.length !== bytes * 2) ctx.fail(`expected ${bytes * 2} hex characters, got ${v.length}`);
  if (!HEX.test(v)) ctx.fail(`expected ${bytes * 2} hex characters, got a non-hex character`);
  return Buffer.from(v, 'hex');
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function base64(ctx: Ctx, v: unknown): Buffer {
  if (typeof v !== 'string') return ctx.fail(`expected a base64 string, got ${describe(v)}`);
  const unpadded = v.replace(/=+$/, '').length;
  if (!BASE64.test(v) || unpadded % 4 === 1 || (v.length !== unpadded && v.length % 4 !== 0)) {
    ctx.fail('expected a base64 string');
  }
  return Buffer.from(v, 'base64');
}

/** Parsed OTLP/JSON ExportTraceServiceRequest (or TracesData) -> model. Throws OtlpJsonError. */
export function jsonToExportRequest(value: unknown, options?: JsonDecodeOptions): ExportRequestModel {
  const ctx = new Ctx(options?.maxAnyValueDepth ?? DEFAULT_MAX_ANYVALUE_DEPTH);
  const o = obj(ctx, value);
  const resourceSpans: ResourceSpansModel[] = [];
  for (const key of Object.keys(o)) {
    const v = o[key];
    if (v == null) continue;
    if (key === 'resourceSpans' || key === 'resource_spans') {
      ctx.path.push(key);
      each(ctx, v, (el) => resourceSpans.push(readResourceSpans(ctx, el)));
      ctx.path.pop();
    }
  }
  return { resourceSpans };
}

/** One span from its OTLP/JSON object form. Throws OtlpJsonError (path relative to the span). */
export function jsonToSpan(value: unknown, options?: JsonDecodeOptions): SpanModel {
  return readSpan(new Ctx(options?.maxAnyValueDepth ?? DEFAULT_MAX_ANYVALUE_DEPTH), value);
}

/** One AnyValue from its OTLP/JSON object form. */
export function jsonToAnyValue(value: unknown, options?: JsonDecodeOptions): AnyValue {
  const ctx = new Ctx(options?.maxAnyValueDepth ?? DEFAULT_MAX_ANYVALUE_DEPTH);
  return readAnyValue(ctx, value, ctx.maxDepth);
}

function readResourceSpans(ctx: Ctx, value: unknown): ResourceSpansModel {
  const o = obj(ctx, value);
  const m: ResourceSpansModel = { resource: null, scopeSpans: [], schemaUrl: '' };
  const path = ctx.path;
  for (const key of Object.keys(o)) {
    const v = o[key];
    if (v == null) continue;
    path.push(key);
    switch (key) {
      case 'resource':
        m.resource = readResource(ctx, v);
        break;
      case 'scopeSpans':
      case 'scope_spans':
        each(ctx, v, (el) => m.scopeSpans.push(readScopeSpans(ctx, el)));
        break;
      case 'schemaUrl':
      case 'schema_url':
        m.schemaUrl = str(ctx, v);
        break;
    }
    path.pop();
  }
  return m;
}

function readResource(ctx: Ctx, value: unknown): ResourceModel {
  const o = obj(ctx, value);
  const m: ResourceModel = { attributes: [], droppedAttributesCount: 0 };
  const path = ctx.path;
  for (const key of Object.keys(o)) {
    const v = o[key];
    if (v == null) continue;
    path.push(key);
    switch (key) {
      case 'attributes':
        readKeyValues(ctx, v, m.attributes, ctx.maxDepth);
        break;
      case 'droppedAttributesCount':
      case 'dropped_attributes_count':
        m.droppedAttributesCount = uint32(ctx, v);
        break;
    }
    path.pop();
  }
  return m;
}

function readScopeSpans(ctx: Ctx, value: unknown): ScopeSpansModel {
  const o = obj(ctx, value);
  const m: ScopeSpansModel = { scope: null, spans: [], schemaUrl: '' };
  const path = ctx.path;
  for (const key of Object.keys(o)) {
    const v = o[key];
    if (v == null) continue;
    path.push(key);
    switch (key) {
      case 'scope':
        m.scope = readScope(ctx, v);
        break;
      case 'spans':
        each(ctx, v, (el) => m.spans.push(readSpan(ctx, el)));
        break;
      case 'schemaUrl':
      case 'schema_url':
        m.schemaUrl = str(ctx, v);
        break;
    }
    path.pop();
  }
  return m;
}

function readScope(ctx: Ctx, value: unknown): ScopeModel {
  const o = obj(ctx, value);
  const m: ScopeModel = { name: '', version: '', attributes: [], droppedAttributesCount: 0 };
  const path = ctx.path;
  for (const key of Object.keys(o)) {
    const v = o[key];
    if (v == null) continue;
    path.push(key);
    switch (key) {
      case 'name':
        m.name = str(ctx, v);
        break;
      case 'version':
        m.version = str(ctx, v);
        break;
      case 'attributes':
        readKeyValues(ctx, v, m.attributes, ctx.maxDepth);
        break;
      case 'droppedAttributesCount':
      case 'dropped_attributes_count':
        m.droppedAttributesCount = uint32(ctx, v);
        break;
    }
    path.pop();
  }
  return m;
}

function readSpan(ctx: Ctx, value: unknown): SpanModel {
  const o = obj(ctx, value);
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
  const path = ctx.path;
  for (const key of Object.keys(o)) {
    const v = o[key];
    if (v == null) continue;
    path.push(key);
    switch (key) {
      case 'traceId':
      case 'trace_id':
        m.traceId = hexId(ctx, v, 16);
        break;
      case 'spanId':
      case 'span_id':
        m.spanId = hexId(ctx, v, 8);
        break;
      case 'traceState':
      case 'trace_state':
        m.traceState = str(ctx, v);
        break;
      case 'parentSpanId':
      case 'parent_span_id':
        m.parentSpanId = hexId(ctx, v, 8);
        break;
      case 'flags':
        m.flags = uint32(ctx, v);
        break;
      case 'name':
        m.name = str(ctx, v);
        break;
      case 'kind':
        m.kind = enumValue(ctx, v, SPAN_KIND_NAMES, 'SpanKind');
        break;
      case 'startTimeUnixNano':
      case 'start_time_unix_nano':
        m.startTimeUnixNano = int64(ctx, v, true);
        break;
      case 'endTimeUnixNano':
      case 'end_time_unix_nano':
        m.endTimeUnixNano = int64(ctx, v, true);
        break;
      case 'attributes':
        readKeyValues(ctx, v, m.attributes, ctx.maxDepth);
        break;
      case 'droppedAttributesCount':
      case 'dropped_attributes_count':
        m.droppedAttributesCount = uint32(ctx, v);
        break;
      case 'events':
        each(ctx, v, (el) => m.events.push(readEvent(ctx, el)));
        break;
      case 'droppedEventsCount':
      case 'dropped_events_count':
        m.droppedEventsCount = uint32(ctx, v);
        break;
      case 'links':
        each(ctx, v, (el) => m.links.push(readLink(ctx, el)));
        break;
      case 'droppedLinksCount':
      case 'dropped_links_count':
        m.droppedLinksCount = uint32(ctx, v);
        break;
      case 'status':
        m.status = readStatus(ctx, v);
        break;
    }
    path.pop();
  }
  return m;
}

function readStatus(ctx: Ctx, value: unknown): SpanStatus {
  const o = obj(ctx, value);
  const m: SpanStatus = { message: '', code: 0 };
  const path = ctx.path;
  for (const key of Object.keys(o)) {
    const v = o[key];
    if (v == null) continue;
    path.push(key);
    if (key === 'message') m.message = str(ctx, v);
    else if (key === 'code') m.code = enumValue(ctx, v, STATUS_CODE_NAMES, 'StatusCode');
    path.pop();
  }
  return m;
}

function readEvent(ctx: Ctx, value: unknown): SpanEvent {
  const o = obj(ctx, value);
  const m: SpanEvent = { timeUnixNano: 0n, name: '', attributes: [], droppedAttributesCount: 0 };
  const path = ctx.path;
  for (const key of Object.keys(o)) {
    const v = o[key];
    if (v == null) continue;
    path.push(key);
    switch (key) {
      case 'timeUnixNano':
      case 'time_unix_nano':
        m.timeUnixNano = int64(ctx, v, true);
        break;
      case 'name':
        m.name = str(ctx, v);
        break;
      case 'attributes':
        readKeyValues(ctx, v, m.attributes, ctx.maxDepth);
        break;
      case 'droppedAttributesCount':
      case 'dropped_attributes_count':
        m.droppedAttributesCount = uint32(ctx, v);
        break;
    }
    path.pop();
  }
  return m;
}

function readLink(ctx: Ctx, value: unknown): SpanLink {
  const o = obj(ctx, value);
  const m: SpanLink = { traceId: EMPTY, spanId: EMPTY, traceState: '', attributes: [], droppedAttributesCount: 0, flags: 0 };
  const path = ctx.path;
  for (const key of Object.keys(o)) {
    const v = o[key];
    if (v == null) continue;
    path.push(key);
    switch (key) {
      case 'traceId':
      case 'trace_id':
        m.traceId = hexId(ctx, v, 16);
        break;
      case 'spanId':
      case 'span_id':
        m.spanId = hexId(ctx, v, 8);
        break;
      case 'traceState':
      case 'trace_state':
        m.traceState = str(ctx, v);
        break;
      case 'attributes':
        readKeyValues(ctx, v, m.attributes, ctx.maxDepth);
        break;
      case 'droppedAttributesCount':
      case 'dropped_attributes_count':
        m.droppedAttributesCount = uint32(ctx, v);
        break;
      case 'flags':
        m.flags = uint32(ctx, v);
        break;
    }
    path.pop();
  }
  return m;
}

function readKeyValues(ctx: Ctx, v: unknown, out: KeyValue[], depth: number): void {
  each(ctx, v, (el) => out.push(readKeyValue(ctx, el, depth)));
}

function readKeyValue(ctx: Ctx, value: unknown, depth: number): KeyValue {
  const o = obj(ctx, value);
  let key = '';
  let val: AnyValue = {};
  const path = ctx.path;
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (v == null) continue;
    path.push(k);
    if (k === 'key') key = str(ctx, v);
    else if (k === 'value') val = readAnyValue(ctx, v, depth);
    path.pop();
  }
  return { key, value: val };
}

function readAnyValue(ctx: Ctx, value: unknown, depth: number): AnyValue {
  if (depth <= 0) ctx.fail('AnyValue nested too deeply');
  const o = obj(ctx, value);
  let m: AnyValue = {};
  const path = ctx.path;
  // A oneof: when several members are present, the last one wins (as pdata's JSON reader).
  for (const key of Object.keys(o)) {
    const v = o[key];
    if (v == null) continue;
    path.push(key);
    switch (key) {
      case 'stringValue':
      case 'string_value':
        m = { stringValue: str(ctx, v) };
        break;
      case 'boolValue':
      case 'bool_value':
        m = { boolValue: bool(ctx, v) };
        break;
      case 'intValue':
      case 'int_value':
        m = { intValue: int64(ctx, v, false) };
        break;
      case 'doubleValue':
      case 'double_value':
        m = { doubleValue: double(ctx, v) };
        break;
      case 'bytesValue':
      case 'bytes_value':
        m = { bytesValue: base64(ctx, v) };
        break;
      case 'arrayValue':
      case 'array_value': {
        const values: AnyValue[] = [];
        const ao = obj(ctx, v);
        for (const k2 of Object.keys(ao)) {
          const v2 = ao[k2];
          if (k2 !== 'values' || v2 == null) continue;
          path.push(k2);
          each(ctx, v2, (el) => values.push(readAnyValue(ctx, el, depth - 1)));
          path.pop();
        }
        m = { arrayValue: values };
        break;
      }
      case 'kvlistValue':
      case 'kvlist_value': {
        const values: KeyValue[] = [];
        const ko = obj(ctx, v);
        for (const k2 of Object.keys(ko)) {
          const v2 = ko[k2];
          if (k2 !== 'values' || v2 == null) continue;
          path.push(k2);
          readKeyValues(ctx, v2, values, depth - 1);
          path.pop();
        }
        m = { kvlistValue: values };
        break;
      }
    }
    path.pop();
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// model -> JSON
// ---------------------------------------------------------------------------------------------

/** Model -> OTLP/JSON object (JSON.stringify it to send). */
export function exportRequestToJson(m: ExportRequestModel): JsonObject {
  const out: JsonObject = {};
  if (m.resourceSpans.length !== 0) out.resourceSpans = m.resourceSpans.map(resourceSpansToJson);
  return out;
}

function resourceSpansToJson(m: ResourceSpansModel): JsonObject {
  const out: JsonObject = {};
  if (m.resource !== null) out.resource = resourceToJson(m.resource);
  if (m.scopeSpans.length !== 0) out.scopeSpans = m.scopeSpans.map(scopeSpansToJson);
  if (m.schemaUrl !== '') out.schemaUrl = m.schemaUrl;
  return out;
}

function scopeSpansToJson(m: ScopeSpansModel): JsonObject {
  const out: JsonObject = {};
  if (m.scope !== null) out.scope = scopeToJson(m.scope);
  if (m.spans.length !== 0) out.spans = m.spans.map(spanToJson);
  if (m.schemaUrl !== '') out.schemaUrl = m.schemaUrl;
  return out;
}

export function resourceToJson(m: ResourceModel): JsonObject {
  const out: JsonObject = {};
  if (m.attributes.length !== 0) out.attributes = keyValuesToJson(m.attributes);
  if (m.droppedAttributesCount !== 0) out.droppedAttributesCount = m.droppedAttributesCount;
  return out;
}

export function scopeToJson(m: ScopeModel): JsonObject {
  const out: JsonObject = {};
  if (m.name !== '') out.name = m.name;
  if (m.version !== '') out.version = m.version;
  if (m.attributes.length !== 0) out.attributes = keyValuesToJson(m.attributes);
  if (m.droppedAttributesCount !== 0) out.droppedAttributesCount = m.droppedAttributesCount;
  return out;
}

export function spanToJson(m: SpanModel): JsonObject {
  const out: JsonObject = {};
  if (m.traceId.length !== 0) out.traceId = m.traceId.toString('hex');
  if (m.spanId.length !== 0) out.spanId = m.spanId.toString('hex');
  if (m.traceState !== '') out.traceState = m.traceState;
  if (m.parentSpanId.length !== 0) out.parentSpanId = m.parentSpanId.toString('hex');
  if (m.flags !== 0) out.flags = m.flags;
  if (m.name !== '') out.name = m.name;
  if (m.kind !== 0) out.kind = m.kind;
  if (m.startTimeUnixNano !== 0n) out.startTimeUnixNano = m.startTimeUnixNano.toString();
  if (m.endTimeUnixNano !== 0n) out.endTimeUnixNano = m.endTimeUnixNano.toString();
  if (m.attributes.length !== 0) out.attributes = keyValuesToJson(m.attributes);
  if (m.droppedAttributesCount !== 0) out.droppedAttributesCount = m.droppedAttributesCount;
  if (m.events.length !== 0) out.events = m.events.map(eventToJson);
  if (m.droppedEventsCount !== 0) out.droppedEventsCount = m.droppedEventsCount;
  if (m.links.length !== 0) out.links = m.links.map(linkToJson);
  if (m.droppedLinksCount !== 0) out.droppedLinksCount = m.droppedLinksCount;
  const st = m.status;
  if (st.message !== '' || st.code !== 0) {
    const so: JsonObject = {};
    if (st.message !== '') so.message = st.message;
    if (st.code !== 0) so.code = st.code;
    out.status = so;
  }
  return out;
}

function eventToJson(m: SpanEvent): JsonObject {
  const out: JsonObject = {};
  if (m.timeUnixNano !== 0n) out.timeUnixNano = m.timeUnixNano.toString();
  if (m.name !== '') out.name = m.name;
  if (m.attributes.length !== 0) out.attributes = keyValuesToJson(m.attributes);
  if (m.droppedAttributesCount !== 0) out.droppedAttributesCount = m.droppedAttributesCount;
  return out;
}

function linkToJson(m: SpanLink): JsonObject {
  const out: JsonObject = {};
  if (m.traceId.length !== 0) out.traceId = m.traceId.toString('hex');
  if (m.spanId.length !== 0) out.spanId = m.spanId.toString('hex');
  if (m.traceState !== '') out.traceState = m.traceState;
  if (m.attributes.length !== 0) out.attributes = keyValuesToJson(m.attributes);
  if (m.droppedAttributesCount !== 0) out.droppedAttributesCount = m.droppedAttributesCount;
  if (m.flags !== 0) out.flags = m.flags;
  return out;
}

export function keyValuesToJson(kvs: readonly KeyValue[]): JsonValue[] {
  const out: JsonValue[] = new Array(kvs.length);
  for (let i = 0; i < kvs.length; i++) {
    const kv = kvs[i]!;
    out[i] = { key: kv.key, value: anyValueToJson(kv.value) };
  }
  return out;
}

export function anyValueToJson(v: AnyValue): JsonObject {
  if (v.stringValue !== undefined) return { stringValue: v.stringValue };
  if (v.intValue !== undefined) return { intValue: v.intValue.toString() };
  if (v.boolValue !== undefined) return { boolValue: v.boolValue };
  if (v.doubleValue !== undefined) return { doubleValue: doubleToJson(v.doubleValue) };
  if (v.arrayValue !== undefined) {
    return { arrayValue: v.arrayValue.length === 0 ? {} : { values: v.arrayValue.map(anyValueToJson) } };
  }
  if (v.kvlistValue !== undefined) {
    return { kvlistValue: v.kvlistValue.length === 0 ? {} : { values: keyValuesToJson(v.kvlistValue) } };
  }
  if (v.bytesValue !== undefined) return { bytesValue: v.bytesValue.toString('base64') };
  return {};
}

function doubleToJson(d: number): number | string {
  if (Number.isFinite(d)) return d;
  return Number.isNaN(d) ? 'NaN' : d > 0 ? 'Infinity' : '-Infinity';
}
