/** The otlp receiver's config: otelcol-contrib YAML parses unchanged, bad configs get clear errors. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { FactoryRegistry } from '../../component/registry.ts';
import type { ConfigProblem } from '../../config/types.ts';
import { formatProblem } from '../../config/path.ts';
import { resolveSection } from '../../config/resolve-components.ts';
import { otlpReceiverFactory } from './factory.ts';
import { otlpReceiverConfigSchema, type OtlpReceiverConfig } from './config.ts';
import { grpcServerOptions } from './grpc-server.ts';

const registry = new FactoryRegistry([otlpReceiverFactory]);

function load(file: string) {
  const raw = parseYaml(readFileSync(new URL(`./testdata/${file}`, import.meta.url), 'utf8')) as { receivers: unknown };
  const problems: ConfigProblem[] = [];
  const section = resolveSection('receivers', 'receiver', raw.receivers, registry, problems);
  const configs = new Map<string, OtlpReceiverConfig>();
  for (const [id, c] of section.valid) configs.set(id, c.config as OtlpReceiverConfig);
  return { configs, problems: problems.map(formatProblem) };
}

describe('otlp receiver config (testdata/config.yaml)', () => {
  const { configs, problems } = load('config.yaml');

  it('parses every otelcol-style entry without problems', () => {
    expect(problems).toEqual([]);
    expect([...configs.keys()].sort()).toEqual(
      [
        'otlp',
        'otlp/customname',
        'otlp/empty_sections',
        'otlp/grpc_all_keys',
        'otlp/http_all_keys',
        'otlp/only_grpc',
        'otlp/only_http',
        'otlp/tls_all_keys',
      ].sort(),
    );
  });

  it('`grpc:` / `http:` with nothing after them enable the protocol with otelcol defaults', () => {
    const c = configs.get('otlp')!;
    expect(c.protocols.grpc).toMatchObject({
      endpoint: 'localhost:4317',
      transport: 'tcp',
      max_recv_msg_size_mib: 4,
      max_concurrent_streams: 0,
      include_metadata: false,
    });
    expect(c.protocols.http).toMatchObject({
      endpoint: 'localhost:4318',
      max_request_body_size: 20971520,
      include_metadata: false,
      traces_url_path: '/v1/traces',
      compression_algorithms: ['', 'gzip', 'zstd', 'zlib', 'snappy', 'deflate', 'lz4'],
    });
    expect(c.protocols.http!.cors).toBeUndefined();
  });

  it('an absent protocol stays off', () => {
    expect(configs.get('otlp/only_grpc')!.protocols.http).toBeUndefined();
    expect(configs.get('otlp/only_http')!.protocols.grpc).toBeUndefined();
  });

  it('reads every gRPC key, durations in ms, and maps what grpc-js supports', () => {
    const g = configs.get('otlp/grpc_all_keys')!.protocols.grpc!;
    expect(g.keepalive?.server_parameters).toEqual({
      max_connection_idle: 11_000,
      max_connection_age: 12_000,
      max_connection_age_grace: 13_000,
      time: 30_000,
      timeout: 5_000,
    });
    expect(g.keepalive?.enforcement_policy).toEqual({ min_time: 10_000, permit_without_stream: true });
    expect(grpcServerOptions(g)).toEqual({
      'grpc.max_receive_message_length': 32 * 1024 * 1024,
      'grpc.max_concurrent_streams': 16,
      'grpc.max_connection_idle_ms': 11_000,
      'grpc.max_connection_age_ms': 12_000,
      'grpc.max_connection_age_grace_ms': 13_000,
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 5_000,
      'grpc-node.max_session_memory': 64,
    });
  });

  it('reads every HTTP key; a relative traces_url_path gets its leading slash', () => {
    const h = configs.get('otlp/http_all_keys')!.protocols.http!;
    expect(h).toMatchObject({
      endpoint: '0.0.0.0:4318',
      max_request_body_size: 10485760,
      include_metadata: true,
      compression_algorithms: ['', 'gzip', 'zstd'],
      response_headers: { 'X-Served-By': 'tailpipe' },
      read_timeout: 10_000,
      read_header_timeout: 5_000,
      write_timeout: 30_000,
      idle_timeout: 120_000,
      keep_alives_enabled: false,
      cors: { allowed_origins: ['https://*.test.com', 'https://test.com'], allowed_headers: ['ExampleHeader'], max_age: 7200 },
      traces_url_path: '/traces',
      metrics_url_path: '/v2/metrics',
      logs_url_path: '/log/ingest',
    });
  });

  it('empty tls / cors / keepalive sections mean "not set"', () => {
    const c = configs.get('otlp/empty_sections')!;
    expect(c.protocols.grpc!.tls).toBeNull();
    expect(c.protocols.http!.cors).toEqual({ allowed_origins: [], allowed_headers: [], max_age: 0 });
  });
});

describe('otlp receiver TLS and auth config', () => {
  const { configs } = load('config.yaml');

  it('reads configtls.ServerConfig and configauth keys with otelcol defaults', () => {
    const c = configs.get('otlp/tls_all_keys')!;
    expect(c.protocols.grpc!.tls).toMatchObject({
      cert_file: '/etc/otelcol/server.crt',
      key_file: '/etc/otelcol/server.key',
      client_ca_file: '/etc/otelcol/clients-ca.crt',
      client_ca_file_reload: true,
      min_version: '1.3',
      max_version: '',
      reload_interval: 3_600_000,
      cipher_suites: [],
    });
    expect(c.protocols.grpc!.auth).toEqual({ authenticator: 'bearertokenauth' });
    expect(c.protocols.http!.tls).toMatchObject({ min_version: '1.2', max_version: '1.3', curve_preferences: ['X25519', 'P256'] });
    expect(c.protocols.http!.auth?.authenticator).toBe('bearertokenauth/server');
  });

  it('min_version defaults to "1.2" and the plain config has no tls / auth', () => {
    const c = otlpReceiverConfigSchema.parse({ protocols: { grpc: { tls: { cert_pem: 'x', key_pem: 'y' } }, http: null } });
    expect(c.protocols.grpc!.tls!.min_version).toBe('1.2');
    expect(c.protocols.http!.tls).toBeUndefined();
    expect(c.protocols.http!.auth).toBeUndefined();
  });
});

describe('otlp receiver config (testdata/bad.yaml)', () => {
  const { configs, problems } = load('bad.yaml');

  it('refuses every entry', () => {
    expect([...configs.keys()]).toEqual([]);
  });

  it.each([
    ['receivers.otlp/empty.protocols: must specify at least one protocol when using the OTLP receiver'],
    ['receivers.otlp/empty_protocols.protocols: must specify at least one protocol when using the OTLP receiver'],
    ['receivers.otlp/typo_protocol.protocols.grpcc: unknown key "grpcc"'],
    ['receivers.otlp/grpc_tls.protocols.grpc.tls.min_version: invalid TLS min_version: unsupported TLS version: "1.4"'],
    ['receivers.otlp/http_tls.protocols.http.tls.key_file: for auth via TLS, provide both certificate and key, or neither'],
    [
      'receivers.otlp/tls_no_cert.protocols.grpc.tls.cert_file: a TLS server needs a certificate and its key: set cert_file and key_file (or cert_pem and key_pem)',
    ],
    ['receivers.otlp/tls_cipher.protocols.http.tls.cipher_suites[1]: invalid TLS cipher suite: "TLS_MADE_UP"'],
    ['receivers.otlp/tls_versions.protocols.http.tls.min_version: invalid TLS configuration: min_version cannot be greater than max_version'],
    ['receivers.otlp/http_auth.protocols.http.auth.authenticator: authenticator must not be empty'],
    ['receivers.otlp/bad_endpoint.protocols.grpc.endpoint: expected an endpoint like "localhost:4317"'],
    ['receivers.otlp/bad_size.protocols.grpc.max_recv_msg_size_mib: expected a size in MiB (a whole number >= 0)'],
    ['receivers.otlp/unix.protocols.grpc.transport: expected transport "tcp", "tcp4" or "tcp6" (unix sockets are not supported yet)'],
    ['receivers.otlp/bad_duration.protocols.grpc.keepalive.server_parameters.time: expected a duration like "200ms"'],
    ['receivers.otlp/bad_compression.protocols.http.compression_algorithms[0]: expected one of "", gzip, zstd, zlib, snappy, deflate, lz4, x-snappy-framed'],
    ['receivers.otlp/unknown_http_key.protocols.http.max_request_body_bytes: unknown key "max_request_body_bytes"'],
  ])('%s', (expected) => {
    expect(problems).toContain(expected);
  });
});

describe('otlp receiver config schema', () => {
  it('the factory exposes the schema and type', () => {
    expect(otlpReceiverFactory.type).toBe('otlp');
    expect(otlpReceiverFactory.kind).toBe('receiver');
    expect(otlpReceiverFactory.configSchema).toBe(otlpReceiverConfigSchema);
  });

  it("max_recv_msg_size_mib 0 means grpc's 4 MiB default", () => {
    const c = otlpReceiverConfigSchema.parse({ protocols: { grpc: { max_recv_msg_size_mib: 0 } } });
    expect(grpcServerOptions(c.protocols.grpc!)['grpc.max_receive_message_length']).toBe(4 * 1024 * 1024);
  });
});
