/** Factory for the `jaeger` receiver (otelcol-contrib's jaegerreceiver). */
import type { ReceiverFactory } from '../../component/types.ts';
import { jaegerReceiverConfigSchema, type JaegerReceiverConfig } from './config.ts';
import { JaegerReceiver } from './receiver.ts';

export const jaegerReceiverFactory: ReceiverFactory<JaegerReceiverConfig> = {
  kind: 'receiver',
  type: 'jaeger',
  stability: 'beta',
  configSchema: jaegerReceiverConfigSchema,
  createTracesReceiver: (settings, config, next) => new JaegerReceiver(settings, config, next),
};
