/**
 * Server TLS on a node https server: mTLS, start-up errors naming the file, and certificate
 * reload through the file watcher — new handshakes get the new certificate, a connection
 * established before the reload keeps working, a half-written rotation keeps the old material.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import https from 'node:https';
import { connect, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { serverTlsConfigSchema } from './config.ts';
import { attachServerTls, createSecureContextProvider, type SecureContextProvider } from './server-tls.ts';
import { CapturedLogs } from './testdata/logs.ts';
import { TestPki, type Ca, type Issued } from './testdata/pki.ts';

let pki: TestPki;
let ca: Ca;
let ca2: Ca;
let first: Issued;
let second: Issued;
let client: Issued;

beforeAll(() => {
  pki = new TestPki();
  ca = pki.ca('ca');
  ca2 = pki.ca('ca2');
  first = pki.issue(ca, 'first');
  second = pki.issue(ca2, 'second');
  client = pki.issue(ca, 'client', { usage: 'client' });
});
afterAll(() => pki.cleanup());

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startServer(provider: SecureContextProvider): Promise<{ port: number; server: https.Server }> {
  const server = https.createServer(provider.serverOptions(), (_req, res) => res.end('ok'));
  attachServerTls(server, provider, 'http');
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return { port: (server.address() as AddressInfo).port, server };
}

/** Fingerprint of the certificate a fresh handshake gets. */
function servedFingerprint(port: number, trust: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s: TLSSocket = connect({ port, host: '127.0.0.1', servername: 'localhost', ca: trust, cert: client.certPem, key: client.keyPem }, () => {
      const fp = s.getPeerX509Certificate()!.fingerprint256;
      s.destroy();
      resolve(fp);
    });
    s.on('error', reject);
  });
}

describe('server TLS provider', () => {
  it('names the missing file at start', async () => {
    const logs = new CapturedLogs();
    const config = serverTlsConfigSchema.parse({ cert_file: pki.path('nope.crt'), key_file: first.keyFile });
    await expect(createSecureContextProvider(config, logs.logger)).rejects.toThrow(
      `invalid configuration: failed to load TLS config: cannot read certificate "${pki.path('nope.crt')}": ENOENT`,
    );
  });

  it('refuses a key that does not match the certificate at start', async () => {
    const config = serverTlsConfigSchema.parse({ cert_file: first.certFile, key_file: second.keyFile });
    await expect(createSecureContextProvider(config, new CapturedLogs().logger)).rejects.toThrow(/failed to load TLS config \(.*first\.crt.*\): .*key values mismatch/);
  });

  it('reloads a renewed certificate for new handshakes; an established connection keeps working', async () => {
    const certFile = pki.replace('srv.crt', first.certPem);
    const keyFile = pki.replace('srv.key', first.keyPem);
    const logs = new CapturedLogs();
    const provider = await createSecureContextProvider(serverTlsConfigSchema.parse({ cert_file: certFile, key_file: keyFile }), logs.logger, { debounceMs: 20 });
    cleanups.push(() => provider.close());
    const { port } = await startServer(provider);
    const bothCas = ca.pem + ca2.pem;
    expect(await servedFingerprint(port, bothCas)).toBe(new X509Certificate(first.certPem).fingerprint256);

    // A keep-alive connection opened before the rotation.
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: bothCas, servername: 'localhost' });
    cleanups.push(() => agent.destroy());
    const get = () =>
      new Promise<{ body: string; socket: unknown }>((resolve, reject) => {
        https
          .get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
            let body = '';
            res.on('data', (d: Buffer) => (body += d.toString()));
            res.on('end', () => resolve({ body, socket: res.socket }));
          })
          .on('error', reject);
      });
    const before = await get();
    expect(before.body).toBe('ok');

    // Rotate as a certificate manager does: key first, then certificate, each by rename.
    pki.replace('srv.key', second.keyPem);
    pki.replace('srv.crt', second.certPem);
    await logs.waitFor(/TLS certificates reloaded .*CN=second/);
    expect(provider.reloads).toBe(1);
    expect(await servedFingerprint(port, bothCas)).toBe(new X509Certificate(second.certPem).fingerprint256);
    const after = await get();
    expect(after.body).toBe('ok');
    expect(after.socket).toBe(before.socket);
  });

  it('keeps the previous certificate when the new files do not fit together, and logs why', async () => {
    const certFile = pki.replace('half.crt', first.certPem);
    const keyFile = pki.replace('half.key', first.keyPem);
    const logs = new CapturedLogs();
    const provider = await createSecureContextProvider(serverTlsConfigSchema.parse({ cert_file: certFile, key_file: keyFile }), logs.logger, { debounceMs: 20 });
    cleanups.push(() => provider.close());
    const { port } = await startServer(provider);
    pki.replace('half.crt', second.certPem); // the key is not rotated (yet)
    await logs.waitFor(/reloading TLS certificates failed; keeping the previous ones .*key values mismatch/);
    expect(provider.reloads).toBe(0);
    expect(await servedFingerprint(port, ca.pem)).toBe(new X509Certificate(first.certPem).fingerprint256);
    // The key arrives: the pair now fits and is taken.
    pki.replace('half.key', second.keyPem);
    await logs.waitFor(/TLS certificates reloaded/);
    expect(await servedFingerprint(port, ca2.pem)).toBe(new X509Certificate(second.certPem).fingerprint256);
  });

  it('reload_interval re-reads files even without file events', async () => {
    const certFile = pki.replace('poll.crt', first.certPem);
    const keyFile = pki.replace('poll.key', first.keyPem);
    const logs = new CapturedLogs();
    // A debounce longer than the test: only the interval can reload.
    const config = serverTlsConfigSchema.parse({ cert_file: certFile, key_file: keyFile, reload_interval: '50ms' });
    const provider = await createSecureContextProvider(config, logs.logger, { debounceMs: 600_000 });
    cleanups.push(() => provider.close());
    pki.replace('poll.key', second.keyPem);
    pki.replace('poll.crt', second.certPem);
    await logs.waitFor(/TLS certificates reloaded .*CN=second/);
    expect(provider.reloads).toBe(1);
  });
});
