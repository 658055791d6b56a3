/**
 * The TLS API components use (see README.md): config schemas, server providers (node:tls /
 * https / http2 servers and grpc-js servers) and client providers, all following their files.
 */
export {
  serverTlsConfigSchema,
  clientTlsConfigSchema,
  tlsHasCertificates,
  type ServerTlsConfig,
  type ClientTlsConfig,
} from './config.ts';
export { createSecureContextProvider, attachServerTls, type SecureContextProvider } from './server-tls.ts';
export { createServerCredentials, attachGrpcServerTls } from './grpc-server-credentials.ts';
export { createClientTlsProvider, clientTlsFailureHint, type ClientTlsProvider, type ClientTlsSettings } from './client-tls.ts';
export { DEFAULT_DEBOUNCE_MS, type ReloadOptions } from './reloading-material.ts';
