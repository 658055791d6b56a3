/**
 * Routing keys read from the span bytes in place, hashed by the ring's own hash function:
 *
 *  - traceID:    the 16 trace id bytes (an empty id hashes as the empty key)
 *  - service:    the bytes of the resource's service.name value (empty when absent)
 *  - resource:   the Resource message bytes as received (attribute order matters)
 *  - attributes: "name=value|" per routing attribute, in the order configured (otelcol's
 *                composite key), each looked up on the resource, then the scope, then the span;
 *                "span.kind" and "span.name" are pseudo attributes. Missing: "name=|".
 *
 * Keys of resource-level kinds are hashed once per resource per batch (a per-call cache in
 * typed arrays owned by this object), not once per span. Not re-entrant across awaits: a
 * KeyHasher is used synchronously by one split at a time.
 */
import {
  AttributeRef,
  AV_ARRAY,
  AV_BOOL,
  AV_BYTES,
  AV_DOUBLE,
  AV_EMPTY,
  AV_INT,
  AV_KVLIST,
  AV_STRING,
  findResourceAttributeByIndex,
  findScopeAttribute,
  findSpanAttribute,
} from '../../pdata/attributes.ts';
import { decodeAnyValue } from '../../pdata/decode-model.ts';
import type { AnyValue } from '../../pdata/model.ts';
import {
  NONE,
  R_BUF,
  R_MSG_END,
  R_MSG_START,
  RES_STRIDE,
  S_BUF,
  S_NAME_LEN,
  S_NAME_OFF,
  S_TRACE_ID,
  SPAN_STRIDE,
  type SpanBatch,
} from '../../pdata/span-batch.ts';
import type { HashRing } from './ring.ts';

export type RoutingKeyKind = 'traceID' | 'service' | 'resource' | 'attributes';

const EMPTY = Buffer.alloc(0);
const SERVICE_NAME = Buffer.from('service.name');
/** Go's ptrace.SpanKind.String(), as otelcol writes span.kind into the composite key. */
const SPAN_KIND_NAMES = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];

export class KeyHasher {
  readonly kind: RoutingKeyKind;
  private readonly attrNames: Buffer[];
  private readonly attrPrefixes: Buffer[];
  private readonly ref = new AttributeRef();
  // Per-resource cache for resource-level keys: hash and a "filled in this call" stamp.
  private resHash = new Uint32Array(16);
  private resStamp = new Uint32Array(16);
  private stamp = 0;
  private ring: HashRing | null = null;
  // Scratch for composite keys; grows, never shrinks.
  private scratch = Buffer.alloc(256);

  constructor(kind: RoutingKeyKind, routingAttributes: readonly string[] = []) {
    this.kind = kind;
    this.attrNames = routingAttributes.map((a) => Buffer.from(a, 'utf8'));
    this.attrPrefixes = routingAttributes.map((a) => Buffer.from(`${a}=`, 'utf8'));
  }

  /** Call once per batch before hash(): resets the per-resource cache for this batch and ring. */
  begin(batch: SpanBatch, ring: HashRing): void {
    this.ring = ring;
    if (this.kind !== 'service' && this.kind !== 'resource') return;
    if (this.resHash.length < batch.resourceCount) {
      const n = Math.max(batch.resourceCount, this.resHash.length * 2);
      this.resHash = new Uint32Array(n);
      this.resStamp = new Uint32Array(n);
    }
    // A new stamp invalidates every cached entry at once (no fill per batch).
    this.stamp = (this.stamp + 1) >>> 0;
    if (this.stamp === 0) {
      this.resStamp.fill(0);
      this.stamp = 1;
    }
  }

  /** Hash of span i's routing key under the ring given to begin(). */
  hash(batch: SpanBatch, i: number): number {
    const ring = this.ring!;
    switch (this.kind) {
      case 'traceID': {
        const o = i * SPAN_STRIDE;
        const off = batch.spans[o + S_TRACE_ID]!;
        if (off === NONE) return ring.hash(EMPTY, 0, 0);
        return ring.hash(batch.buffers[batch.spans[o + S_BUF]!]!, off, off + 16);
      }
      case 'service':
      case 'resource': {
        const res = batch.resourceIndexOf(i);
        if (this.resStamp[res] === this.stamp) return this.resHash[res]!;
        const h = this.kind === 'service' ? this.serviceHash(batch, res, ring) : resourceHash(batch, res, ring);
        this.resHash[res] = h;
        this.resStamp[res] = this.stamp;
        return h;
      }
      case 'attributes':
        return this.attributesHash(batch, i, ring);
    }
  }

  private serviceHash(batch: SpanBatch, res: number, ring: HashRing): number {
    const ref = this.ref;
    if (!findResourceAttributeByIndex(batch, res, SERVICE_NAME, ref) || ref.type === AV_EMPTY) return ring.hash(EMPTY, 0, 0);
    return ring.hash(ref.buf, ref.start, ref.end);
  }

  private attributesHash(batch: SpanBatch, i: number, ring: HashRing): number {
    let len = 0;
    for (let a = 0; a < this.attrNames.length; a++) {
      len = this.put(this.attrPrefixes[a]!, len);
      len = this.appendValue(batch, i, this.attrNames[a]!, len);
      len = this.putByte(0x7c, len); // '|'
    }
    return ring.hash(this.scratch, 0, len);
  }

  private appendValue(batch: SpanBatch, i: number, name: Buffer, len: number): number {
    const ref = this.ref;
    const res = batch.resourceIndexOf(i);
    if (
      findResourceAttributeByIndex(batch, res, name, ref) ||
      findScopeAttribute(batch, i, name, ref) ||
      findSpanAttribute(batch, i, name, ref)
    ) {
      return this.appendRef(ref, len);
    }
    if (name.equals(PSEUDO_SPAN_NAME)) {
      const o = i * SPAN_STRIDE;
      const off = batch.spans[o + S_NAME_OFF]!;
      return this.putRange(batch.spanBuffer(i), off, off + batch.spans[o + S_NAME_LEN]!, len);
    }
    if (name.equals(PSEUDO_SPAN_KIND)) return this.putString(SPAN_KIND_NAMES[batch.kind(i)] ?? String(batch.kind(i)), len);
    return len;
  }

  private appendRef(ref: AttributeRef, len: number): number {
    switch (ref.type) {
      case AV_STRING:
        return this.putRange(ref.buf, ref.start, ref.end, len);
      case AV_INT:
        return this.putString(ref.intValueBig().toString(), len);
      case AV_BOOL:
        return this.putString(ref.boolValue() ? 'true' : 'false', len);
      case AV_DOUBLE:
        return this.putString(String(ref.doubleValue()), len);
      case AV_BYTES:
        return this.putString(ref.buf.toString('base64', ref.start, ref.end), len);
      case AV_ARRAY:
      case AV_KVLIST:
        // Rare: decode the value (slow path) and write otelcol's {k:v,...} / [a,b] text.
        return this.putString(valueText(decodeAnyValue(wrapValue(ref))), len);
      default:
        return len;
    }
  }

  private ensure(n: number): void {
    if (n <= this.scratch.length) return;
    const bigger = Buffer.alloc(Math.max(n, this.scratch.length * 2));
    this.scratch.copy(bigger);
    this.scratch = bigger;
  }

  private put(bytes: Buffer, len: number): number {
    this.ensure(len + bytes.length);
    bytes.copy(this.scratch, len);
    return len + bytes.length;
  }

  private putRange(buf: Buffer, start: number, end: number, len: number): number {
    this.ensure(len + end - start);
    buf.copy(this.scratch, len, start, end);
    return len + end - start;
  }

  private putByte(b: number, len: number): number {
    this.ensure(len + 1);
    this.scratch[len] = b;
    return len + 1;
  }

  private putString(s: string, len: number): number {
    this.ensure(len + Buffer.byteLength(s));
    return len + this.scratch.write(s, len, 'utf8');
  }
}

const PSEUDO_SPAN_NAME = Buffer.from('span.name');
const PSEUDO_SPAN_KIND = Buffer.from('span.kind');

function resourceHash(batch: SpanBatch, res: number, ring: HashRing): number {
  const r = batch.resources;
  const o = res * RES_STRIDE;
  const start = r[o + R_MSG_START]!;
  const end = r[o + R_MSG_END]!;
  if (end <= start) return ring.hash(EMPTY, 0, 0);
  return ring.hash(batch.buffers[r[o + R_BUF]!]!, start, end);
}

/** An AnyValue message holding the array/kvlist payload the ref points at (for the slow decoder). */
function wrapValue(ref: AttributeRef): Buffer {
  const payload = ref.buf.subarray(ref.start, ref.end);
  const header = Buffer.from([(ref.type << 3) | 2, ...varint(payload.length)]);
  return Buffer.concat([header, payload]);
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

/** otelcol's attributeRoutingValueToString for nested values: maps with sorted keys. */
function valueText(v: AnyValue): string {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return v.intValue.toString();
  if (v.boolValue !== undefined) return v.boolValue ? 'true' : 'false';
  if (v.doubleValue !== undefined) return String(v.doubleValue);
  if (v.bytesValue !== undefined) return v.bytesValue.toString('base64');
  if (v.arrayValue !== undefined) return `[${v.arrayValue.map(valueText).join(',')}]`;
  if (v.kvlistValue !== undefined) {
    const kvs = [...v.kvlistValue].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return `{${kvs.map((kv) => `${kv.key}:${valueText(kv.value)}`).join(',')}}`;
  }
  return '';
}
