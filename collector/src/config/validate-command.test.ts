import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { runValidate } from './validate-command.ts';
import { fakeRegistry } from './testdata/fake-factories.ts';

const td = (name: string) => fileURLToPath(new URL(`./testdata/${name}`, import.meta.url));

function validate(configArgs: string[], setArgs: string[] = [], env: Record<string, string> = {}) {
  const lines: string[] = [];
  const code = runValidate(configArgs, setArgs, env, fakeRegistry(), (l) => lines.push(l));
  return { code, lines };
}

describe('runValidate', () => {
  it('prints "config is valid" and returns 0', () => {
    expect(validate([td('valid.yaml')])).toEqual({ code: 0, lines: ['config is valid'] });
  });

  it('prints every problem as path: message and returns 1', () => {
    const { code, lines } = validate([td('many-problems.yaml')]);
    expect(code).toBe(1);
    expect(lines).toHaveLength(9);
    expect(lines[0]).toBe('receivers.otlp.protocols.grpc.endpoint: expected an endpoint like "localhost:4317"');
    expect(lines[8]).toBe('service.pipelines.metrics: metrics pipelines are not supported yet (only traces)');
  });

  it('validates the merged result of files and --set', () => {
    expect(validate([td('base.yaml'), td('override.yaml')], ['processors.batch.timeout=later'])).toEqual({
      code: 1,
      lines: ['processors.batch.timeout: expected a duration like "200ms"'],
    });
    expect(validate([td('base.yaml')], ['service.pipelines.traces.exporters=[debug]']).code).toBe(0);
  });

  it('prints load problems without a path', () => {
    const { code, lines } = validate([td('bad-syntax.yaml')]);
    expect(code).toBe(1);
    expect(lines).toEqual([expect.stringMatching(/bad-syntax\.yaml:4:1: /)]);
  });

  it('prints warnings before the verdict', () => {
    const { code, lines } = validate([td('env.yaml')], [], { OTLP_HOST: 'localhost', OTLP_PORT: '4317', API_KEY: '42', EXPORT_TIMEOUT: '3s' });
    expect(code).toBe(0);
    expect(lines).toEqual(['config is valid']);
    const unset = validate([td('env.yaml')], [], { OTLP_HOST: 'localhost', OTLP_PORT: '4317', EXPORT_TIMEOUT: '3s' });
    expect(unset).toEqual({
      code: 0,
      lines: ['warning: exporters.otlp.headers.x-api-key: environment variable "API_KEY" is not set; using an empty string', 'config is valid'],
    });
  });
});
