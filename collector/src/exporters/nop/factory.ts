import type { ExporterFactory } from '../../component/types.ts';
import { nopConfigSchema, type NopConfig } from './config.ts';
import { NopExporter } from './nop-exporter.ts';

export const nopFactory: ExporterFactory<NopConfig> = {
  kind: 'exporter',
  type: 'nop',
  stability: 'beta',
  configSchema: nopConfigSchema,
  createTracesExporter(settings) {
    return new NopExporter(settings);
  },
};
