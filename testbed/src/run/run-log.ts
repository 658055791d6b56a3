/**
 * The run log: what the testbed did and saw (processes started, faults, notes), with times relative
 * to the load's start once it is known ("setup" before). Kept for the report and printed as it
 * happens.
 */
import type { RunEvent } from './run-result.ts';

export class RunLog {
  private readonly events: { wallMs: number; message: string }[] = [];
  /** Wall clock of the load's start; 0 until known. */
  epochMs = 0;

  constructor(
    private readonly sink: (line: string) => void = () => {},
    private readonly prefix = '',
  ) {}

  log(message: string): void {
    const wallMs = Date.now();
    this.events.push({ wallMs, message });
    const at = this.epochMs === 0 ? 'setup' : `${((wallMs - this.epochMs) / 1000).toFixed(1)}s`;
    this.sink(`${this.prefix}[${at.padStart(6)}] ${message}`);
  }

  /** Events with times relative to the load's start (negative: before it). */
  toResult(epochMs: number): RunEvent[] {
    return this.events.map((e) => ({ tMs: e.wallMs - epochMs, message: e.message }));
  }
}
