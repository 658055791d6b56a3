import type { ConnectorFactory } from '../../component/types.ts';
import { routingConfigSchema, type RoutingConfig } from './config.ts';
import { RoutingConnector } from './connector.ts';

export const routingFactory: ConnectorFactory<RoutingConfig> = {
  kind: 'connector',
  type: 'routing',
  stability: 'alpha',
  configSchema: routingConfigSchema as unknown as ConnectorFactory<RoutingConfig>['configSchema'],
  createTracesToTraces(settings, config, nexts) {
    return new RoutingConnector(settings, config, nexts);
  },
};
