/**
 * configgrpc.ClientConfig -> grpc-js client options. One channel per exporter instance, as
 * otelcol dials one ClientConn per exporter.
 */
import type { ChannelOptions } from '@grpc/grpc-js';
import { compressionAlgorithms, Metadata } from '@grpc/grpc-js';
import type { OtlpExporterConfig } from './config.ts';

/** Sent as the primary user agent (grpc-js appends its own), as otelcol sends its build name. */
export const USER_AGENT = 'tailpipe-collector';

export function channelOptions(config: OtlpExporterConfig): ChannelOptions {
  const options: ChannelOptions = { 'grpc.primary_user_agent': USER_AGENT };
  if (config.compression === 'gzip') options['grpc.default_compression_algorithm'] = compressionAlgorithms.gzip;
  const ka = config.keepalive;
  if (ka !== undefined) {
    options['grpc.keepalive_time_ms'] = ka.time;
    options['grpc.keepalive_timeout_ms'] = ka.timeout;
    options['grpc.keepalive_permit_without_calls'] = ka.permit_without_stream ? 1 : 0;
  }
  if (config.balancer_name !== '') {
    options['grpc.service_config'] = JSON.stringify({ loadBalancingConfig: [{ [config.balancer_name]: {} }] });
  }
  if (config.authority !== '') options['grpc.default_authority'] = config.authority;
  return options;
}

/** `headers` as call metadata, built once: grpc-js clones it per call. */
export function headerMetadata(config: OtlpExporterConfig): Metadata {
  const md = new Metadata({ waitForReady: config.wait_for_ready });
  for (const [name, value] of config.headers) {
    // Binary-suffixed keys carry bytes; otelcol passes the configured string through.
    if (name.toLowerCase().endsWith('-bin')) md.add(name, Buffer.from(value));
    else md.add(name, value);
  }
  return md;
}
