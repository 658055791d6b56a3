/**
 * The report's charts as Vega-Lite specs, built from ReportData (pure): spans/s per hop over time
 * with the fault windows shaded, CPU % and RSS per process over time, the loss waterfall, the
 * variants side by side (head vs tail), and the Prometheus queries. render-svg.ts draws them.
 */
import type { RunResult } from '../run/run-result.ts';
import { processLabel, seriesLabel, type FaultWindow, type ReportData, type RunFigures, type VariantComparison } from './report-data.ts';

/** A Vega-Lite spec (kept loose: vega-lite's own types are large and add nothing here). */
export type VegaLiteSpec = Record<string, unknown>;

export interface ChartDef {
  /** Unique in the report, safe as an HTML id. */
  id: string;
  title: string;
  /** The run the chart belongs to (absent: the whole scenario). */
  run?: string;
  spec: VegaLiteSpec;
}

const WIDTH = 640;
const HEIGHT = 220;
const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const FAULT_FILL = '#f58518';

const BASE_CONFIG = {
  font: 'sans-serif',
  background: 'white',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 11, gridColor: '#eee' },
  legend: { labelFontSize: 11, titleFontSize: 11, labelLimit: 260 },
  title: { fontSize: 13, anchor: 'start' },
};

export function chartId(...parts: string[]): string {
  return parts.join('-').replace(/[^A-Za-z0-9_-]+/g, '_');
}

export function chartSpecs(data: ReportData): ChartDef[] {
  const out: ChartDef[] = [];
  if (data.comparison) out.push(comparisonChart(data.comparison));
  data.figures.forEach((f, i) => {
    const run = data.runs[i]!;
    if (run.series.length > 0) out.push(hopChart(run, f));
    const withSeries = run.processes.filter((p) => p.resources.series.timeMs.length > 0);
    if (withSeries.length > 0) {
      out.push(resourceChart(run, f, 'cpu'));
      out.push(resourceChart(run, f, 'rss'));
    }
    if (f.waterfall.length > 0) out.push(waterfallChart(f));
    run.prometheus?.queries.forEach((q, k) => {
      if (q.series.some((s) => s.points.length > 0)) out.push(promChart(f, q, k));
    });
  });
  return out;
}

function withConfig(spec: VegaLiteSpec): VegaLiteSpec {
  return { $schema: SCHEMA, config: BASE_CONFIG, ...spec };
}

/** The shaded fault windows under a time chart (x in seconds). */
function faultLayer(windows: readonly FaultWindow[]): VegaLiteSpec[] {
  if (windows.length === 0) return [];
  return [
    {
      data: { values: windows.map((w) => ({ start: w.startMs / 1000, end: w.endMs / 1000, fault: w.label })) },
      mark: { type: 'rect', color: FAULT_FILL, opacity: 0.15 },
      encoding: { x: { field: 'start', type: 'quantitative' }, x2: { field: 'end' }, tooltip: [{ field: 'fault', type: 'nominal' }] },
    },
    {
      data: { values: windows.map((w) => ({ start: w.startMs / 1000, fault: w.label })) },
      mark: { type: 'text', align: 'left', baseline: 'top', dx: 3, dy: 3, fontSize: 10, color: '#b3590b' },
      encoding: { x: { field: 'start', type: 'quantitative' }, y: { value: 0 }, text: { field: 'fault', type: 'nominal' } },
    },
  ];
}

function timeAxis(f: RunFigures): VegaLiteSpec {
  return { field: 't', type: 'quantitative', title: 'seconds since the load started', scale: { domain: [Math.floor(f.startMs / 1000), Math.ceil(f.endMs / 1000)], nice: false } };
}

export function hopChart(run: RunResult, f: RunFigures): ChartDef {
  const values: { t: number; hop: string; value: number }[] = [];
  for (const s of run.series) for (let i = 1; i < s.timeMs.length; i++) values.push({ t: s.timeMs[i]! / 1000, hop: s.name, value: s.perSecond[i]! });
  return {
    id: chartId(f.label, 'hops'),
    title: `${f.label}: spans/s per hop`,
    run: f.label,
    spec: withConfig({
      title: 'spans/s per hop (shaded: fault windows)',
      width: WIDTH,
      height: HEIGHT,
      layer: [
        ...faultLayer(f.faultWindows),
        {
          data: { values },
          mark: { type: 'line', point: { size: 12 }, interpolate: 'linear' },
          encoding: {
            x: timeAxis(f),
            y: { field: 'value', type: 'quantitative', title: 'spans/s' },
            color: { field: 'hop', type: 'nominal', title: 'hop', sort: run.series.map((s) => s.name) },
          },
        },
      ],
    }),
  };
}

export function resourceChart(run: RunResult, f: RunFigures, what: 'cpu' | 'rss'): ChartDef {
  const values: { t: number; process: string; value: number }[] = [];
  const order: string[] = [];
  for (const p of run.processes) {
    const s = p.resources.series;
    const label = processLabel(p);
    order.push(label);
    for (let i = 0; i < s.timeMs.length; i++) values.push({ t: s.timeMs[i]! / 1000, process: label, value: what === 'cpu' ? s.cpuPercent[i]! : s.rssMiB[i]! });
  }
  const title = what === 'cpu' ? 'CPU % per process (100 = one core)' : 'RSS per process (MiB)';
  return {
    id: chartId(f.label, what),
    title: `${f.label}: ${title}`,
    run: f.label,
    spec: withConfig({
      title,
      width: WIDTH,
      height: HEIGHT,
      layer: [
        ...faultLayer(f.faultWindows),
        {
          data: { values },
          mark: { type: 'line', interpolate: 'linear' },
          encoding: {
            x: timeAxis(f),
            y: { field: 'value', type: 'quantitative', title: what === 'cpu' ? 'CPU %' : 'MiB' },
            color: { field: 'process', type: 'nominal', title: 'process', sort: order },
          },
        },
      ],
    }),
  };
}

const WATERFALL_COLORS = { domain: ['total', 'decrease', 'info', 'unexplained'], range: ['#4c78a8', '#e45756', '#bab0ac', '#9d0208'] };

export function waterfallChart(f: RunFigures): ChartDef {
  const values = f.waterfall.map((s, i) => ({
    order: i,
    step: s.label,
    kind: s.kind,
    value: s.value,
    from: s.from,
    // An info step (refused, then retried) is drawn as its size beside the level; it takes nothing away.
    to: s.kind === 'info' ? s.from - s.value : s.to,
    text: s.value.toLocaleString('en-US'),
  }));
  return {
    id: chartId(f.label, 'waterfall'),
    title: `${f.label}: where the spans went`,
    run: f.label,
    spec: withConfig({
      title: 'loss accounting: sent -> refused/retried -> dropped (by reason) -> unexplained',
      width: WIDTH - 160,
      height: { step: 22 },
      data: { values },
      encoding: {
        y: { field: 'step', type: 'ordinal', sort: { field: 'order' }, title: null, axis: { labelLimit: 320 } },
      },
      layer: [
        {
          mark: { type: 'bar', minBandSize: 2 },
          encoding: {
            x: { field: 'from', type: 'quantitative', title: 'spans' },
            x2: { field: 'to' },
            color: { field: 'kind', type: 'nominal', scale: WATERFALL_COLORS, title: null },
          },
        },
        {
          mark: { type: 'text', align: 'left', dx: 4, fontSize: 10 },
          encoding: { x: { field: 'from', type: 'quantitative' }, text: { field: 'text', type: 'nominal' } },
        },
      ],
    }),
  };
}

const pct = (x: number) => Math.round(x * 1000) / 10;

export function comparisonChart(c: VariantComparison): ChartDef {
  const values: { metric: string; variant: string; value: number }[] = [];
  const metrics: string[] = [];
  const add = (metric: string, variant: string, value: number | undefined) => {
    if (value === undefined) return;
    if (!metrics.includes(metric)) metrics.push(metric);
    values.push({ metric, variant, value });
  };
  for (const v of c.variants) {
    for (const t of v.tiers) add(`${t.role} CPU-seconds`, v.variant, t.cpuSeconds);
    for (const t of v.tiers) add(`${t.role} RSS max (MiB)`, v.variant, t.rssMaxMiB);
    add('spans stored per second', v.variant, v.storedPerSecond);
    add('error traces kept (%)', v.variant, pct(v.errorKeptShare));
    add('slow traces kept (%)', v.variant, pct(v.slowKeptShare));
    add('endpoints with a kept trace (%)', v.variant, pct(v.endpoints === 0 ? 1 : v.endpointsKept / v.endpoints));
    add('storage per day, raw (GB)', v.variant, v.storedGBPerDayRaw === undefined ? undefined : Math.round(v.storedGBPerDayRaw * 100) / 100);
  }
  return {
    id: 'variants',
    title: `variants side by side: ${c.variants.map((v) => v.variant).join(' vs ')}`,
    spec: withConfig({
      title: `${c.variants.map((v) => v.variant).join(' vs ')}: same load, side by side`,
      data: { values },
      columns: 3,
      facet: { field: 'metric', type: 'nominal', sort: metrics, title: null, header: { labelFontSize: 11, labelLimit: 200 } },
      spec: {
        width: 150,
        height: 110,
        layer: [
          {
            mark: 'bar',
            encoding: {
              x: { field: 'variant', type: 'nominal', title: null, sort: c.variants.map((v) => v.variant), axis: { labelAngle: 0 } },
              y: { field: 'value', type: 'quantitative', title: null },
              color: { field: 'variant', type: 'nominal', legend: null, sort: c.variants.map((v) => v.variant) },
            },
          },
          {
            mark: { type: 'text', dy: -4, fontSize: 10 },
            encoding: {
              x: { field: 'variant', type: 'nominal', sort: c.variants.map((v) => v.variant) },
              y: { field: 'value', type: 'quantitative' },
              text: { field: 'value', type: 'quantitative', format: ',.4~r' },
            },
          },
        ],
      },
      resolve: { scale: { y: 'independent' } },
    }),
  };
}

export function promChart(f: RunFigures, q: NonNullable<RunResult['prometheus']>['queries'][number], k: number): ChartDef {
  const values: { t: number; series: string; value: number }[] = [];
  for (const s of q.series) for (const [t, v] of s.points) values.push({ t: t / 1000, series: seriesLabel(s.labels), value: v });
  return {
    id: chartId(f.label, 'prom', String(k)),
    title: `${f.label}: ${q.query}`,
    run: f.label,
    spec: withConfig({
      title: q.query,
      width: WIDTH,
      height: 160,
      layer: [
        ...faultLayer(f.faultWindows),
        {
          data: { values },
          mark: { type: 'line', interpolate: 'linear' },
          encoding: { x: timeAxis(f), y: { field: 'value', type: 'quantitative', title: null }, color: { field: 'series', type: 'nominal', title: 'series' } },
        },
      ],
    }),
  };
}
