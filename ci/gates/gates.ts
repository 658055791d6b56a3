/**
 * The gates: short runs of the scenarios, and the figures each is judged on. Figures are ratios
 * measured within the same run (collectors' CPU-seconds over the load generator's, for the same
 * spans), so a slower or busier machine moves both sides; correctness figures are exact.
 * gateFigures() is a pure function of the report data.
 */
import type { ReportData, RunFigures } from '../../testbed/src/report/report-data.ts';
import type { BaselineFigure } from './compare.ts';

export interface GateSpec {
  /** Also the baseline file's name: ci/baselines/<name>.json. */
  name: string;
  /** scenarios/<scenario>.yaml */
  scenario: string;
  rate: number;
  durationMs: number;
  /** The figures, with their check and default tolerance (the baseline file's win once written). */
  figures: Record<string, Omit<BaselineFigure, 'value'>>;
  /**
   * Scenario assertions left out of scenario_assertions_failed because they are timing-bound on a
   * shared machine; each has a figure with a tolerance instead.
   */
  ignoreAssertions?: string[];
}

const COLLECTOR_ROLES = new Set(['collector', 'agent', 'gateway']);

const exact = (description: string): Omit<BaselineFigure, 'value'> => ({ check: 'exact', description });
const cost = (description: string, relative: number): Omit<BaselineFigure, 'value'> => ({ check: 'lower_is_better', tolerance: { relative }, description });
const delivery = (description: string, absolute: number): Omit<BaselineFigure, 'value'> => ({ check: 'higher_is_better', tolerance: { absolute }, description });

const CPU_RATIO = 'CPU-seconds of every collector process / CPU-seconds of the testbed process (load generator), same spans, same run';
const RSS = 'highest RSS of any collector process, MiB';

export const GATES: readonly GateSpec[] = [
  {
    name: 'passthrough',
    scenario: 'passthrough',
    rate: 10_000,
    durationMs: 20_000,
    // One run in two here dropped ~0.2 % at the generator (a 0.5-1 s stall filled its 4096-span
    // queue while the machine was shared): gated with a tolerance, not exactly.
    ignoreAssertions: ['max_generator_drops'],
    figures: {
      scenario_assertions_failed: exact("the scenario's own assertions that failed (max_generator_drops: see generator_drop_share)"),
      unexplained_loss: exact('spans sent, not stored and not counted by any collector metric'),
      generator_drop_share: { check: 'lower_is_better', tolerance: { absolute: 0.005 }, description: 'spans the generator dropped (queue full, at shutdown) / spans generated' },
      delivered_share: exact('spans stored / spans sent'),
      error_traces_kept: exact('error traces with a span stored / error traces'),
      collector_cpu_per_generator_cpu: cost(CPU_RATIO, 0.3),
      collector_rss_max_mib: cost(RSS, 0.3),
    },
  },
  {
    name: 'head-vs-tail',
    scenario: 'head-vs-tail',
    rate: 5000,
    durationMs: 15_000,
    figures: {
      scenario_assertions_failed: exact("the scenario's own assertions that failed (both variants)"),
      unexplained_loss: exact('spans lost without a counter, both variants'),
      tail_error_traces_kept: exact('tail sampling: error traces kept / error traces'),
      tail_slow_traces_kept: exact('tail sampling: slow traces kept / slow traces'),
      tail_complete_traces: exact('tail sampling: kept traces that arrived whole / kept traces'),
      head_kept_share: { check: 'band', tolerance: { absolute: 0.03 }, description: 'head sampling: traces kept / traces (configured 10 %)' },
      tail_kept_share: { check: 'band', tolerance: { absolute: 0.03 }, description: 'tail sampling: traces kept / traces (errors + slow + 10 % of the rest)' },
      head_collector_cpu_per_generator_cpu: cost(`head: ${CPU_RATIO}`, 0.3),
      tail_collector_cpu_per_generator_cpu: cost(`tail: ${CPU_RATIO}`, 0.3),
      tail_gateway_rss_max_mib: cost('tail sampling: highest gateway RSS, MiB', 0.3),
    },
  },
  {
    name: 'gateway-crash',
    scenario: 'gateway-crash',
    rate: 5000,
    durationMs: 20_000,
    figures: {
      scenario_assertions_failed: exact("the scenario's own assertions that failed"),
      loss_explained: exact('1 when every lost span is counted or lies in the crash window'),
      delivered_share: delivery('spans stored / spans sent (a kill loses what the gateway held)', 0.05),
      // Seen: 2.42 and 1.70 in two runs (restarts, retries): a wide band.
      collector_cpu_per_generator_cpu: cost(CPU_RATIO, 0.5),
    },
  },
  {
    name: 'tempo-down',
    scenario: 'tempo-down',
    rate: 5000,
    durationMs: 20_000,
    figures: {
      scenario_assertions_failed: exact("the scenario's own assertions that failed"),
      unexplained_loss: exact('spans sent, not stored and not counted'),
      delivered_share: delivery('spans stored / spans sent (the sending queue rides out the outage)', 0.02),
      // Seen: 1.07 and 0.81 in two runs; RSS 193 and 228 MiB (the queue fills during the outage).
      collector_cpu_per_generator_cpu: cost(CPU_RATIO, 0.5),
      collector_rss_max_mib: cost(RSS, 0.35),
    },
  },
  {
    name: 'network-partition',
    scenario: 'network-partition',
    rate: 5000,
    durationMs: 20_000,
    figures: {
      scenario_assertions_failed: exact("the scenario's own assertions that failed"),
      unexplained_loss: exact('spans sent, not stored and not counted'),
      delivered_share: delivery('spans stored / spans sent (blackholed link for a sixth of the run)', 0.05),
      collector_cpu_per_generator_cpu: cost(CPU_RATIO, 0.4),
    },
  },
  {
    name: 'oom',
    scenario: 'oom',
    rate: 2000,
    durationMs: 20_000,
    figures: {
      scenario_assertions_failed: exact("the scenario's own assertions (oom outcome, loss explained) that failed"),
      loss_explained: exact('1 when every lost span is counted or lies in the crash window'),
      gateway_rss_max_mib: cost('highest RSS of the memory-limited gateway, MiB (limit 200)', 0.3),
    },
  },
];

function collectorCpu(f: RunFigures): number {
  return f.processes.filter((p) => COLLECTOR_ROLES.has(p.role)).reduce((a, p) => a + p.cpuSeconds, 0);
}

function generatorCpu(f: RunFigures): number {
  return f.processes.filter((p) => p.role === 'loadgen').reduce((a, p) => a + p.cpuSeconds, 0);
}

const ratio = (a: number, b: number): number | undefined => (b > 0 ? a / b : undefined);

/** The figures of one run (prefix: "head_" for a variant). */
function runFiguresOf(gate: GateSpec, f: RunFigures, d: ReportData, i: number): Record<string, number | undefined> {
  const run = d.runs[i]!;
  const ignored = new Set(gate.ignoreAssertions ?? []);
  const s = run.accounting?.spans;
  const rss = f.processes.filter((p) => COLLECTOR_ROLES.has(p.role)).map((p) => p.rssMaxMiB);
  const gwRss = f.processes.filter((p) => p.role === 'gateway').map((p) => p.rssMaxMiB);
  return {
    scenario_assertions_failed: run.assertions.filter((a) => !a.passed && !ignored.has(a.name)).length + (f.status === 'error' || f.status === 'interrupted' ? 1 : 0),
    generator_drop_share: s ? (s.droppedByGenerator + s.droppedAtShutdown) / Math.max(1, s.generated) : undefined,
    unexplained_loss: run.loss?.unexplainedClamped,
    loss_explained: run.loss ? (run.loss.verdict === 'unexplained' ? 0 : 1) : undefined,
    delivered_share: f.spans?.deliveredShare,
    error_traces_kept: f.traces?.errorKeptShare,
    slow_traces_kept: f.traces?.slowKeptShare,
    complete_traces: f.traces?.completeShare,
    kept_share: f.traces?.keptShare,
    collector_cpu_per_generator_cpu: ratio(collectorCpu(f), generatorCpu(f)),
    collector_rss_max_mib: rss.length > 0 ? Math.max(...rss) : undefined,
    gateway_rss_max_mib: gwRss.length > 0 ? Math.max(...gwRss) : undefined,
  };
}

/**
 * Every figure the gate names, from the report. Scenario-wide figures add up over variants
 * (assertions failed, unexplained loss); "<variant>_<figure>" picks one variant's.
 */
export function gateFigures(gate: GateSpec, d: ReportData): Record<string, number | undefined> {
  const perRun = d.figures.map((f, i) => ({ variant: f.variant, figures: runFiguresOf(gate, f, d, i) }));
  const out: Record<string, number | undefined> = {};
  for (const name of Object.keys(gate.figures)) {
    const variant = perRun.find((r) => r.variant && name.startsWith(`${r.variant}_`));
    if (variant) {
      out[name] = variant.figures[name.slice(variant.variant!.length + 1)];
      continue;
    }
    const values = perRun.map((r) => r.figures[name]);
    if (perRun.length === 0 || values.some((v) => v === undefined)) out[name] = undefined;
    else if (name === 'scenario_assertions_failed' || name === 'unexplained_loss') out[name] = values.reduce((a, v) => a! + v!, 0);
    else if (name === 'loss_explained') out[name] = Math.min(...(values as number[]));
    else out[name] = perRun.length === 1 ? values[0] : undefined;
  }
  // A run that did not happen (skipped, error) shows as a failed assertion, never as a silent pass.
  if ('scenario_assertions_failed' in out && d.figures.some((f) => f.status === 'skipped')) out.scenario_assertions_failed = (out.scenario_assertions_failed ?? 0) + 1;
  return out;
}
