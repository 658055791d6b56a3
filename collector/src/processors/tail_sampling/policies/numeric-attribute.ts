/**
 * numeric_attribute: the key on any resource or span with an int value in [min_value,
 * max_value] (either bound optional: int64 min / max). As otelcol reads it with pcommon's
 * Value.Int(), a value that is not an int counts as 0 (a double 5.5 is 0, not 5.5).
 */
import { AV_INT, AttributeRef } from '../../../pdata/attributes.ts';
import { intAttributeValue } from './int-value.ts';
import { anyAttributeMatch, attributeDecision, type AttributeMatcher } from './attribute-match.ts';
import type { NumericAttributeConfig } from './config.ts';
import type { Decision, PolicyEvaluator, TraceView } from './policy.ts';

export class NumericAttributePolicy implements PolicyEvaluator, AttributeMatcher {
  readonly type = 'numeric_attribute';
  private readonly key: Buffer;
  private readonly ref = new AttributeRef();
  private readonly min: number;
  private readonly max: number;
  private readonly invert: boolean;

  constructor(
    readonly name: string,
    cfg: NumericAttributeConfig,
  ) {
    this.key = Buffer.from(cfg.key, 'utf8');
    this.min = cfg.min_value ?? -Infinity;
    this.max = cfg.max_value ?? Infinity;
    this.invert = cfg.invert_match;
  }

  matchResource(ref: AttributeRef): boolean {
    return this.matchSpan(ref);
  }

  matchSpan(ref: AttributeRef): boolean {
    const v = ref.type === AV_INT ? intAttributeValue(ref) : 0;
    return v >= this.min && v <= this.max;
  }

  evaluate(trace: TraceView): Decision {
    return attributeDecision(anyAttributeMatch(trace.batch, this.key, this.ref, this), this.invert);
  }
}
