/**
 * --prometheus and --profile for real: a Prometheus server (Debian's package) scrapes the collector
 * of a short tempo-down run, and the seed PromQL queries must return data; the collector runs with
 * node --cpu-prof and its profile is linked from the report. Skipped, saying why, where prometheus
 * is not on PATH; .ci/run installs it, so CI (CI=true) fails instead of skipping.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runScenarioForTest } from '../testing/scenario-run.ts';
import { cpuProfileExtension } from './profile.ts';
import { findPrometheus, prometheusExtension, SEED_QUERIES } from './prometheus.ts';

const prometheus = findPrometheus();
const skip = !prometheus && !process.env.CI;
if (skip) process.stderr.write('prometheus.e2e.test: SKIPPED - prometheus is not on PATH (apt-get install -y prometheus; .ci/run installs it)\n');

describe('--prometheus and --profile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'testbed-prometheus-'));
  const prom = prometheusExtension({ dir });
  afterAll(async () => {
    await prom.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(skip)(`a real Prometheus scrapes the collector and the seed queries return data; the collector's CPU profile is linked${skip ? ' (skipped: prometheus is not on PATH)' : ''}`, async () => {
    expect(prometheus, 'prometheus is not on PATH; .ci/run should have installed it (apt-get install -y prometheus)').toBeDefined();
    const r = await runScenarioForTest('tempo-down', { rate: 1000, durationMs: 6000, extensions: [prom, cpuProfileExtension()] });
    expect(r.status).toBe('passed');
    const run = r.runs[0]!;
    const p = run.prometheus!;
    expect(p.error).toBeUndefined();
    expect(Object.keys(p.targets)).toEqual(['collector']);
    expect(p.queries.map((q) => q.query)).toEqual([...SEED_QUERIES]);
    for (const q of p.queries) {
      expect(q.error, q.query).toBeUndefined();
      const points = q.series.reduce((a, s) => a + s.points.length, 0);
      const hint = q.query.includes('queue') ? ' (otelcol_exporter_queue_size / _capacity come from the exporters sending queue)' : '';
      expect(points, `${q.query} returned no data${hint}`).toBeGreaterThan(0);
      for (const s of q.series) expect(s.labels.process).toBe('collector');
    }
    const rss = p.queries.find((q) => q.query === 'otelcol_process_memory_rss')!;
    expect(Math.max(...rss.series[0]!.points.map(([, v]) => v))).toBeGreaterThan(10 * 1024 * 1024);
    const queue = p.queries[0]!.series.flatMap((s) => s.points.map(([, v]) => v));
    for (const v of queue) expect(v >= 0 && v <= 1).toBe(true);

    // --profile: the collector stopped normally, so node wrote its profile.
    expect(run.profiles?.map((x) => x.file)).toEqual(['profiles/collector.1.cpuprofile']);
    const profile = JSON.parse(readFileSync(join(run.reportDir!, run.profiles![0]!.file), 'utf8')) as { nodes: unknown[]; samples: unknown[] };
    expect(profile.nodes.length).toBeGreaterThan(10);
    const md = readFileSync(join(run.reportDir!, 'report.md'), 'utf8');
    expect(md).toContain('### Prometheus');
    expect(md).toContain('[collector (');
  }, 120_000);
});
