/**
 * boolean_attribute: the key on any resource or span equal to `value`. As otelcol reads it with
 * pcommon's Value.Bool(), a value that is not a bool counts as false.
 */
import { AV_BOOL, AttributeRef } from '../../../pdata/attributes.ts';
import { anyAttributeMatch, attributeDecision, type AttributeMatcher } from './attribute-match.ts';
import type { BooleanAttributeConfig } from './config.ts';
import type { Decision, PolicyEvaluator, TraceView } from './policy.ts';

export class BooleanAttributePolicy implements PolicyEvaluator, AttributeMatcher {
  readonly type = 'boolean_attribute';
  private readonly key: Buffer;
  private readonly ref = new AttributeRef();
  private readonly value: boolean;
  private readonly invert: boolean;

  constructor(
    readonly name: string,
    cfg: BooleanAttributeConfig,
  ) {
    this.key = Buffer.from(cfg.key, 'utf8');
    this.value = cfg.value;
    this.invert = cfg.invert_match;
  }

  matchResource(ref: AttributeRef): boolean {
    return this.matchSpan(ref);
  }

  matchSpan(ref: AttributeRef): boolean {
    return (ref.type === AV_BOOL && ref.boolValue()) === this.value;
  }

  evaluate(trace: TraceView): Decision {
    return attributeDecision(anyAttributeMatch(trace.batch, this.key, this.ref, this), this.invert);
  }
}
