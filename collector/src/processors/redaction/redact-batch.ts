/**
 * Redaction of a whole SpanBatch, over the maps otelcol's redaction processor covers for traces:
 * resource attributes, scope attributes, span attributes and span event attributes. (Not span
 * links' attributes, not names or status messages: otelcol leaves those alone too.)
 *
 * Each map is first scanned in its bytes (scan.ts); only a resource, scope or span with something
 * to change is decoded (decode-model.ts), redacted on the object model (redact-attributes.ts),
 * re-encoded and put back: replaceResources / replaceScopes / replaceSpan (pdata/rewrite.ts).
 * Every other span keeps its received bytes and is copied verbatim by the exporter.
 */
import { decodeResource, decodeScope, decodeSpan } from '../../pdata/decode-model.ts';
import { encodeResource, encodeScope, encodeSpan } from '../../pdata/encode-model.ts';
import { replaceResources, replaceScopes, replaceSpan } from '../../pdata/rewrite.ts';
import {
  C_BUF,
  C_FIELD_END,
  C_FIELD_START,
  C_MSG_END,
  C_MSG_START,
  C_RES,
  RES_STRIDE,
  R_BUF,
  R_FIELD_END,
  R_FIELD_START,
  R_MSG_END,
  R_MSG_START,
  SCOPE_STRIDE,
  SPAN_STRIDE,
  S_BUF,
  S_END,
  S_SCOPE,
  S_START,
  type SpanBatch,
} from '../../pdata/span-batch.ts';
import { redactAttributes } from './redact-attributes.ts';
import type { RedactionRules } from './rules.ts';
import { AttributeScanner } from './scan.ts';

const RESOURCE_ATTRIBUTES = 1;
const SCOPE_ATTRIBUTES = 3;

/** What one batch cost: for tests and debug logs. */
export interface RedactionCounts {
  spansRewritten: number;
  resourcesRewritten: number;
  scopesRewritten: number;
}

export class BatchRedactor {
  private readonly rules: RedactionRules;
  private readonly scanner: AttributeScanner;

  constructor(rules: RedactionRules) {
    this.rules = rules;
    this.scanner = new AttributeScanner(rules);
  }

  /** Redacts the batch in place (the caller owns it until it passes it on). */
  redact(batch: SpanBatch): RedactionCounts {
    const counts: RedactionCounts = { spansRewritten: 0, resourcesRewritten: 0, scopesRewritten: 0 };
    this.redactResourcesAndScopes(batch, counts);
    const s = batch.spans;
    const rules = this.rules;
    for (let i = 0; i < batch.spanCount; i++) {
      const o = i * SPAN_STRIDE;
      const buf = batch.buffers[s[o + S_BUF]!]!;
      const start = s[o + S_START]!;
      const end = s[o + S_END]!;
      if (!this.scanner.spanWouldChange(buf, start, end)) continue;
      const span = decodeSpan(buf, start, end);
      let changed = redactAttributes(span.attributes, rules);
      for (const ev of span.events) if (redactAttributes(ev.attributes, rules)) changed = true;
      if (!changed) continue;
      replaceSpan(batch, i, encodeSpan(span));
      counts.spansRewritten++;
    }
    return counts;
  }

  /**
   * Resources and scopes are rows shared by many spans: each is scanned once, and all rewrites go
   * in with one copy of each table. A row no span of this batch uses (a ResourceSpans or
   * ScopeSpans without spans in the request) is not rewritten, but if it holds something to
   * redact the batch stops being pristine: re-framing then leaves it out, where the pristine
   * pass-through would have sent it as received.
   */
  private redactResourcesAndScopes(batch: SpanBatch, counts: RedactionCounts): void {
    const usedScopes = new Uint8Array(batch.scopeCount);
    const usedResources = new Uint8Array(batch.resourceCount);
    const s = batch.spans;
    for (let o = 0, end = batch.spanCount * SPAN_STRIDE; o < end; o += SPAN_STRIDE) {
      const scope = s[o + S_SCOPE]!;
      usedScopes[scope] = 1;
      usedResources[batch.scopes[scope * SCOPE_STRIDE + C_RES]!] = 1;
    }
    const rules = this.rules;
    let unusedNeedsRedaction = false;

    let resourcePayloads: Map<number, Buffer> | null = null;
    const rs = batch.resources;
    for (let r = 0; r < batch.resourceCount; r++) {
      const ro = r * RES_STRIDE;
      // An absent resource has no attributes to redact.
      if (rs[ro + R_FIELD_END] === rs[ro + R_FIELD_START]) continue;
      const buf = batch.buffers[rs[ro + R_BUF]!]!;
      const start = rs[ro + R_MSG_START]!;
      const end = rs[ro + R_MSG_END]!;
      if (!this.scanner.mapWouldChange(buf, start, end, RESOURCE_ATTRIBUTES)) continue;
      if (usedResources[r] === 0) {
        unusedNeedsRedaction = true;
        continue;
      }
      const resource = decodeResource(buf, start, end);
      if (!redactAttributes(resource.attributes, rules)) continue;
      (resourcePayloads ??= new Map()).set(r, encodeResource(resource));
    }
    if (resourcePayloads !== null) {
      replaceResources(batch, resourcePayloads);
      counts.resourcesRewritten = resourcePayloads.size;
    }

    let scopePayloads: Map<number, Buffer> | null = null;
    const cs = batch.scopes;
    for (let c = 0; c < batch.scopeCount; c++) {
      const co = c * SCOPE_STRIDE;
      if (cs[co + C_FIELD_END] === cs[co + C_FIELD_START]) continue;
      const buf = batch.buffers[cs[co + C_BUF]!]!;
      const start = cs[co + C_MSG_START]!;
      const end = cs[co + C_MSG_END]!;
      if (!this.scanner.mapWouldChange(buf, start, end, SCOPE_ATTRIBUTES)) continue;
      if (usedScopes[c] === 0) {
        unusedNeedsRedaction = true;
        continue;
      }
      const scope = decodeScope(buf, start, end);
      if (!redactAttributes(scope.attributes, rules)) continue;
      (scopePayloads ??= new Map()).set(c, encodeScope(scope));
    }
    if (scopePayloads !== null) {
      replaceScopes(batch, scopePayloads);
      counts.scopesRewritten = scopePayloads.size;
    }
    if (unusedNeedsRedaction) batch.pristine = null;
  }
}
