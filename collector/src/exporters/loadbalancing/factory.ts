/**
 * The `loadbalancing` exporter (alias `load_balancing`, the name newer otelcol-contrib releases
 * use): spans split by routing key over backends found by a resolver, one `otlp` exporter per
 * backend built through the otlp factory from `protocol.otlp`.
 */
import type { CreateSettings, Exporter, ExporterFactory } from '../../component/types.ts';
import { parseComponentId } from '../../component/types.ts';
import { TracesExporterHelper } from '../exporterhelper/exporter.ts';
import type { OtlpExporterConfig } from '../otlp/config.ts';
import { otlpExporterFactory } from '../otlp/factory.ts';
import { loadBalancingConfigSchema, type LoadBalancingConfig, type ResolverConfig } from './config.ts';
import { LoadBalancer } from './loadbalancer.ts';
import type { ProbeFn } from './probe.ts';
import { DnsResolver, type LookupFn } from './resolvers/dns.ts';
import { K8sResolver, type K8sResolverOptions } from './resolvers/k8s.ts';
import type { Resolver } from './resolvers/resolver.ts';
import { StaticResolver } from './resolvers/static.ts';
import { LoadBalancerTelemetry } from './telemetry.ts';

/** Seams for tests: everything else is the real thing. */
export interface LoadBalancingTestHooks {
  readonly dnsLookup?: LookupFn;
  readonly k8s?: K8sResolverOptions;
  readonly probe?: ProbeFn;
  /** Replaces the configured resolver (tests that add and remove backends at will). */
  readonly resolver?: Resolver;
}

export class LoadBalancingExporter extends TracesExporterHelper {
  readonly loadBalancer: LoadBalancer;

  constructor(settings: CreateSettings, config: LoadBalancingConfig, hooks: LoadBalancingTestHooks = {}) {
    const lb = new LoadBalancer({
      ring: config.ring,
      routingKey: config.routing_key,
      routingAttributes: config.routing_attributes,
      health: config.backend_health,
      resolver: hooks.resolver ?? createResolver(config.resolver, settings, hooks),
      createExporter: (endpoint) => createBackendExporter(settings, config.protocol.otlp, endpoint),
      telemetry: new LoadBalancerTelemetry(settings.telemetry, settings.id.id),
      logger: settings.logger,
      ...(hooks.probe !== undefined ? { probe: hooks.probe } : {}),
    });
    super(settings, { timeoutMs: config.timeout, queue: config.sending_queue, retry: config.retry_on_failure }, lb);
    this.loadBalancer = lb;
  }
}

function createResolver(r: ResolverConfig, settings: CreateSettings, hooks: LoadBalancingTestHooks): Resolver {
  const logger = settings.logger.child({ resolver: r.static ? 'static' : r.dns ? 'dns' : 'k8s' });
  if (r.static !== undefined) return new StaticResolver(r.static.hostnames);
  if (r.dns !== undefined) return new DnsResolver(r.dns, logger, hooks.dnsLookup);
  return new K8sResolver(r.k8s!, logger, hooks.k8s);
}

/**
 * One backend's exporter: the template with the backend's endpoint, id `otlp/<endpoint>` (as
 * otelcol names its sub-exporters, so their otelcol_exporter_* series are per backend). An
 * in-memory queue gets wait_for_result, so a send settles when the backend has the data (or
 * refused it) and the loadbalancer knows what the backend still holds.
 */
export function createBackendExporter(settings: CreateSettings, template: OtlpExporterConfig, endpoint: string): Exporter {
  const q = template.sending_queue;
  const config: OtlpExporterConfig = {
    ...template,
    endpoint,
    sending_queue: q.enabled && q.storage === undefined ? { ...q, wait_for_result: true } : q,
  };
  const id = parseComponentId(`otlp/${endpoint}`);
  return otlpExporterFactory.createTracesExporter({ ...settings, id, logger: settings.logger.child({ endpoint }) }, config);
}

export const loadBalancingFactory: ExporterFactory<LoadBalancingConfig> = {
  kind: 'exporter',
  type: 'loadbalancing',
  aliases: ['load_balancing'],
  stability: 'beta',
  configSchema: loadBalancingConfigSchema as unknown as ExporterFactory<LoadBalancingConfig>['configSchema'],
  createTracesExporter(settings, config) {
    return new LoadBalancingExporter(settings, config);
  },
};
