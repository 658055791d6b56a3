/**
 * Vega-Lite spec -> SVG text, server-side in Node (vega's SVG string renderer: no canvas, no DOM,
 * no network; text widths are estimated, so the output is the same on every machine).
 *
 * vega numbers clip paths and gradients from a process-wide counter; the ids are renumbered per
 * chart (prefixed with the chart's id) so the output does not depend on what was drawn before and
 * several inline SVGs in one HTML page cannot collide.
 */
import type { ChartDef, VegaLiteSpec } from './charts.ts';

let modules: Promise<{ vega: typeof import('vega'); vl: typeof import('vega-lite') }> | undefined;

function load(): Promise<{ vega: typeof import('vega'); vl: typeof import('vega-lite') }> {
  modules ??= Promise.all([import('vega'), import('vega-lite')]).then(([vega, vl]) => ({ vega, vl }));
  return modules;
}

export async function renderSvg(spec: VegaLiteSpec, idPrefix: string): Promise<string> {
  const { vega, vl } = await load();
  const compiled = vl.compile(spec as unknown as Parameters<typeof vl.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logLevel: vega.Warn });
  try {
    const svg = await view.toSVG();
    return renumberIds(svg, idPrefix);
  } finally {
    view.finalize();
  }
}

/** Renumbers id="..." (and their url(#...) / href="#..." uses) in order of appearance. */
export function renumberIds(svg: string, prefix: string): string {
  const ids = new Map<string, string>();
  for (const m of svg.matchAll(/\bid="([^"]+)"/g)) if (!ids.has(m[1]!)) ids.set(m[1]!, `${prefix}-${ids.size + 1}`);
  if (ids.size === 0) return svg;
  return svg
    .replace(/\bid="([^"]+)"/g, (_, id: string) => `id="${ids.get(id)}"`)
    .replace(/url\(#([^)]+)\)/g, (m, id: string) => (ids.has(id) ? `url(#${ids.get(id)})` : m))
    .replace(/href="#([^"]+)"/g, (m, id: string) => (ids.has(id) ? `href="#${ids.get(id)}"` : m));
}

/** Every chart as SVG, by chart id. A chart that fails to render becomes an error note, not a failed report. */
export async function renderCharts(charts: readonly ChartDef[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const c of charts) {
    try {
      out.set(c.id, await renderSvg(c.spec, c.id));
    } catch (e) {
      out.set(c.id, `<p class="error">chart ${c.id} could not be drawn: ${escapeHtml((e as Error).message)}</p>`);
    }
  }
  return out;
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
