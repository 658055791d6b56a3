/**
 * Reports from fixed results (two real runs recorded into fixtures/, paths made neutral): the
 * aggregation's figures, and every format as a file snapshot. No clock, no sockets: the same
 * fixture gives the same bytes.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioResult } from '../run/run-result.ts';
import { chartSpecs } from './charts.ts';
import { buildReportData } from './report-data.ts';
import { renderHtml, renderHtmlReport } from './render-html.ts';
import { renderMarkdown } from './render-markdown.ts';
import { renderCharts, renderSvg, renumberIds } from './render-svg.ts';

const fixture = (name: string): ScenarioResult => JSON.parse(readFileSync(new URL(`./fixtures/${name}.result.json`, import.meta.url), 'utf8')) as ScenarioResult;

describe('report data', () => {
  it('head vs tail: both variants side by side, same load; tail keeps every error and slow trace', () => {
    const d = buildReportData(fixture('head-vs-tail'));
    expect(d.runs.map((r) => r.variant)).toEqual(['head', 'tail']);
    const [head, tail] = d.comparison!.variants;
    expect(head!.variant).toBe('head');
    expect(tail).toMatchObject({ variant: 'tail', errorKeptShare: 1, slowKeptShare: 1, completeShare: 1, unexplained: 0 });
    expect(head!.errorKeptShare).toBeLessThan(1);
    expect(head!.tiers.map((t) => t.role)).toEqual(['agent', 'gateway']);
    expect(d.comparison!.cost!.map((c) => c.label)).toEqual(['no sampling', 'head', 'tail']);
    // Tail stores more than head (errors and slow traces on top of its 10 %), and the storage follows.
    expect(tail!.storedPerSecond).toBeGreaterThan(head!.storedPerSecond);
    expect(tail!.storedGBPerDayRaw!).toBeGreaterThan(head!.storedGBPerDayRaw!);
  });

  it('the loss waterfall adds up: sent minus every decrease is what was stored', () => {
    for (const name of ['head-vs-tail', 'gateway-crash']) {
      const d = buildReportData(fixture(name));
      for (const f of d.figures) {
        const w = f.waterfall;
        const sentAt = w.findIndex((s) => s.label.startsWith('sent'));
        const afterSent = w.slice(sentAt + 1, -1).filter((s) => s.kind === 'decrease' || s.kind === 'unexplained');
        const stored = w.at(-1)!;
        expect(w[sentAt]!.value - afterSent.reduce((a, s) => a + s.value, 0)).toBe(stored.value);
        expect(stored.value).toBe(f.spans!.storedSent);
        // Each bar starts where the previous ended.
        for (let i = 1; i < w.length; i++) if (w[i]!.kind !== 'total') expect(w[i]!.from).toBe(w[i - 1]!.kind === 'total' ? w[i - 1]!.to : w[i - 1]!.kind === 'info' ? w[i - 1]!.from : w[i - 1]!.to);
      }
    }
  });

  it('gateway crash: the fault window and the restarted instance are in the figures', () => {
    const d = buildReportData(fixture('gateway-crash'));
    const f = d.figures[0]!;
    expect(f.faultWindows).toHaveLength(1);
    expect(f.faultWindows[0]!.label).toBe('gateway_crash gateway-0');
    expect(f.faultWindows[0]!.endMs).toBeGreaterThan(f.faultWindows[0]!.startMs);
    expect(f.processes.map((p) => p.label)).toEqual(expect.arrayContaining(['gateway-0', 'gateway-0#2', 'agent-0', 'testbed']));
    expect(d.runs[0]!.profiles!.map((p) => p.file)).toEqual(expect.arrayContaining(['profiles/agent-0.1.cpuprofile', 'profiles/gateway-0.2.cpuprofile']));
  });

  it('is a pure function: the same result twice gives the same data, and the input is not changed', () => {
    const input = fixture('head-vs-tail');
    const before = JSON.stringify(input);
    expect(JSON.stringify(buildReportData(input))).toBe(JSON.stringify(buildReportData(fixture('head-vs-tail'))));
    expect(JSON.stringify(input)).toBe(before);
  });
});

describe('report formats', () => {
  for (const name of ['head-vs-tail', 'gateway-crash']) {
    it(`${name}: report.md, report.html and the derived figures of report.json match their snapshots`, async () => {
      const d = buildReportData(fixture(name));
      await expect(renderMarkdown(d)).toMatchFileSnapshot(`./__snapshots__/${name}.report.md`);
      await expect(JSON.stringify({ figures: d.figures, comparison: d.comparison }, null, 1)).toMatchFileSnapshot(`./__snapshots__/${name}.figures.json`);
      const html = await renderHtmlReport(d);
      await expect(html).toMatchFileSnapshot(`./__snapshots__/${name}.report.html`);
    }, 30_000);
  }

  it('report.html is self-contained: no script, stylesheet link, image or remote reference; every chart is inline SVG', async () => {
    const d = buildReportData(fixture('head-vs-tail'));
    const charts = chartSpecs(d);
    const html = renderHtml(d, charts, await renderCharts(charts));
    expect(html).not.toMatch(/<script|<link|<img|<iframe|src=|url\(http|href="https?:/i);
    const figures = [...html.matchAll(/<figure class="chart" id="chart-([^"]+)"[^>]*><svg /g)].map((m) => m[1]);
    expect(figures.sort()).toEqual(charts.map((c) => c.id).sort());
    // hops, CPU, RSS, waterfall and four Prometheus queries per variant, plus the comparison.
    expect(charts.map((c) => c.id)).toEqual(expect.arrayContaining(['variants', 'head-vs-tail_head-hops', 'head-vs-tail_tail-waterfall', 'head-vs-tail_tail-prom-3']));
  }, 30_000);

  it('charts render the same SVG every time, with ids of their own', async () => {
    const d = buildReportData(fixture('gateway-crash'));
    const hop = chartSpecs(d).find((c) => c.id.endsWith('-hops'))!;
    const a = await renderSvg(hop.spec, hop.id);
    const b = await renderSvg(hop.spec, hop.id);
    expect(a).toBe(b);
    expect(a).toMatch(/^<svg /);
    expect(a).toContain('role-mark');
    const ids = [...a.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]!);
    for (const id of ids) expect(id.startsWith(`${hop.id}-`)).toBe(true);
    expect(renumberIds('<clipPath id="clip7"/><g clip-path="url(#clip7)"/>', 'x')).toBe('<clipPath id="x-1"/><g clip-path="url(#x-1)"/>');
  }, 30_000);
});
