import type { ExporterFactory } from '../../component/types.ts';
import { debugConfigSchema, type DebugConfig } from './config.ts';
import { DebugExporter } from './debug-exporter.ts';

export const debugFactory: ExporterFactory<DebugConfig> = {
  kind: 'exporter',
  type: 'debug',
  stability: 'development',
  configSchema: debugConfigSchema,
  createTracesExporter(settings, config) {
    return new DebugExporter(settings, config);
  },
};
