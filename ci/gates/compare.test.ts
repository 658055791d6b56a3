import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareFigure, compareToBaseline, formatUpdate, formatVerdict, updatedBaseline, type Baseline } from './compare.ts';

const baseline = JSON.parse(readFileSync(new URL('./fixtures/baseline-passthrough.json', import.meta.url), 'utf8')) as Baseline;

/** The run as the baseline recorded it. */
const asRecorded = {
  unexplained_loss: 0,
  error_traces_kept: 1,
  collector_cpu_per_generator_cpu: 1.0,
  collector_rss_max_mib: 176,
  delivered_share: 0.99,
  head_kept_share: 0.1,
};

const failures = (actual: Record<string, number | undefined>) =>
  compareToBaseline(baseline, actual)
    .filter((v) => !v.passed)
    .map((v) => v.figure);

describe('gate comparison', () => {
  it('the run as recorded passes', () => {
    expect(failures(asRecorded)).toEqual([]);
  });

  it('noise within the tolerance passes (CPU ratio +25 %, RSS -10 %, delivery -1.5 points, head share +2 points)', () => {
    expect(failures({ ...asRecorded, collector_cpu_per_generator_cpu: 1.25, collector_rss_max_mib: 158, delivered_share: 0.975, head_kept_share: 0.12 })).toEqual([]);
  });

  it('a slower collector (CPU ratio +45 %, beyond the 30 % tolerance) fails, and the message says which figure moved and by how much', () => {
    const verdicts = compareToBaseline(baseline, { ...asRecorded, collector_cpu_per_generator_cpu: 1.45 });
    const v = verdicts.find((x) => x.figure === 'collector_cpu_per_generator_cpu')!;
    expect(v.passed).toBe(false);
    expect(v.deltaRelative).toBeCloseTo(0.45, 6);
    expect(verdicts.filter((x) => !x.passed)).toHaveLength(1);
    expect(formatVerdict(v)).toBe('FAIL   collector_cpu_per_generator_cpu: 1 -> 1.45 (+45.0%, +0.45; allowed <= 1.3)');
  });

  it('unexplained loss gates exactly: one span fails', () => {
    const v = compareFigure('unexplained_loss', baseline.figures.unexplained_loss!, 1);
    expect(v.passed).toBe(false);
    expect(formatVerdict(v)).toBe('FAIL   unexplained_loss: 0 -> 1 (+1; allowed == 0)');
    expect(failures({ ...asRecorded, unexplained_loss: 1 })).toEqual(['unexplained_loss']);
  });

  it('error traces kept gates exactly: 99.5 % fails', () => {
    expect(failures({ ...asRecorded, error_traces_kept: 0.995 })).toEqual(['error_traces_kept']);
  });

  it('delivery below the tolerance fails; a head share outside its band fails either way', () => {
    expect(failures({ ...asRecorded, delivered_share: 0.96 })).toEqual(['delivered_share']);
    expect(failures({ ...asRecorded, head_kept_share: 0.14 })).toEqual(['head_kept_share']);
    expect(failures({ ...asRecorded, head_kept_share: 0.06 })).toEqual(['head_kept_share']);
  });

  it('improving beyond the tolerance passes with a hint to refresh the baseline', () => {
    const v = compareFigure('collector_cpu_per_generator_cpu', baseline.figures.collector_cpu_per_generator_cpu!, 0.5);
    expect(v).toMatchObject({ passed: true, improved: true });
    expect(formatVerdict(v)).toMatch(/^better .*consider npm run gates -- --update$/);
  });

  it('a figure missing from the run fails; one missing from the baseline fails too', () => {
    const { collector_rss_max_mib: _, ...withoutRss } = asRecorded;
    expect(failures(withoutRss)).toEqual(['collector_rss_max_mib']);
    expect(failures({ ...asRecorded, new_figure: 3 })).toEqual(['new_figure']);
    expect(formatVerdict(compareToBaseline(baseline, withoutRss).find((v) => !v.passed)!)).toBe('FAIL   collector_rss_max_mib: missing from the run (baseline 176)');
  });

  it('--update keeps the checks and tolerances of the old file and prints old and new side by side', () => {
    const next = updatedBaseline(
      { ...baseline, advisory: 'a known issue' },
      { gate: 'passthrough', scenario: 'scenarios/passthrough.yaml', rate: 10000, durationMs: 20000 },
      { collector_cpu_per_generator_cpu: { check: 'lower_is_better', tolerance: { relative: 0.5 } }, added: { check: 'exact' } },
      { ...asRecorded, collector_cpu_per_generator_cpu: 1.123456, added: 2 },
    );
    expect(next.figures.collector_cpu_per_generator_cpu).toEqual({ value: 1.123, check: 'lower_is_better', tolerance: { relative: 0.3 } });
    expect(next.figures.added).toEqual({ value: 2, check: 'exact' });
    expect(next.advisory).toBe('a known issue');
    const text = formatUpdate('passthrough', baseline, next);
    expect(text).toMatch(/collector_cpu_per_generator_cpu\s+1\s+1\.123\s+\+12\.3%/);
    expect(text).toMatch(/added\s+-\s+2\s+added/);
  });
});
