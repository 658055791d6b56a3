/** Checks a run's results against the scenario's assertions. */
import type { AssertionsSpec, RoleName } from '../scenario/scenario-schema.ts';
import type { AssertionOutcome, LossSummary, OomOutcome, ProcessResult } from './run-result.ts';
import type { AccountingResult } from '../accounting/span-accounting.ts';

export interface AssertionInput {
  accounting: AccountingResult;
  loss: LossSummary;
  processes: readonly ProcessResult[];
  oom: readonly OomOutcome[];
}

const pct = (x: number): string => `${+(x * 100).toFixed(2)}%`;
const ratioOf = (a: number, b: number): number => (b === 0 ? 1 : a / b);

export function evaluateAssertions(spec: AssertionsSpec, r: AssertionInput): AssertionOutcome[] {
  const out: AssertionOutcome[] = [];
  const s = r.accounting.spans;
  const t = r.accounting.traces;
  if (spec.unexplained_loss) {
    const allowed = 'spans' in spec.unexplained_loss ? spec.unexplained_loss.spans : Math.floor(spec.unexplained_loss.ratio * s.sent);
    out.push({
      name: 'unexplained_loss',
      expected: `<= ${allowed} span(s)${'ratio' in spec.unexplained_loss ? ` (${pct(spec.unexplained_loss.ratio)} of ${s.sent} sent)` : ''}`,
      actual: `${r.loss.unexplainedClamped} (${r.loss.text})`,
      passed: r.loss.unexplainedClamped <= allowed,
    });
  }
  if (spec.loss_explained !== undefined) {
    const explained = r.loss.verdict !== 'unexplained';
    out.push({ name: 'loss_explained', expected: spec.loss_explained ? 'counted or crash_window' : 'unexplained', actual: `${r.loss.verdict}: ${r.loss.text}`, passed: explained === spec.loss_explained });
  }
  const ratioCheck = (name: string, want: number | undefined, got: number, detail: string) => {
    if (want === undefined) return;
    out.push({ name, expected: `>= ${pct(want)}`, actual: `${pct(got)} (${detail})`, passed: got >= want - 1e-12 });
  };
  ratioCheck('error_traces_kept', spec.error_traces_kept, ratioOf(t.errorTracesKept, t.errorTraces), `${t.errorTracesKept} of ${t.errorTraces} error traces`);
  ratioCheck('slow_traces_kept', spec.slow_traces_kept, ratioOf(t.slowTracesKept, t.slowTraces), `${t.slowTracesKept} of ${t.slowTraces} slow traces`);
  ratioCheck('complete_traces', spec.complete_traces, ratioOf(t.keptComplete, t.kept - t.keptIncompleteAtSource), `${t.keptComplete} complete of ${t.kept} kept (${t.keptIncompleteAtSource} incomplete at the source)`);
  ratioCheck('min_throughput_ratio', spec.min_throughput_ratio, ratioOf(s.receivedUnique, s.generated), `${s.receivedUnique} received of ${s.generated} generated`);
  const collectors = r.processes.filter((p) => p.role === 'collector' || p.role === 'agent' || p.role === 'gateway');
  const perRole = (name: string, spec: number | Partial<Record<RoleName, number>> | undefined, value: (p: ProcessResult) => number, unit: string) => {
    if (spec === undefined) return;
    for (const p of collectors) {
      const limit = typeof spec === 'number' ? spec : spec[p.role as RoleName];
      if (limit === undefined) continue;
      const v = value(p);
      out.push({ name: `${name} ${p.name}${p.instance > 1 ? `#${p.instance}` : ''}`, expected: `<= ${limit} ${unit}`, actual: `${v} ${unit}`, passed: v <= limit });
    }
  };
  perRole('max_rss_mib', spec.max_rss_mib, (p) => p.resources.summary.rssMaxMiB, 'MiB');
  perRole('max_cpu_percent', spec.max_cpu_percent, (p) => p.resources.summary.cpuAvgPercent, '%');
  if (spec.max_generator_drops !== undefined) {
    const drops = s.droppedByGenerator + s.droppedAtShutdown;
    out.push({ name: 'max_generator_drops', expected: `<= ${spec.max_generator_drops}`, actual: `${drops} (${s.droppedByGenerator} queue full, ${s.droppedAtShutdown} at shutdown)`, passed: drops <= spec.max_generator_drops });
  }
  if (spec.oom_outcome) {
    if (r.oom.length === 0) out.push({ name: 'oom_outcome', expected: spec.oom_outcome.join(' | '), actual: 'no oom fault ran', passed: false });
    for (const o of r.oom) {
      out.push({ name: `oom_outcome ${o.process}`, expected: spec.oom_outcome.join(' | '), actual: `${o.verdict} (${o.note})`, passed: spec.oom_outcome.includes(o.verdict) });
    }
  }
  return out;
}
