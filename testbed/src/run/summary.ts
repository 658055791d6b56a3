/** The short plain-text summary the CLI prints after a scenario (the report is report.json). */
import type { RunResult, ScenarioResult } from './run-result.ts';

const n = (x: number): string => Math.round(x).toLocaleString('en-US');
const pct = (a: number, b: number): string => (b === 0 ? '-' : `${+((a / b) * 100).toFixed(1)}%`);
const sec = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

export function summarizeScenario(r: ScenarioResult, reportFile?: string): string {
  const lines: string[] = [];
  lines.push(`${r.scenario}: ${r.status.toUpperCase()}`);
  for (const run of r.runs) lines.push(...summarizeRun(run).map((l) => `  ${l}`));
  if (r.runs.length > 1 && r.runs.every((x) => x.accounting)) lines.push(...compareRuns(r.runs).map((l) => `  ${l}`));
  if (reportFile) lines.push(`  report: ${reportFile}`);
  return lines.join('\n');
}

export function summarizeRun(run: RunResult): string[] {
  const out: string[] = [];
  const head = run.variant ? `[${run.variant}] ${run.status}` : run.status;
  if (run.status === 'skipped') return [`${head}: ${run.skipReason}`];
  out.push(`${head}${run.error ? `: ${run.error}` : ''}`);
  const t = run.topology;
  out.push(
    `topology: ${t.kind}${t.kind === 'tiered' ? ` (${t.agents} agent(s), ${t.gateways} gateway(s)${t.gateways !== t.requestedGateways ? ` of ${t.requestedGateways} asked` : ''})` : ''}; collector: ${run.collector.command}${run.collector.target ? ` -> ${run.collector.target}` : ''}`,
  );
  for (const note of t.notes) out.push(`  note: ${note}`);
  out.push(`load: ${n(run.load.rate)} spans/s for ${sec(run.load.durationMs)} (${run.load.protocol}, ${run.load.shape})${run.loads.length > 1 ? `; ${run.loads.length} loads: ${run.loads.map((l) => l.name).join(', ')}` : ''}`);
  const a = run.accounting;
  if (a) {
    const s = a.spans;
    out.push(
      `spans: ${n(s.generated)} generated, ${n(s.sent)} sent, ${n(s.droppedByGenerator + s.droppedAtShutdown)} dropped by the generator, ${n(s.failedAtEdge)} failed at the edge; ${n(s.receivedUnique)} received (${n(s.duplicates)} duplicates)`,
    );
    out.push(`loss: ${run.loss!.verdict} - ${run.loss!.text}`);
    const tr = a.traces;
    out.push(
      `traces: ${n(tr.total)}, kept ${n(tr.kept)} (${pct(tr.kept, tr.total)}), complete ${n(tr.keptComplete)}; error traces kept ${n(tr.errorTracesKept)}/${n(tr.errorTraces)}, slow ${n(tr.slowTracesKept)}/${n(tr.slowTraces)}`,
    );
  }
  for (const p of run.processes) {
    if (p.role === 'backend') continue;
    const s = p.resources.summary;
    out.push(
      `${p.name}${p.instance > 1 ? `#${p.instance}` : ''}: cpu avg ${s.cpuAvgPercent}% max ${s.cpuMaxPercent}%, rss max ${s.rssMaxMiB} MiB${p.counters ? `; in ${n(p.counters.receiverAccepted)}, out ${n(p.counters.exporterSent)}, failed ${n(p.counters.exporterSendFailed)}` : ''}${p.endedBy && p.endedBy !== 'stopped at the end of the run' ? `; ended: ${p.endedBy}${p.exit ? ` (${p.exit.signal ?? `code ${p.exit.code}`})` : ''}` : ''}`,
    );
  }
  for (const f of run.faults) {
    out.push(
      `fault ${f.type}${f.target ? ` ${f.target}` : ''} ${f.startedAtMs === undefined ? `planned at ${sec(f.atMs)}, not reached` : `at ${sec(f.startedAtMs)}${f.endedAtMs !== undefined ? `..${sec(f.endedAtMs)}` : ''}`}${f.error ? `: FAILED ${f.error}` : ''}`,
    );
  }
  for (const o of run.oom) out.push(`oom ${o.process}: ${o.verdict} (${o.note})`);
  for (const x of run.assertions) out.push(`${x.passed ? 'ok  ' : 'FAIL'} ${x.name}: expected ${x.expected}, got ${x.actual}`);
  return out;
}

/** Side by side for scenarios with variants (head vs tail sampling). */
function compareRuns(runs: readonly RunResult[]): string[] {
  const out = ['comparison:'];
  for (const r of runs) {
    const tr = r.accounting!.traces;
    const gw = r.processes.filter((p) => p.role !== 'loadgen' && p.role !== 'backend');
    const cpu = gw.reduce((acc, p) => acc + p.resources.summary.cpuSeconds, 0);
    out.push(
      `  ${(r.variant ?? '').padEnd(8)} kept ${pct(tr.kept, tr.total).padStart(6)} of traces, errors ${pct(tr.errorTracesKept, tr.errorTraces).padStart(6)}, slow ${pct(tr.slowTracesKept, tr.slowTraces).padStart(6)}, complete ${pct(tr.keptComplete, tr.kept).padStart(6)}; collectors ${cpu.toFixed(1)} cpu-s, rss max ${Math.max(0, ...gw.map((p) => p.resources.summary.rssMaxMiB))} MiB`,
    );
  }
  return out;
}
