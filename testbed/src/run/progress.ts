/**
 * The live progress line: elapsed time, spans/s at each hop and how many spans are behind (accepted
 * at the edge, neither stored by the backend nor counted as dropped: in flight, or lost so far).
 * On a TTY one line redrawn in place (run log lines print above it); otherwise a plain line every
 * few seconds.
 */
import type { ProgressSnapshot } from './metrics-watcher.ts';

export function formatProgress(s: ProgressSnapshot, label = ''): string {
  const rates = s.rates.map((r) => `${r.name} ${Math.round(r.perSecond).toLocaleString('en-US')}/s`).join(' | ');
  return `${label}${(s.elapsedMs / 1000).toFixed(0).padStart(4)}s  ${rates} | behind ${s.behind.toLocaleString('en-US')}${s.countedDrops ? ` (dropped, counted: ${s.countedDrops.toLocaleString('en-US')})` : ''}`;
}

export class ProgressPrinter {
  private current = '';
  private lastPlain = 0;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly tty = Boolean(out.isTTY),
    private readonly plainEveryMs = 5000,
  ) {}

  /** A run log line: above the progress line on a TTY. */
  line(text: string): void {
    if (this.tty && this.current) this.out.write('\r\x1b[2K');
    this.out.write(`${text}\n`);
    if (this.tty && this.current) this.out.write(this.current);
  }

  progress(text: string): void {
    if (this.tty) {
      const width = this.out.columns ?? 160;
      this.current = text.length > width - 1 ? `${text.slice(0, width - 2)}…` : text;
      this.out.write(`\r\x1b[2K${this.current}`);
      return;
    }
    const now = Date.now();
    if (now - this.lastPlain < this.plainEveryMs) return;
    this.lastPlain = now;
    this.out.write(`${text}\n`);
  }

  /** Clears the progress line (before a summary). */
  done(): void {
    if (this.tty && this.current) this.out.write('\r\x1b[2K');
    this.current = '';
  }
}
