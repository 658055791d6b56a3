import { describe, expect, it } from 'vitest';
import { buildPolicies, combineDecisions, Decision, isSampled, policiesSchema, type PolicyConfig, type PolicyEvaluator, type TraceView } from './index.ts';
import type { EndpointFloorPolicy } from './endpoint-floor.ts';
import { makeTrace, policySettings, type TestPolicySettings } from './testdata/make-trace.ts';

const MIN = 60_000;

function setup(entries: Record<string, unknown>[]): { policies: PolicyEvaluator[]; floor: EndpointFloorPolicy; settings: TestPolicySettings } {
  const settings = policySettings();
  const cfg = policiesSchema.parse(entries) as PolicyConfig[];
  const policies = buildPolicies(cfg, settings);
  return { policies, floor: policies.find((p) => p.type === 'endpoint_floor') as EndpointFloorPolicy, settings };
}

/** What the engine does per trace: evaluate all, combine, then afterDecision. */
function decide(policies: PolicyEvaluator[], trace: TraceView, now: number): boolean {
  const final = combineDecisions(policies.map((p) => p.evaluate(trace, now)));
  const kept = isSampled(final);
  for (const p of policies) p.afterDecision?.(trace, kept, now);
  return kept;
}

const req = (service: string, route: string, extra: Record<string, unknown> = {}) =>
  makeTrace({ resources: [{ 'service.name': service }], spans: [{ name: route, root: true, ...extra }, { name: 'child' }] });

const floorEntry = (c: Record<string, unknown> = {}) => ({ name: 'floor', type: 'endpoint_floor', endpoint_floor: c });
const errorsEntry = { name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } };

describe('endpoint_floor', () => {
  it('keeps N traces per service + root span name per minute', () => {
    const { policies } = setup([floorEntry({ min_traces_per_minute: 2 })]);
    const kept = [0, 1, 2, 3].map((k) => decide(policies, req('a', 'GET /x'), k * 1000));
    expect(kept).toEqual([true, true, false, false]);
    expect(decide(policies, req('a', 'GET /y'), 5000)).toBe(true); // another endpoint
    expect(decide(policies, req('b', 'GET /x'), 5000)).toBe(true); // another service
    expect(decide(policies, req('a', 'GET /x'), MIN)).toBe(true); // next minute window
  });

  it('the root span names the endpoint, not the first span to arrive', () => {
    const { policies, floor } = setup([floorEntry()]);
    const t = makeTrace({ resources: [{ 'service.name': 'a' }], spans: [{ name: 'child', start: 1 }, { name: 'GET /x', root: true, start: 0 }] });
    decide(policies, t, 0);
    expect(floor.keptThisMinute('a\u0000GET /x', 0)).toBe(1);
  });

  it('without a root span, the earliest span is used', () => {
    const { floor } = setup([floorEntry()]);
    const t = makeTrace({ spans: [{ name: 'late', start: 5 }, { name: 'early', start: 1 }] });
    expect(floor.keyOf(t.batch)).toBe('svc\u0000early');
  });

  it('does not spend its quota on traces other policies keep anyway', () => {
    const { policies, floor } = setup([errorsEntry, floorEntry({ min_traces_per_minute: 2 })]);
    // Two error traces kept by `errors` fill the floor for that endpoint...
    expect(decide(policies, req('a', 'GET /x', { status: 2 }), 0)).toBe(true);
    expect(decide(policies, req('a', 'GET /x', { status: 2 }), 0)).toBe(true);
    expect(floor.keptThisMinute('a\u0000GET /x', 0)).toBe(2);
    // ...so an ordinary trace of it is not kept by the floor.
    expect(decide(policies, req('a', 'GET /x'), 0)).toBe(false);
    // An endpoint with no kept traces gets its floor.
    expect(decide(policies, req('a', 'GET /quiet'), 0)).toBe(true);
  });

  it('a trace it wanted but a drop policy dropped is not counted', () => {
    const dropHealth = { name: 'nohealth', type: 'drop', drop: { drop_sub_policy: [{ name: 'h', type: 'string_attribute', string_attribute: { key: 'service.name', values: ['health'] } }] } };
    const { policies, floor } = setup([dropHealth, floorEntry()]);
    expect(decide(policies, req('health', 'GET /'), 0)).toBe(false);
    expect(floor.keptThisMinute('health\u0000GET /', 0)).toBe(0);
  });

  it('custom key paths', () => {
    const { policies } = setup([floorEntry({ key: ['attributes["http.route"]'], min_traces_per_minute: 1 })]);
    const t = (route: string) => makeTrace({ spans: [{ root: true, attrs: { 'http.route': route } }] });
    expect([decide(policies, t('/a'), 0), decide(policies, t('/a'), 0), decide(policies, t('/b'), 0)]).toEqual([true, false, true]);
  });

  it('bounds the key table with LRU eviction and counts evictions', async () => {
    const { policies, floor, settings } = setup([floorEntry({ max_keys: 3 })]);
    for (const r of ['/1', '/2', '/3']) decide(policies, req('a', r), 0);
    decide(policies, req('a', '/1'), 0); // touch /1: /2 is now least recently used
    expect(floor.size).toBe(3);
    decide(policies, req('a', '/4'), 0); // evicts /2
    expect(floor.size).toBe(3);
    expect(floor.keptThisMinute('a\u0000/1', 0)).toBe(1);
    expect(floor.keptThisMinute('a\u0000/2', 0)).toBe(0);
    // /2 comes back as a new key: it gets a trace again (the documented cost of eviction).
    expect(decide(policies, req('a', '/2'), 0)).toBe(true);
    const metric = await settings.telemetry.registry.getSingleMetric('tailpipe_processor_tail_sampling_endpoint_floor_evictions')!.get();
    expect(metric.values[0]).toMatchObject({ value: 2, labels: { processor: 'tail_sampling', policy: 'floor' } });
    expect(settings.logs.filter((l) => l.msg.includes('evicts keys'))).toHaveLength(1); // once a minute, not per eviction
  });

  it('evaluate alone never counts', () => {
    const { policies, floor } = setup([floorEntry()]);
    const t = req('a', '/x');
    expect(policies[0]!.evaluate(t, 0)).toBe(Decision.Sampled);
    expect(policies[0]!.evaluate(t, 0)).toBe(Decision.Sampled);
    expect(floor.keptThisMinute('a\u0000/x', 0)).toBe(0);
  });
});
