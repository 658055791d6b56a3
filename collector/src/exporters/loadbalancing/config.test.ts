import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { FactoryRegistry } from '../../component/registry.ts';
import { builtinRegistry } from '../../components.ts';
import { resolveSection } from '../../config/resolve-components.ts';
import type { ConfigProblem } from '../../config/types.ts';
import { endpointWithPort, loadBalancingConfigSchema } from './config.ts';
import { loadBalancingFactory } from './factory.ts';

const registry = new FactoryRegistry([loadBalancingFactory]);

function section(file: string) {
  const raw = YAML.parse(readFileSync(new URL(`./testdata/${file}`, import.meta.url), 'utf8')) as { exporters: unknown };
  const problems: ConfigProblem[] = [];
  const result = resolveSection('exporters', 'exporter', raw.exporters, registry, problems);
  return { result, problems: problems.map((p) => `${p.path}: ${p.message}`) };
}

describe('loadbalancing exporter config', () => {
  it('is registered as loadbalancing with the load_balancing alias', () => {
    expect(builtinRegistry().get('exporter', 'loadbalancing')).toBe(loadBalancingFactory);
    expect(builtinRegistry().get('exporter', 'load_balancing')).toBe(loadBalancingFactory);
  });

  it('loads every valid example', () => {
    const { problems } = section('config.yaml');
    expect(problems).toEqual([]);
  });

  it('has otelcol defaults: traceID, lb-level timeout/retry/queue off, dns port 4317, 5s/1s', () => {
    const c = loadBalancingConfigSchema.parse({ protocol: { otlp: { tls: { insecure: true } } }, resolver: { dns: { hostname: 'gw' } } });
    expect(c.routing_key).toBe('traceID');
    expect(c.ring).toBe('maglev');
    expect(c.timeout).toBe(0);
    expect(c.retry_on_failure.enabled).toBe(false);
    expect(c.sending_queue.enabled).toBe(false);
    expect(c.resolver.dns).toEqual({ hostname: 'gw', port: 4317, interval: 5000, timeout: 1000 });
    expect(c.protocol.otlp.endpoint).toBe('placeholder:4317');
    expect(c.protocol.otlp.sending_queue.enabled).toBe(true); // the template keeps the otlp exporter's defaults
    expect(c.backend_health).toEqual({ enabled: true, unhealthy_after: 3, probe_interval: 5000, probe_timeout: 1000, cooldown: 10000 });
    const k = loadBalancingConfigSchema.parse({ protocol: { otlp: { tls: { insecure: true } } }, resolver: { k8s: { service: 's.ns' } } });
    expect(k.resolver.k8s).toEqual({ service: 's.ns', ports: [4317], timeout: 1000, return_hostnames: false });
    expect(endpointWithPort('backend-3')).toBe('backend-3:4317');
    expect(endpointWithPort('[::1]:55690')).toBe('[::1]:55690');
  });

  it('gives every problem with its path', () => {
    const { problems } = section('invalid.yaml');
    const expected = [
      'exporters.loadbalancing/no-resolver.resolver: no resolver configured: set exactly one of static, dns or k8s',
      'exporters.loadbalancing/two-resolvers.resolver: exactly one resolver must be configured, found static and dns',
      'exporters.loadbalancing/bad-key.routing_key: routing_key "metric" is for metrics; traces use traceID, service, resource or attributes',
      'exporters.loadbalancing/attributes-missing.routing_attributes: routing_attributes must be specified when routing_key is "attributes"',
      'exporters.loadbalancing/k8s-no-service.resolver.k8s.service: a service is required ("name" or "name.namespace")',
      'exporters.loadbalancing/dns-port.resolver.dns.port: invalid port 70000',
    ];
    for (const e of expected) expect(problems).toContain(e);
    expect(problems.some((p) => p.startsWith('exporters.loadbalancing/bad-template.protocol.otlp.compression:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('exporters.loadbalancing/ring.ring:'))).toBe(true);
  });
});
