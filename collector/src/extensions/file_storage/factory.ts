import type { ExtensionFactory } from '../../component/types.ts';
import { fileStorageConfigSchema, type FileStorageConfig } from './config.ts';
import { FileStorageExtension } from './file-storage.ts';

export const fileStorageFactory: ExtensionFactory<FileStorageConfig> = {
  kind: 'extension',
  type: 'file_storage',
  stability: 'beta',
  configSchema: fileStorageConfigSchema,
  createExtension(settings, config) {
    return new FileStorageExtension(settings, config);
  },
};
