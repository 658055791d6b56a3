/**
 * Samples a process's CPU (utime + stime from /proc/PID/stat) and resident memory (VmRSS from
 * /proc/PID/status) at a fixed interval, into growable typed arrays. Linux only.
 */
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

let ticksPerSecond: number | undefined;

/** The kernel's clock ticks per second (getconf CLK_TCK; 100 when that fails). */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** utime + stime of pid in clock ticks, or undefined when the process is gone. */
export function readCpuTicks(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  return Number(fields[11]) + Number(fields[12]);
}

/** VmRSS of pid in bytes, or undefined when the process is gone. */
export function readRssBytes(pid: number): number | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

export interface ResourceSummary {
  samples: number;
  /** CPU time used while sampled, in seconds. */
  cpuSeconds: number;
  /** 100 = one core busy. */
  cpuAvgPercent: number;
  cpuMaxPercent: number;
  rssMaxBytes: number;
  rssLastBytes: number;
}

export class ResourceSampler {
  /** Time of each sample, ms since the sampler started. */
  private times: Float64Array = new Float64Array(64);
  private cpu: Float64Array = new Float64Array(64);
  private rss: Float64Array = new Float64Array(64);
  private n = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly t0 = performance.now();
  private lastTicks: number | undefined;
  private lastTime = 0;
  private readonly firstTicks: number | undefined;
  private lastSeenTicks: number | undefined;

  constructor(
    readonly pid: number,
    readonly intervalMs = 1000,
  ) {
    this.firstTicks = readCpuTicks(pid);
    this.lastTicks = this.firstTicks;
    this.lastSeenTicks = this.firstTicks;
  }

  start(): this {
    if (!this.timer) {
      this.timer = setInterval(() => this.sample(), this.intervalMs);
      this.timer.unref();
    }
    return this;
  }

  /** Takes one sample now; false when the process is gone. */
  sample(): boolean {
    const now = performance.now() - this.t0;
    const ticks = readCpuTicks(this.pid);
    const rss = readRssBytes(this.pid);
    if (ticks === undefined || rss === undefined) return false;
    const dt = now - this.lastTime;
    const cpuPercent = this.lastTicks === undefined || dt <= 0 ? 0 : (((ticks - this.lastTicks) / clockTicksPerSecond()) * 1000 * 100) / dt;
    this.lastTicks = ticks;
    this.lastSeenTicks = ticks;
    this.lastTime = now;
    if (this.n === this.times.length) this.grow();
    this.times[this.n] = now;
    this.cpu[this.n] = cpuPercent;
    this.rss[this.n] = rss;
    this.n++;
    return true;
  }

  stop(): ResourceSummary {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    return this.summary();
  }

  /** Copies of the series. */
  series(): { timeMs: Float64Array; cpuPercent: Float64Array; rssBytes: Float64Array } {
    return { timeMs: this.times.slice(0, this.n), cpuPercent: this.cpu.slice(0, this.n), rssBytes: this.rss.slice(0, this.n) };
  }

  summary(): ResourceSummary {
    let cpuMax = 0;
    let rssMax = 0;
    for (let i = 0; i < this.n; i++) {
      cpuMax = Math.max(cpuMax, this.cpu[i]!);
      rssMax = Math.max(rssMax, this.rss[i]!);
    }
    const cpuSeconds = this.firstTicks === undefined || this.lastSeenTicks === undefined ? 0 : (this.lastSeenTicks - this.firstTicks) / clockTicksPerSecond();
    const elapsedS = this.n > 0 ? this.times[this.n - 1]! / 1000 : 0;
    return {
      samples: this.n,
      cpuSeconds,
      cpuAvgPercent: elapsedS > 0 ? (cpuSeconds / elapsedS) * 100 : 0,
      cpuMaxPercent: cpuMax,
      rssMaxBytes: rssMax,
      rssLastBytes: this.n > 0 ? this.rss[this.n - 1]! : 0,
    };
  }

  private grow(): void {
    const grow = (a: Float64Array): Float64Array => {
      const b = new Float64Array(a.length * 2);
      b.set(a);
      return b;
    };
    this.times = grow(this.times);
    this.cpu = grow(this.cpu);
    this.rss = grow(this.rss);
  }
}
