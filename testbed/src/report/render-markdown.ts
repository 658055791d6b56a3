/** report.md: the headline tables as Markdown, padded so they read in a terminal too. Pure. */
import { markdownTable } from './markdown-table.ts';
import type { ReportData } from './report-data.ts';
import { reportSections, reportTitle } from './report-sections.ts';

export function renderMarkdown(d: ReportData): string {
  const out: string[] = [`# ${reportTitle(d)}`, ''];
  for (const s of reportSections(d)) {
    out.push(`${'#'.repeat(s.level)} ${s.title}`, '');
    for (const l of s.lines) out.push(`${l}  `);
    if (s.lines.length > 0) out.push('');
    for (const t of s.tables) {
      if (t.caption) out.push(`${t.caption}:`, '');
      out.push(markdownTable(t.header, t.rows), '');
    }
    for (const l of s.links) out.push(`- [${l.label}](${encodeURI(l.href)})`);
    if (s.links.length > 0) out.push('');
  }
  out.push('Charts (spans/s per hop with fault windows, CPU and RSS per process, the loss waterfall): [report.html](report.html). Every figure and time series: [report.json](report.json).', '');
  return out.join('\n');
}
