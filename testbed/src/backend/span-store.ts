/**
 * What the mock backend keeps per received span: trace id, span id, arrival time and tenant, in
 * growable columns (30 bytes a span, so tens of millions fit in a few hundred MB). It is the sink of
 * the request scanners; a request's tenant and arrival time are set once per request.
 */
import type { SpanIdSink } from '../proto/otlp-span-scanner.ts';
import { TRACE_ID_BYTES, SPAN_ID_BYTES } from '../proto/otlp-fields.ts';

/** A snapshot of the columns, as the validator reads them (also the decoded /spans dump). */
export interface ReceivedSpans {
  count: number;
  /** count x 16 bytes. */
  traceIds: Uint8Array;
  /** count x 8 bytes. */
  spanIds: Uint8Array;
  /** Milliseconds since epochMs. */
  arrivalMs: Uint32Array;
  /** Index into tenantNames ("" = no tenant header). */
  tenant: Uint16Array;
  tenantNames: string[];
  epochMs: number;
}

const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;
  HEX_VALUE['0123456789ABCDEF'.charCodeAt(i)] = i;
}

export class SpanStore implements SpanIdSink {
  private traceIds: Uint8Array;
  private spanIds: Uint8Array;
  private arrival: Uint32Array;
  private tenants: Uint16Array;
  private n = 0;
  private readonly tenantIndex = new Map<string, number>();
  private readonly tenantNames: string[] = [];
  private currentTenant = 0;
  private currentArrival = 0;
  /** Spans whose trace id or span id was missing or of the wrong length (not stored). */
  invalidSpans = 0;
  readonly epochMs = Date.now();

  constructor(initialCapacity = 1 << 16) {
    this.traceIds = new Uint8Array(initialCapacity * TRACE_ID_BYTES);
    this.spanIds = new Uint8Array(initialCapacity * SPAN_ID_BYTES);
    this.arrival = new Uint32Array(initialCapacity);
    this.tenants = new Uint16Array(initialCapacity);
    this.tenantOf('');
  }

  get count(): number {
    return this.n;
  }

  tenantOf(name: string): number {
    let i = this.tenantIndex.get(name);
    if (i === undefined) {
      if (this.tenantNames.length === 0xffff) throw new Error('too many tenants');
      i = this.tenantNames.length;
      this.tenantNames.push(name);
      this.tenantIndex.set(name, i);
    }
    return i;
  }

  /** Sets tenant and arrival time for the spans of the next request. */
  beginRequest(tenant: string): void {
    this.currentTenant = this.tenantOf(tenant);
    this.currentArrival = Math.max(0, Date.now() - this.epochMs);
  }

  addSpan(buf: Uint8Array, traceIdOffset: number, spanIdOffset: number): void {
    if (traceIdOffset < 0 || spanIdOffset < 0) {
      this.invalidSpans++;
      return;
    }
    const i = this.reserve();
    // Byte loops: 24 bytes per span, cheaper than creating subarray views to copy from.
    const t = this.traceIds;
    const tp = i * TRACE_ID_BYTES;
    for (let k = 0; k < TRACE_ID_BYTES; k++) t[tp + k] = buf[traceIdOffset + k]!;
    const s = this.spanIds;
    const sp = i * SPAN_ID_BYTES;
    for (let k = 0; k < SPAN_ID_BYTES; k++) s[sp + k] = buf[spanIdOffset + k]!;
  }

  /** Adds a span given as OTLP/JSON hex ids. */
  addHexSpan(traceIdHex: unknown, spanIdHex: unknown): void {
    if (
      typeof traceIdHex !== 'string' ||
      typeof spanIdHex !== 'string' ||
      traceIdHex.length !== 2 * TRACE_ID_BYTES ||
      spanIdHex.length !== 2 * SPAN_ID_BYTES ||
      !isHex(traceIdHex) ||
      !isHex(spanIdHex)
    ) {
      this.invalidSpans++;
      return;
    }
    const i = this.reserve();
    decodeHexInto(traceIdHex, this.traceIds, i * TRACE_ID_BYTES);
    decodeHexInto(spanIdHex, this.spanIds, i * SPAN_ID_BYTES);
  }

  private reserve(): number {
    if (this.n === this.arrival.length) this.grow();
    const i = this.n++;
    this.arrival[i] = this.currentArrival;
    this.tenants[i] = this.currentTenant;
    return i;
  }

  private grow(): void {
    const cap = this.arrival.length * 2;
    this.traceIds = copyInto(new Uint8Array(cap * TRACE_ID_BYTES), this.traceIds);
    this.spanIds = copyInto(new Uint8Array(cap * SPAN_ID_BYTES), this.spanIds);
    this.arrival = copyInto(new Uint32Array(cap), this.arrival);
    this.tenants = copyInto(new Uint16Array(cap), this.tenants);
  }

  /** Views of the stored spans (valid until the next add or clear). */
  snapshot(): ReceivedSpans {
    const n = this.n;
    return {
      count: n,
      traceIds: this.traceIds.subarray(0, n * TRACE_ID_BYTES),
      spanIds: this.spanIds.subarray(0, n * SPAN_ID_BYTES),
      arrivalMs: this.arrival.subarray(0, n),
      tenant: this.tenants.subarray(0, n),
      tenantNames: [...this.tenantNames],
      epochMs: this.epochMs,
    };
  }

  /** Spans received per tenant name. */
  countByTenant(): Record<string, number> {
    const counts = new Array<number>(this.tenantNames.length).fill(0);
    for (let i = 0; i < this.n; i++) counts[this.tenants[i]!]!++;
    return Object.fromEntries(this.tenantNames.map((name, i) => [name, counts[i]!]));
  }

  /** Drops spans added after the first `count` (undoes a partly stored request). */
  truncate(count: number): void {
    if (count < this.n) this.n = count;
  }

  clear(): void {
    this.n = 0;
    this.invalidSpans = 0;
  }
}

function copyInto<T extends Uint8Array | Uint16Array | Uint32Array>(dst: T, src: T): T {
  dst.set(src);
  return dst;
}

function isHex(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || HEX_VALUE[c]! < 0) return false;
  }
  return true;
}

function decodeHexInto(hex: string, out: Uint8Array, pos: number): void {
  for (let i = 0; i < hex.length; i += 2) {
    out[pos + (i >> 1)] = (HEX_VALUE[hex.charCodeAt(i)]! << 4) | HEX_VALUE[hex.charCodeAt(i + 1)]!;
  }
}
