/**
 * The tiered scenarios with faults (agent -> gateways -> backend), each at a low rate for a few
 * seconds with real collector processes, a real TCP proxy and real signals.
 */
import { describe, expect, it } from 'vitest';
import { netnsPreflight } from '../topology/netns.ts';
import { parseScenario } from '../scenario/load-scenario.ts';
import { runScenario } from './runner.ts';
import { expectAllStopped, runScenarioForTest } from '../testing/scenario-run.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TIMEOUT = 120_000;

describe('scenarios (tiered, with faults)', () => {
  it(
    'gateway-crash: SIGKILL and restart on the same ports; the loss is counted or lies in the crash window',
    async () => {
      // 6 s: the crash at 2 s (20 s of 60 s), the restart at 3 s.
      const r = await runScenarioForTest('gateway-crash', { rate: 400, durationMs: 6000 });
      expect(r.status).toBe('passed');
      const run = r.runs[0]!;
      expect(['counted', 'crash_window']).toContain(run.loss!.verdict);
      const gw = run.processes.filter((p) => p.name === 'gateway-0');
      expect(gw).toHaveLength(2);
      expect(gw[0]).toMatchObject({ instance: 1, exit: { signal: 'SIGKILL' }, endedBy: 'fault gateway_crash (SIGKILL)' });
      expect(gw[1]).toMatchObject({ instance: 2, endedBy: 'stopped at the end of the run' });
      const fault = run.faults[0]!;
      expect(fault.detail).toMatchObject({ process: 'gateway-0', signal: 'SIGKILL', restartedPid: gw[1]!.pid });
      expect(fault.endedAtMs).toBeGreaterThan(fault.startedAtMs!);
      // The report says which: nothing unexplained, or no more than what the killed gateway held.
      if (run.loss!.verdict === 'crash_window') {
        expect(run.loss!.unexplained).toBeLessThanOrEqual(run.loss!.crashWindows[0]!.heldAtKillEstimate!);
      } else expect(run.loss!.unexplainedClamped).toBe(0);
      expect(run.events.some((e) => /gateway_crash: gateway-0 restarted on the same ports/.test(e.message))).toBe(true);
    },
    TIMEOUT,
  );

  it(
    'network-partition: the agent-gateway link blackholed through the TCP proxy; nothing unexplained',
    async () => {
      const r = await runScenarioForTest('network-partition', { rate: 400, durationMs: 4000 });
      expect(r.status).toBe('passed');
      const run = r.runs[0]!;
      expect(run.faults[0]).toMatchObject({ type: 'network_partition', target: 'agent-gateway', detail: { mode: { mode: 'blackhole' } } });
      expect(run.loss!.unexplainedClamped).toBe(0);
      expect(run.events.some((e) => /proxy agent-gateway#0/.test(e.message))).toBe(true);
    },
    TIMEOUT,
  );

  it(
    'scale-out: a gateway added and removed is recorded; agents do not follow without a resolver',
    async () => {
      const r = await runScenarioForTest('scale-out', { rate: 400, durationMs: 4000 });
      expect(r.status).toBe('passed');
      const run = r.runs[0]!;
      expect(run.faults.map((f) => [f.type, f.target, f.error])).toEqual([
        ['scale_out', 'gateway-1', undefined],
        ['scale_in', 'gateway-1', undefined],
      ]);
      const added = run.processes.find((p) => p.name === 'gateway-1')!;
      expect(added).toMatchObject({ endedBy: 'fault scale_in (SIGTERM)', exit: { code: 0 } });
      expect(added.counters?.receiverAccepted ?? 0).toBe(0);
      expect(run.events.some((e) => /agents do not follow/.test(e.message))).toBe(true);
      expect(run.loss!.unexplainedClamped).toBe(0);
    },
    TIMEOUT,
  );

  // A real partition between network namespaces needs root, ip and iptables: opt in with TESTBED_NETNS=1.
  it.skipIf(!process.env.TESTBED_NETNS)(
    'network-partition with netns: iptables DROP between namespaces',
    async () => {
      const why = await netnsPreflight();
      if (why) throw new Error(`TESTBED_NETNS is set but ${why}`);
      const reportsDir = mkdtempSync(join(tmpdir(), 'testbed-netns-'));
      try {
        const s = parseScenario(
          `topology: { kind: tiered, agents: 1, gateways: 1 }
load: { rate: 400, duration: 4s, max_queue_size: 4096 }
faults:
  - { type: network_partition, hop: agent-gateway, at: 33%, for: 1s, mode: drop, netns: true }
assertions: { unexplained_loss: 0 }`,
          { defaultName: 'netns-partition' },
        );
        const r = await runScenario(s, { reportsDir });
        const run = r.runs[0]!;
        expect(run.status).toBe('passed');
        expect(run.faults[0]!.detail).toMatchObject({ mode: 'drop', netns: expect.stringMatching(/^tbns-/) });
        expectAllStopped(run);
      } finally {
        rmSync(reportsDir, { recursive: true, force: true });
      }
    },
    TIMEOUT,
  );
});
