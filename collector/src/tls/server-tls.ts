/**
 * TLS for a listening server (otelcol's configtls.ServerConfig): the certificate, key and client
 * CA as secure-context options that follow their files, plus the hooks that put them on a
 * node:tls / https / http2 server: setSecureContext() on reload (new handshakes get the new
 * material, established connections keep theirs) and readable handshake-failure logs.
 * grpc-js servers take the same provider through grpc-server-credentials.ts.
 */
import { X509Certificate } from 'node:crypto';
import type { Server as TlsServer, SecureContextOptions, TlsOptions, TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { ServerTlsConfig } from './config.ts';
import { explainHandshakeFailure, HandshakeLog } from './handshake-log.ts';
import { filesOf, loadServerMaterial, serverSources, type ServerMaterial } from './material.ts';
import { ReloadingMaterial, type ReloadOptions } from './reloading-material.ts';

export interface SecureContextProvider {
  /** client_ca_file is set: clients must present a certificate signed by it. */
  readonly requireClientCert: boolean;
  /** The current secure-context options (certificate, key, client CA, versions, ciphers). */
  contextOptions(): SecureContextOptions;
  /** Options for tls.createServer / https.createServer / http2.createSecureServer. */
  serverOptions(): TlsOptions;
  /** Called with the new context options after each reload; returns an unsubscribe. */
  onReload(listener: (context: SecureContextOptions) => void): () => void;
  /** Whether the current certificate covers a server name a client asked for (SNI). */
  coversServerName(name: string): boolean;
  /** Logs a failed handshake (rate limited) with the reason rebuilt from the socket. */
  logHandshakeFailure(err: Error, socket: TLSSocket | undefined, transport: string): void;
  /** Logs (debug) a completed handshake: peer, protocol, the client certificate's subject. */
  logHandshake(socket: TLSSocket, transport: string): void;
  /** Re-reads the files now (tests; the watcher and reload_interval do this on their own). */
  reloadNow(): Promise<void>;
  /** Reloads that changed the material so far. */
  readonly reloads: number;
  /** Stops watching files. Idempotent. */
  close(): void;
}

/**
 * Reads the files (throws CollectorError TP_CONFIG_INVALID naming the file when one is missing
 * or unusable) and starts following them.
 */
export async function createSecureContextProvider(
  config: ServerTlsConfig,
  logger: Logger,
  options?: ReloadOptions,
): Promise<SecureContextProvider> {
  const sources = serverSources(config);
  const initial = await loadServerMaterial(config, sources);
  const files = filesOf([sources.cert, sources.key, sources.clientCa]);
  const material = new ReloadingMaterial(
    initial,
    () => loadServerMaterial(config, sources),
    files,
    config.reload_interval,
    logger,
    describeMaterial,
    options,
  );
  const provider = new ServerTlsProvider(material, sources.clientCa !== undefined, logger);
  const c = initial.certificate;
  if (c?.expired) logger.warn(describeMaterial(initial), 'the TLS server certificate has expired; clients will refuse it');
  else logger.info(describeMaterial(initial), 'TLS enabled');
  return provider;
}

function describeMaterial(m: ServerMaterial): Record<string, unknown> {
  const c = m.certificate;
  return c === undefined ? {} : { subject: c.subject, issuer: c.issuer, not_after: c.validTo, sha256: c.fingerprint256 };
}

class ServerTlsProvider implements SecureContextProvider {
  readonly requireClientCert: boolean;
  private readonly material: ReloadingMaterial<ServerMaterial>;
  private readonly handshakeLog: HandshakeLog;
  private x509: { fingerprint: string; cert: X509Certificate | undefined } | undefined;

  private readonly logger: Logger;

  constructor(material: ReloadingMaterial<ServerMaterial>, requireClientCert: boolean, logger: Logger) {
    this.material = material;
    this.requireClientCert = requireClientCert;
    this.logger = logger;
    this.handshakeLog = new HandshakeLog(logger);
  }

  get reloads(): number {
    return this.material.reloads;
  }

  contextOptions(): SecureContextOptions {
    return this.material.current.context;
  }

  serverOptions(): TlsOptions {
    // requestCert / rejectUnauthorized belong to the server, not the secure context: they stay
    // as they are across setSecureContext().
    return { ...this.material.current.context, requestCert: this.requireClientCert, rejectUnauthorized: this.requireClientCert };
  }

  onReload(listener: (context: SecureContextOptions) => void): () => void {
    return this.material.onReload((m) => listener(m.context));
  }

  coversServerName(name: string): boolean {
    const current = this.material.current;
    if (this.x509?.fingerprint !== current.fingerprint) {
      let cert: X509Certificate | undefined;
      try {
        cert = new X509Certificate(current.context.cert as Buffer);
      } catch {
        cert = undefined;
      }
      this.x509 = { fingerprint: current.fingerprint, cert };
    }
    // Unknown means we cannot tell: do not blame the name.
    return this.x509.cert === undefined || this.x509.cert.checkHost(name) !== undefined;
  }

  logHandshakeFailure(err: Error, socket: TLSSocket | undefined, transport: string): void {
    const failure = explainHandshakeFailure(err, socket, (name) => this.coversServerName(name));
    this.handshakeLog.failed(failure, remoteOf(socket), transport);
  }

  logHandshake(socket: TLSSocket, transport: string): void {
    // Once per connection, not per request; skipped entirely unless debug logging is on.
    if (!this.logger.isLevelEnabled('debug')) return;
    const peer = socket.getPeerX509Certificate();
    this.logger.debug(
      { transport, remote: remoteOf(socket), protocol: socket.getProtocol(), client_subject: peer?.subject.replace(/\n/g, ', ') },
      'TLS connection established',
    );
  }

  reloadNow(): Promise<void> {
    return this.material.trigger();
  }

  close(): void {
    this.material.close();
  }
}

/** The peer address while the socket has it (Node clears it once a refused socket is destroyed). */
export function remoteOf(socket: TLSSocket | undefined): string | undefined {
  const address = socket?.remoteAddress;
  if (address === undefined) return undefined;
  const port = socket!.remotePort;
  return port === undefined ? address : `${address.includes(':') ? `[${address}]` : address}:${port}`;
}

/**
 * Puts a provider on a TLS server created with `provider.serverOptions()` (https.createServer,
 * http2.createSecureServer, tls.createServer): reloads go to setSecureContext(), failed
 * handshakes are logged. Detaches when the server closes.
 */
export function attachServerTls(server: TlsServer, provider: SecureContextProvider, transport: string): void {
  const unsubscribe = provider.onReload((context) => server.setSecureContext(context));
  server.on('tlsClientError', (err: Error, socket: TLSSocket) => provider.logHandshakeFailure(err, socket, transport));
  server.on('secureConnection', (socket: TLSSocket) => provider.logHandshake(socket, transport));
  server.once('close', unsubscribe);
}
