/**
 * otelcol's "resource or span" attribute test (hasResourceOrSpanWithCondition and its inverted
 * twin), over a SpanBatch: a trace matches when any of its resources or any of its spans has the
 * key with a matching value. Resources are taken from the spans (a TraceView's resource table may
 * hold resources of other traces); a resource shared by consecutive spans is tested once.
 *
 * The matcher is an object with two methods, not closures: nothing is allocated per span.
 */
import { AttributeRef, findResourceAttributeByIndex, findSpanAttribute } from '../../../pdata/attributes.ts';
import type { SpanBatch } from '../../../pdata/span-batch.ts';
import { Decision } from './policy.ts';

export interface AttributeMatcher {
  /** The value of the key on a resource matches (otelcol's resource callback). */
  matchResource(ref: AttributeRef): boolean;
  /** The value of the key on a span matches (otelcol's span callback). */
  matchSpan(ref: AttributeRef): boolean;
}

export function anyAttributeMatch(batch: SpanBatch, key: Buffer, ref: AttributeRef, m: AttributeMatcher): boolean {
  let lastRes = -1;
  for (let i = 0; i < batch.spanCount; i++) {
    const res = batch.resourceIndexOf(i);
    if (res !== lastRes) {
      lastRes = res;
      if (findResourceAttributeByIndex(batch, res, key, ref) && m.matchResource(ref)) return true;
    }
    if (findSpanAttribute(batch, i, key, ref) && m.matchSpan(ref)) return true;
  }
  return false;
}

/**
 * otelcol's decisions for attribute policies: Sampled / NotSampled, or with invert_match
 * InvertNotSampled when anything matched and InvertSampled otherwise (also when the key is
 * absent everywhere).
 */
export function attributeDecision(matched: boolean, invert: boolean): Decision {
  if (invert) return matched ? Decision.InvertNotSampled : Decision.InvertSampled;
  return matched ? Decision.Sampled : Decision.NotSampled;
}
