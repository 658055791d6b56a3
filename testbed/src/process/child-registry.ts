/**
 * Every child process the testbed starts is registered here, and none outlives the testbed:
 *  - on normal exit, SIGINT, SIGTERM and SIGHUP the registry SIGKILLs every registered process group
 *    (then re-raises the signal when nobody else handles it, so the exit status stays right);
 *  - when the testbed itself is SIGKILLed, a reaper process (reaper-script.ts) notices its stdin
 *    pipe close and kills them.
 * Children are started in their own process group (detached), so a group kill also takes their
 * own children (a shell wrapper's payload, for instance).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { REAPER_SCRIPT } from './reaper-script.ts';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export interface ChildRegistryOptions {
  /** Start the reaper process (default true). */
  reaper?: boolean;
}

export class ChildRegistry {
  private readonly pids = new Set<number>();
  private hooksInstalled = false;
  private reaper: ChildProcess | undefined;
  private readonly onExit = (): void => {
    this.killAll('SIGKILL');
  };
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.killAll('SIGKILL');
    // Nobody else listens: behave like the default handler (terminate with the signal).
    if (process.listenerCount(signal) === 1) {
      this.uninstallHooks();
      process.kill(process.pid, signal);
    }
  };

  constructor(private readonly o: ChildRegistryOptions = {}) {}

  get size(): number {
    return this.pids.size;
  }

  has(pid: number): boolean {
    return this.pids.has(pid);
  }

  /** Registers a child that leads its own process group (spawned with detached: true). */
  add(child: ChildProcess): void {
    const pid = child.pid;
    if (pid === undefined) return;
    this.installHooks();
    this.pids.add(pid);
    this.tellReaper(`+${pid}`);
    child.once('exit', () => this.remove(pid));
  }

  remove(pid: number): void {
    if (this.pids.delete(pid)) this.tellReaper(`-${pid}`);
  }

  /** Signals every registered process group, synchronously; returns how many were signalled. */
  killAll(signal: NodeJS.Signals = 'SIGKILL'): number {
    let n = 0;
    for (const pid of this.pids) {
      if (signalGroup(pid, signal)) n++;
    }
    return n;
  }

  private installHooks(): void {
    if (this.hooksInstalled) return;
    this.hooksInstalled = true;
    process.on('exit', this.onExit);
    for (const s of SIGNALS) process.on(s, this.onSignal);
    if (this.o.reaper !== false) this.startReaper();
  }

  private uninstallHooks(): void {
    process.off('exit', this.onExit);
    for (const s of SIGNALS) process.off(s, this.onSignal);
  }

  private startReaper(): void {
    // Its own process group, so killing the testbed's group (kill -9 -PGID) does not take it along.
    const reaper = spawn(process.execPath, ['-e', REAPER_SCRIPT], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    reaper.on('error', () => (this.reaper = undefined));
    reaper.stdin!.on('error', () => {});
    // Neither the reaper nor its pipe may keep the testbed alive.
    reaper.unref();
    (reaper.stdin as unknown as { unref?: () => void }).unref?.();
    this.reaper = reaper;
  }

  private tellReaper(line: string): void {
    const stdin = this.reaper?.stdin;
    if (stdin && !stdin.destroyed) stdin.write(`${line}\n`);
  }
}

/**
 * Signals the process group led by pid; pid alone when it leads no group. Not both: a group signal
 * already reaches the leader, and a second SIGTERM makes a collector skip its graceful drain
 * ("second signal received, exiting now"). False if it no longer exists.
 */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    // not a group leader, or gone
  }
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** The testbed's process-wide registry. */
export const childRegistry = new ChildRegistry();
