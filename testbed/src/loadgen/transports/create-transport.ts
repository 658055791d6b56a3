import type { LoadgenConfig } from '../config.ts';
import { GrpcTransport } from './grpc-transport.ts';
import { HttpTransport } from './http-transport.ts';
import type { SpanTransport } from './span-transport.ts';

/** The transport for the configured protocol. */
export function createTransport(c: LoadgenConfig): SpanTransport {
  const options = {
    endpoint: c.endpoint,
    compression: c.compression,
    headers: c.headers,
    tenantHeader: c.tenant_header,
    tenants: c.tenants,
    concurrency: c.max_concurrent_exports,
  };
  switch (c.protocol) {
    case 'grpc':
      return new GrpcTransport(options);
    case 'http/protobuf':
      return new HttpTransport(options, 'application/x-protobuf');
    case 'http/json':
      return new HttpTransport(options, 'application/json');
  }
}
