import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { FactoryRegistry } from '../../component/registry.ts';
import { builtinRegistry } from '../../components.ts';
import { resolveSection } from '../../config/resolve-components.ts';
import type { ConfigProblem } from '../../config/types.ts';
import { otlpExporterConfigSchema, type OtlpExporterConfig } from './config.ts';
import { channelOptions } from './grpc-channel.ts';
import { otlpExporterFactory } from './factory.ts';

const registry = new FactoryRegistry([otlpExporterFactory]);

function section(file: string) {
  const raw = YAML.parse(readFileSync(new URL(`./testdata/${file}`, import.meta.url), 'utf8')) as { exporters: unknown };
  const problems: ConfigProblem[] = [];
  const result = resolveSection('exporters', 'exporter', raw.exporters, registry, problems);
  return { result, problems: problems.map((p) => `${p.path}: ${p.message}`) };
}

describe('otlp exporter config', () => {
  it('is registered as otlp with the otlp_grpc alias', () => {
    expect(builtinRegistry().get('exporter', 'otlp')).toBe(otlpExporterFactory);
    expect(builtinRegistry().get('exporter', 'otlp_grpc')).toBe(otlpExporterFactory);
  });

  it('has otelcol defaults (otlpexporter createDefaultConfig)', () => {
    expect(otlpExporterConfigSchema.parse({ endpoint: 'collector:4317', tls: { insecure: true } })).toEqual({
      endpoint: 'collector:4317',
      compression: 'gzip',
      headers: [],
      tls: {
        insecure: true,
        insecure_skip_verify: false,
        include_system_ca_certs_pool: false,
        min_version: '1.2',
        max_version: '',
        cipher_suites: [],
        curve_preferences: [],
        reload_interval: 0,
      },
      read_buffer_size: 0,
      write_buffer_size: 524288,
      wait_for_ready: false,
      balancer_name: 'round_robin',
      authority: '',
      timeout: 5000,
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

  it('loads testdata/config.yaml (aliases, schemes, every key)', () => {
    const { result, problems } = section('config.yaml');
    expect(problems).toEqual([]);
    expect([...result.valid.keys()]).toEqual([
      'otlp',
      'otlp/scheme',
      'otlp_grpc/alias',
      'otlp/full',
      'otlp/list-headers',
      'otlp/tls-default',
      'otlp/https',
      'otlp/mtls',
      'otlp/auth',
    ]);
    expect(result.valid.get('otlp/mtls')!.config).toMatchObject({
      tls: {
        insecure: false,
        ca_file: '/etc/otelcol/ca.crt',
        cert_file: '/etc/otelcol/client.crt',
        key_file: '/etc/otelcol/client.key',
        server_name_override: 'gateway.example.com',
        min_version: '1.3',
        reload_interval: 600000,
      },
    });
    expect(result.valid.get('otlp/auth')!.config).toMatchObject({ auth: { authenticator: 'bearertokenauth/tenant' } });
    const full = result.valid.get('otlp/full')!.config;
    expect(full).toMatchObject({
      endpoint: 'dns:///gateway.example.com:4317',
      compression: 'none',
      timeout: 10000,
      headers: [
        ['another', 'somevalue'],
        ['header1', '234'],
        ['x-scope-orgid', 'tenant-1'],
      ],
      keepalive: { time: 20000, timeout: 30000, permit_without_stream: true },
      balancer_name: 'pick_first',
      sending_queue: { enabled: true, num_consumers: 2, queue_size: 10, block_on_overflow: true },
      retry_on_failure: { initial_interval: 10000, randomization_factor: 0.7, multiplier: 1.3, max_interval: 60000, max_elapsed_time: 600000 },
    });
    expect(result.valid.get('otlp/list-headers')!.config).toMatchObject({
      headers: [['authorization', 'Bearer abc']],
      sending_queue: { enabled: false },
      retry_on_failure: { enabled: false },
    });
  });

  it('turns the config into grpc-js channel options', () => {
    const full = section('config.yaml').result.valid.get('otlp/full')!.config as OtlpExporterConfig;
    expect(channelOptions(full)).toEqual({
      'grpc.primary_user_agent': 'tailpipe-collector',
      'grpc.keepalive_time_ms': 20000,
      'grpc.keepalive_timeout_ms': 30000,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.service_config': '{"loadBalancingConfig":[{"pick_first":{}}]}',
      'grpc.default_authority': 'gateway.example.com',
    });
    const gz = channelOptions(otlpExporterConfigSchema.parse({ endpoint: 'http://c:4317' }));
    expect(gz['grpc.default_compression_algorithm']).toBe(2);
  });

  it('reports each problem of testdata/invalid.yaml at its path', () => {
    const { result, problems } = section('invalid.yaml');
    expect(result.valid.size).toBe(0);
    expect(problems).toEqual([
      'exporters.otlp/no-endpoint.endpoint: requires a non-empty "endpoint"',
      'exporters.otlp/no-port.endpoint: invalid endpoint "collector": expected host:port (for example "collector:4317" or "http://collector:4317")',
      'exporters.otlp/zstd.compression: compression "zstd" is not supported yet; use "gzip" or "none"',
      'exporters.otlp/bad-compression.compression: unsupported compression type "brotli"',
      'exporters.otlp/tls-versions.tls.min_version: invalid TLS configuration: min_version cannot be greater than max_version',
      'exporters.otlp/tls-cert-no-key.tls.key_file: for auth via TLS, provide both certificate and key, or neither',
      'exporters.otlp/tls-ca-twice.tls.ca_pem: provide either ca_file or ca_pem, not both',
      'exporters.otlp/tls-cipher.tls.cipher_suites[0]: invalid TLS cipher suite: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA512"',
      'exporters.otlp/auth.auth.authenticator: expected an extension id like "bearertokenauth"',
      'exporters.otlp/balancer.balancer_name: invalid balancer_name: weighted_random',
      'exporters.otlp/bad-header.headers: header "can you have a . here?" is not a valid gRPC metadata key (allowed: 0-9 a-z _ . -)',
      "exporters.otlp/negative-timeout.timeout: 'timeout' must be non-negative",
      'exporters.otlp/queue.sending_queue.queue_size: `queue_size` must be positive',
      'exporters.otlp/unknown-key.compresion: unknown key "compresion"',
    ]);
  });
});
