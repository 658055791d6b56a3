/**
 * One started process of the topology (a collector, the backend): its ManagedProcess, a CPU/RSS
 * sampler from its start to its exit, its last metrics scrape, and how it ended. Times are wall
 * clock (epoch ms) here and made relative to the load's start in toResult().
 */
import type { PromSample } from '../accounting/prometheus-text.ts';
import type { ExitInfo, ManagedProcess } from '../process/managed-process.ts';
import { ResourceSampler } from '../process/resource-sampler.ts';
import type { ProcessResult, ProcessRole } from '../run/run-result.ts';
import type { MemoryLimit } from './memory-limit.ts';
import { collectorCounters } from './collector-metrics.ts';

const MiB = 1024 * 1024;

export interface Scrape {
  samples: PromSample[];
  wallMs: number;
}

export class ProcessInstance {
  readonly startedWallMs = Date.now();
  readonly sampler: ResourceSampler;
  private readonly samplerWall0: number;
  exitedWallMs: number | undefined;
  exit: ExitInfo | undefined;
  endedBy: string | undefined;
  lastScrape: Scrape | undefined;
  /** Set by the final scrape after the drain. */
  finalScrape: Scrape | undefined;

  constructor(
    readonly name: string,
    readonly role: ProcessRole,
    readonly instance: number,
    readonly process: ManagedProcess,
    readonly command: string,
    sampleIntervalMs: number,
    readonly extra: { endpoints?: Record<string, string>; configFile?: string; logFile?: string; memoryLimit?: MemoryLimit } = {},
  ) {
    this.samplerWall0 = Date.now();
    this.sampler = new ResourceSampler(process.pid, sampleIntervalMs).start();
    this.sampler.sample();
    void process.exited.then((e) => {
      this.exit = e;
      this.exitedWallMs = Date.now();
      this.sampler.stop();
    });
  }

  get pid(): number {
    return this.process.pid;
  }

  get running(): boolean {
    return this.process.running;
  }

  /** The scrape that counts: final if taken, else the last one before the process ended. */
  get countingScrape(): Scrape | undefined {
    return this.finalScrape ?? this.lastScrape;
  }

  toResult(epochMs: number): ProcessResult {
    const s = this.sampler.summary();
    const series = this.sampler.series();
    const rel = (wall: number) => wall - epochMs;
    const scrape = this.countingScrape;
    const limit = this.extra.memoryLimit;
    const peak = limit?.peakBytes();
    return {
      name: this.name,
      role: this.role,
      instance: this.instance,
      pid: this.pid,
      command: this.command,
      startedAtMs: rel(this.startedWallMs),
      exitedAtMs: this.exitedWallMs === undefined ? undefined : rel(this.exitedWallMs),
      exit: this.exit ? { code: this.exit.code, signal: this.exit.signal } : undefined,
      endedBy: this.endedBy ?? (this.exit ? 'exited by itself' : undefined),
      memoryLimit: limit ? { method: limit.method, limitMiB: limit.limitMiB, note: limit.note, oomKills: limit.oomKills(), peakMiB: peak === undefined ? undefined : round1(peak / MiB) } : undefined,
      resources: {
        summary: {
          samples: s.samples,
          cpuSeconds: round3(s.cpuSeconds),
          cpuAvgPercent: round1(s.cpuAvgPercent),
          cpuMaxPercent: round1(s.cpuMaxPercent),
          rssMaxMiB: round1(s.rssMaxBytes / MiB),
          rssLastMiB: round1(s.rssLastBytes / MiB),
        },
        series: {
          timeMs: Array.from(series.timeMs, (t) => Math.round(this.samplerWall0 + t - epochMs)),
          cpuPercent: Array.from(series.cpuPercent, round1),
          rssMiB: Array.from(series.rssBytes, (b) => round1(b / MiB)),
        },
      },
      counters: scrape ? { ...collectorCounters(scrape.samples), scrapedAtMs: rel(scrape.wallMs), final: scrape === this.finalScrape } : undefined,
      endpoints: this.extra.endpoints,
      configFile: this.extra.configFile,
      logFile: this.extra.logFile,
    };
  }
}

export const round1 = (x: number): number => Math.round(x * 10) / 10;
export const round3 = (x: number): number => Math.round(x * 1000) / 1000;
