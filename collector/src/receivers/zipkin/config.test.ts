/** The zipkin receiver's config: otelcol-contrib YAML parses unchanged, bad configs get clear errors. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { FactoryRegistry } from '../../component/registry.ts';
import type { ConfigProblem } from '../../config/types.ts';
import { formatProblem } from '../../config/path.ts';
import { resolveSection } from '../../config/resolve-components.ts';
import { builtinRegistry } from '../../components.ts';
import { zipkinReceiverFactory } from './factory.ts';
import type { ZipkinReceiverConfig } from './config.ts';

const registry = new FactoryRegistry([zipkinReceiverFactory]);

function load(file: string) {
  const raw = parseYaml(readFileSync(new URL(`./testdata/${file}`, import.meta.url), 'utf8')) as { receivers: unknown };
  const problems: ConfigProblem[] = [];
  const section = resolveSection('receivers', 'receiver', raw.receivers, registry, problems);
  const configs = new Map<string, ZipkinReceiverConfig>();
  for (const [id, c] of section.valid) configs.set(id, c.config as ZipkinReceiverConfig);
  return { configs, problems: problems.map(formatProblem) };
}

describe('zipkin receiver config (testdata/config.yaml)', () => {
  const { configs, problems } = load('config.yaml');

  it('parses every entry; `zipkin:` alone gets otelcol defaults', () => {
    expect(problems).toEqual([]);
    expect(configs.get('zipkin')).toMatchObject({
      endpoint: 'localhost:9411',
      parse_string_tags: false,
      max_request_body_size: 20971520,
      include_metadata: false,
      keep_alives_enabled: true,
    });
    expect(configs.get('zipkin/customname')!.endpoint).toBe('localhost:8765');
    expect(configs.get('zipkin/parse_strings')!.parse_string_tags).toBe(true);
    expect(configs.get('zipkin/all_http_keys')).toMatchObject({
      endpoint: '0.0.0.0:9411',
      max_request_body_size: 1048576,
      include_metadata: true,
      compression_algorithms: ['', 'gzip', 'deflate'],
      response_headers: { 'x-served-by': 'tailpipe' },
      read_timeout: 10_000,
      read_header_timeout: 5_000,
      idle_timeout: 120_000,
      keep_alives_enabled: false,
    });
  });
});

describe('zipkin receiver config (testdata/bad.yaml)', () => {
  const { configs, problems } = load('bad.yaml');

  it('refuses every entry', () => {
    expect([...configs.keys()]).toEqual([]);
  });

  it.each([
    ['receivers.zipkin/tls.tls: tls is not supported yet'],
    ['receivers.zipkin/cors.cors: cors is not supported yet'],
    ['receivers.zipkin/unknown_key.parse_string_tag: unknown key "parse_string_tag"'],
    ['receivers.zipkin/bad_bool.parse_string_tags: expected true or false'],
    ['receivers.zipkin/bad_endpoint.endpoint: expected an endpoint like "localhost:4317"'],
  ])('%s', (expected) => {
    expect(problems).toContain(expected);
  });
});

describe('zipkin receiver factory', () => {
  it('is registered in the built-in components', () => {
    expect(builtinRegistry().get('receiver', 'zipkin')).toBe(zipkinReceiverFactory);
  });
});
