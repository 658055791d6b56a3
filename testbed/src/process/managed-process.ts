/**
 * A child process the testbed owns: started in its own process group and registered so it never
 * outlives the testbed, its stdout and stderr appended to a log file, with bounded waits for a
 * stdout line or an HTTP health URL, and a stop that sends SIGTERM, then SIGKILL after a grace
 * period.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { childRegistry, signalGroup, type ChildRegistry } from './child-registry.ts';
import { waitForHttpOk } from './wait-for-http.ts';

export interface StartProcessOptions {
  /** For messages. */
  name: string;
  command: string;
  args?: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** stdout and stderr are appended here. */
  logFile?: string;
  /** SIGTERM -> SIGKILL delay of stop() (default 5000 ms). */
  stopGraceMs?: number;
  registry?: ChildRegistry;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Stdout lines kept for waitForLine (older ones are forgotten). */
const MAX_LINES = 1000;
const TAIL_CHARS = 4096;

export class ManagedProcess {
  readonly pid: number;
  readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;
  private readonly lines: string[] = [];
  private partial = '';
  private tail = '';
  private readonly lineWaiters = new Set<(line: string) => void>();
  private readonly log: WriteStream | undefined;

  private constructor(
    private readonly child: ChildProcess,
    private readonly o: StartProcessOptions,
  ) {
    this.pid = child.pid!;
    if (o.logFile) {
      mkdirSync(dirname(o.logFile), { recursive: true });
      this.log = createWriteStream(o.logFile, { flags: 'a' });
    }
    child.stdout!.on('data', (d: Buffer) => {
      this.log?.write(d);
      this.remember(d.toString('utf8'));
      this.splitLines(d.toString('utf8'));
    });
    child.stderr!.on('data', (d: Buffer) => {
      this.log?.write(d);
      this.remember(d.toString('utf8'));
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
    void this.exited.then(() => {
      // Let the pipes drain into the log before closing it.
      setImmediate(() => this.log?.end());
    });
  }

  /** Spawns the process; resolves once it runs, rejects if it cannot start. */
  static async start(o: StartProcessOptions): Promise<ManagedProcess> {
    const child = spawn(o.command, o.args ?? [], {
      cwd: o.cwd,
      env: o.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (e) => reject(new Error(`cannot start ${o.name} (${o.command}): ${e.message}`)));
    });
    (o.registry ?? childRegistry).add(child);
    return new ManagedProcess(child, o);
  }

  get name(): string {
    return this.o.name;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** The last few KB of stdout+stderr, for error messages. */
  outputTail(): string {
    return this.tail;
  }

  /** First stdout line (already printed or to come) that matches; bounded by timeoutMs. */
  waitForLine(match: RegExp | ((line: string) => boolean), timeoutMs = 10_000): Promise<string> {
    const test = typeof match === 'function' ? match : (l: string) => match.test(l);
    const seen = this.lines.find(test);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const finish = (err: Error | undefined, line?: string): void => {
        clearTimeout(timer);
        this.lineWaiters.delete(waiter);
        if (err) reject(err);
        else resolve(line!);
      };
      const waiter = (line: string): void => {
        if (test(line)) finish(undefined, line);
      };
      const timer = setTimeout(
        () => finish(new Error(`${this.o.name}: no matching stdout line within ${timeoutMs} ms; output:\n${this.tail}`)),
        timeoutMs,
      );
      this.lineWaiters.add(waiter);
      void this.exited.then((e) => finish(new Error(`${this.o.name} exited (${e.code ?? e.signal}) before printing a matching line; output:\n${this.tail}`)));
    });
  }

  /** The first stdout line that is a JSON object, parsed. */
  async waitForJsonLine<T>(timeoutMs = 10_000): Promise<T> {
    const line = await this.waitForLine((l) => {
      if (!l.startsWith('{')) return false;
      try {
        JSON.parse(l);
        return true;
      } catch {
        return false;
      }
    }, timeoutMs);
    return JSON.parse(line) as T;
  }

  /** Waits until url answers 200; fails early if the process exits. */
  async waitForHealthy(url: string, timeoutMs = 10_000): Promise<void> {
    try {
      await waitForHttpOk(url, { timeoutMs, isAlive: () => this.running });
    } catch (e) {
      throw new Error(`${this.o.name}: ${(e as Error).message}; output:\n${this.tail}`);
    }
  }

  /** Sends a signal to the process group (fault injection: 'SIGKILL' is kill -9). */
  signal(signal: NodeJS.Signals): void {
    if (this.running) signalGroup(this.pid, signal);
  }

  /** SIGTERM, then SIGKILL after the grace period; resolves when the process has exited. */
  async stop(graceMs = this.o.stopGraceMs ?? 5000): Promise<ExitInfo> {
    if (!this.running) return this.exitInfo!;
    signalGroup(this.pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(this.pid, 'SIGKILL'), graceMs);
    const info = await this.exited;
    clearTimeout(timer);
    return info;
  }

  private remember(text: string): void {
    this.tail = (this.tail + text).slice(-TAIL_CHARS);
  }

  private splitLines(text: string): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop()!;
    for (const raw of parts) {
      const line = raw.replace(/\r$/, '');
      this.lines.push(line);
      if (this.lines.length > MAX_LINES) this.lines.shift();
      for (const w of [...this.lineWaiters]) w(line);
    }
  }
}
