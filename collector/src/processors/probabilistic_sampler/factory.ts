/** The `probabilistic_sampler` processor factory (otelcol-contrib's probabilisticsamplerprocessor, traces). */
import type { ProcessorFactory } from '../../component/types.ts';
import { probabilisticSamplerConfigSchema, type ProbabilisticSamplerConfig } from './config.ts';
import { ProbabilisticSamplerProcessor } from './processor.ts';

export const probabilisticSamplerFactory: ProcessorFactory<ProbabilisticSamplerConfig> = {
  kind: 'processor',
  type: 'probabilistic_sampler',
  stability: 'beta',
  configSchema: probabilisticSamplerConfigSchema,
  createTracesProcessor(settings, config, next) {
    return new ProbabilisticSamplerProcessor(settings, config, next);
  },
};
