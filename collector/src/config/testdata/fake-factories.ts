/**
 * Small stand-in factories for the config tests: real components are written elsewhere and
 * concurrently, and the config system must not depend on them. Only the schemas matter here.
 */
import { z } from 'zod';
import { FactoryRegistry } from '../../component/registry.ts';
import type { AnyFactory } from '../../component/types.ts';
import { zDuration, zEndpoint, zPercentage, zSizeMiB, zStrictObject } from '../schema-helpers.ts';

const notHere = (): never => {
  throw new Error('fake factory: create is not used by config tests');
};

export const fakeFactories: AnyFactory[] = [
  {
    kind: 'receiver',
    type: 'otlp',
    aliases: ['otlp_grpc'],
    stability: 'stable',
    configSchema: zStrictObject({
      protocols: zStrictObject({
        grpc: zStrictObject({ endpoint: zEndpoint('localhost:4317') }).optional(),
        http: zStrictObject({ endpoint: zEndpoint('localhost:4318') }).optional(),
      }),
    }),
    createTracesReceiver: notHere,
  },
  {
    kind: 'receiver',
    type: 'zipkin',
    stability: 'beta',
    configSchema: zStrictObject({ endpoint: zEndpoint('localhost:9411') }),
    createTracesReceiver: notHere,
  },
  {
    kind: 'processor',
    type: 'batch',
    stability: 'stable',
    configSchema: zStrictObject({
      timeout: zDuration('200ms'),
      send_batch_size: z.number().int().nonnegative().default(8192),
      send_batch_max_size: z.number().int().nonnegative().default(0),
    }),
    createTracesProcessor: notHere,
  },
  {
    kind: 'processor',
    type: 'memory_limiter',
    stability: 'beta',
    configSchema: zStrictObject({
      check_interval: zDuration(),
      limit_mib: zSizeMiB(0),
      spike_limit_mib: zSizeMiB(0),
      limit_percentage: zPercentage(0),
      spike_limit_percentage: zPercentage(0),
    }),
    createTracesProcessor: notHere,
  },
  {
    kind: 'exporter',
    type: 'otlp',
    stability: 'stable',
    configSchema: zStrictObject({
      endpoint: z.string(),
      headers: z.record(z.string(), z.string()).default({}),
      timeout: zDuration('5s'),
      tls: zStrictObject({ insecure: z.boolean().default(false) }),
    }),
    createTracesExporter: notHere,
  },
  {
    kind: 'exporter',
    type: 'debug',
    stability: 'development',
    configSchema: zStrictObject({ verbosity: z.enum(['basic', 'normal', 'detailed']).default('basic') }),
    createTracesExporter: notHere,
  },
  {
    kind: 'connector',
    type: 'forward',
    stability: 'beta',
    configSchema: zStrictObject({}),
    createTracesToTraces: notHere,
  },
  {
    kind: 'extension',
    type: 'health_check',
    stability: 'beta',
    configSchema: zStrictObject({ endpoint: zEndpoint('localhost:13133') }),
    createExtension: notHere,
  },
  {
    kind: 'extension',
    type: 'zpages',
    stability: 'beta',
    configSchema: zStrictObject({ endpoint: zEndpoint('localhost:55679') }),
    createExtension: notHere,
  },
];

export function fakeRegistry(): FactoryRegistry {
  return new FactoryRegistry(fakeFactories);
}
