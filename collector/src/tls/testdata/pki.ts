/**
 * A throw-away PKI for tests, made at test time with the machine's openssl (no private key is
 * committed): CAs, server certificates for localhost / 127.0.0.1, client certificates, and
 * certificates whose validity ended in the past. Files go to a temporary directory that
 * `cleanup()` removes. Only for tests.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Ca {
  readonly name: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly pem: string;
}

export interface Issued {
  readonly certFile: string;
  readonly keyFile: string;
  readonly certPem: string;
  readonly keyPem: string;
}

export interface IssueOptions {
  /** Subject alternative names, e.g. ["DNS:localhost", "IP:127.0.0.1"]. */
  readonly san?: readonly string[];
  readonly usage?: 'server' | 'client';
  /** Validity in the past (an expired certificate). */
  readonly expired?: boolean;
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(`openssl ${args[0]} failed: ${e.stderr?.toString() ?? e.message}`);
  }
}

export class TestPki {
  readonly dir: string;
  private serial = 1;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'tailpipe-pki-'));
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  /** A self-signed CA (EC P-256: fast to make, fine for TLS 1.2 and 1.3). */
  ca(name: string): Ca {
    const keyFile = this.path(`${name}.key`);
    const certFile = this.path(`${name}.crt`);
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', keyFile], this.dir);
    openssl(
      [
        'req', '-x509', '-new', '-key', keyFile, '-sha256', '-days', '30', '-subj', `/CN=${name}`, '-out', certFile,
        '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      ],
      this.dir,
    );
    return { name, certFile, keyFile, pem: readFileSync(certFile, 'utf8') };
  }

  /** A leaf certificate signed by `ca`. */
  issue(ca: Ca, name: string, options: IssueOptions = {}): Issued {
    const keyFile = this.path(`${name}.key`);
    const csrFile = this.path(`${name}.csr`);
    const certFile = this.path(`${name}.crt`);
    const extFile = this.path(`${name}.ext`);
    const usage = options.usage ?? 'server';
    const san = options.san ?? (usage === 'server' ? ['DNS:localhost', 'IP:127.0.0.1'] : []);
    const ext = [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      `extendedKeyUsage=${usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
      ...(san.length > 0 ? [`subjectAltName=${san.join(',')}`] : []),
    ];
    writeFileSync(extFile, ext.join('\n') + '\n');
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', keyFile], this.dir);
    openssl(['req', '-new', '-key', keyFile, '-subj', `/CN=${name}`, '-out', csrFile], this.dir);
    const serial = String(this.serial++);
    if (options.expired) {
      // `openssl x509 -days` cannot go backwards; `openssl ca` takes explicit dates.
      const db = this.path(`${name}.index`);
      const serialFile = this.path(`${name}.serial`);
      writeFileSync(db, '');
      writeFileSync(serialFile, `${Number(serial).toString(16).padStart(2, '0')}\n`);
      const conf = this.path(`${name}.cnf`);
      writeFileSync(
        conf,
        [
          '[ca]', 'default_ca=test', '[test]', `database=${db}`, `serial=${serialFile}`, `new_certs_dir=${this.dir}`, `certificate=${ca.certFile}`,
          `private_key=${ca.keyFile}`, 'default_md=sha256', 'policy=any', 'unique_subject=no', 'copy_extensions=none',
          '[any]', 'commonName=supplied',
        ].join('\n') + '\n',
      );
      openssl(
        [
          'ca', '-batch', '-config', conf, '-in', csrFile, '-out', certFile, '-notext', '-extfile', extFile,
          '-startdate', '20200101000000Z', '-enddate', '20200102000000Z',
        ],
        this.dir,
      );
    } else {
      openssl(
        ['x509', '-req', '-in', csrFile, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-set_serial', serial, '-days', '30', '-sha256', '-extfile', extFile, '-out', certFile],
        this.dir,
      );
    }
    return { certFile, keyFile, certPem: readFileSync(certFile, 'utf8'), keyPem: readFileSync(keyFile, 'utf8') };
  }

  /** Writes `content` to `name` atomically (temp file + rename), as certificate managers do. */
  replace(name: string, content: string): string {
    const target = this.path(name);
    const temp = this.path(`.${name}.tmp`);
    writeFileSync(temp, content);
    renameSync(temp, target);
    return target;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
