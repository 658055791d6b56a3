/**
 * Test helper: runs a scenario from scenarios/ at a low rate (real processes, real sockets) into a
 * temporary reports directory, and checks afterwards that none of its processes survived.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, onTestFinished } from 'vitest';
import { isProcessAlive } from '../process/process-liveness.ts';
import { loadScenarioFile, SCENARIOS_DIR } from '../scenario/load-scenario.ts';
import { runScenario, type RunOptions } from '../run/runner.ts';
import type { RunResult, ScenarioResult } from '../run/run-result.ts';

export async function runScenarioForTest(name: string, o: RunOptions = {}): Promise<ScenarioResult> {
  const reportsDir = mkdtempSync(join(tmpdir(), 'testbed-reports-'));
  let keep = false;
  onTestFinished((ctx) => {
    // Failed runs keep their logs and configs for a look.
    keep = ctx.task.result?.state === 'fail';
    if (keep) process.stderr.write(`testbed report kept in ${reportsDir}\n`);
    else rmSync(reportsDir, { recursive: true, force: true });
  });
  const lines: string[] = [];
  const result = await runScenario(loadScenarioFile(join(SCENARIOS_DIR, `${name}.yaml`)), { reportsDir, log: (l) => lines.push(l), ...o });
  for (const run of result.runs) {
    expect(run.reportDir && existsSync(join(run.reportDir, 'report.json'))).toBe(true);
    expectAllStopped(run);
  }
  if (result.status !== 'passed' && result.status !== 'skipped') process.stderr.write(`${name}: ${result.status}\n${lines.join('\n')}\n`);
  return result;
}

/** Every process the run started (collectors, backend) is gone. */
export function expectAllStopped(run: RunResult): void {
  for (const p of run.processes) {
    if (p.role === 'loadgen') continue;
    expect(isProcessAlive(p.pid), `${p.name} (pid ${p.pid}) still alive`).toBe(false);
    expect(p.exit, `${p.name} has no exit status`).toBeDefined();
  }
}

export function assertion(run: RunResult, name: string): RunResult['assertions'][number] {
  const a = run.assertions.find((x) => x.name === name);
  expect(a, `assertion ${name}`).toBeDefined();
  return a!;
}
