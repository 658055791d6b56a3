import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { loadConfigSources } from './load.ts';

const td = (name: string) => fileURLToPath(new URL(`./testdata/${name}`, import.meta.url));

describe('loadConfigSources', () => {
  it('reads a plain path and a file: path the same way', () => {
    const a = loadConfigSources([td('base.yaml')], [], {});
    const b = loadConfigSources([`file:${td('base.yaml')}`], [], {});
    expect(a.problems).toEqual([]);
    expect(a.raw).toEqual(b.raw);
    expect(a.raw?.exporters).toEqual({ debug: null, otlp: { endpoint: 'backend:4317' } });
  });

  it('deep-merges later files over earlier ones: maps merge, lists are replaced', () => {
    const r = loadConfigSources([td('base.yaml'), td('override.yaml')], [], {});
    expect(r.problems).toEqual([]);
    expect(r.raw?.processors).toEqual({ batch: { timeout: '5s', send_batch_size: 100 } });
    expect(r.raw?.exporters).toEqual({ debug: null, otlp: { endpoint: 'backend:4317', headers: { 'x-tenant': 'acme' } } });
    expect(r.raw?.service).toEqual({ pipelines: { traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['otlp'] } } });
  });

  it('applies --set after all sources, with dots or ::, YAML-typed values and ids with slashes', () => {
    const r = loadConfigSources(
      [td('base.yaml')],
      [
        'processors.batch.send_batch_size=2000',
        'processors.batch/2.timeout=3s',
        'service::pipelines::traces::processors=[batch, batch/2]',
        'exporters::otlp::endpoint=other.example.com:4317',
        'exporters.otlp.headers={a: b}',
      ],
      {},
    );
    expect(r.problems).toEqual([]);
    expect(r.raw?.processors).toEqual({ batch: { timeout: '1s', send_batch_size: 2000 }, 'batch/2': { timeout: '3s' } });
    expect(r.raw?.exporters).toEqual({ debug: null, otlp: { endpoint: 'other.example.com:4317', headers: { a: 'b' } } });
    expect((r.raw?.service as any).pipelines.traces.processors).toEqual(['batch', 'batch/2']);
  });

  it('reads yaml: sources with :: nesting, merged in order', () => {
    const r = loadConfigSources(
      [td('base.yaml'), 'yaml:processors::batch::timeout: 2s', 'yaml:{exporters::debug::verbosity: detailed, exporters::otlp: {endpoint: x:1}}'],
      [],
      {},
    );
    expect(r.problems).toEqual([]);
    expect(r.raw?.processors).toEqual({ batch: { timeout: '2s', send_batch_size: 100 } });
    expect(r.raw?.exporters).toEqual({ debug: { verbosity: 'detailed' }, otlp: { endpoint: 'x:1' } });
  });

  it('reads env: sources', () => {
    const r = loadConfigSources(['env:CFG'], [], { CFG: 'exporters:\n  debug:\n' });
    expect(r.raw).toEqual({ exporters: { debug: null } });
  });

  it('expands ${...} after merging, in files and --set values alike', () => {
    const r = loadConfigSources([td('env.yaml')], ['exporters.otlp.headers.x-set=${env:WORD}'], {
      OTLP_HOST: '0.0.0.0',
      OTLP_PORT: '4317',
      API_KEY: '12345',
      EXPORT_TIMEOUT: '10s',
      WORD: 'hi',
    });
    expect(r.problems).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect((r.raw as any).receivers.otlp.protocols.grpc.endpoint).toBe('0.0.0.0:4317');
    expect((r.raw as any).exporters.otlp).toEqual({
      endpoint: 'backend:4317',
      headers: { 'x-api-key': 12345, 'x-literal': '${env:NOT_EXPANDED}', 'x-dollars': 'price $5', 'x-set': 'hi' },
      timeout: '10s',
    });
  });

  it('warns about unset variables and carries on', () => {
    const r = loadConfigSources([td('env.yaml')], [], { OTLP_HOST: 'h', OTLP_PORT: '1', API_KEY: 'k' });
    expect(r.problems).toEqual([]);
    expect(r.warnings).toEqual([{ path: 'exporters.otlp.timeout', message: 'environment variable "EXPORT_TIMEOUT" is not set; using an empty string' }]);
  });

  it('names file, line and column of YAML syntax errors', () => {
    const r = loadConfigSources([td('bad-syntax.yaml')], [], {});
    expect(r.raw).toBeUndefined();
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.path).toBe('');
    expect(r.problems[0]!.message).toMatch(new RegExp(`^${td('bad-syntax.yaml')}:4:1: `));
  });

  it('collects problems from every source', () => {
    const r = loadConfigSources(['/does/not/exist.yaml', 'http://example.com/c.yaml', 'yaml:[1, 2]'], ['novalue', 'a..b=1', 'x=[1'], {});
    expect(r.raw).toBeUndefined();
    expect(r.problems.map((p) => p.message.replace(/: ENOENT.*/, ': ENOENT'))).toEqual([
      'cannot read config file "/does/not/exist.yaml": ENOENT',
      '--config http://example.com/c.yaml: unsupported source scheme "http"; supported: file, env, yaml (or a plain path)',
      '--config yaml:[1, 2]: the configuration must be a map, got a list',
      '--set novalue: expected key=value',
      '--set a..b=1: empty key segment in "a..b"',
      expect.stringMatching(/^--set x:1:3: /),
    ]);
  });

  it('reports expansion errors with their path', () => {
    const r = loadConfigSources(['yaml:exporters::otlp::endpoint: ${vault:x}'], [], {});
    expect(r.raw).toBeUndefined();
    expect(r.problems).toEqual([{ path: 'exporters.otlp.endpoint', message: 'unsupported provider scheme "vault" in "${vault:x}"; supported: env, file' }]);
  });

  it('requires at least one --config', () => {
    expect(loadConfigSources([], [], {}).problems).toEqual([{ path: '', message: 'at least one --config source is required' }]);
  });

  it('treats an empty file as an empty config and supports YAML anchors and merge keys', () => {
    const files: Record<string, string> = {
      'empty.yaml': '',
      'anchors.yaml': 'exporters:\n  otlp/a: &common\n    endpoint: a:1\n    timeout: 1s\n  otlp/b:\n    <<: *common\n    endpoint: b:1\n',
    };
    const r = loadConfigSources(['empty.yaml', 'anchors.yaml'], [], {}, { readFile: (p) => files[p]! });
    expect(r.raw).toEqual({ exporters: { 'otlp/a': { endpoint: 'a:1', timeout: '1s' }, 'otlp/b': { endpoint: 'b:1', timeout: '1s' } } });
  });
});
