/**
 * TLS for grpc-js servers, with certificate reload on a bound server.
 *
 * grpc-js 1.14 has no public "reload" call, but its ServerCredentials carry a watcher list: for
 * each HTTP/2 server it binds, the grpc Server registers a watcher (`_addWatcher`) and calls
 * `http2Server.setSecureContext(options)` whenever the credentials call the protected
 * `updateSecureContextOptions(options)` (the path grpc-js's own certificate-provider credentials
 * use). Subclassing the exported ServerCredentials class and calling that protected method is
 * typed in grpc-js's .d.ts, needs no private field, and gives exactly Node's semantics: new
 * handshakes use the new certificate/CA, established connections are untouched. The alternative,
 * `experimental.createCertificateProviderServerCredentials`, rebuilds the context from
 * cert/key/CA only (min_version, max_version and cipher_suites would be lost on the first reload)
 * and starts with no certificate until its provider fires. grpc-server-credentials.test.ts
 * fails if a grpc-js upgrade stops honouring the watcher.
 *
 * Handshake-failure logging needs the HTTP/2 servers themselves, which grpc-js keeps in the
 * private `http2Servers` map (the same field receivers/otlp/grpc-flow-control.ts widens windows
 * through); a test fails if it disappears, and at run time only the log lines would be lost.
 */
import { ServerCredentials, type Server } from '@grpc/grpc-js';
import type { Http2SecureServer } from 'node:http2';
import type { SecureContextOptions, TLSSocket } from 'node:tls';
import type { SecureContextProvider } from './server-tls.ts';

class ReloadingServerCredentials extends ServerCredentials {
  private readonly unsubscribe: () => void;

  constructor(provider: SecureContextProvider) {
    // Constructor options go to http2.createSecureServer once; context options are replaced on reload.
    super({ requestCert: provider.requireClientCert, rejectUnauthorized: provider.requireClientCert }, provider.contextOptions());
    this.unsubscribe = provider.onReload((context: SecureContextOptions) => this.updateSecureContextOptions(context));
  }

  _equals(other: ServerCredentials): boolean {
    return this === other;
  }

  /** Stops following the provider (the provider's close() does the same for all its users). */
  detach(): void {
    this.unsubscribe();
  }
}

/** grpc-js ServerCredentials that follow the provider's reloads. Pass to `server.bindAsync`. */
export function createServerCredentials(provider: SecureContextProvider): ServerCredentials {
  return new ReloadingServerCredentials(provider);
}

const attached = new WeakSet<object>();

/**
 * Logs failed handshakes on every HTTP/2 server the grpc server has bound so far (call after
 * each bindAsync; servers already handled are skipped). Returns how many TLS servers the grpc
 * server has, 0 if grpc-js no longer exposes them.
 */
export function attachGrpcServerTls(server: Server, provider: SecureContextProvider, transport = 'grpc'): number {
  const http2Servers = (server as unknown as { http2Servers?: Map<Http2SecureServer, unknown> }).http2Servers;
  if (!(http2Servers instanceof Map)) return 0;
  let count = 0;
  for (const h of http2Servers.keys()) {
    count++;
    if (attached.has(h)) continue;
    attached.add(h);
    h.on('tlsClientError', (err: Error, socket: TLSSocket) => provider.logHandshakeFailure(err, socket, transport));
    h.on('secureConnection', (socket: TLSSocket) => provider.logHandshake(socket, transport));
  }
  return count;
}
