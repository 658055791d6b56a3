/** A pino logger whose lines land in an array, for asserting on log text. Only for tests. */
import { pino, type Logger } from 'pino';

export interface CapturedLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export class CapturedLogs {
  readonly lines: CapturedLine[] = [];
  readonly logger: Logger;

  constructor(level: pino.LevelWithSilent = 'debug') {
    this.logger = pino({ level }, { write: (line: string) => void this.lines.push(JSON.parse(line) as CapturedLine) });
  }

  /** Every line as "msg {json of the other fields}", for readable failure output. */
  text(): string[] {
    return this.lines.map(({ level: _l, time: _t, pid: _p, hostname: _h, msg, ...rest }) => `${msg} ${JSON.stringify(rest)}`);
  }

  /** Lines whose message (or fields) match. */
  matching(pattern: RegExp): string[] {
    return this.text().filter((t) => pattern.test(t));
  }

  /** Resolves once a line matches (polled; the caller's test timeout bounds it). */
  async waitFor(pattern: RegExp): Promise<string> {
    for (;;) {
      const hit = this.matching(pattern)[0];
      if (hit !== undefined) return hit;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}
