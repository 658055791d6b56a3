/** The `batch` processor factory (otelcol's batchprocessor). */
import type { ProcessorFactory } from '../../component/types.ts';
import { BatchProcessor } from './batch-processor.ts';
import { batchConfigSchema, type BatchConfig } from './config.ts';

export const batchFactory: ProcessorFactory<BatchConfig> = {
  kind: 'processor',
  type: 'batch',
  stability: 'beta',
  configSchema: batchConfigSchema,
  createTracesProcessor(settings, config, next) {
    return new BatchProcessor(settings, config, next);
  },
};
