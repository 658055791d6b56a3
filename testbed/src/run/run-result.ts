/**
 * What a run produces: plain data (JSON-safe), written as report.json and read by the report
 * writers. Times are milliseconds since the load started (the load generator's epoch) unless a
 * name says otherwise.
 */
import type { AccountingResult } from '../accounting/span-accounting.ts';
import type { GeneratorCounters } from '../loadgen/generator.ts';
import type { CollectorComponents } from '../topology/collector-command.ts';

export type RunStatus = 'passed' | 'failed' | 'skipped' | 'error' | 'interrupted';
export type ProcessRole = 'loadgen' | 'backend' | 'collector' | 'agent' | 'gateway';

export interface ResourceSeries {
  timeMs: number[];
  /** 100 = one core busy. */
  cpuPercent: number[];
  rssMiB: number[];
}

export interface ResourceSummaryMiB {
  samples: number;
  cpuSeconds: number;
  cpuAvgPercent: number;
  cpuMaxPercent: number;
  rssMaxMiB: number;
  rssLastMiB: number;
}

/** Span counters of one collector process, from its metrics (otelcol names). */
export interface CollectorCounters {
  receiverAccepted: number;
  receiverRefused: number;
  receiverFailed: number;
  exporterSent: number;
  exporterSendFailed: number;
  exporterEnqueueFailed: number;
  processorDropped: number;
  memoryLimiterRefused: number;
  /** When they were read; final = after the drain (else the last scrape before the process died). */
  scrapedAtMs: number;
  final: boolean;
}

export interface MemoryLimitRecord {
  method: 'cgroup-v2' | 'cgroup-v1' | 'heap';
  limitMiB: number;
  note: string;
  oomKills?: number;
  peakMiB?: number;
}

/** One process instance (a restarted gateway is a second instance of the same name). */
export interface ProcessResult {
  name: string;
  role: ProcessRole;
  instance: number;
  pid: number;
  command: string;
  startedAtMs: number;
  exitedAtMs?: number;
  exit?: { code: number | null; signal: string | null };
  /** Why it ended: stopped at the end, or by which fault. */
  endedBy?: string;
  memoryLimit?: MemoryLimitRecord;
  resources: { summary: ResourceSummaryMiB; series: ResourceSeries };
  counters?: CollectorCounters;
  endpoints?: Record<string, string>;
  configFile?: string;
  logFile?: string;
}

/** Cumulative spans through one point of the pipeline, sampled over time. */
export interface HopSeries {
  /** "loadgen", "agent-0 in", "agent-0 out", "backend". */
  name: string;
  timeMs: number[];
  total: number[];
  perSecond: number[];
}

export interface FaultRecord {
  type: string;
  target?: string;
  /** Planned start and end, after scaling to the run's duration. */
  atMs: number;
  untilMs?: number;
  /** When it really started / ended. */
  startedAtMs?: number;
  endedAtMs?: number;
  detail: Record<string, unknown>;
  outcome?: string;
  error?: string;
}

export interface RunEvent {
  tMs: number;
  message: string;
}

export interface LoadResult {
  /** "main", "main:agent-1", "spike". */
  name: string;
  runTag: number;
  endpoint: string;
  rate: number;
  durationMs: number;
  traces: number;
  elapsedMs: number;
  counters: GeneratorCounters;
  /** This load alone; collector drops are only in the combined accounting. */
  accounting: AccountingResult;
}

/** A window in which a killed process may have lost spans it held, uncounted. */
export interface CrashWindow {
  process: string;
  startMs: number;
  endMs: number;
  /** From the scrape just before the kill: accepted - sent - failed - dropped. */
  heldAtKillEstimate?: number;
}

export interface LossSummary {
  generated: number;
  sent: number;
  receivedUniqueSent: number;
  missing: number;
  countedDrops: number;
  countedRefusals: number;
  countedByMetric: Record<string, number>;
  sampledOut: number;
  unexplained: number;
  unexplainedClamped: number;
  overExplained: boolean;
  duplicates: number;
  /**
   * counted: nothing unexplained; crash_window: what is unexplained is no more than the spans
   * missing inside crash windows and nothing is missing outside them; unexplained otherwise.
   */
  verdict: 'counted' | 'crash_window' | 'unexplained';
  crashWindows: CrashWindow[];
  missingInCrashWindows: number;
  missingOutsideCrashWindows: number;
  text: string;
}

export interface OomOutcome {
  process: string;
  method: MemoryLimitRecord['method'];
  limitMiB: number;
  killed: boolean;
  exit?: { code: number | null; signal: string | null };
  oomKills?: number;
  /** Spans its memory_limiter (or receiver) refused. */
  refusedSpans: number;
  /** Running and healthy at the end. */
  recovered: boolean;
  rssMaxMiB: number;
  verdict: 'killed' | 'refused' | 'recovered';
  note: string;
}

export interface AssertionOutcome {
  name: string;
  expected: string;
  actual: string;
  passed: boolean;
}

export interface RunResult {
  scenario: string;
  variant?: string;
  file?: string;
  description?: string;
  status: RunStatus;
  skipReason?: string;
  error?: string;
  startedAt: string;
  wallMs: number;
  /** Wall clock (epoch ms) of the load's start: time 0 of every series. */
  loadEpochMs: number;
  collector: { command: string; components?: CollectorComponents; componentsError?: string; target?: string };
  topology: {
    kind: 'single' | 'tiered';
    agents: number;
    gateways: number;
    requestedGateways: number;
    templates: Record<string, string>;
    notes: string[];
  };
  overrides: { rate?: number; durationMs?: number };
  load: { rate: number; durationMs: number; protocol: string; shape: string };
  loads: LoadResult[];
  /** All loads together, with the collectors' counted drops. */
  accounting?: AccountingResult;
  loss?: LossSummary;
  /** How the wait for the pipeline to empty ended. */
  drain?: { drained: boolean; waitedMs: number; reason: string; holding: Record<string, number> };
  processes: ProcessResult[];
  series: HopSeries[];
  faults: FaultRecord[];
  oom: OomOutcome[];
  events: RunEvent[];
  assertions: AssertionOutcome[];
  reportDir?: string;
  /** Request and span sizes of this load, measured on sample requests (the cost model's input). */
  wire?: WireSizes;
  /** PromQL results from a Prometheus server that scraped every collector (--prometheus). */
  prometheus?: PrometheusRecord;
  /** CPU profiles of the collectors (--profile), relative to the report directory. */
  profiles?: ProfileRecord[];
}

export interface WireSizes {
  protocol: string;
  /** Sample requests encoded by the load generator with this run's shape and batch size. */
  sampleRequests: number;
  sampleSpans: number;
  rawBytes: number;
  gzipBytes: number;
  /** rawBytes / sampleSpans: the average span with its share of the request framing. */
  bytesPerSpan: number;
  /** gzipBytes / rawBytes. */
  gzipRatio: number;
  /** From the load generator's counters: bytes sent / requests (retries included). */
  measuredRequestBytes?: number;
  measuredSpansPerRequest?: number;
}

export interface PromSeriesRecord {
  labels: Record<string, string>;
  /** [ms since the load started, value]. */
  points: [number, number][];
}

export interface PromQueryRecord {
  query: string;
  series: PromSeriesRecord[];
  error?: string;
}

export interface PrometheusRecord {
  version?: string;
  scrapeIntervalMs: number;
  /** Scrape targets (process name -> metrics URL). */
  targets: Record<string, string>;
  queries: PromQueryRecord[];
  error?: string;
}

export interface ProfileRecord {
  process: string;
  instance: number;
  /** Relative to the report directory. */
  file: string;
  bytes: number;
}

export interface ScenarioResult {
  scenario: string;
  file?: string;
  status: RunStatus;
  runs: RunResult[];
}

/** Passed only when every run passed; skipped when every run was skipped. */
export function scenarioStatus(runs: readonly RunResult[]): RunStatus {
  if (runs.some((r) => r.status === 'interrupted')) return 'interrupted';
  if (runs.some((r) => r.status === 'error')) return 'error';
  if (runs.some((r) => r.status === 'failed')) return 'failed';
  if (runs.length > 0 && runs.every((r) => r.status === 'skipped')) return 'skipped';
  return 'passed';
}
