/** The `memory_limiter` processor factory (otelcol's memorylimiterprocessor). */
import type { ProcessorFactory } from '../../component/types.ts';
import { memoryLimiterConfigSchema, type MemoryLimiterConfig } from './config.ts';
import { MemoryLimiterProcessor } from './memory-limiter.ts';

export const memoryLimiterFactory: ProcessorFactory<MemoryLimiterConfig> = {
  kind: 'processor',
  type: 'memory_limiter',
  stability: 'beta',
  configSchema: memoryLimiterConfigSchema,
  createTracesProcessor(settings, config, next) {
    return new MemoryLimiterProcessor(settings, config, next);
  },
};
