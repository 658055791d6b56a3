/**
 * Turns a batch of queued spans into export requests: one request per tenant (the tenant travels in
 * a header), inside it one resource group per service. Spans are grouped with a counting sort over
 * typed arrays, each request is sized exactly, allocated once, filled by copying span records and
 * patched in place.
 */
import type { RequestFormat } from './formats/request-format.ts';
import type { TracePlan } from './trace-plan.ts';
import type { TraceFactsCache } from './trace-facts-cache.ts';
import { BufferPool } from './buffer-pool.ts';

export interface EncodedRequest {
  tenant: number;
  body: Buffer;
  /** The spans in this request (trace index, span index), for the ledger. */
  traces: Uint32Array;
  spans: Uint16Array;
}

export class RequestEncoder {
  private readonly n: number;
  private readonly serviceCount: number;
  // Scratch sized to the largest batch, allocated once and reused for every batch.
  private readonly keyOf: Uint32Array;
  private readonly templateOf: Uint32Array;
  private readonly order: Uint32Array;
  /** Spans per group key (tenant x services + service); only touched entries are reset. */
  private readonly keyCount: Uint32Array;
  private readonly keyCursor: Uint32Array;
  private readonly touched: Uint32Array;

  constructor(
    private readonly plan: TracePlan,
    private readonly format: RequestFormat,
    private readonly facts: TraceFactsCache,
    maxBatch: number,
    private readonly pool = new BufferPool(16),
  ) {
    this.n = plan.spansPerTrace;
    this.serviceCount = plan.serviceCount;
    this.keyOf = new Uint32Array(maxBatch);
    this.templateOf = new Uint32Array(maxBatch);
    this.order = new Uint32Array(maxBatch);
    const keys = plan.tenantCount * plan.serviceCount;
    this.keyCount = new Uint32Array(keys);
    this.keyCursor = new Uint32Array(keys);
    this.touched = new Uint32Array(Math.min(keys, maxBatch));
  }

  encode(traces: Uint32Array, spans: Uint16Array, count: number): EncodedRequest[] {
    const { n, serviceCount, keyOf, templateOf, keyCount, keyCursor, touched, order, facts, plan } = this;
    const templates = this.format.templates;
    let touchedCount = 0;
    for (let i = 0; i < count; i++) {
      const t = traces[i]!;
      const j = spans[i]!;
      const s = facts.slot(t);
      const e = facts.endpoint[s]!;
      const key = facts.tenant[s]! * serviceCount + plan.serviceOf[e * n + j]!;
      keyOf[i] = key;
      templateOf[i] = ((e * n + j) << 1) | facts.error[s]!;
      if (keyCount[key]!++ === 0) touched[touchedCount++] = key;
    }
    // Distinct keys in ascending order: tenants contiguous, services sorted within a tenant.
    const keys = touched.subarray(0, touchedCount).sort();
    let offset = 0;
    for (let g = 0; g < touchedCount; g++) {
      keyCursor[keys[g]!] = offset;
      offset += keyCount[keys[g]!]!;
    }
    for (let i = 0; i < count; i++) order[keyCursor[keyOf[i]!]!++] = i;

    const requests: EncodedRequest[] = [];
    let g = 0;
    let spanStart = 0;
    while (g < touchedCount) {
      const tenant = Math.floor(keys[g]! / serviceCount);
      let gEnd = g;
      let spanEnd = spanStart;
      while (gEnd < touchedCount && Math.floor(keys[gEnd]! / serviceCount) === tenant) spanEnd += keyCount[keys[gEnd++]!]!;
      requests.push(this.writeRequest(tenant, keys, g, gEnd, spanStart, traces, spans, templates.recordLength));
      g = gEnd;
      spanStart = spanEnd;
    }
    for (let k = 0; k < touchedCount; k++) keyCount[keys[k]!] = 0;
    return requests;
  }

  /** Gives a settled request's body back for reuse. */
  release(r: EncodedRequest): void {
    this.pool.release(r.body);
  }

  /** Writes groups [gStart, gEnd) whose spans are order[spanStart ...]. */
  private writeRequest(
    tenant: number,
    keys: Uint32Array,
    gStart: number,
    gEnd: number,
    spanStart: number,
    traces: Uint32Array,
    spans: Uint16Array,
    recordLength: Int32Array,
  ): EncodedRequest {
    const { format, keyCount, order, templateOf, serviceCount, facts, plan } = this;
    const templates = format.templates;
    // Pass 1: sizes.
    let groupBytes = 0;
    let p = spanStart;
    for (let g = gStart; g < gEnd; g++) {
      const c = keyCount[keys[g]!]!;
      let recordBytes = 0;
      for (let i = 0; i < c; i++) recordBytes += recordLength[templateOf[order[p + i]!]!]!;
      groupBytes += format.groupSize(keys[g]! % serviceCount, recordBytes, c);
      p += c;
    }
    const total = format.requestSize(groupBytes, gEnd - gStart);
    const spanCount = p - spanStart;
    // Pooled: the transport keeps the body until the export (retries included) settles; then the
    // generator hands it back with release().
    const body = this.pool.acquire(total);
    const outTraces = new Uint32Array(spanCount);
    const outSpans = new Uint16Array(spanCount);
    // Pass 2: bytes.
    let pos = format.writeRequestStart(body, 0);
    p = spanStart;
    let out = 0;
    const parentOf = plan.parentOf;
    const startFraction = plan.startFraction;
    const endFraction = plan.endFraction;
    for (let g = gStart; g < gEnd; g++) {
      const c = keyCount[keys[g]!]!;
      let recordBytes = 0;
      for (let i = 0; i < c; i++) recordBytes += recordLength[templateOf[order[p + i]!]!]!;
      pos = format.writeGroupStart(body, pos, keys[g]! % serviceCount, recordBytes, c, g - gStart);
      for (let i = 0; i < c; i++) {
        const idx = order[p + i]!;
        const k = templateOf[idx]!;
        const t = traces[idx]!;
        // Looked up again rather than remembered from the first pass: another trace of this batch
        // may have taken the slot since (a hit costs one comparison).
        const s = facts.slot(t);
        const j = spans[idx]!;
        pos = format.writeSpanSeparator(body, pos, i);
        body.set(templates.records[k]!, pos);
        const start = facts.startOffsetNs[s]!;
        const dur = facts.durationNs[s]!;
        format.patchSpan(
          body,
          pos,
          k,
          t,
          j,
          parentOf[j]!,
          facts.salt0[s]!,
          facts.salt1[s]!,
          start + Math.round(dur * startFraction[j]!),
          start + Math.round(dur * endFraction[j]!),
        );
        pos += recordLength[k]!;
        outTraces[out] = t;
        outSpans[out] = j;
        out++;
      }
      pos = format.writeGroupEnd(body, pos);
      p += c;
    }
    pos = format.writeRequestEnd(body, pos);
    if (pos !== total) throw new Error(`request encoder wrote ${pos} bytes, expected ${total}`);
    return { tenant, body, traces: outTraces, spans: outSpans };
  }
}
