/** The `otlphttp` exporter (alias `otlp_http`, the name newer otelcol releases use): OTLP over HTTP. */
import type { ExporterFactory } from '../../component/types.ts';
import { TracesExporterHelper } from '../exporterhelper/exporter.ts';
import { otlpHttpExporterConfigSchema, type OtlpHttpExporterConfig } from './config.ts';
import { OtlpHttpClient } from './exporter.ts';

export const otlphttpExporterFactory: ExporterFactory<OtlpHttpExporterConfig> = {
  kind: 'exporter',
  type: 'otlphttp',
  aliases: ['otlp_http'],
  stability: 'beta',
  configSchema: otlpHttpExporterConfigSchema,
  createTracesExporter(settings, config) {
    const client = new OtlpHttpClient(config, settings.logger);
    // otlphttp's `timeout` is the HTTP client's whole-request timeout; here it is the attempt deadline.
    return new TracesExporterHelper(
      settings,
      { timeoutMs: config.timeout, queue: config.sending_queue, retry: config.retry_on_failure },
      client,
    );
  },
};
