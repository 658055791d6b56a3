import type { ProcessorFactory } from '../../component/types.ts';
import { attributesConfigSchema, type AttributesConfig } from './config.ts';
import { AttributesProcessor } from './processor.ts';

export const attributesFactory: ProcessorFactory<AttributesConfig> = {
  kind: 'processor',
  type: 'attributes',
  stability: 'beta',
  configSchema: attributesConfigSchema as unknown as ProcessorFactory<AttributesConfig>['configSchema'],
  createTracesProcessor(settings, config, next) {
    return new AttributesProcessor(settings, config, next);
  },
};
