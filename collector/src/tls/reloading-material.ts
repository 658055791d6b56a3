/**
 * TLS material (or any small file-backed secret, such as a bearer token) that follows its files: the directories holding them are watched (fs.watch on the
 * directory, not the file, so atomic replace-by-rename and Kubernetes' `..data` symlink swap are
 * seen), changes are debounced, and `reload_interval` adds a periodic re-read for filesystems
 * that send no events. A reload that fails (half-written file, key not matching the new
 * certificate yet) keeps the previous material and is logged; the next event tries again.
 * Reading a few KB of PEM is cheap, so every trigger re-reads everything and compares.
 */
import { watch, type FSWatcher } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Logger } from 'pino';

/** Writers touch a file several times (truncate, write, chmod): act once they are done. */
export const DEFAULT_DEBOUNCE_MS = 100;

export interface Fingerprinted {
  readonly fingerprint: string;
}

export type ReloadListener<M> = (material: M) => void;

export interface ReloadOptions {
  /** Quiet time after the last file event before re-reading (default 100 ms). */
  readonly debounceMs?: number;
  /** What is reloaded, for log lines (default "TLS certificates"). */
  readonly what?: string;
}

export class ReloadingMaterial<M extends Fingerprinted> {
  private currentMaterial: M;
  private readonly load: () => Promise<M>;
  private readonly logger: Logger;
  private readonly describe: (m: M) => Record<string, unknown>;
  private readonly listeners = new Set<ReloadListener<M>>();
  private readonly watchers: FSWatcher[] = [];
  private readonly debounceMs: number;
  private readonly what: string;
  private debounce: NodeJS.Timeout | undefined;
  private interval: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;
  /** Successful reloads that changed the material (for tests and logs). */
  reloads = 0;

  constructor(
    initial: M,
    load: () => Promise<M>,
    files: readonly string[],
    intervalMs: number,
    logger: Logger,
    describe: (m: M) => Record<string, unknown>,
    options?: ReloadOptions,
  ) {
    this.currentMaterial = initial;
    this.load = load;
    this.logger = logger;
    this.describe = describe;
    this.debounceMs = options?.debounceMs ?? DEFAULT_DEBOUNCE_MS;
    this.what = options?.what ?? 'TLS certificates';
    const names = new Map<string, Set<string>>();
    for (const f of files) {
      const abs = resolve(f);
      const dir = dirname(abs);
      let set = names.get(dir);
      if (set === undefined) names.set(dir, (set = new Set()));
      set.add(abs.slice(dir.length + 1));
    }
    for (const [dir, basenames] of names) {
      try {
        // persistent: false: watching certificates must not keep a stopping process alive.
        const w = watch(dir, { persistent: false }, (_event, filename) => {
          // Our files, Kubernetes' "..data" swaps, or an event without a name (some platforms).
          if (filename === null || basenames.has(filename) || filename.startsWith('..')) this.schedule();
        });
        w.on('error', (err) => this.logger.warn({ err: err.message, dir }, `watching files failed; ${this.what} reload only on reload_interval`));
        this.watchers.push(w);
      } catch (err) {
        this.logger.warn({ err: (err as Error).message, dir }, `cannot watch files; ${this.what} reload only on reload_interval`);
      }
    }
    if (intervalMs > 0 && files.length > 0) {
      this.interval = setInterval(() => this.trigger(), intervalMs);
      this.interval.unref();
    }
  }

  get current(): M {
    return this.currentMaterial;
  }

  /** Called with the new material after each reload that changed something; returns an unsubscribe. */
  onReload(listener: ReloadListener<M>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Re-reads now (the interval and the debounced watcher call this); resolves when done. */
  trigger(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.running !== undefined) {
      // A change while reading: read once more afterwards so the last write wins.
      this.again = true;
      return this.running;
    }
    this.running = this.reloadLoop().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.debounce);
    clearInterval(this.interval);
    for (const w of this.watchers) w.close();
    this.watchers.length = 0;
    this.listeners.clear();
  }

  private schedule(): void {
    if (this.closed) return;
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.trigger(), this.debounceMs);
    this.debounce.unref();
  }

  private async reloadLoop(): Promise<void> {
    do {
      this.again = false;
      await this.reloadOnce();
    } while (this.again && !this.closed);
  }

  private async reloadOnce(): Promise<void> {
    let next: M;
    try {
      next = await this.load();
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, `reloading ${this.what} failed; keeping the previous ones`);
      return;
    }
    if (this.closed || next.fingerprint === this.currentMaterial.fingerprint) return;
    this.currentMaterial = next;
    this.reloads++;
    this.logger.info(this.describe(next), `${this.what} reloaded`);
    for (const l of this.listeners) {
      try {
        l(next);
      } catch (err) {
        this.logger.warn({ err: (err as Error).message }, `applying reloaded ${this.what} failed`);
      }
    }
  }
}
