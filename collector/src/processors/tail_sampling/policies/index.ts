/**
 * tail_sampling policies: config schema, evaluators and otelcol's decision precedence. The
 * engine (../) validates `policies` with policiesSchema, builds evaluators once, evaluates every
 * policy per trace, combines with combineDecisions, then calls afterDecision on the policies
 * that have it. See README.md.
 */
export { policiesSchema, type PolicyConfig, type PolicyType } from './config.ts';
export { buildPolicies, buildPolicy } from './build.ts';
export { combineDecisions, isSampled } from './decision.ts';
export { Decision, type PolicyEvaluator, type PolicySettings, type TraceView } from './policy.ts';
