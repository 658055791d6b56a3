/**
 * npm run gates [-- --update] [-- --only passthrough,oom] [-- --reports-dir DIR]
 *
 * Runs each gate (a short run of a scenario, real processes), writes its report like any testbed
 * run (reports/<time>-<scenario>/report.{json,md,html}), and compares its figures with
 * ci/baselines/<gate>.json. Exit 1 when a figure moved beyond its tolerance (each failure says
 * which, by how much, and where the report is), 0 otherwise. --update rewrites the baselines from
 * this run (keeping their checks and tolerances) and prints old and new side by side.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { loadScenarioFile, REPO_ROOT, SCENARIOS_DIR } from '../../testbed/src/scenario/load-scenario.ts';
import { runScenario } from '../../testbed/src/run/runner.ts';
import { buildReportData } from '../../testbed/src/report/report-data.ts';
import { compareToBaseline, formatUpdate, formatVerdict, updatedBaseline, type Baseline } from './compare.ts';
import { GATES, gateFigures, type GateSpec } from './gates.ts';

export const BASELINES_DIR = join(REPO_ROOT, 'ci/baselines');

function readBaseline(gate: GateSpec): Baseline | undefined {
  const file = join(BASELINES_DIR, `${gate.name}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Baseline) : undefined;
}

interface GateOutcome {
  gate: string;
  passed: boolean;
  /** Failed, but the baseline marks the gate advisory (a known issue): reported, not fatal. */
  advisory?: string;
  lines: string[];
  report?: string;
  seconds: number;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      update: { type: 'boolean', default: false },
      only: { type: 'string' },
      'reports-dir': { type: 'string' },
      verbose: { type: 'boolean', default: false },
    },
  });
  const only = values.only?.split(',').map((s) => s.trim());
  const gates = GATES.filter((g) => !only || only.includes(g.name));
  if (gates.length === 0) {
    process.stderr.write(`no gate named ${values.only}; gates: ${GATES.map((g) => g.name).join(', ')}\n`);
    return 2;
  }
  const reportsDir = values['reports-dir'] ?? join(REPO_ROOT, 'reports');
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());

  const outcomes: GateOutcome[] = [];
  const started = Date.now();
  for (const gate of gates) {
    if (controller.signal.aborted) break;
    const t0 = Date.now();
    process.stdout.write(`gate ${gate.name}: ${gate.scenario} at ${gate.rate} spans/s for ${gate.durationMs / 1000}s ...\n`);
    const scenario = loadScenarioFile(join(SCENARIOS_DIR, `${gate.scenario}.yaml`));
    const log: string[] = [];
    const result = await runScenario(scenario, {
      rate: gate.rate,
      durationMs: gate.durationMs,
      reportsDir,
      signal: controller.signal,
      log: (l) => (values.verbose ? process.stdout.write(`  ${l}\n`) : log.push(l)),
    });
    const reportDir = result.runs[0]?.reportDir;
    const report = reportDir ? relative(process.cwd(), join(reportDir, 'report.md')) : undefined;
    const data = buildReportData(result);
    const actual = gateFigures(gate, data);
    const seconds = Math.round((Date.now() - t0) / 1000);
    const old = readBaseline(gate);

    if (values.update) {
      const next = updatedBaseline(
        old,
        {
          gate: gate.name,
          scenario: `scenarios/${gate.scenario}.yaml`,
          rate: gate.rate,
          durationMs: gate.durationMs,
          recorded: { at: data.startedAt, machine: `${cpus().length} x ${cpus()[0]?.model ?? '?'}`, node: process.version, notes: old?.recorded?.notes },
        },
        gate.figures,
        actual,
      );
      writeFileSync(join(BASELINES_DIR, `${gate.name}.json`), `${JSON.stringify(next, null, 2)}\n`);
      process.stdout.write(`${formatUpdate(gate.name, old, next)}\n  report: ${report}\n\n`);
      outcomes.push({ gate: gate.name, passed: result.status === 'passed', lines: [], report, seconds });
      continue;
    }

    let lines: string[];
    let passed: boolean;
    if (!old) {
      lines = [`FAIL   no baseline ci/baselines/${gate.name}.json: run npm run gates -- --update`];
      passed = false;
    } else {
      const verdicts = compareToBaseline(old, actual);
      lines = verdicts.map(formatVerdict);
      passed = verdicts.every((v) => v.passed);
    }
    if (result.status === 'error' || result.status === 'interrupted') lines.push(`FAIL   the run ended with ${result.status}: ${result.runs.map((r) => r.error).filter(Boolean).join('; ')}`);
    if (!passed && !values.verbose) lines.push(...log.slice(-15).map((l) => `       | ${l}`));
    const advisory = !passed ? old?.advisory : undefined;
    outcomes.push({ gate: gate.name, passed, advisory, lines, report, seconds });
    const verdict = passed ? 'PASS' : advisory ? `FAIL (advisory, not fatal: ${advisory})` : 'FAIL';
    process.stdout.write(`${lines.map((l) => `  ${l}`).join('\n')}\n  ${verdict} in ${seconds}s; report: ${report}\n\n`);
  }

  const total = Math.round((Date.now() - started) / 1000);
  if (controller.signal.aborted) {
    process.stdout.write('interrupted\n');
    return 130;
  }
  if (values.update) {
    process.stdout.write(`baselines written to ${relative(process.cwd(), BASELINES_DIR)} in ${total}s; review the diff before committing\n`);
    return 0;
  }
  const failed = outcomes.filter((o) => !o.passed && !o.advisory);
  for (const f of outcomes.filter((o) => !o.passed && o.advisory)) {
    process.stdout.write(`ADVISORY gate ${f.gate} failed (known issue: ${f.advisory}; report: ${f.report}):\n`);
    for (const l of f.lines.filter((x) => x.startsWith('FAIL'))) process.stdout.write(`  ${l}\n`);
  }
  for (const f of failed) {
    process.stdout.write(`FAILED gate ${f.gate} (report: ${f.report}):\n`);
    for (const l of f.lines.filter((x) => x.startsWith('FAIL'))) process.stdout.write(`  ${l}\n`);
  }
  process.stdout.write(`${outcomes.length} gate(s) in ${total}s (${outcomes.map((o) => `${o.gate} ${o.seconds}s`).join(', ')})\n`);
  const advisories = outcomes.filter((o) => !o.passed && o.advisory);
  if (advisories.length > 0) process.stdout.write(`advisory: ${advisories.map((o) => o.gate).join(', ')} failed on a known issue (not counted)\n`);
  process.stdout.write(`gates: ${outcomes.filter((o) => o.passed).length} passed, ${failed.length} failed\n`);
  return failed.length > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
