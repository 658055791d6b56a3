/**
 * The `loadbalancing` exporter's config: otelcol-contrib's loadbalancingexporter keys
 * (`routing_key`, `routing_attributes`, `protocol.otlp`, `resolver.{static,dns,k8s}`, and the
 * lb-level `timeout` / `retry_on_failure` / `sending_queue`, which otelcol leaves disabled by
 * default), plus two keys of ours: `ring` (hashing algorithm) and `backend_health`.
 */
import { z } from 'zod';
import { zDuration, zStrictObject } from '../../config/schema-helpers.ts';
import { queueConfigSchema, retryConfigSchema, zTimeout } from '../exporterhelper/config.ts';
import { otlpExporterConfigSchema } from '../otlp/config.ts';

/** otelcol-contrib fills the template's endpoint with a placeholder; each backend overwrites it. */
export const TEMPLATE_ENDPOINT = 'placeholder:4317';
export const DEFAULT_PORT = 4317;

const STR = 'expected a string';
const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** protocol.otlp: a whole otlp exporter config; `endpoint` is ignored (replaced per backend). */
const templateSchema = z.preprocess(
  (v) => (isMap(v) ? { ...v, endpoint: TEMPLATE_ENDPOINT } : v ?? { endpoint: TEMPLATE_ENDPOINT }),
  otlpExporterConfigSchema,
);

const portSchema = z
  .union([z.number(), z.string()], { error: 'expected a port number' })
  .transform((p, ctx) => {
    const n = typeof p === 'number' ? p : Number(p);
    if (!Number.isInteger(n) || n < 1 || n > 65535 || (typeof p === 'string' && !/^\d+$/.test(p))) {
      ctx.addIssue({ code: 'custom', message: `invalid port ${JSON.stringify(p)}` });
      return z.NEVER;
    }
    return n;
  });

const staticSchema = zStrictObject({
  hostnames: z.preprocess((v) => v ?? [], z.array(z.string({ error: STR }))),
});

const dnsSchema = zStrictObject({
  hostname: z.string({ error: STR }).default(''),
  port: portSchema.default(DEFAULT_PORT),
  interval: zDuration('5s'),
  timeout: zDuration('1s'),
});

const k8sSchema = zStrictObject({
  service: z.string({ error: STR }).default(''),
  ports: z.preprocess((v) => v ?? [DEFAULT_PORT], z.array(portSchema)),
  timeout: zDuration('1s'),
  return_hostnames: z.boolean({ error: 'expected true or false' }).default(false),
});

const resolverSchema = zStrictObject({
  static: staticSchema.optional(),
  dns: dnsSchema.optional(),
  k8s: k8sSchema.optional(),
  aws_cloud_map: z.unknown().optional(),
}).superRefine((r, ctx) => {
  if (r.aws_cloud_map !== undefined && r.aws_cloud_map !== null) {
    ctx.addIssue({ code: 'custom', path: ['aws_cloud_map'], message: 'the aws_cloud_map resolver is not supported; use static, dns or k8s' });
  }
  const set = (['static', 'dns', 'k8s'] as const).filter((k) => r[k] !== undefined);
  if (set.length !== 1) {
    ctx.addIssue({
      code: 'custom',
      message:
        set.length === 0
          ? 'no resolver configured: set exactly one of static, dns or k8s'
          : `exactly one resolver must be configured, found ${set.join(' and ')}`,
    });
  }
  if (r.static !== undefined) {
    if (r.static.hostnames.length === 0) ctx.addIssue({ code: 'custom', path: ['static', 'hostnames'], message: 'at least one hostname is required' });
    r.static.hostnames.forEach((h, i) => {
      if (h.trim() === '' || /\s/.test(h)) ctx.addIssue({ code: 'custom', path: ['static', 'hostnames', i], message: `invalid hostname ${JSON.stringify(h)}` });
    });
  }
  if (r.dns !== undefined) {
    if (r.dns.hostname === '') ctx.addIssue({ code: 'custom', path: ['dns', 'hostname'], message: 'a hostname is required' });
    if (r.dns.interval <= 0) ctx.addIssue({ code: 'custom', path: ['dns', 'interval'], message: 'must be positive' });
    if (r.dns.timeout <= 0) ctx.addIssue({ code: 'custom', path: ['dns', 'timeout'], message: 'must be positive' });
  }
  if (r.k8s !== undefined) {
    if (r.k8s.service === '') ctx.addIssue({ code: 'custom', path: ['k8s', 'service'], message: 'a service is required ("name" or "name.namespace")' });
    if (r.k8s.ports.length === 0) ctx.addIssue({ code: 'custom', path: ['k8s', 'ports'], message: 'at least one port is required' });
    if (r.k8s.timeout <= 0) ctx.addIssue({ code: 'custom', path: ['k8s', 'timeout'], message: 'must be positive' });
  }
});

export type ResolverConfig = z.output<typeof resolverSchema>;

/** Ours (not otelcol's): when a backend is taken out of the ring, and when it comes back. */
const backendHealthSchema = zStrictObject({
  enabled: z.boolean({ error: 'expected true or false' }).default(true),
  unhealthy_after: z.number({ error: 'expected a whole number' }).int({ error: 'expected a whole number' }).min(1, { error: 'must be at least 1' }).default(3),
  probe_interval: zDuration('5s'),
  probe_timeout: zDuration('1s'),
  cooldown: zDuration('10s'),
}).superRefine((h, ctx) => {
  if (h.probe_interval < 0) ctx.addIssue({ code: 'custom', path: ['probe_interval'], message: 'must be 0 (no probes) or positive' });
  if (h.probe_timeout <= 0) ctx.addIssue({ code: 'custom', path: ['probe_timeout'], message: 'must be positive' });
  if (h.cooldown < 0) ctx.addIssue({ code: 'custom', path: ['cooldown'], message: 'must not be negative' });
});

export type BackendHealthConfig = z.output<typeof backendHealthSchema>;

/** otelcol's lb-level resilience is off unless `enabled: true` is written (its zero value). */
const disabledUnlessEnabled = (v: unknown): unknown => {
  if (v === undefined || v === null) return { enabled: false };
  if (isMap(v) && !('enabled' in v)) return { ...v, enabled: false };
  return v;
};

const ROUTING_KEYS = ['traceID', 'service', 'resource', 'attributes'] as const;

export const loadBalancingConfigSchema = zStrictObject({
  routing_key: z.string({ error: STR }).default('traceID').transform((k) => (k === '' ? 'traceID' : k)),
  routing_attributes: z.preprocess((v) => v ?? [], z.array(z.string({ error: STR }))),
  ring: z.enum(['maglev', 'otelcol_classic'], { error: 'expected ring "maglev" or "otelcol_classic"' }).default('maglev'),
  protocol: zStrictObject({ otlp: templateSchema }),
  resolver: resolverSchema,
  backend_health: backendHealthSchema,
  timeout: zTimeout(0),
  retry_on_failure: z.preprocess(disabledUnlessEnabled, retryConfigSchema),
  sending_queue: z.preprocess(disabledUnlessEnabled, queueConfigSchema),
}).superRefine((c, ctx) => {
  if (!(ROUTING_KEYS as readonly string[]).includes(c.routing_key)) {
    const forMetrics = ['metric', 'streamID'].includes(c.routing_key);
    ctx.addIssue({
      code: 'custom',
      path: ['routing_key'],
      message: forMetrics
        ? `routing_key "${c.routing_key}" is for metrics; traces use traceID, service, resource or attributes`
        : `unsupported routing_key "${c.routing_key}" (expected traceID, service, resource or attributes)`,
    });
  }
  if (c.routing_key === 'attributes' && c.routing_attributes.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['routing_attributes'], message: 'routing_attributes must be specified when routing_key is "attributes"' });
  }
  if (c.routing_key !== 'attributes' && c.routing_attributes.length > 0) {
    ctx.addIssue({ code: 'custom', path: ['routing_attributes'], message: `routing_attributes can only be used when routing_key is "attributes"; got "${c.routing_key}"` });
  }
});

export type LoadBalancingConfig = z.output<typeof loadBalancingConfigSchema> & { routing_key: (typeof ROUTING_KEYS)[number] };

/** "backend-1" -> "backend-1:4317" (otelcol's endpointWithPort: no colon means no port). */
export function endpointWithPort(endpoint: string): string {
  return endpoint.includes(':') ? endpoint : `${endpoint}:${DEFAULT_PORT}`;
}
