/** Factory for the `zipkin` receiver (otelcol-contrib's zipkinreceiver). */
import type { ReceiverFactory } from '../../component/types.ts';
import { zipkinReceiverConfigSchema, type ZipkinReceiverConfig } from './config.ts';
import { ZipkinReceiver } from './receiver.ts';

export const zipkinReceiverFactory: ReceiverFactory<ZipkinReceiverConfig> = {
  kind: 'receiver',
  type: 'zipkin',
  stability: 'beta',
  configSchema: zipkinReceiverConfigSchema,
  createTracesReceiver: (settings, config, next) => new ZipkinReceiver(settings, config, next),
};
