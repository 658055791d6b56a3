/**
 * report.html in a real browser: headless Chromium (Debian's package) opens the report of a fixed
 * result with the network cut off; no console error, no request leaving the file, and every chart
 * has drawn marks. The page and its screenshot are kept in reports/browser-check/<name>/ for a look.
 * Skipped, saying why, where chromium is not installed; .ci/run installs it, so CI (CI=true) fails
 * instead of skipping.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ScenarioResult } from '../run/run-result.ts';
import { REPO_ROOT } from '../scenario/load-scenario.ts';
import { checkReportInBrowser, findChromium } from '../testing/browser-check.ts';
import { chartSpecs } from './charts.ts';
import { buildReportData } from './report-data.ts';
import { renderHtmlReport } from './render-html.ts';

const chromium = findChromium();
const skip = !chromium && !process.env.CI;
if (skip) process.stderr.write('report.browser.test: SKIPPED - chromium is not installed (apt-get install -y chromium; .ci/run installs it)\n');

describe('report.html in headless Chromium', () => {
  for (const name of ['head-vs-tail', 'gateway-crash']) {
    it.skipIf(skip)(`${name}: opens offline with no console error, and every chart has drawn${skip ? ' (skipped: chromium is not installed)' : ''}`, async () => {
      expect(chromium, 'chromium is not installed; .ci/run should have installed it (apt-get install -y chromium)').toBeDefined();
      const result = JSON.parse(readFileSync(new URL(`./fixtures/${name}.result.json`, import.meta.url), 'utf8')) as ScenarioResult;
      const data = buildReportData(result);
      const dir = join(REPO_ROOT, 'reports', 'browser-check', name);
      mkdirSync(dir, { recursive: true });
      const html = join(dir, 'report.html');
      writeFileSync(html, await renderHtmlReport(data));
      const check = await checkReportInBrowser(html, join(dir, 'report.png'));
      expect(check.title).toBe(`${name}: ${data.status.toUpperCase()}`);
      expect(check.consoleErrors).toEqual([]);
      expect(check.pageErrors).toEqual([]);
      expect(check.externalRequests).toEqual([]);
      const expected = chartSpecs(data).map((c) => c.id);
      expect(check.charts.map((c) => c.id).sort()).toEqual([...expected].sort());
      for (const c of check.charts) {
        expect(c.marks, `chart ${c.id} drew no marks`).toBeGreaterThan(0);
        expect(c.width, `chart ${c.id} has no width`).toBeGreaterThan(100);
        expect(c.height, `chart ${c.id} has no height`).toBeGreaterThan(50);
      }
      expect(statSync(check.screenshot).size).toBeGreaterThan(10_000);
    }, 90_000);
  }
});
