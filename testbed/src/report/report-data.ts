/**
 * Aggregation: a scenario's results (RunResult per run) -> ReportData, plain JSON-safe data that
 * every report format (report.json, report.md, report.html) and the CI gates are pure functions of.
 * No clock, no I/O: the same results give the same ReportData.
 *
 * ReportData keeps the raw runs (every figure and time series as measured: report.json is a superset
 * of the runner's ScenarioResult) and adds the derived figures: per-process and per-tier CPU and
 * RSS, the loss waterfall, trace retention, the fault windows, volumes and costs, and a side-by-side
 * comparison of a scenario's variants (head vs tail sampling).
 */
import type { FaultRecord, ProcessResult, RunResult, RunStatus, ScenarioResult } from '../run/run-result.ts';
import { costTable, volume, type CostInput, type CostRow } from './cost-model.ts';

export const REPORT_SCHEMA = 'tailpipe-report/1';

export interface ReportData {
  schema: typeof REPORT_SCHEMA;
  scenario: string;
  file?: string;
  status: RunStatus;
  /** When the first run started (from the results, not the clock). */
  startedAt?: string;
  /** The raw results, as the runner returned them. */
  runs: RunResult[];
  /** Derived figures, one per run, in the same order. */
  figures: RunFigures[];
  /** Two or more runs of the same load (variants) side by side. */
  comparison?: VariantComparison;
}

export interface ProcessFigures {
  /** "gateway-0", "gateway-0#2" for a second instance. */
  label: string;
  name: string;
  role: ProcessResult['role'];
  instance: number;
  cpuSeconds: number;
  cpuAvgPercent: number;
  cpuMaxPercent: number;
  rssMaxMiB: number;
  /** CPU-seconds per million spans sent at the edge (all tiers share that denominator). */
  cpuSecondsPerMillionSpans?: number;
  spansIn?: number;
  spansOut?: number;
  endedBy?: string;
}

export interface TierFigures {
  role: ProcessResult['role'];
  processes: number;
  cpuSeconds: number;
  cpuSecondsPerMillionSpans?: number;
  /** Highest RSS of any one process of the tier. */
  rssMaxMiB: number;
}

export interface WaterfallStep {
  label: string;
  /** total: a level (generated, sent, stored); decrease: spans that left the stream here; info: shown, not subtracted. */
  kind: 'total' | 'decrease' | 'info' | 'unexplained';
  value: number;
  /** Where the bar starts and ends on the span axis. */
  from: number;
  to: number;
}

export interface FaultWindow {
  label: string;
  startMs: number;
  endMs: number;
}

export interface SpanFigures {
  generated: number;
  sent: number;
  stored: number;
  storedSent: number;
  missing: number;
  countedDrops: number;
  sampledOut: number;
  unexplained: number;
  duplicates: number;
  sentPerSecond: number;
  storedPerSecond: number;
  /** storedSent / sent. */
  deliveredShare: number;
}

export interface TraceFigures {
  total: number;
  kept: number;
  keptShare: number;
  keptComplete: number;
  completeShare: number;
  errorTraces: number;
  errorTracesKept: number;
  errorKeptShare: number;
  slowTraces: number;
  slowTracesKept: number;
  slowKeptShare: number;
  endpoints: number;
  endpointsKept: number;
}

export interface VolumeFigures {
  input: CostInput;
  /** Before sampling (all spans sent) and after (the share stored). */
  rows: CostRow[];
  storedGBPerDayRaw: number;
  storedGBPerDayGzip: number;
}

export interface PromQuerySummary {
  query: string;
  error?: string;
  series: { label: string; points: number; last: number; max: number }[];
}

export interface RunFigures {
  /** "head-vs-tail/head", or the scenario name. */
  label: string;
  variant?: string;
  status: RunStatus;
  note?: string;
  loadSeconds: number;
  /** First and last point of any series (ms since the load started; processes start before the load): the charts' time axis. */
  startMs: number;
  endMs: number;
  spans?: SpanFigures;
  traces?: TraceFigures;
  loss?: { verdict: string; text: string };
  processes: ProcessFigures[];
  tiers: TierFigures[];
  waterfall: WaterfallStep[];
  faultWindows: FaultWindow[];
  volume?: VolumeFigures;
  prometheus?: PromQuerySummary[];
}

export interface VariantRow {
  variant: string;
  tiers: TierFigures[];
  storedPerSecond: number;
  keptShare: number;
  errorKeptShare: number;
  slowKeptShare: number;
  completeShare: number;
  endpointsKept: number;
  endpoints: number;
  storedGBPerDayRaw?: number;
  storedGBPerDayGzip?: number;
  unexplained: number;
}

export interface VariantComparison {
  variants: VariantRow[];
  /** The same offered load, with each variant's share kept. */
  cost?: CostRow[];
}

const COLLECTOR_ROLES: readonly string[] = ['collector', 'agent', 'gateway'];
const TIER_ORDER: readonly ProcessResult['role'][] = ['loadgen', 'collector', 'agent', 'gateway', 'backend'];

const share = (a: number, b: number): number => (b === 0 ? 1 : a / b);
const r3 = (x: number): number => Math.round(x * 1000) / 1000;
const r1 = (x: number): number => Math.round(x * 10) / 10;

export function processLabel(p: Pick<ProcessResult, 'name' | 'instance'>): string {
  return p.instance > 1 ? `${p.name}#${p.instance}` : p.name;
}

export function buildReportData(result: ScenarioResult): ReportData {
  const figures = result.runs.map((r) => runFigures(r));
  const data: ReportData = {
    schema: REPORT_SCHEMA,
    scenario: result.scenario,
    file: result.file,
    status: result.status,
    startedAt: result.runs[0]?.startedAt,
    runs: result.runs,
    figures,
  };
  const comparable = result.runs.filter((r) => r.variant && r.accounting);
  if (comparable.length >= 2) data.comparison = compareVariants(comparable, figures.filter((f, i) => comparable.includes(result.runs[i]!)));
  return data;
}

export function runFigures(run: RunResult): RunFigures {
  const label = run.variant ? `${run.scenario}/${run.variant}` : run.scenario;
  const loadSeconds = run.load.durationMs / 1000;
  const endMs = Math.max(run.load.durationMs, ...run.series.map((s) => s.timeMs[s.timeMs.length - 1] ?? 0), ...run.processes.map((p) => p.resources.series.timeMs.at(-1) ?? 0));
  const startMs = Math.min(0, ...run.series.map((s) => s.timeMs[0] ?? 0), ...run.processes.map((p) => p.resources.series.timeMs[0] ?? 0));
  const a = run.accounting;
  const sent = a?.spans.sent ?? 0;
  const processes = run.processes.map((p) => processFigures(p, sent));
  const f: RunFigures = {
    label,
    variant: run.variant,
    status: run.status,
    note: run.skipReason ?? run.error,
    loadSeconds,
    startMs,
    endMs,
    processes,
    tiers: tierFigures(run.processes, sent),
    waterfall: [],
    faultWindows: faultWindows(run.faults, endMs),
  };
  if (a) {
    const s = a.spans;
    const t = a.traces;
    f.spans = {
      generated: s.generated,
      sent: s.sent,
      stored: s.receivedUnique,
      storedSent: s.receivedUniqueSent,
      missing: s.missing,
      countedDrops: s.countedDrops,
      sampledOut: s.sampledOut,
      unexplained: run.loss?.unexplained ?? s.unexplained,
      duplicates: s.duplicates,
      sentPerSecond: r1(s.sent / loadSeconds),
      storedPerSecond: r1(s.receivedUnique / loadSeconds),
      deliveredShare: r3(share(s.receivedUniqueSent, s.sent)),
    };
    f.traces = {
      total: t.total,
      kept: t.kept,
      keptShare: r3(share(t.kept, t.total)),
      keptComplete: t.keptComplete,
      completeShare: r3(share(t.keptComplete, t.kept - t.keptIncompleteAtSource)),
      errorTraces: t.errorTraces,
      errorTracesKept: t.errorTracesKept,
      errorKeptShare: r3(share(t.errorTracesKept, t.errorTraces)),
      slowTraces: t.slowTraces,
      slowTracesKept: t.slowTracesKept,
      slowKeptShare: r3(share(t.slowTracesKept, t.slowTraces)),
      endpoints: t.endpoints,
      endpointsKept: t.endpointsKept,
    };
    f.waterfall = waterfall(run);
    if (run.loss) f.loss = { verdict: run.loss.verdict, text: run.loss.text };
    const input = costInput(run);
    if (input) {
      const keep = share(s.receivedUnique, s.sent);
      const stored = volume(input, keep);
      f.volume = {
        input,
        rows: costTable(input, [{ label: run.variant ? `after ${run.variant} (stored)` : 'stored', keep }]),
        storedGBPerDayRaw: stored.rawGBPerDay,
        storedGBPerDayGzip: stored.gzipGBPerDay,
      };
    }
  }
  if (run.prometheus) {
    f.prometheus = run.prometheus.queries.map((q) => ({
      query: q.query,
      error: q.error,
      series: q.series.map((s) => ({
        label: seriesLabel(s.labels),
        points: s.points.length,
        last: s.points.at(-1)?.[1] ?? 0,
        max: Math.max(...s.points.map((p) => p[1])),
      })),
    }));
  }
  return f;
}

/** A Prometheus series' name for people: its process, exporter or receiver. */
export function seriesLabel(labels: Record<string, string>): string {
  const { process, instance, role: _role, ...rest } = labels;
  const parts = [process ?? instance ?? '', ...Object.keys(rest).sort().map((k) => rest[k]!)].filter(Boolean);
  return parts.join(' ') || '{}';
}

function processFigures(p: ProcessResult, sent: number): ProcessFigures {
  const s = p.resources.summary;
  return {
    label: processLabel(p),
    name: p.name,
    role: p.role,
    instance: p.instance,
    cpuSeconds: s.cpuSeconds,
    cpuAvgPercent: s.cpuAvgPercent,
    cpuMaxPercent: s.cpuMaxPercent,
    rssMaxMiB: s.rssMaxMiB,
    cpuSecondsPerMillionSpans: sent > 0 ? r3(s.cpuSeconds / (sent / 1e6)) : undefined,
    spansIn: p.counters?.receiverAccepted,
    spansOut: p.counters?.exporterSent,
    endedBy: p.endedBy,
  };
}

function tierFigures(processes: readonly ProcessResult[], sent: number): TierFigures[] {
  const out: TierFigures[] = [];
  for (const role of TIER_ORDER) {
    const ps = processes.filter((p) => p.role === role);
    if (ps.length === 0) continue;
    const cpu = r3(ps.reduce((acc, p) => acc + p.resources.summary.cpuSeconds, 0));
    out.push({
      role,
      processes: ps.length,
      cpuSeconds: cpu,
      cpuSecondsPerMillionSpans: sent > 0 ? r3(cpu / (sent / 1e6)) : undefined,
      rssMaxMiB: Math.max(...ps.map((p) => p.resources.summary.rssMaxMiB)),
    });
  }
  return out;
}

function faultWindows(faults: readonly FaultRecord[], endMs: number): FaultWindow[] {
  return faults
    .filter((f) => f.startedAtMs !== undefined)
    .map((f) => {
      const start = f.startedAtMs!;
      // A crash without restart, or a window still open at the end, lasts until the end of the chart.
      const end = f.endedAtMs ?? f.untilMs ?? endMs;
      return { label: `${f.type}${f.target ? ` ${f.target}` : ''}`, startMs: start, endMs: Math.max(start, end) };
    });
}

const DROP_LABELS: Record<string, string> = {
  otelcol_exporter_send_failed_spans: 'dropped: export failed',
  otelcol_exporter_enqueue_failed_spans: 'dropped: queue full',
  otelcol_processor_dropped_spans: 'dropped: processor',
};

/** generated -> generator drops -> sent -> refused/retried (info) -> counted drops by reason -> sampled out -> unexplained -> stored. */
export function waterfall(run: RunResult): WaterfallStep[] {
  const a = run.accounting;
  if (!a) return [];
  const s = a.spans;
  const steps: WaterfallStep[] = [];
  let level = s.generated;
  const total = (label: string, value: number) => {
    steps.push({ label, kind: 'total', value, from: 0, to: value });
    level = value;
  };
  const decrease = (label: string, value: number, kind: WaterfallStep['kind'] = 'decrease') => {
    steps.push({ label, kind, value, from: level, to: level - value });
    level -= value;
  };
  total('generated', s.generated);
  decrease('dropped by the generator (queue full)', s.droppedByGenerator);
  decrease('dropped by the generator at shutdown', s.droppedAtShutdown);
  decrease('failed at the edge', s.failedAtEdge);
  total('sent (accepted by the edge)', s.sent);
  // Refused and retried spans were sent again: shown, not subtracted.
  steps.push({ label: 'refused at the edge, retried', kind: 'info', value: s.refusedAtEdge, from: level, to: level });
  if (s.countedRefusals > 0) steps.push({ label: 'refused inside the pipeline, retried or counted upstream', kind: 'info', value: s.countedRefusals, from: level, to: level });
  const byMetric = run.loss?.countedByMetric ?? s.countedByMetric;
  let counted = 0;
  for (const [metric, label] of Object.entries(DROP_LABELS)) {
    const v = byMetric[metric] ?? byMetric[`${metric}_total`] ?? 0;
    counted += v;
    decrease(label, v);
  }
  // Drops counted under other names (a custom drop metric), so the steps add up.
  if (s.countedDrops - counted !== 0) decrease('dropped: other counted', s.countedDrops - counted);
  decrease('sampled out', s.sampledOut);
  decrease('unexplained', run.loss?.unexplained ?? s.unexplained, 'unexplained');
  total('stored (sent and received)', s.receivedUniqueSent);
  return steps;
}

/** The offered load and span sizes of a run, when the wire sizes were measured. */
export function costInput(run: RunResult): CostInput | undefined {
  const w = run.wire;
  const a = run.accounting;
  if (!w || !a || a.spans.sent === 0) return undefined;
  const seconds = run.load.durationMs / 1000;
  const okRequests = run.loads.reduce((acc, l) => acc + l.counters.requestsOk, 0);
  const spansPerRequest = w.measuredSpansPerRequest ?? a.spans.sent / Math.max(1, okRequests);
  return {
    requestsPerSecond: r3(okRequests > 0 ? okRequests / seconds : a.spans.sent / seconds / spansPerRequest),
    spansPerRequest,
    bytesPerSpan: w.bytesPerSpan,
    gzipRatio: w.gzipRatio,
  };
}

function compareVariants(runs: readonly RunResult[], figures: readonly RunFigures[]): VariantComparison {
  const variants: VariantRow[] = figures.map((f) => ({
    variant: f.variant!,
    tiers: f.tiers.filter((t) => COLLECTOR_ROLES.includes(t.role)),
    storedPerSecond: f.spans!.storedPerSecond,
    keptShare: f.traces!.keptShare,
    errorKeptShare: f.traces!.errorKeptShare,
    slowKeptShare: f.traces!.slowKeptShare,
    completeShare: f.traces!.completeShare,
    endpointsKept: f.traces!.endpointsKept,
    endpoints: f.traces!.endpoints,
    storedGBPerDayRaw: f.volume?.storedGBPerDayRaw,
    storedGBPerDayGzip: f.volume?.storedGBPerDayGzip,
    unexplained: f.spans!.unexplained,
  }));
  const out: VariantComparison = { variants };
  const input = costInput(runs[0]!);
  if (input) {
    out.cost = costTable(
      input,
      runs.map((r) => ({ label: r.variant!, keep: share(r.accounting!.spans.receivedUnique, r.accounting!.spans.sent) })),
    );
  }
  return out;
}
