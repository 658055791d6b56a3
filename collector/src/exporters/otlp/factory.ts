/** The `otlp` exporter (alias `otlp_grpc`, the name newer otelcol releases use): OTLP over gRPC. */
import type { ExporterFactory } from '../../component/types.ts';
import { TracesExporterHelper } from '../exporterhelper/exporter.ts';
import { otlpExporterConfigSchema, type OtlpExporterConfig } from './config.ts';
import { OtlpGrpcClient } from './exporter.ts';

export const otlpExporterFactory: ExporterFactory<OtlpExporterConfig> = {
  kind: 'exporter',
  type: 'otlp',
  aliases: ['otlp_grpc'],
  stability: 'beta',
  configSchema: otlpExporterConfigSchema,
  createTracesExporter(settings, config) {
    const client = new OtlpGrpcClient(config, settings.logger);
    return new TracesExporterHelper(
      settings,
      { timeoutMs: config.timeout, queue: config.sending_queue, retry: config.retry_on_failure },
      client,
    );
  },
};
