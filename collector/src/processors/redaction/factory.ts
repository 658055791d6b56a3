/** The `redaction` processor factory (otelcol-contrib's redactionprocessor). */
import type { ProcessorFactory } from '../../component/types.ts';
import { redactionConfigSchema, type RedactionConfig } from './config.ts';
import { RedactionProcessor } from './processor.ts';

export const redactionFactory: ProcessorFactory<RedactionConfig> = {
  kind: 'processor',
  type: 'redaction',
  stability: 'beta',
  configSchema: redactionConfigSchema,
  createTracesProcessor(settings, config, next) {
    return new RedactionProcessor(settings, config, next);
  },
};
