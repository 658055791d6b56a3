/**
 * report.html: one self-contained file (inline CSS, charts as inline SVG, no script, no external
 * reference), readable offline. renderHtml is a pure function of the data and the drawn charts;
 * renderHtmlReport draws the charts first.
 */
import { chartSpecs, type ChartDef } from './charts.ts';
import type { ReportData } from './report-data.ts';
import { reportSections, reportTitle, type Table } from './report-sections.ts';
import { escapeHtml, renderCharts } from './render-svg.ts';

const CSS = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; margin: 24px auto; max-width: 1100px; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ddd; padding-bottom: 4px; } h3 { font-size: 15px; margin-top: 22px; }
table { border-collapse: collapse; margin: 8px 0 14px; font-size: 13px; } caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { border: 1px solid #ddd; padding: 3px 8px; vertical-align: top; } th { background: #f5f5f5; text-align: left; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.status-passed { color: #1a7f37; } .status-failed, .status-error { color: #cf222e; } .status-skipped, .status-interrupted { color: #9a6700; }
figure.chart { margin: 10px 0 18px; } figure.chart svg { max-width: 100%; height: auto; } p.line { margin: 2px 0; } p.error { color: #cf222e; }
nav a { margin-right: 12px; } code { background: #f5f5f5; padding: 0 3px; }
`;

const NUMERIC = /^[-+]?[\d.,]+(\s?[%a-zA-Z/]*)?$/;

function tableHtml(t: Table): string {
  const head = `<tr>${t.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const rows = t.rows.map((r) => `<tr>${r.map((c) => `<td${NUMERIC.test(c) ? ' class="num"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table>${t.caption ? `<caption>${escapeHtml(t.caption)}</caption>` : ''}\n<thead>${head}</thead>\n<tbody>\n${rows}\n</tbody></table>`;
}

/** The page, given every chart already drawn (chart id -> SVG). */
export function renderHtml(d: ReportData, charts: readonly ChartDef[], svgs: ReadonlyMap<string, string>): string {
  const sections = reportSections(d);
  const placed = new Set<string>();
  const body: string[] = [];
  body.push(`<h1 class="status-${d.status}">${escapeHtml(reportTitle(d))}</h1>`);
  body.push(`<nav>${sections.filter((s) => s.level === 2).map((s) => `<a href="#${s.id}">${escapeHtml(s.title)}</a>`).join('')}</nav>`);
  for (const s of sections) {
    body.push(`<section id="${s.id}">`, `<h${s.level}>${escapeHtml(s.title)}</h${s.level}>`);
    for (const l of s.lines) body.push(`<p class="line">${escapeHtml(l)}</p>`);
    for (const t of s.tables) body.push(tableHtml(t));
    if (s.links.length > 0) body.push(`<ul>${s.links.map((l) => `<li><a href="${escapeHtml(encodeURI(l.href))}">${escapeHtml(l.label)}</a></li>`).join('')}</ul>`);
    for (const id of s.charts) {
      const svg = svgs.get(id);
      if (!svg) continue;
      placed.add(id);
      const c = charts.find((x) => x.id === id);
      body.push(`<figure class="chart" id="chart-${id}" data-chart="${id}" aria-label="${escapeHtml(c?.title ?? id)}">${svg}</figure>`);
    }
    body.push('</section>');
  }
  // Charts no section claimed (none today; a new chart still shows up).
  const rest = charts.filter((c) => !placed.has(c.id) && svgs.has(c.id));
  if (rest.length > 0) {
    body.push('<section id="more-charts"><h2>More charts</h2>');
    for (const c of rest) body.push(`<figure class="chart" id="chart-${c.id}" data-chart="${c.id}" aria-label="${escapeHtml(c.title)}">${svgs.get(c.id)}</figure>`);
    body.push('</section>');
  }
  body.push('<p class="line">Every figure and time series: <a href="report.json">report.json</a>; the same tables as text: <a href="report.md">report.md</a>.</p>');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(reportTitle(d))}</title>
<style>${CSS}</style>
</head>
<body>
${body.join('\n')}
</body>
</html>
`;
}

/** Draws the charts and renders the page. */
export async function renderHtmlReport(d: ReportData): Promise<string> {
  const charts = chartSpecs(d);
  return renderHtml(d, charts, await renderCharts(charts));
}
