import type { ExtensionFactory } from '../../component/types.ts';
import { headersSetterConfigSchema, type HeadersSetterConfig } from './config.ts';
import { HeadersSetterExtension } from './headers-setter.ts';

export const headersSetterFactory: ExtensionFactory<HeadersSetterConfig> = {
  kind: 'extension',
  type: 'headers_setter',
  stability: 'alpha',
  configSchema: headersSetterConfigSchema as unknown as ExtensionFactory<HeadersSetterConfig>['configSchema'],
  createExtension(settings, config) {
    return new HeadersSetterExtension(settings, config);
  },
};
