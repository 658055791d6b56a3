/** Factory for the `otlp` receiver (otelcol's otlpreceiver, traces only). */
import type { ReceiverFactory } from '../../component/types.ts';
import { otlpReceiverConfigSchema, type OtlpReceiverConfig } from './config.ts';
import { OtlpReceiver } from './receiver.ts';

export const otlpReceiverFactory: ReceiverFactory<OtlpReceiverConfig> = {
  kind: 'receiver',
  type: 'otlp',
  stability: 'beta',
  configSchema: otlpReceiverConfigSchema,
  createTracesReceiver: (settings, config, next) => new OtlpReceiver(settings, config, next),
};
