/** Factory for the `bearertokenauth` extension (otelcol-contrib's bearertokenauthextension). */
import type { ExtensionFactory } from '../../component/types.ts';
import { BearerTokenAuth } from './bearer-token-auth.ts';
import { bearerTokenAuthConfigSchema, type BearerTokenAuthConfig } from './config.ts';

export const bearerTokenAuthFactory: ExtensionFactory<BearerTokenAuthConfig> = {
  kind: 'extension',
  type: 'bearertokenauth',
  stability: 'beta',
  configSchema: bearerTokenAuthConfigSchema,
  createExtension(settings, config) {
    return new BearerTokenAuth(settings, config);
  },
};
