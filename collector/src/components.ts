/**
 * Every built-in component: adding a component is one folder plus one line here.
 * Keep the lists sorted by type name.
 */
import type { AnyFactory } from './component/types.ts';
import { FactoryRegistry } from './component/registry.ts';
import { routingFactory } from './connectors/routing/factory.ts';
import { debugFactory } from './exporters/debug/factory.ts';
import { fileFactory } from './exporters/file/factory.ts';
import { loadBalancingFactory } from './exporters/loadbalancing/factory.ts';
import { nopFactory } from './exporters/nop/factory.ts';
import { otlpExporterFactory } from './exporters/otlp/factory.ts';
import { otlphttpExporterFactory } from './exporters/otlphttp/factory.ts';
import { bearerTokenAuthFactory } from './extensions/bearertokenauth/factory.ts';
import { fileStorageFactory } from './extensions/file_storage/factory.ts';
import { headersSetterFactory } from './extensions/headers_setter/factory.ts';
import { healthCheckFactory } from './extensions/health_check/factory.ts';
import { attributesFactory } from './processors/attributes/factory.ts';
import { batchFactory } from './processors/batch/factory.ts';
import { memoryLimiterFactory } from './processors/memory_limiter/factory.ts';
import { probabilisticSamplerFactory } from './processors/probabilistic_sampler/factory.ts';
import { redactionFactory } from './processors/redaction/factory.ts';
import { tailSamplingFactory } from './processors/tail_sampling/factory.ts';
import { jaegerReceiverFactory } from './receivers/jaeger/factory.ts';
import { otlpReceiverFactory } from './receivers/otlp/factory.ts';
import { zipkinReceiverFactory } from './receivers/zipkin/factory.ts';

export const receiverFactories: AnyFactory[] = [
  jaegerReceiverFactory,
  otlpReceiverFactory,
  zipkinReceiverFactory,
];
export const processorFactories: AnyFactory[] = [
  attributesFactory,
  batchFactory,
  memoryLimiterFactory,
  probabilisticSamplerFactory,
  redactionFactory,
  tailSamplingFactory,
];
export const exporterFactories: AnyFactory[] = [
  debugFactory,
  fileFactory,
  loadBalancingFactory,
  nopFactory,
  otlpExporterFactory,
  otlphttpExporterFactory,
];
export const connectorFactories: AnyFactory[] = [
  routingFactory,
];
export const extensionFactories: AnyFactory[] = [
  bearerTokenAuthFactory,
  fileStorageFactory,
  headersSetterFactory,
  healthCheckFactory,
];

export function builtinRegistry(): FactoryRegistry {
  return new FactoryRegistry([
    ...receiverFactories,
    ...processorFactories,
    ...exporterFactories,
    ...connectorFactories,
    ...extensionFactories,
  ]);
}
