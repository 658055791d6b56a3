/**
 * The CLI as users run it (node --import tsx testbed/src/cli.ts), and the oom scenario. The SIGINT
 * test runs a scenario, interrupts it mid-load and checks, by pid, that no collector or backend
 * process survived.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './scenario/load-scenario.ts';
import { waitForProcessGone } from './process/process-liveness.ts';
import { runScenarioForTest } from './testing/scenario-run.ts';
import type { ScenarioResult } from './run/run-result.ts';

const CLI = join(REPO_ROOT, 'testbed/src/cli.ts');

interface Cli {
  pid: number;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitFor: (re: RegExp, timeoutMs: number) => Promise<void>;
}

function startCli(args: string[]): Cli {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return {
    pid: child.pid!,
    output: () => out,
    exited,
    waitFor: async (re, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      while (!re.test(out)) {
        if (Date.now() > deadline) throw new Error(`no ${re} in the CLI output within ${timeoutMs} ms:\n${out}`);
        if (child.exitCode !== null) throw new Error(`the CLI exited (${child.exitCode}) before printing ${re}:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'testbed-cli-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('testbed CLI', () => {
  it('list: every scenario with its description, topology and faults', async () => {
    const cli = startCli(['list']);
    expect((await cli.exited).code).toBe(0);
    for (const name of ['gateway-crash', 'head-vs-tail', 'network-partition', 'oom', 'passthrough', 'scale-out', 'tempo-down']) {
      expect(cli.output()).toMatch(new RegExp(`^${name} `, 'm'));
    }
    expect(cli.output()).toMatch(/tiered \(1 agent, 2 gateways\); faults: gateway_crash/);
    expect(cli.output()).not.toMatch(/INVALID/);
  }, 30_000);

  it('validate and run refuse an invalid scenario with every problem and its path (exit 2)', async () => {
    const dir = tempDir();
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'topology: { kind: tiered }\nload: { rate: 0 }\nfaults:\n  - { type: backend_down, at: 1s }\n');
    // Three CLIs at once: each spends most of its time starting.
    const v = startCli(['validate', bad]);
    const r = startCli(['run', bad]);
    const u = startCli(['run', join(REPO_ROOT, 'scenarios/passthrough.yaml'), '--rate', 'fast']);
    const [ve, re, ue] = await Promise.all([v.exited, r.exited, u.exited]);
    expect(ve.code).toBe(2);
    expect(v.output()).toContain('load.rate: Too small: expected number to be >0');
    expect(v.output()).toContain('faults[0]: give exactly one of until (a time) or for (a duration)');
    expect(re.code).toBe(2);
    expect(r.output()).toContain(`${bad}: invalid scenario:`);
    expect(ue.code).toBe(2);
    expect(u.output()).toContain('--rate must be a positive number, got fast');
  }, 30_000);

  it('Ctrl-C (SIGINT) mid-run stops every child process and writes what the run has', async () => {
    const dir = tempDir();
    const cli = startCli(['run', join(REPO_ROOT, 'scenarios/gateway-crash.yaml'), '--rate', '300', '--duration', '60', '--reports-dir', dir]);
    await cli.waitFor(/\[\s+[\d.]+s\] load: /, 60_000);
    const pids = [...cli.output().matchAll(/(backend|agent-\d|gateway-\d) pid (\d+)/g)].map((m) => ({ name: m[1]!, pid: Number(m[2]) }));
    expect(pids.map((p) => p.name).sort()).toEqual(['agent-0', 'backend', 'gateway-0', 'gateway-1']);
    process.kill(cli.pid, 'SIGINT');
    const exit = await cli.exited;
    expect(exit.code).toBe(130);
    for (const p of pids) expect(await waitForProcessGone(p.pid, 5000), `${p.name} (pid ${p.pid}) survived`).toBe(true);
    expect(cli.output()).toMatch(/gateway-crash: INTERRUPTED/);
    const [runDir] = readdirSync(dir);
    const report = JSON.parse(readFileSync(join(dir, runDir!, 'report.json'), 'utf8')) as ScenarioResult;
    expect(report.status).toBe('interrupted');
    expect(report.runs[0]!.processes.filter((p) => p.role !== 'loadgen').map((p) => p.pid).sort()).toEqual(pids.map((p) => p.pid).sort());
  }, 120_000);
});

describe('oom scenario', () => {
  it('a memory-limited gateway under a load spike: killed, refused or recovered, and the result says which', async () => {
    const r = await runScenarioForTest('oom', { rate: 400, durationMs: 4000 });
    expect(r.status).toBe('passed');
    const run = r.runs[0]!;
    expect(run.loads.map((l) => l.name)).toEqual(['main', 'spike']);
    const [oom] = run.oom;
    expect(oom).toBeDefined();
    expect(['cgroup-v2', 'cgroup-v1', 'heap']).toContain(oom!.method);
    const gw = run.processes.filter((p) => p.name === 'gateway-0');
    expect(gw[0]!.memoryLimit).toMatchObject({ limitMiB: 200, method: oom!.method });
    // The verdict matches what happened to the process.
    if (oom!.verdict === 'killed') expect(gw[0]!.endedBy).toBe('exited unexpectedly');
    else expect(gw[0]!.endedBy).toBe('stopped at the end of the run');
    if (oom!.verdict === 'refused') expect(oom!.refusedSpans).toBeGreaterThan(0);
    if (oom!.verdict === 'recovered') expect(oom!.recovered).toBe(true);
    expect(run.loss!.verdict).not.toBe('unexplained');
    expect(existsSync(join(run.reportDir!, 'configs', 'gateway-0.yaml'))).toBe(true);
  }, 120_000);
});
