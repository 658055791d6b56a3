/**
 * Builds PolicyEvaluators from validated configs (config.ts). Config validation already ran, so
 * building only fails on a bug; warnings for configs otelcol accepts but that cannot do what
 * they look like (a composite sub-policy without a rate allocation) go to the log.
 */
import type { Logger } from 'pino';
import { AlwaysSamplePolicy } from './always-sample.ts';
import { AndPolicy } from './and.ts';
import { BooleanAttributePolicy } from './boolean-attribute.ts';
import { BytesLimitingPolicy } from './bytes-limiting.ts';
import { CompositePolicy, compositeAllocations } from './composite.ts';
import type { CompositeConfig, PolicyConfig } from './config.ts';
import { DropPolicy } from './drop.ts';
import { EndpointFloorPolicy } from './endpoint-floor.ts';
import { LatencyPolicy } from './latency.ts';
import { NumericAttributePolicy } from './numeric-attribute.ts';
import { OttlConditionPolicy } from './ottl-condition.ts';
import type { PolicyEvaluator, PolicySettings } from './policy.ts';
import { ProbabilisticPolicy } from './probabilistic.ts';
import { RateLimitingPolicy } from './rate-limiting.ts';
import { SpanCountPolicy } from './span-count.ts';
import { StatusCodePolicy } from './status-code.ts';
import { StringAttributePolicy } from './string-attribute.ts';
import { TraceFlagsPolicy } from './trace-flags.ts';
import { TraceStatePolicy } from './trace-state.ts';

function warnComposite(name: string, cfg: CompositeConfig, logger: Logger): void {
  const alloc = compositeAllocations(cfg);
  const subNames = new Set(cfg.composite_sub_policy.map((p) => p.name));
  for (const sub of cfg.composite_sub_policy) {
    if ((alloc.get(sub.name) ?? 0) <= 0) {
      logger.warn({ policy: name, sub_policy: sub.name }, 'composite sub-policy has no span budget (no rate_allocation entry, or 0 spans): it can never sample');
    }
  }
  for (const a of cfg.rate_allocation) {
    if (!subNames.has(a.policy)) logger.warn({ policy: name, rate_allocation: a.policy }, 'rate_allocation names no composite sub-policy');
  }
  for (const p of cfg.policy_order) {
    if (!subNames.has(p)) logger.warn({ policy: name, policy_order: p }, 'policy_order names no composite sub-policy');
  }
}

export function buildPolicy(cfg: PolicyConfig, settings: PolicySettings): PolicyEvaluator {
  const logger = settings.logger;
  switch (cfg.type) {
    case 'always_sample':
      return new AlwaysSamplePolicy(cfg.name);
    case 'trace_flags':
      return new TraceFlagsPolicy(cfg.name);
    case 'latency':
      return new LatencyPolicy(cfg.name, cfg.latency);
    case 'numeric_attribute':
      return new NumericAttributePolicy(cfg.name, cfg.numeric_attribute);
    case 'probabilistic':
      return new ProbabilisticPolicy(cfg.name, cfg.probabilistic);
    case 'status_code':
      return new StatusCodePolicy(cfg.name, cfg.status_code);
    case 'string_attribute':
      return new StringAttributePolicy(cfg.name, cfg.string_attribute, logger);
    case 'rate_limiting':
      return new RateLimitingPolicy(cfg.name, cfg.rate_limiting);
    case 'bytes_limiting':
      return new BytesLimitingPolicy(cfg.name, cfg.bytes_limiting);
    case 'span_count':
      return new SpanCountPolicy(cfg.name, cfg.span_count);
    case 'trace_state':
      return new TraceStatePolicy(cfg.name, cfg.trace_state);
    case 'boolean_attribute':
      return new BooleanAttributePolicy(cfg.name, cfg.boolean_attribute);
    case 'ottl_condition':
      return new OttlConditionPolicy(cfg.name, cfg.ottl_condition, logger);
    case 'and':
      return new AndPolicy(
        cfg.name,
        cfg.and.and_sub_policy.map((p) => buildPolicy(p, settings)),
      );
    case 'drop':
      return new DropPolicy(
        cfg.name,
        cfg.drop.drop_sub_policy.map((p) => buildPolicy(p, settings)),
      );
    case 'composite':
      warnComposite(cfg.name, cfg.composite, logger);
      return new CompositePolicy(
        cfg.name,
        cfg.composite,
        cfg.composite.composite_sub_policy.map((p) => buildPolicy(p, settings)),
      );
    case 'endpoint_floor':
      return new EndpointFloorPolicy(cfg.name, cfg.endpoint_floor, settings);
  }
}

/**
 * One evaluator per configured policy. Drop policies come first, as otelcol orders them (a
 * Dropped decision wins anyway, so an engine may stop at the first one).
 */
export function buildPolicies(configs: readonly PolicyConfig[], settings: PolicySettings): PolicyEvaluator[] {
  const drops = configs.filter((c) => c.type === 'drop');
  const others = configs.filter((c) => c.type !== 'drop');
  return [...drops, ...others].map((c) => buildPolicy(c, settings));
}
