/**
 * grpc-js servers with reloading credentials. These tests pin the grpc-js hooks the module
 * relies on (ServerCredentials watchers -> setSecureContext on bound servers; the private
 * http2Servers map for handshake logs): a grpc-js upgrade that drops either fails here.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Client, credentials, Metadata, Server, type ServiceDefinition } from '@grpc/grpc-js';
import { connect } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { serverTlsConfigSchema } from './config.ts';
import { attachGrpcServerTls, createServerCredentials } from './grpc-server-credentials.ts';
import { createSecureContextProvider, type SecureContextProvider } from './server-tls.ts';
import { CapturedLogs } from './testdata/logs.ts';
import { TestPki, type Ca, type Issued } from './testdata/pki.ts';

const identity = (b: Buffer): Buffer => b;
const echo: ServiceDefinition = {
  Echo: { path: '/test.Echo/Echo', requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
};

let pki: TestPki;
let ca: Ca;
let ca2: Ca;
let first: Issued;
let second: Issued;
let clientCert: Issued;

beforeAll(() => {
  pki = new TestPki();
  ca = pki.ca('ca');
  ca2 = pki.ca('ca2');
  first = pki.issue(ca, 'first');
  second = pki.issue(ca2, 'second');
  clientCert = pki.issue(ca, 'client', { usage: 'client' });
});
afterAll(() => pki.cleanup());

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startGrpc(provider: SecureContextProvider): Promise<{ port: number; server: Server }> {
  const server = new Server();
  server.addService(echo, { Echo: (call: { request: Buffer }, cb: (e: null, r: Buffer) => void) => cb(null, call.request) });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', createServerCredentials(provider), (err, p) => (err ? reject(err) : resolve(p))),
  );
  cleanups.push(() => server.forceShutdown());
  return { port, server };
}

function call(client: Client, payload: string): Promise<string> {
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest('/test.Echo/Echo', identity, identity, Buffer.from(payload), new Metadata(), (err, res?: Buffer) =>
      err ? reject(err) : resolve(res!.toString()),
    ),
  );
}

function servedFingerprint(port: number, trust: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1', servername: 'localhost', ca: trust, ALPNProtocols: ['h2'], cert: clientCert.certPem, key: clientCert.keyPem }, () => {
      const fp = s.getPeerX509Certificate()!.fingerprint256;
      s.destroy();
      resolve(fp);
    });
    s.on('error', reject);
  });
}

describe('grpc-js server credentials', () => {
  it('serve mTLS, reload the certificate for new handshakes and keep established channels', async () => {
    const certFile = pki.replace('g.crt', first.certPem);
    const keyFile = pki.replace('g.key', first.keyPem);
    const caFile = pki.replace('g-clients.crt', ca.pem);
    const logs = new CapturedLogs();
    const config = serverTlsConfigSchema.parse({ cert_file: certFile, key_file: keyFile, client_ca_file: caFile });
    const provider = await createSecureContextProvider(config, logs.logger, { debounceMs: 20 });
    cleanups.push(() => provider.close());
    const { port, server } = await startGrpc(provider);
    expect(attachGrpcServerTls(server, provider)).toBe(1);

    const trust = Buffer.from(ca.pem + ca2.pem);
    const creds = credentials.createSsl(trust, Buffer.from(clientCert.keyPem), Buffer.from(clientCert.certPem));
    const early = new Client(`127.0.0.1:${port}`, creds, { 'grpc.ssl_target_name_override': 'localhost' });
    cleanups.push(() => early.close());
    expect(await call(early, 'before')).toBe('before');
    expect(await servedFingerprint(port, ca.pem)).toBe(new X509Certificate(first.certPem).fingerprint256);

    pki.replace('g.key', second.keyPem);
    pki.replace('g.crt', second.certPem);
    await logs.waitFor(/TLS certificates reloaded .*CN=second/);

    // New handshakes get the new certificate (through grpc-js's watcher -> setSecureContext).
    expect(await servedFingerprint(port, ca2.pem)).toBe(new X509Certificate(second.certPem).fingerprint256);
    // The channel connected before the reload still works on its connection.
    expect(await call(early, 'after')).toBe('after');
    // A new channel that trusts only the new CA connects.
    const late = new Client(`127.0.0.1:${port}`, credentials.createSsl(Buffer.from(ca2.pem), Buffer.from(clientCert.keyPem), Buffer.from(clientCert.certPem)), {
      'grpc.ssl_target_name_override': 'localhost',
    });
    cleanups.push(() => late.close());
    expect(await call(late, 'new')).toBe('new');
  });

  it('log a client without a certificate on the server side', async () => {
    const logs = new CapturedLogs();
    const config = serverTlsConfigSchema.parse({ cert_pem: first.certPem, key_pem: first.keyPem, client_ca_file: pki.replace('g2-clients.crt', ca.pem) });
    const provider = await createSecureContextProvider(config, logs.logger);
    cleanups.push(() => provider.close());
    const { port, server } = await startGrpc(provider);
    attachGrpcServerTls(server, provider);
    const anonymous = new Client(`127.0.0.1:${port}`, credentials.createSsl(Buffer.from(ca.pem)), { 'grpc.ssl_target_name_override': 'localhost' });
    cleanups.push(() => anonymous.close());
    await expect(call(anonymous, 'x')).rejects.toThrow(/UNAVAILABLE/);
    expect(await logs.waitFor(/TLS handshake failed: the client sent no certificate; client_ca_file requires one/)).toContain('"transport":"grpc"');
  });
});
