import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_TEMPLATES_DIR, parseScenario, runPlans, type ResolvedTemplateRef } from '../scenario/load-scenario.ts';
import { chooseTemplate, componentTypesOf, placeholdersIn, renderTemplate, toYaml } from './config-template.ts';
import { parseComponentsOutput, type CollectorComponents } from './collector-command.ts';
import { withoutSubExporters } from './collector-metrics.ts';
import type { PromSample } from '../accounting/prometheus-text.ts';
import { planTopology } from './topology.ts';

const BASE: CollectorComponents = {
  receiver: ['otlp'],
  processor: ['batch', 'memory_limiter'],
  exporter: ['debug', 'nop', 'otlp', 'otlphttp'],
  connector: [],
  extension: ['health_check'],
};
const WITH_LB: CollectorComponents = { ...BASE, exporter: [...BASE.exporter, 'loadbalancing'] };
const WITH_SAMPLING: CollectorComponents = { ...WITH_LB, processor: [...BASE.processor, 'probabilistic_sampler', 'tail_sampling'] };

const file = (name: string, extra: Partial<ResolvedTemplateRef> = {}): ResolvedTemplateRef => {
  const f = join(DEFAULT_TEMPLATES_DIR, name);
  return { file: f, source: f, requires: [], single_gateway: false, ...extra };
};

describe('config templates', () => {
  it('fills placeholders in the parsed YAML: a whole placeholder keeps the value type, others interpolate', () => {
    const out = renderTemplate(
      parseYaml(`
exporters:
  loadbalancing:
    resolver: { static: { hostnames: "\${testbed:gateway_endpoints}" } }
  otlp/\${testbed:name}:
    endpoint: http://\${testbed:host}:\${testbed:grpc_port}
service:
  telemetry: { metrics: { readers: [ { pull: { exporter: { prometheus: { port: "\${testbed:metrics_port}" } } } } ] } }
  other: \${env:KEEP_ME}
`),
      { gateway_endpoints: ['127.0.0.1:1', '127.0.0.1:2'], name: 'agent-0', host: '127.0.0.1', grpc_port: 4317, metrics_port: 8888 },
    ) as Record<string, any>;
    expect(out.exporters.loadbalancing.resolver.static.hostnames).toEqual(['127.0.0.1:1', '127.0.0.1:2']);
    expect(out.exporters['otlp/agent-0'].endpoint).toBe('http://127.0.0.1:4317');
    expect(out.service.telemetry.metrics.readers[0].pull.exporter.prometheus.port).toBe(8888);
    expect(out.service.other).toBe('${env:KEEP_ME}');
    // The written file is plain YAML that parses back to the same thing.
    expect(parseYaml(toYaml(out))).toEqual(out);
  });

  it('names unknown placeholders and the known ones', () => {
    expect(() => renderTemplate({ a: '${testbed:nope}', b: 'x ${testbed:also_not}' }, { host: 'h' }, 'my.yaml')).toThrow(
      'my.yaml: unknown placeholders ${testbed:nope}, ${testbed:also_not}; known here: host',
    );
  });

  it('finds the component types and placeholders a template uses', () => {
    const config = parseYaml(`
receivers: { otlp: {} }
processors: { batch: {}, batch/2: {}, tail_sampling: {} }
exporters: { otlp/backend: { endpoint: "\${testbed:backend_grpc_endpoint}" } }
extensions: { health_check: { endpoint: "\${testbed:health_endpoint}" } }
`);
    expect(componentTypesOf(config)).toEqual({ receiver: ['otlp'], processor: ['batch', 'tail_sampling'], exporter: ['otlp'], connector: [], extension: ['health_check'] });
    expect([...placeholdersIn(config)].sort()).toEqual(['backend_grpc_endpoint', 'health_endpoint']);
  });

  it('takes the first alternative the collector can run', () => {
    const refs = [file('agent-loadbalancing.yaml'), file('agent.yaml', { single_gateway: true })];
    const withLb = chooseTemplate(refs, WITH_LB);
    expect(withLb.chosen?.ref.file).toMatch(/agent-loadbalancing\.yaml$/);
    const without = chooseTemplate(refs, BASE);
    expect(without.chosen?.ref.file).toMatch(/agent\.yaml$/);
    expect(without.chosen?.passedOver).toEqual([{ source: refs[0]!.source, missing: ['exporter loadbalancing'] }]);
    const none = chooseTemplate([file('gateway-tail-sampling.yaml')], BASE);
    expect(none.chosen).toBeUndefined();
    expect(!none.chosen && none.reasons[0]!.missing).toEqual(['processor tail_sampling']);
  });

  it('a tiered topology runs one gateway (and says so) while the collector has no loadbalancing exporter', () => {
    const [plan] = runPlans(parseScenario('topology: { kind: tiered, gateways: 3 }\nload: {}', { defaultName: 't' }));
    const without = planTopology(plan!, BASE);
    expect('skipReason' in without).toBe(false);
    if ('skipReason' in without) return;
    expect(without.gateways).toBe(1);
    expect(without.requestedGateways).toBe(3);
    expect(without.notes.join('\n')).toMatch(/no loadbalancing exporter in this collector\): running 1 gateway instead of 3/);
    const withLb = planTopology(plan!, WITH_LB);
    expect(!('skipReason' in withLb) && withLb.gateways).toBe(3);
  });

  it('a run whose templates need missing processors is skipped with the reason', () => {
    const plans = runPlans(parseScenario(readScenario('head-vs-tail.yaml'), { defaultName: 'hvt', dir: join(DEFAULT_TEMPLATES_DIR, '..') }));
    const tail = planTopology(plans[1]!, WITH_LB);
    expect(tail).toEqual({ skipReason: expect.stringMatching(/^the gateway template needs processor tail_sampling, which this collector does not have/) });
    const head = planTopology(plans[0]!, WITH_LB);
    expect(head).toEqual({ skipReason: expect.stringMatching(/needs processor probabilistic_sampler/) });
    expect('skipReason' in planTopology(plans[1]!, WITH_SAMPLING)).toBe(false);
  });

  it('refuses a template the testbed could not watch (no health_check or metrics placeholder)', () => {
    const [plan] = runPlans(parseScenario('topology: { kind: single }\ntemplates: { collector: { inline: { receivers: { otlp: {} } } } }\nload: {}', { defaultName: 't' }));
    expect(() => planTopology(plan!, BASE)).toThrow(/must use \$\{testbed:health_endpoint\} and \$\{testbed:metrics_port\}/);
  });
});

describe('collector components', () => {
  it('parses our `components` output', () => {
    expect(parseComponentsOutput('receivers: otlp\nprocessors: batch, memory_limiter\nexporters: debug, otlp\nconnectors: (none)\nextensions: health_check\n')).toEqual({
      receiver: ['otlp'],
      processor: ['batch', 'memory_limiter'],
      exporter: ['debug', 'otlp'],
      connector: [],
      extension: ['health_check'],
    });
  });

  it("parses otelcol's YAML `components` output", () => {
    const text = `buildinfo:
  command: otelcol-contrib
  version: 0.120.0
receivers:
  - name: otlp
    module: go.opentelemetry.io/collector/receiver/otlpreceiver v0.120.0
processors:
  - name: batch
  - name: tail_sampling
exporters:
  - name: loadbalancing
extensions:
  - name: health_check
`;
    expect(parseComponentsOutput(text)).toEqual({ receiver: ['otlp'], processor: ['batch', 'tail_sampling'], exporter: ['loadbalancing'], connector: [], extension: ['health_check'] });
    expect(() => parseComponentsOutput('hello')).toThrow(/unrecognised/);
  });

  it("leaves out a loadbalancing exporter's per-backend sub-exporters (they would count spans twice)", () => {
    const samples: PromSample[] = [
      { name: 'otelcol_exporter_sent_spans', labels: { exporter: 'loadbalancing' }, value: 10 },
      { name: 'otelcol_exporter_sent_spans', labels: { exporter: 'otlp/127.0.0.1:4317' }, value: 10 },
      { name: 'otelcol_exporter_sent_spans', labels: { exporter: 'otlp/backend' }, value: 3 },
      { name: 'otelcol_receiver_accepted_spans', labels: { receiver: 'otlp' }, value: 10 },
    ];
    expect(withoutSubExporters(samples).map((s) => s.labels.exporter ?? s.labels.receiver)).toEqual(['loadbalancing', 'otlp/backend', 'otlp']);
    expect(withoutSubExporters(samples.slice(1))).toHaveLength(3);
  });
});

function readScenario(name: string): string {
  return readFileSync(join(DEFAULT_TEMPLATES_DIR, '..', name), 'utf8');
}
