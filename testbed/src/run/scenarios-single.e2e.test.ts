/**
 * The single-collector scenarios and head-vs-tail, each run at a low rate for a few seconds with
 * real processes: our collector (bundled), the mock backend, the load generator in worker threads.
 */
import { describe, expect, it } from 'vitest';
import { assertion, runScenarioForTest } from '../testing/scenario-run.ts';

const LOW = { rate: 400, durationMs: 4000 };
const TIMEOUT = 120_000;

describe('scenarios (single topology and sampling)', () => {
  it(
    'passthrough: every span sent arrives; CPU/RSS, hop series and counters are recorded',
    async () => {
      const r = await runScenarioForTest('passthrough', LOW);
      expect(r.status).toBe('passed');
      const run = r.runs[0]!;
      expect(run.loss).toMatchObject({ verdict: 'counted', unexplainedClamped: 0, missing: 0 });
      expect(run.accounting!.spans.sent).toBe(1600);
      expect(run.accounting!.spans.receivedUniqueSent).toBe(1600);
      expect(assertion(run, 'unexplained_loss').passed).toBe(true);
      const collector = run.processes.find((p) => p.name === 'collector')!;
      expect(collector.resources.summary.samples).toBeGreaterThan(2);
      expect(collector.resources.summary.rssMaxMiB).toBeGreaterThan(10);
      expect(collector.counters).toMatchObject({ receiverAccepted: 1600, exporterSent: 1600, final: true });
      expect(run.processes.map((p) => p.role).sort()).toEqual(['backend', 'collector', 'loadgen']);
      const backend = run.series.find((s) => s.name === 'backend')!;
      expect(backend.total[backend.total.length - 1]).toBeGreaterThan(0);
      expect(run.series.map((s) => s.name)).toEqual(expect.arrayContaining(['loadgen', 'collector in', 'collector out', 'backend']));
    },
    TIMEOUT,
  );

  it(
    'tempo-down: the backend goes away for a window; what the collector could not deliver is counted',
    async () => {
      const r = await runScenarioForTest('tempo-down', LOW);
      expect(r.status).toBe('passed');
      const run = r.runs[0]!;
      const fault = run.faults[0]!;
      expect(fault).toMatchObject({ type: 'backend_down', target: 'backend', detail: { mode: { mode: 'down' } } });
      expect(fault.startedAtMs).toBeGreaterThan(0);
      expect(fault.endedAtMs).toBeGreaterThan(fault.startedAtMs!);
      // Lost and counted (no retry), or delivered late (exporter retry): never unexplained.
      expect(run.loss!.unexplainedClamped).toBe(0);
      expect(run.loss!.receivedUniqueSent + run.loss!.countedDrops).toBeGreaterThanOrEqual(run.loss!.sent);
    },
    TIMEOUT,
  );

  it(
    'head-vs-tail: the same load with head and with tail sampling (or skipped, saying which processor is missing)',
    async () => {
      const r = await runScenarioForTest('head-vs-tail', LOW);
      expect(r.runs.map((x) => x.variant)).toEqual(['head', 'tail']);
      const [head, tail] = r.runs as [typeof r.runs[0], typeof r.runs[0]];
      if (r.status === 'skipped') {
        expect(head.skipReason).toMatch(/probabilistic_sampler|tail_sampling/);
        expect(head.processes).toEqual([]);
        return;
      }
      expect(r.status).toBe('passed');
      expect(head.load).toEqual(tail.load);
      expect(head.accounting!.traces.total).toBe(tail.accounting!.traces.total);
      // Head sampling keeps some share of the traces, blind to errors; tail keeps every error trace, whole.
      expect(head.accounting!.traces.kept).toBeLessThan(head.accounting!.traces.total);
      expect(tail.accounting!.traces.errorTracesKept).toBe(tail.accounting!.traces.errorTraces);
      expect(tail.accounting!.traces.keptIncomplete).toBe(0);
      for (const run of r.runs) expect(run.loss!.unexplainedClamped).toBe(0);
    },
    TIMEOUT,
  );
});
