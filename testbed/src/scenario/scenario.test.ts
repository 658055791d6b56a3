import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { DEFAULT_TEMPLATES_DIR, listScenarios, loadScenarioFile, parseScenario, runPlans, ScenarioError, SCENARIOS_DIR } from './load-scenario.ts';
import { parseTimeSpec, resolveTimeMs } from './time-spec.ts';

function problemsOf(text: string): string[] {
  try {
    parseScenario(text, { source: 'test.yaml', defaultName: 'test' });
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    return [...(e as ScenarioError).problems];
  }
  throw new Error('expected the scenario to be invalid');
}

describe('scenario files', () => {
  it('every scenario in scenarios/ validates', () => {
    const list = listScenarios();
    expect(list.map((s) => s.name)).toEqual(
      expect.arrayContaining(['gateway-crash', 'head-vs-tail', 'network-partition', 'oom', 'passthrough', 'scale-out', 'tempo-down']),
    );
    for (const s of list) expect(s.error, s.file).toBeUndefined();
  });

  it('variants become runs with the same load, their own templates and merged assertions', () => {
    const plans = runPlans(loadScenarioFile(join(SCENARIOS_DIR, 'head-vs-tail.yaml')));
    expect(plans.map((p) => p.variant)).toEqual(['head', 'tail']);
    expect(plans[0]!.load).toEqual(plans[1]!.load);
    expect(plans[0]!.templates.agent[0]!.file).toBe(join(DEFAULT_TEMPLATES_DIR, 'agent-head-sampling.yaml'));
    expect(plans[1]!.templates.gateway[0]!.file).toBe(join(DEFAULT_TEMPLATES_DIR, 'gateway-tail-sampling.yaml'));
    expect(plans[1]!.assertions.error_traces_kept).toBe(1);
    expect(plans[0]!.assertions.error_traces_kept).toBeUndefined();
    expect(plans.every((p) => p.sampling && p.drain.settle === 3000)).toBe(true);
  });

  it('tiers without templates get the defaults: loadbalancing first, one-gateway otlp as the fallback', () => {
    const [plan] = runPlans(loadScenarioFile(join(SCENARIOS_DIR, 'gateway-crash.yaml')));
    expect(plan!.templates.agent.map((t) => [t.file, t.single_gateway])).toEqual([
      [join(DEFAULT_TEMPLATES_DIR, 'agent-loadbalancing.yaml'), false],
      [join(DEFAULT_TEMPLATES_DIR, 'agent.yaml'), true],
    ]);
    expect(plan!.faults[0]).toMatchObject({ type: 'gateway_crash', gateway: 0, signal: 'SIGKILL', at: { kind: 'ms', ms: 20_000 }, restart_at: { kind: 'ms', ms: 30_000 } });
  });

  it('reports every schema problem with its path', () => {
    const problems = problemsOf(`
topology: { kind: single, agents: 2 }
load: { rate: -1, shapes: {}, duration: soon }
faults:
  - type: nosuch
assertions:
  error_traces_kept: 120%
  unknown_thing: 1
`);
    expect(problems).toEqual([
      'topology.agents: unknown key',
      'load.rate: Too small: expected number to be >0',
      'load.duration: not a duration: "soon" (use e.g. 500ms, 2s, 1m)',
      'load.shapes: unknown key',
      expect.stringMatching(/^faults\[0\]\.type: Invalid discriminator value/),
      'assertions.error_traces_kept: expected a ratio between 0 and 1 or a percentage like "95%", got "120%"',
      'assertions.unknown_thing: unknown key',
    ]);
  });

  it('checks fault targets against the topology and windows', () => {
    const problems = problemsOf(`
topology: { kind: single }
load: { rate: 100, duration: 10s }
faults:
  - { type: gateway_crash, at: 10s, restart_at: 5s, gateway: 1 }
  - { type: network_partition, hop: agent-gateway, at: 50% }
  - { type: scale_out, at: 1s }
  - { type: backend_down, at: 2s, until: 1s }
  - { type: network_partition, hop: collector-backend, at: 1s, for: 1s, mode: latency, netns: true }
`);
    expect(problems).toEqual([
      'faults[0].restart_at: must be after at',
      'faults[0].gateway: a single topology has one collector (gateway 0)',
      'faults[1]: give exactly one of until (a time) or for (a duration)',
      'faults[1].hop: not a hop of a single topology; use one of loadgen-collector, collector-backend',
      'faults[2].type: scale_out needs topology.kind: tiered',
      'faults[3].until: must be after at',
      'faults[4].mode: with netns only drop, blackhole and reset are supported (iptables)',
    ]);
  });

  it('checks the load knobs with the load generator schema, including its cross-field rules', () => {
    expect(problemsOf('topology: { kind: single }\nload: { workers: 9, shape: { services: 2 } }')).toEqual([
      'load: workers must not exceed shape.services (each worker plays whole services)',
    ]);
    expect(problemsOf('topology: { kind: single }\nload: { endpoint: "x:1" }')).toEqual(['load.endpoint: unknown key']);
  });

  it('names YAML syntax errors and a missing topology', () => {
    expect(problemsOf('topology: [')[0]).toMatch(/^YAML: /);
    expect(problemsOf('load: {}')).toEqual([expect.stringMatching(/^topology: /)]);
  });
});

describe('fault times', () => {
  it('are absolute or a share of the duration, and absolute times scale with an overridden duration', () => {
    expect(parseTimeSpec('20s')).toEqual({ kind: 'ms', ms: 20_000 });
    expect(parseTimeSpec(1500)).toEqual({ kind: 'ms', ms: 1500 });
    expect(parseTimeSpec('40%')).toEqual({ kind: 'fraction', fraction: 0.4 });
    expect(() => parseTimeSpec('140%')).toThrow(/at most 100%/);
    expect(() => parseTimeSpec('soon')).toThrow(/not a duration/);
    expect(resolveTimeMs({ kind: 'ms', ms: 20_000 }, 60_000, 60_000)).toBe(20_000);
    expect(resolveTimeMs({ kind: 'ms', ms: 20_000 }, 60_000, 6000)).toBe(2000);
    expect(resolveTimeMs({ kind: 'fraction', fraction: 0.5 }, 60_000, 6000)).toBe(3000);
  });
});
