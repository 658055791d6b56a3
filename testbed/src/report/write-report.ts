/**
 * Writes a scenario's report directory: report.json (ReportData: every figure and time series),
 * report.md (headline tables) and report.html (tables and charts, self-contained). report.json is
 * written first, so a failure to draw leaves the data.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScenarioResult } from '../run/run-result.ts';
import { buildReportData, type ReportData } from './report-data.ts';
import { renderHtmlReport } from './render-html.ts';
import { renderMarkdown } from './render-markdown.ts';

export interface ReportFiles {
  json: string;
  markdown: string;
  html?: string;
  data: ReportData;
}

export async function writeReports(dir: string, result: ScenarioResult, o: { log?: (line: string) => void } = {}): Promise<ReportFiles> {
  const data = buildReportData(result);
  const json = join(dir, 'report.json');
  writeFileSync(json, `${JSON.stringify(data, null, 1)}\n`);
  const markdown = join(dir, 'report.md');
  writeFileSync(markdown, renderMarkdown(data));
  const files: ReportFiles = { json, markdown, data };
  try {
    const html = join(dir, 'report.html');
    writeFileSync(html, await renderHtmlReport(data));
    files.html = html;
  } catch (e) {
    o.log?.(`report.html could not be written: ${(e as Error).message}`);
  }
  return files;
}
