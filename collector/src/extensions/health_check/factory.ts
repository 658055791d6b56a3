import type { ExtensionFactory } from '../../component/types.ts';
import { healthCheckConfigSchema, type HealthCheckConfig } from './config.ts';
import { HealthCheckExtension } from './health-check.ts';

export const healthCheckFactory: ExtensionFactory<HealthCheckConfig> = {
  kind: 'extension',
  type: 'health_check',
  stability: 'beta',
  configSchema: healthCheckConfigSchema,
  createExtension(settings, config) {
    return new HealthCheckExtension(settings, config);
  },
};
