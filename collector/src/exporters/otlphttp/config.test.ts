import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { FactoryRegistry } from '../../component/registry.ts';
import { builtinRegistry } from '../../components.ts';
import { resolveSection } from '../../config/resolve-components.ts';
import type { ConfigProblem } from '../../config/types.ts';
import { otlpHttpExporterConfigSchema, tracesUrl } from './config.ts';
import { otlphttpExporterFactory } from './factory.ts';

const registry = new FactoryRegistry([otlphttpExporterFactory]);

function section(file: string) {
  const raw = YAML.parse(readFileSync(new URL(`./testdata/${file}`, import.meta.url), 'utf8')) as { exporters: unknown };
  const problems: ConfigProblem[] = [];
  const result = resolveSection('exporters', 'exporter', raw.exporters, registry, problems);
  return { result, problems: problems.map((p) => `${p.path}: ${p.message}`) };
}

describe('otlphttp exporter config', () => {
  it('is registered as otlphttp with the otlp_http alias', () => {
    expect(builtinRegistry().get('exporter', 'otlphttp')).toBe(otlphttpExporterFactory);
    expect(builtinRegistry().get('exporter', 'otlp_http')).toBe(otlphttpExporterFactory);
  });

  it('has otelcol defaults (otlphttpexporter createDefaultConfig + confighttp)', () => {
    expect(otlpHttpExporterConfigSchema.parse({ endpoint: 'http://collector:4318' })).toEqual({
      endpoint: 'http://collector:4318',
      traces_endpoint: '',
      metrics_endpoint: '',
      logs_endpoint: '',
      profiles_endpoint: '',
      encoding: 'proto',
      compression: 'gzip',
      headers: [],
      timeout: 30000,
      tls: {
        insecure: false,
        insecure_skip_verify: false,
        include_system_ca_certs_pool: false,
        min_version: '1.2',
        max_version: '',
        cipher_suites: [],
        curve_preferences: [],
        reload_interval: 0,
      },
      proxy_url: '',
      read_buffer_size: 0,
      write_buffer_size: 524288,
      max_idle_conns: 100,
      max_idle_conns_per_host: 0,
      max_conns_per_host: 0,
      idle_conn_timeout: 90000,
      disable_keep_alives: false,
      sending_queue: { enabled: true, wait_for_result: false, block_on_overflow: false, sizer: 'requests', queue_size: 1000, num_consumers: 10 },
      retry_on_failure: {
        enabled: true,
        initial_interval: 5000,
        randomization_factor: 0.5,
        multiplier: 1.5,
        max_interval: 30000,
        max_elapsed_time: 300000,
      },
    });
  });

  it('loads testdata/config.yaml (aliases, every key)', () => {
    const { result, problems } = section('config.yaml');
    expect(problems).toEqual([]);
    expect([...result.valid.keys()]).toEqual(['otlphttp', 'otlp_http/alias', 'otlphttp/full', 'otlphttp/keepalive', 'otlphttp/metrics-only', 'otlphttp/mtls']);
    expect(result.valid.get('otlphttp/mtls')!.config).toMatchObject({
      endpoint: 'https://gateway.example.com:4318',
      tls: { ca_file: '/etc/otelcol/ca.crt', cert_file: '/etc/otelcol/client.crt', key_file: '/etc/otelcol/client.key', max_version: '1.3' },
      auth: { authenticator: 'bearertokenauth' },
    });
    expect(result.valid.get('otlphttp/full')!.config).toMatchObject({
      encoding: 'json',
      compression: 'none',
      compression_params: { level: 1 },
      headers: [
        ['X-Scope-OrgID', 'tenant-1'],
        ['x-num', '42'],
      ],
      timeout: 10000,
      max_idle_conns: 567,
      idle_conn_timeout: 30000,
      sending_queue: { num_consumers: 2, queue_size: 10 },
      retry_on_failure: { multiplier: 1.3, max_elapsed_time: 600000 },
    });
    expect(result.valid.get('otlphttp/keepalive')!.config).toMatchObject({ keepalive: { enabled: true, idle_conn_timeout: 45000, max_idle_conns: 10 } });
  });

  it('composes the traces URL as otelcol composeSignalURL does', () => {
    const url = (endpoint: string, traces_endpoint = '') => {
      const u = tracesUrl({ endpoint, traces_endpoint });
      return typeof u === 'string' ? u : u.href;
    };
    expect(url('http://c:4318')).toBe('http://c:4318/v1/traces');
    expect(url('http://c:4318/')).toBe('http://c:4318/v1/traces');
    expect(url('http://c:4318/otlp')).toBe('http://c:4318/otlp/v1/traces');
    expect(url('http://c:4318', 'http://t:9/x')).toBe('http://t:9/x');
    expect(url('', '')).toBe('either endpoint or traces_endpoint must be specified');
  });

  it('reports each problem of testdata/invalid.yaml at its path', () => {
    const { result, problems } = section('invalid.yaml');
    expect(result.valid.size).toBe(0);
    expect(problems).toEqual([
      'exporters.otlphttp/no-endpoint.endpoint: at least one endpoint must be specified',
      'exporters.otlphttp/no-scheme.endpoint: endpoint must be a valid URL with an http:// or https:// scheme, got "collector:4318"',
      'exporters.otlphttp/https.tls.key_file: for auth via TLS, provide both certificate and key, or neither',
      'exporters.otlphttp/encoding.encoding: invalid encoding type: expected "proto" or "json"',
      'exporters.otlphttp/zstd.compression: compression "zstd" is not supported yet; use "gzip" or "none"',
      'exporters.otlphttp/level.compression_params.level: unsupported compression level: gzip takes -1 to 9',
      'exporters.otlphttp/proxy.proxy_url: proxy_url is not supported yet',
      "exporters.otlphttp/timeout.timeout: 'timeout' must be non-negative",
      "exporters.otlphttp/retry.retry_on_failure.multiplier: 'multiplier' must be non-negative",
      'exporters.otlphttp/unknown-key.encodng: unknown key "encodng"',
    ]);
  });
});
