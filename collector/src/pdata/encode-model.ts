/**
 * Encodes the object model (model.ts) as OTLP protobuf: size first, then one exact allocation
 * and one write pass with WireWriter.
 *
 * The sizing pass records, in traversal order, the payload size of every nested message and the
 * UTF-8 length of every string it will write; the write pass walks the same fields in the same
 * order and consumes those numbers. So each size is computed once (no quadratic re-sizing of
 * nested messages) and each string is measured once.
 *
 * Canonical output, as protobufjs and gogoproto write it: fields in field-number order, proto3
 * defaults omitted (empty strings and bytes, zero numbers), oneof members always written (an
 * AnyValue of '' / 0 / false is present), negative int32/int64 as 10-byte varints. Message fields:
 * `resource` / `scope` are written when non-null (even if empty), a span's `status` only when it
 * is not the default, and KeyValue.value always (gogoproto's non-nullable field; `{}` is `12 00`).
 * Out-of-range numbers are reduced as the wire type does (uint32 modulo 2^32, fixed64 modulo 2^64).
 * Ids are written as given, their length unchecked (so tests can build requests the receivers
 * must refuse); the decoders and the JSON reader are where lengths are enforced.
 */
import { int32Size, lenFieldSize, utf8Length, varint64Size, varintSize, WireWriter } from './wire-writer.ts';
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
} from './model.ts';

// ---- public entry points ----

export function encodeExportRequestModel(m: ExportRequestModel): Buffer {
  const s: number[] = [];
  let total = 0;
  for (const rs of m.resourceSpans) {
    const slot = s.push(0) - 1;
    const p = sizeResourceSpans(rs, s);
    s[slot] = p;
    total += lenFieldSize(p);
  }
  const e = new Enc(total, s);
  for (const rs of m.resourceSpans) {
    e.lenField(0x0a);
    writeResourceSpans(e, rs);
  }
  return e.w.finish();
}

/** The Span message payload, without its own tag and length (as SpanBatch rows store spans). */
export function encodeSpan(m: SpanModel): Buffer {
  const s: number[] = [];
  const n = sizeSpan(m, s);
  const e = new Enc(n, s);
  writeSpan(e, m);
  return e.w.finish();
}

/** The Resource message payload. */
export function encodeResource(m: ResourceModel): Buffer {
  const s: number[] = [];
  const e = new Enc(sizeResource(m, s), s);
  writeResource(e, m);
  return e.w.finish();
}

/** The InstrumentationScope message payload. */
export function encodeScope(m: ScopeModel): Buffer {
  const s: number[] = [];
  const e = new Enc(sizeScope(m, s), s);
  writeScope(e, m);
  return e.w.finish();
}

/** The KeyValue message payload. */
export function encodeKeyValue(kv: KeyValue): Buffer {
  const s: number[] = [];
  const e = new Enc(sizeKeyValue(kv, s), s);
  writeKeyValue(e, kv);
  return e.w.finish();
}

/** The AnyValue message payload. */
export function encodeAnyValue(v: AnyValue): Buffer {
  const s: number[] = [];
  const e = new Enc(sizeAnyValue(v, s), s);
  writeAnyValue(e, v);
  return e.w.finish();
}

// ---- sizing pass ----
// Each size function returns the payload size of its message and appends to `s` the numbers the
// write pass will need, in write order. A nested message's size goes in a slot reserved before
// its children are sized (the writer needs it first, for the length prefix).

function sizeStr(s: number[], str: string): number {
  const n = utf8Length(str);
  s.push(n);
  return lenFieldSize(n);
}

function sizeKeyValues(kvs: KeyValue[], s: number[]): number {
  let n = 0;
  for (let i = 0; i < kvs.length; i++) {
    const slot = s.push(0) - 1;
    const p = sizeKeyValue(kvs[i]!, s);
    s[slot] = p;
    n += lenFieldSize(p);
  }
  return n;
}

function sizeResourceSpans(m: ResourceSpansModel, s: number[]): number {
  let n = 0;
  if (m.resource !== null) {
    const rs = s.push(0) - 1;
    const p = sizeResource(m.resource, s);
    s[rs] = p;
    n += lenFieldSize(p);
  }
  for (const ss of m.scopeSpans) {
    const sl = s.push(0) - 1;
    const p = sizeScopeSpans(ss, s);
    s[sl] = p;
    n += lenFieldSize(p);
  }
  if (m.schemaUrl !== '') n += sizeStr(s, m.schemaUrl);
  return n;
}

function sizeScopeSpans(m: ScopeSpansModel, s: number[]): number {
  let n = 0;
  if (m.scope !== null) {
    const sl = s.push(0) - 1;
    const p = sizeScope(m.scope, s);
    s[sl] = p;
    n += lenFieldSize(p);
  }
  for (const span of m.spans) {
    const sl = s.push(0) - 1;
    const p = sizeSpan(span, s);
    s[sl] = p;
    n += lenFieldSize(p);
  }
  if (m.schemaUrl !== '') n += sizeStr(s, m.schemaUrl);
  return n;
}

function sizeResource(m: ResourceModel, s: number[]): number {
  let n = sizeKeyValues(m.attributes, s);
  const d = m.droppedAttributesCount >>> 0;
  if (d !== 0) n += 1 + varintSize(d);
  return n;
}

function sizeScope(m: ScopeModel, s: number[]): number {
  let n = 0;
  if (m.name !== '') n += sizeStr(s, m.name);
  if (m.version !== '') n += sizeStr(s, m.version);
  n += sizeKeyValues(m.attributes, s);
  const d = m.droppedAttributesCount >>> 0;
  if (d !== 0) n += 1 + varintSize(d);
  return n;
}

function sizeSpan(m: SpanModel, s: number[]): number {
  let n = 0;
  if (m.traceId.length !== 0) n += lenFieldSize(m.traceId.length);
  if (m.spanId.length !== 0) n += lenFieldSize(m.spanId.length);
  if (m.traceState !== '') n += sizeStr(s, m.traceState);
  if (m.parentSpanId.length !== 0) n += lenFieldSize(m.parentSpanId.length);
  if (m.name !== '') n += sizeStr(s, m.name);
  const kind = m.kind | 0;
  if (kind !== 0) n += 1 + int32Size(kind);
  if (m.startTimeUnixNano !== 0n) n += 9;
  if (m.endTimeUnixNano !== 0n) n += 9;
  n += sizeKeyValues(m.attributes, s);
  let d = m.droppedAttributesCount >>> 0;
  if (d !== 0) n += 1 + varintSize(d);
  for (const ev of m.events) {
    const sl = s.push(0) - 1;
    const p = sizeEvent(ev, s);
    s[sl] = p;
    n += lenFieldSize(p);
  }
  d = m.droppedEventsCount >>> 0;
  if (d !== 0) n += 1 + varintSize(d);
  for (const link of m.links) {
    const sl = s.push(0) - 1;
    const p = sizeLink(link, s);
    s[sl] = p;
    n += lenFieldSize(p);
  }
  d = m.droppedLinksCount >>> 0;
  if (d !== 0) n += 1 + varintSize(d);
  const st = m.status;
  const code = st.code | 0;
  if (st.message !== '' || code !== 0) {
    const slot = s.push(0) - 1;
    let p = 0;
    if (st.message !== '') p += sizeStr(s, st.message);
    if (code !== 0) p += 1 + int32Size(code);
    s[slot] = p;
    n += lenFieldSize(p);
  }
  if (m.flags >>> 0 !== 0) n += 2 + 4; // field 16: two-byte tag
  return n;
}

function sizeEvent(m: SpanEvent, s: number[]): number {
  let n = 0;
  if (m.timeUnixNano !== 0n) n += 9;
  if (m.name !== '') n += sizeStr(s, m.name);
  n += sizeKeyValues(m.attributes, s);
  const d = m.droppedAttributesCount >>> 0;
  if (d !== 0) n += 1 + varintSize(d);
  return n;
}

function sizeLink(m: SpanLink, s: number[]): number {
  let n = 0;
  if (m.traceId.length !== 0) n += lenFieldSize(m.traceId.length);
  if (m.spanId.length !== 0) n += lenFieldSize(m.spanId.length);
  if (m.traceState !== '') n += sizeStr(s, m.traceState);
  n += sizeKeyValues(m.attributes, s);
  const d = m.droppedAttributesCount >>> 0;
  if (d !== 0) n += 1 + varintSize(d);
  if (m.flags >>> 0 !== 0) n += 5;
  return n;
}

function sizeKeyValue(kv: KeyValue, s: number[]): number {
  let n = 0;
  if (kv.key !== '') n += sizeStr(s, kv.key);
  const slot = s.push(0) - 1;
  const p = sizeAnyValue(kv.value, s);
  s[slot] = p;
  return n + lenFieldSize(p);
}

function sizeAnyValue(v: AnyValue, s: number[]): number {
  if (v.stringValue !== undefined) return sizeStr(s, v.stringValue);
  if (v.intValue !== undefined) return 1 + varint64Size(v.intValue);
  if (v.boolValue !== undefined) return 2;
  if (v.doubleValue !== undefined) return 9;
  if (v.arrayValue !== undefined) {
    const slot = s.push(0) - 1;
    let n = 0;
    for (const el of v.arrayValue) {
      const sl = s.push(0) - 1;
      const p = sizeAnyValue(el, s);
      s[sl] = p;
      n += lenFieldSize(p);
    }
    s[slot] = n;
    return lenFieldSize(n);
  }
  if (v.kvlistValue !== undefined) {
    const slot = s.push(0) - 1;
    const n = sizeKeyValues(v.kvlistValue, s);
    s[slot] = n;
    return lenFieldSize(n);
  }
  if (v.bytesValue !== undefined) return lenFieldSize(v.bytesValue.length);
  return 0;
}

// ---- write pass ----

class Enc {
  readonly w: WireWriter;
  private readonly s: number[];
  private k = 0;

  constructor(size: number, s: number[]) {
    this.w = new WireWriter(size);
    this.s = s;
  }

  /** Tag (one byte) and the next recorded length: a nested message follows. */
  lenField(tag: number): void {
    this.w.byte(tag);
    this.w.varint(this.s[this.k++]!);
  }

  str(tag: number, str: string): void {
    const n = this.s[this.k++]!;
    this.w.byte(tag);
    this.w.varint(n);
    this.w.utf8(str, n);
  }

  bytes(tag: number, b: Buffer): void {
    this.w.byte(tag);
    this.w.varint(b.length);
    this.w.bytes(b);
  }

  keyValues(tag: number, kvs: KeyValue[]): void {
    for (let i = 0; i < kvs.length; i++) {
      this.lenField(tag);
      writeKeyValue(this, kvs[i]!);
    }
  }
}

function writeResourceSpans(e: Enc, m: ResourceSpansModel): void {
  if (m.resource !== null) {
    e.lenField(0x0a);
    writeResource(e, m.resource);
  }
  for (const ss of m.scopeSpans) {
    e.lenField(0x12);
    writeScopeSpans(e, ss);
  }
  if (m.schemaUrl !== '') e.str(0x1a, m.schemaUrl);
}

function writeScopeSpans(e: Enc, m: ScopeSpansModel): void {
  if (m.scope !== null) {
    e.lenField(0x0a);
    writeScope(e, m.scope);
  }
  for (const span of m.spans) {
    e.lenField(0x12);
    writeSpan(e, span);
  }
  if (m.schemaUrl !== '') e.str(0x1a, m.schemaUrl);
}

function writeResource(e: Enc, m: ResourceModel): void {
  e.keyValues(0x0a, m.attributes);
  const d = m.droppedAttributesCount >>> 0;
  if (d !== 0) {
    e.w.byte(0x10);
    e.w.varint(d);
  }
}

function writeScope(e: Enc, m: ScopeModel): void {
  if (m.name !== '') e.str(0x0a, m.name);
  if (m.version !== '') e.str(0x12, m.version);
  e.keyValues(0x1a, m.attributes);
  const d = m.droppedAttributesCount >>> 0;
  if (d !== 0) {
    e.w.byte(0x20);
    e.w.varint(d);
  }
}

function writeSpan(e: Enc, m: SpanModel): void {
  const w = e.w;
  if (m.traceId.length !== 0) e.bytes(0x0a, m.traceId);
  if (m.spanId.length !== 0) e.bytes(0x12, m.spanId);
  if (m.traceState !== '') e.str(0x1a, m.traceState);
  if (m.parentSpanId.length !== 0) e.bytes(0x22, m.parentSpanId);
  if (m.name !== '') e.str(0x2a, m.name);
  const kind = m.kind | 0;
  if (kind !== 0) {
    w.byte(0x30);
    w.int32(kind);
  }
  if (m.startTimeUnixNano !== 0n) {
    w.byte(0x39);
    w.fixed64(m.startTimeUnixNano);
  }
  if (m.endTimeUnixNano !== 0n) {
    w.byte(0x41);
    w.fixed64(m.endTimeUnixNano);
  }
  e.keyValues(0x4a, m.attributes);
  let d = m.droppedAttributesCount >>> 0;
  if (d !== 0) {
    w.byte(0x50);
    w.varint(d);
  }
  for (const ev of m.events) {
    e.lenField(0x5a);
    writeEvent(e, ev);
  }
  d = m.droppedEventsCount >>> 0;
  if (d !== 0) {
    w.byte(0x60);
    w.varint(d);
  }
  for (const link of m.links) {
    e.lenField(0x6a);
    writeLink(e, link);
  }
  d = m.droppedLinksCount >>> 0;
  if (d !== 0) {
    w.byte(0x70);
    w.varint(d);
  }
  const st = m.status;
  const code = st.code | 0;
  if (st.message !== '' || code !== 0) {
    e.lenField(0x7a);
    if (st.message !== '') e.str(0x12, st.message);
    if (code !== 0) {
      w.byte(0x18);
      w.int32(code);
    }
  }
  const flags = m.flags >>> 0;
  if (flags !== 0) {
    w.byte(0x85);
    w.byte(0x01);
    w.fixed32(flags);
  }
}

function writeEvent(e: Enc, m: SpanEvent): void {
  const w = e.w;
  if (m.timeUnixNano !== 0n) {
    w.byte(0x09);
    w.fixed64(m.timeUnixNano);
  }
  if (m.name !== '') e.str(0x12, m.name);
  e.keyValues(0x1a, m.attributes);
  const d = m.droppedAttributesCount >>> 0;
  if (d !== 0) {
    w.byte(0x20);
    w.varint(d);
  }
}

function writeLink(e: Enc, m: SpanLink): void {
  const w = e.w;
  if (m.traceId.length !== 0) e.bytes(0x0a, m.traceId);
  if (m.spanId.length !== 0) e.bytes(0x12, m.spanId);
  if (m.traceState !== '') e.str(0x1a, m.traceState);
  e.keyValues(0x22, m.attributes);
  const d = m.droppedAttributesCount >>> 0;
  if (d !== 0) {
    w.byte(0x28);
    w.varint(d);
  }
  const flags = m.flags >>> 0;
  if (flags !== 0) {
    w.byte(0x35);
    w.fixed32(flags);
  }
}

function writeKeyValue(e: Enc, kv: KeyValue): void {
  if (kv.key !== '') e.str(0x0a, kv.key);
  e.lenField(0x12);
  writeAnyValue(e, kv.value);
}

function writeAnyValue(e: Enc, v: AnyValue): void {
  const w = e.w;
  if (v.stringValue !== undefined) {
    e.str(0x0a, v.stringValue);
  } else if (v.intValue !== undefined) {
    w.byte(0x18);
    w.varint64(v.intValue);
  } else if (v.boolValue !== undefined) {
    w.byte(0x10);
    w.byte(v.boolValue ? 1 : 0);
  } else if (v.doubleValue !== undefined) {
    w.byte(0x21);
    w.double(v.doubleValue);
  } else if (v.arrayValue !== undefined) {
    e.lenField(0x2a);
    for (const el of v.arrayValue) {
      e.lenField(0x0a);
      writeAnyValue(e, el);
    }
  } else if (v.kvlistValue !== undefined) {
    e.lenField(0x32);
    e.keyValues(0x0a, v.kvlistValue);
  } else if (v.bytesValue !== undefined) {
    e.bytes(0x3a, v.bytesValue);
  }
}
