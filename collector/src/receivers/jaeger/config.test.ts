/** The jaeger receiver's config: otelcol-contrib YAML parses unchanged, bad configs get clear errors. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import pino from 'pino';
import { FactoryRegistry } from '../../component/registry.ts';
import type { ConfigProblem } from '../../config/types.ts';
import { formatProblem } from '../../config/path.ts';
import { resolveSection } from '../../config/resolve-components.ts';
import { builtinRegistry } from '../../components.ts';
import { jaegerReceiverFactory } from './factory.ts';
import type { JaegerReceiverConfig } from './config.ts';
import { RateLimitedLog } from './rate-limited-log.ts';

const registry = new FactoryRegistry([jaegerReceiverFactory]);

function load(file: string) {
  const raw = parseYaml(readFileSync(new URL(`./testdata/${file}`, import.meta.url), 'utf8')) as { receivers: unknown };
  const problems: ConfigProblem[] = [];
  const section = resolveSection('receivers', 'receiver', raw.receivers, registry, problems);
  const configs = new Map<string, JaegerReceiverConfig>();
  for (const [id, c] of section.valid) configs.set(id, c.config as JaegerReceiverConfig);
  return { configs, problems: problems.map(formatProblem) };
}

describe('jaeger receiver config (testdata/config.yaml)', () => {
  const { configs, problems } = load('config.yaml');

  it('parses every otelcol-style entry without problems', () => {
    expect(problems).toEqual([]);
    expect([...configs.keys()].sort()).toEqual(['jaeger', 'jaeger/customname', 'jaeger/only_grpc', 'jaeger/only_thrift_http', 'jaeger/only_udp']);
  });

  it('a protocol with nothing after it is enabled with otelcol defaults', () => {
    const p = configs.get('jaeger')!.protocols;
    expect(p.grpc).toMatchObject({ endpoint: 'localhost:14250', transport: 'tcp', max_recv_msg_size_mib: 4, include_metadata: false });
    expect(p.thrift_http).toMatchObject({ endpoint: 'localhost:14268', max_request_body_size: 20971520, include_metadata: false, keep_alives_enabled: true });
    expect(p.thrift_compact).toEqual({ endpoint: 'localhost:6831', queue_size: 1000, max_packet_size: 65000, workers: 10, socket_buffer_size: 0 });
    expect(p.thrift_binary).toEqual({ endpoint: 'localhost:6832', queue_size: 1000, max_packet_size: 65000, workers: 10, socket_buffer_size: 0 });
  });

  it('reads every UDP key, and an absent protocol stays off', () => {
    const p = configs.get('jaeger/customname')!.protocols;
    expect(p.grpc!.endpoint).toBe('0.0.0.0:9876');
    expect(p.thrift_http!.endpoint).toBe(':3456');
    expect(p.thrift_compact).toEqual({ endpoint: '0.0.0.0:456', queue_size: 100000, max_packet_size: 131072, workers: 100, socket_buffer_size: 65536 });
    expect(configs.get('jaeger/only_grpc')!.protocols).toEqual({ grpc: expect.objectContaining({ endpoint: 'localhost:14250', max_recv_msg_size_mib: 16 }) });
    expect(configs.get('jaeger/only_thrift_http')!.protocols.thrift_http).toMatchObject({ response_headers: { 'x-served-by': 'tailpipe' }, max_request_body_size: 1048576 });
    expect(Object.keys(configs.get('jaeger/only_udp')!.protocols).sort()).toEqual(['thrift_binary', 'thrift_compact']);
  });
});

describe('jaeger receiver config (testdata/bad.yaml)', () => {
  const { configs, problems } = load('bad.yaml');

  it('refuses every entry', () => {
    expect([...configs.keys()]).toEqual([]);
  });

  it.each([
    ['receivers.jaeger/empty.protocols: must specify at least one protocol when using the Jaeger receiver'],
    ['receivers.jaeger/empty_protocols.protocols: must specify at least one protocol when using the Jaeger receiver'],
    ['receivers.jaeger/typo_protocol.protocols.thrift_compakt: unknown key "thrift_compakt"'],
    ['receivers.jaeger/grpc_tls.protocols.grpc.tls: tls is not supported yet'],
    ['receivers.jaeger/http_tls.protocols.thrift_http.tls: tls is not supported yet'],
    ['receivers.jaeger/grpc_auth.protocols.grpc.auth: auth is not supported yet'],
    ['receivers.jaeger/udp_unknown_key.protocols.thrift_compact.num_workers: unknown key "num_workers"'],
    ['receivers.jaeger/udp_zero_workers.protocols.thrift_binary.workers: expected a number of workers (a whole number >= 1)'],
    ['receivers.jaeger/udp_bad_endpoint.protocols.thrift_binary.endpoint: expected an endpoint like "localhost:4317"'],
    ['receivers.jaeger/remote_sampling.remote_sampling: remote sampling config detected in the Jaeger receiver; use the `jaegerremotesampling` extension instead'],
  ])('%s', (expected) => {
    expect(problems).toContain(expected);
  });
});

describe('jaeger receiver factory', () => {
  it('is registered in the built-in components', () => {
    expect(builtinRegistry().get('receiver', 'jaeger')).toBe(jaegerReceiverFactory);
    expect(jaegerReceiverFactory.configSchema.parse({ protocols: { thrift_compact: null } }).protocols.thrift_compact!.endpoint).toBe('localhost:6831');
  });
});

describe('rate-limited log', () => {
  it('logs a reason at most once per interval, with the number suppressed since the last line', () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'warn' }, { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) });
    let now = 1_000;
    const log = new RateLimitedLog(logger, 10_000, () => now);
    log.warn('too_large', { bytes: 1 }, 'dropped');
    log.warn('too_large', { bytes: 2 }, 'dropped');
    log.warn('queue_full', {}, 'full');
    log.warn('too_large', { bytes: 3 }, 'dropped');
    now += 10_000;
    log.warn('too_large', { bytes: 4 }, 'dropped');
    expect(lines.map((l) => [l['reason'], l['bytes'], l['suppressed_since_last']])).toEqual([
      ['too_large', 1, 0],
      ['queue_full', undefined, 0],
      ['too_large', 4, 2],
    ]);
  });
});
