import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { resolveConfig } from './resolve.ts';
import { loadConfigSources } from './load.ts';
import { expandConfig } from './expand.ts';
import { fakeRegistry } from './testdata/fake-factories.ts';
import type { ConfigProblem } from './types.ts';

const registry = fakeRegistry();
const td = (name: string) => fileURLToPath(new URL(`./testdata/${name}`, import.meta.url));

/** Problems as `path: message` lines, the way validate prints them. */
function problemsOf(yaml: string): string[] {
  const r = resolveConfig(YAML.parse(yaml), registry);
  return r.problems.map((p: ConfigProblem) => `${p.path}: ${p.message}`);
}

const PIPELINE = `
receivers: {otlp: }
exporters: {debug: }
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [debug]}
`;

describe('resolveConfig: a valid config', () => {
  const loaded = loadConfigSources([td('valid.yaml')], [], {});
  const r = resolveConfig(loaded.raw, registry);

  it('has no problems', () => {
    expect(r.problems).toEqual([]);
    expect(r.config).toBeDefined();
  });

  it('parses each used component with its factory schema, defaults included', () => {
    const c = r.config!;
    expect([...c.receivers.keys()]).toEqual(['otlp']); // zipkin is defined but unused
    expect(c.receivers.get('otlp')!.config).toEqual({
      protocols: { grpc: { endpoint: '0.0.0.0:4317' }, http: { endpoint: 'localhost:4318' } },
    });
    expect(c.receivers.get('otlp')!.factory.type).toBe('otlp');
    expect(c.processors.get('batch')!.config).toEqual({ timeout: 200, send_batch_size: 8192, send_batch_max_size: 0 });
    expect(c.processors.get('batch/fast')!.config).toEqual({ timeout: 50, send_batch_size: 512, send_batch_max_size: 0 });
    expect(c.processors.get('memory_limiter')!.config).toMatchObject({ check_interval: 1000, limit_mib: 4000, spike_limit_mib: 800 });
    expect(c.exporters.get('otlp/tempo')!.id).toEqual({ type: 'otlp', name: 'tempo', id: 'otlp/tempo' });
    expect(c.exporters.get('otlp/tempo')!.config).toEqual({ endpoint: 'tempo:4317', headers: {}, timeout: 5000, tls: { insecure: true } });
    expect([...c.connectors.keys()]).toEqual(['forward']);
    expect([...c.extensions.keys()]).toEqual(['health_check']); // zpages is not in service.extensions
  });

  it('lists the pipelines and service extensions', () => {
    const s = r.config!.service;
    expect([...s.pipelines.values()]).toEqual([
      { id: 'traces', receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['forward'] },
      { id: 'traces/out', receivers: ['forward'], processors: ['batch/fast'], exporters: ['otlp/tempo', 'debug'] },
    ]);
    expect(s.extensions).toEqual(['health_check']);
  });

  it('reads telemetry settings', () => {
    expect(r.config!.service.telemetry).toEqual({
      metrics: { level: 'detailed', host: '0.0.0.0', port: 8888 },
      logs: { level: 'debug', encoding: 'json' },
      resource: {},
    });
  });
});

describe('resolveConfig: components', () => {
  it('rejects unknown top-level keys', () => {
    expect(problemsOf(PIPELINE + 'recievers: {}\n')).toEqual([
      'recievers: unknown key "recievers"; expected one of receivers, processors, exporters, connectors, extensions, service',
    ]);
  });

  it('rejects unknown keys in a component config, with the full path', () => {
    expect(problemsOf(PIPELINE + 'processors:\n  batch/x:\n    timeout: 1s\n    timout: 2s\n')).toEqual([
      'processors.batch/x.timout: unknown key "timout"',
    ]);
  });

  it('maps schema issues to the full path', () => {
    expect(problemsOf(PIPELINE + 'processors:\n  batch:\n    timeout: soon\n  memory_limiter:\n    limit_percentage: 120\n')).toEqual([
      'processors.batch.timeout: expected a duration like "200ms"',
      'processors.memory_limiter.check_interval: expected a duration like "200ms"',
      'processors.memory_limiter.limit_percentage: expected a percentage between 0 and 100',
    ]);
  });

  it('names unknown types and lists the known ones', () => {
    expect(problemsOf(PIPELINE.replace('otlp: }', 'otlp: , kafka/in: }'))).toEqual([
      'receivers.kafka/in: unknown receiver type "kafka"; known types: otlp, zipkin',
    ]);
    expect(problemsOf(PIPELINE + 'connectors: {spanmetrics: }\n')).toEqual([
      'connectors.spanmetrics: unknown connector type "spanmetrics"; known types: forward',
    ]);
  });

  it('accepts type aliases and keeps the id as written', () => {
    const r = resolveConfig(YAML.parse(PIPELINE.replace(/otlp/g, 'otlp_grpc')), registry);
    expect(r.problems).toEqual([]);
    expect(r.config!.receivers.get('otlp_grpc')!.factory.type).toBe('otlp');
    expect(r.config!.receivers.get('otlp_grpc')!.id.id).toBe('otlp_grpc');
  });

  it('rejects malformed ids', () => {
    expect(problemsOf(PIPELINE + 'processors: {"batch/": , "1batch": , "batch/a b": }\n')).toEqual([
      'processors.batch/: invalid id "batch/": a name must follow "/"',
      'processors.1batch: invalid id "1batch": the type must start with a letter and contain only letters, digits and "_" (at most 63)',
      'processors.batch/a b: invalid id "batch/a b": the name must not contain spaces, symbols, control characters or "/"',
    ]);
  });

  it('checks unused components too, as otelcol does', () => {
    expect(problemsOf(PIPELINE.replace('exporters: {debug: }', 'exporters: {debug: , otlp/unused: {timeout: 1s}}'))).toEqual([
      'exporters.otlp/unused.endpoint: Invalid input: expected string, received undefined',
    ]);
  });

  it('falls back to the text of a typed ${env:...} value when the field wants a string', () => {
    const yaml = PIPELINE.replace('exporters: {debug: }', 'exporters: {debug: , otlp: {endpoint: "x:1", headers: {key: "${env:KEY}"}}}').replace('[debug]', '[otlp]');
    const { value } = expandConfig(YAML.parse(yaml), { env: { KEY: '12345' } });
    const r = resolveConfig(value, registry);
    expect(r.problems).toEqual([]);
    expect(r.config!.exporters.get('otlp')!.config).toMatchObject({ headers: { key: '12345' } });
  });
});

describe('resolveConfig: pipelines', () => {
  it('requires at least one pipeline', () => {
    expect(problemsOf('receivers: {otlp: }\nservice: {}\n')).toEqual(['service.pipelines: at least one pipeline is required']);
    expect(problemsOf('receivers: {otlp: }\n')).toEqual(['service.pipelines: at least one pipeline is required']);
  });

  it('requires receivers and exporters, defined references, no duplicates, known keys', () => {
    const yaml = `
receivers: {otlp: }
processors: {batch: }
exporters: {debug: }
service:
  pipelines:
    traces:
      processors: [batch, batch, nope]
      exporters: []
      connectors: [x]
    traces/2:
      receivers: [otlp, zipkin]
      exporters: [debug, otlp]
`;
    expect(problemsOf(yaml)).toEqual([
      // A missing key sorts at its parent; the empty `exporters: []` at its own place.
      'service.pipelines.traces.receivers: a pipeline must have at least one receiver',
      'service.pipelines.traces.processors[1]: references processor "batch" more than once',
      'service.pipelines.traces.processors[2]: references processor "nope" which is not defined in processors',
      'service.pipelines.traces.exporters: a pipeline must have at least one exporter',
      'service.pipelines.traces.connectors: unknown key "connectors"; expected receivers, processors or exporters',
      'service.pipelines.traces/2.receivers[1]: references receiver "zipkin" which is not defined in receivers or connectors',
      'service.pipelines.traces/2.exporters[1]: references exporter "otlp" which is not defined in exporters or connectors',
    ]);
  });

  it('rejects metrics and logs pipelines and unknown signals', () => {
    const yaml = `
receivers: {otlp: }
exporters: {debug: }
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [debug]}
    metrics: {receivers: [otlp], exporters: [nope]}
    logs/x: {receivers: [otlp], exporters: [debug]}
    spans: {receivers: [otlp], exporters: [debug]}
`;
    expect(problemsOf(yaml)).toEqual([
      'service.pipelines.metrics: metrics pipelines are not supported yet (only traces)',
      'service.pipelines.logs/x: logs pipelines are not supported yet (only traces)',
      'service.pipelines.spans: unknown pipeline signal "spans"; expected traces',
    ]);
  });

  it('checks lists are lists of strings', () => {
    expect(problemsOf(PIPELINE.replace('receivers: [otlp]', 'receivers: otlp').replace('[debug]', '[debug, {a: 1}]'))).toEqual([
      'service.pipelines.traces.receivers: expected a list of component ids, got string "otlp"',
      'service.pipelines.traces.exporters[1]: expected a component id, got a map',
    ]);
  });
});

describe('resolveConfig: connectors', () => {
  const base = `
receivers: {otlp: }
exporters: {debug: }
connectors: {forward: , forward/2: }
service:
  pipelines:
`;

  it('accepts a connector joining two pipelines', () => {
    const r = resolveConfig(
      YAML.parse(base + '    traces/in: {receivers: [otlp], exporters: [forward]}\n    traces/out: {receivers: [forward], exporters: [debug]}\n'),
      registry,
    );
    expect(r.problems).toEqual([]);
    expect([...r.config!.connectors.keys()]).toEqual(['forward']);
  });

  it('requires a connector on both sides', () => {
    expect(problemsOf(base + '    traces: {receivers: [otlp], exporters: [forward, debug]}\n    traces/b: {receivers: [forward/2], exporters: [debug]}\n')).toEqual([
      'service.pipelines.traces.exporters[0]: connector "forward" is used as an exporter but not as a receiver in any pipeline',
      'service.pipelines.traces/b.receivers[0]: connector "forward/2" is used as a receiver but not as an exporter in any pipeline',
    ]);
  });

  it('rejects cycles through connectors', () => {
    const yaml =
      base +
      '    traces/a: {receivers: [otlp, forward/2], exporters: [forward]}\n' +
      '    traces/b: {receivers: [forward], exporters: [forward/2, debug]}\n';
    expect(problemsOf(yaml)).toEqual(['service.pipelines.traces/a: pipelines form a cycle through connectors: traces/a -> traces/b -> traces/a']);
  });

  it('rejects a connector feeding its own pipeline', () => {
    expect(problemsOf(base + '    traces: {receivers: [otlp, forward], exporters: [forward]}\n')).toEqual([
      'service.pipelines.traces: pipelines form a cycle through connectors: traces -> traces',
    ]);
  });

  it('rejects an id defined both as a connector and an exporter', () => {
    const yaml = PIPELINE.replace('exporters: {debug: }', 'exporters: {debug: }\nconnectors: {debug: }');
    expect(problemsOf(yaml)).toEqual([
      'connectors.debug: unknown connector type "debug"; known types: forward',
      'connectors.debug: ambiguous id: "debug" is defined both as a connector and in exporters; rename one',
    ]);
  });
});

describe('resolveConfig: service extensions and telemetry', () => {
  it('requires service.extensions to name defined extensions, once', () => {
    expect(problemsOf(PIPELINE.replace('service:', 'extensions: {zpages: }\nservice:\n  extensions: [zpages, health_check, zpages]'))).toEqual([
      'service.extensions[1]: references extension "health_check" which is not defined in extensions',
      'service.extensions[2]: references extension "zpages" more than once',
    ]);
  });

  it('defaults telemetry', () => {
    const r = resolveConfig(YAML.parse(PIPELINE), registry);
    expect(r.config!.service.telemetry).toEqual({
      metrics: { level: 'normal', host: 'localhost', port: 8888 },
      logs: { level: 'info', encoding: 'json' },
      resource: {},
    });
  });

  it('takes the metrics address from the first Prometheus pull reader and warns about what it ignores', () => {
    const yaml = PIPELINE.replace(
      'service:',
      `service:
  telemetry:
    resource: {service.name: my-collector, deployment.environment: null, version: 2}
    logs: {level: WARN, encoding: console, sampling: {enabled: false}}
    metrics:
      level: Basic
      address: 127.0.0.1:9999
      readers:
        - periodic: {exporter: {otlp: {endpoint: x}}}
        - pull: {exporter: {prometheus: {host: 0.0.0.0, port: 9090}}}`,
    );
    const r = resolveConfig(YAML.parse(yaml), registry);
    expect(r.problems).toEqual([]);
    expect(r.config!.service.telemetry).toEqual({
      metrics: { level: 'basic', host: '0.0.0.0', port: 9090 },
      logs: { level: 'warn', encoding: 'console' },
      resource: { 'service.name': 'my-collector', 'deployment.environment': null, version: '2' },
    });
    expect(r.warnings.map((w) => `${w.path}: ${w.message}`)).toEqual([
      'service.telemetry.logs.sampling: accepted but not implemented; ignored',
      'service.telemetry.metrics.readers[0]: only the first Prometheus pull reader is used; ignored',
    ]);
  });

  it('rejects bad telemetry values and unknown keys', () => {
    const yaml = PIPELINE.replace(
      'service:',
      'service:\n  telemetry:\n    metrics: {level: verbose, address: nowhere}\n    logs: {format: json}\n    tracing: {}\n  extras: 1',
    );
    expect(problemsOf(yaml)).toEqual([
      'service.telemetry.metrics.level: Invalid option: expected one of "none"|"basic"|"normal"|"detailed"',
      'service.telemetry.metrics.address: expected an endpoint like "localhost:4317"',
      'service.telemetry.logs.format: unknown key "format"',
      'service.telemetry.tracing: unknown key "tracing"',
      'service.extras: unknown key "extras"; expected one of extensions, pipelines, telemetry',
    ]);
  });
});

describe('resolveConfig: collects every problem, in the order they appear', () => {
  it('reports all problems of a broken file', () => {
    const loaded = loadConfigSources([td('many-problems.yaml')], [], {});
    const r = resolveConfig(loaded.raw, registry);
    expect(r.config).toBeUndefined();
    expect(r.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'receivers.otlp.protocols.grpc.endpoint: expected an endpoint like "localhost:4317"',
      'receivers.kafka: unknown receiver type "kafka"; known types: otlp, zipkin',
      'processors.batch.timeout: expected a duration like "200ms"',
      'processors.batch.send_batch_sise: unknown key "send_batch_sise"',
      'servce: unknown key "servce"; expected one of receivers, processors, exporters, connectors, extensions, service',
      'service.pipelines.traces.receivers[1]: references receiver "otlp" more than once',
      'service.pipelines.traces.processors[1]: references processor "tail_sampling" which is not defined in processors',
      'service.pipelines.traces.exporters: a pipeline must have at least one exporter',
      'service.pipelines.metrics: metrics pipelines are not supported yet (only traces)',
    ]);
  });

  it('rejects a config that is not a map', () => {
    expect(resolveConfig([1], registry).problems).toEqual([{ path: '', message: 'the configuration must be a map, got a list' }]);
  });
});
