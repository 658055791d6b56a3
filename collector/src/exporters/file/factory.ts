import type { ExporterFactory } from '../../component/types.ts';
import { fileConfigSchema, type FileConfig } from './config.ts';
import { FileExporter } from './file-exporter.ts';

export const fileFactory: ExporterFactory<FileConfig> = {
  kind: 'exporter',
  type: 'file',
  stability: 'alpha',
  configSchema: fileConfigSchema,
  createTracesExporter(settings, config) {
    return new FileExporter(settings, config);
  },
};
