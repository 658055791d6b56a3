/** The `tail_sampling` processor factory (otelcol-contrib's tailsamplingprocessor). */
import type { ProcessorFactory } from '../../component/types.ts';
import { tailSamplingConfigSchema, type TailSamplingConfig } from './config.ts';
import { buildPolicies } from './policies/index.ts';
import { TailSamplingProcessor } from './processor.ts';

export const tailSamplingFactory: ProcessorFactory<TailSamplingConfig> = {
  kind: 'processor',
  type: 'tail_sampling',
  stability: 'beta',
  configSchema: tailSamplingConfigSchema,
  createTracesProcessor(settings, config, next) {
    // The engine's clock is Date.now (read at each call); the policies get the same clock.
    const policies = buildPolicies(config.policies, {
      logger: settings.logger,
      telemetry: settings.telemetry,
      processorId: settings.id.id,
      now: () => Date.now(),
    });
    return new TailSamplingProcessor(settings, config, next, policies);
  },
};
