/**
 * Runs the collector CLI as a real child process (node --import tsx collector/src/main.ts ...),
 * captures its output, and always kills it in stop().
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const MAIN = resolve(REPO_ROOT, 'collector/src/main.ts');
/** The esbuild bundle `npm run collector` runs (built by scripts/build.mjs). */
export const BUNDLE = resolve(REPO_ROOT, 'dist/collector.mjs');

export class CollectorProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  /** `bundle: true` runs dist/collector.mjs with plain node (as `npm run collector` does). */
  constructor(args: string[], env: Record<string, string> = {}, opts: { bundle?: boolean } = {}) {
    const entry = opts.bundle ? [BUNDLE] : ['--import', 'tsx', MAIN];
    this.child = spawn(process.execPath, [...entry, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((res) => this.child.on('exit', (code, signal) => res({ code, signal })));
  }

  /** Polls an HTTP URL until it answers 200; rejects if the process exits first. */
  async waitHealthy(url: string, attempts = 200): Promise<void> {
    let exited = false;
    void this.exited.then(() => (exited = true));
    for (let k = 0; k < attempts; k++) {
      if (exited) throw new Error(`collector exited before becoming healthy:\n${this.stdout}\n${this.stderr}`);
      try {
        const res = await fetch(url);
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`collector not healthy at ${url}:\n${this.stdout}\n${this.stderr}`);
  }

  /** Log lines (JSON) parsed; non-JSON lines are skipped. */
  logLines(): Record<string, unknown>[] {
    return this.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}
