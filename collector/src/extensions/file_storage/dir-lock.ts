/**
 * One process at a time per queue directory (otelcol's bbolt takes a file lock with `timeout`).
 * Node has no flock, so the lock is a `LOCK` file created atomically (link(2)), holding the owner's pid.
 * A lock whose process is gone (kill -9, crash) is stale and taken over; a live owner is waited
 * for until `timeoutMs`, then opening fails with a message naming the pid.
 */
import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const POLL_MS = 50;

export class DirLock {
  private released = false;
  /** The file's content: pid and a random token, so release() never removes someone else's lock. */
  private constructor(
    readonly path: string,
    private readonly token: string,
  ) {}

  static async acquire(dir: string, timeoutMs: number): Promise<DirLock> {
    const path = join(dir, 'LOCK');
    const giveUpAt = Date.now() + timeoutMs;
    for (;;) {
      // Written aside, then linked into place: the lock never exists without its pid in it.
      const token = `${process.pid} ${Math.random().toString(36).slice(2)}\n`;
      const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}`;
      await writeFile(tmp, token, { mode: 0o640 });
      try {
        await link(tmp, path);
        return new DirLock(path, token);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      } finally {
        await unlink(tmp).catch(() => {});
      }
      const owner = await readOwner(path);
      if (owner === undefined || !isAlive(owner)) {
        // Stale: its process is gone. Remove it and try again (another taker may win the race).
        await unlink(path).catch(() => {});
        continue;
      }
      if (Date.now() >= giveUpAt) {
        throw new Error(`queue directory ${dir} is locked by process ${owner}${owner === process.pid ? ' (this process: opened twice?)' : ''}`);
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    const content = await readFile(this.path, 'utf8').catch(() => undefined);
    if (content === this.token) await unlink(this.path).catch(() => {});
  }
}

async function readOwner(path: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(path, 'utf8')).trim().split(' ')[0]!, 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
