/**
 * The report's headline tables, as plain data (sections of tables and lines), from ReportData.
 * report.md and report.html both render these, so the two always say the same thing.
 */
import type { RunResult } from '../run/run-result.ts';
import { COST_COLUMNS, costCells, sig3 } from './cost-model.ts';
import type { ReportData, RunFigures, VariantComparison } from './report-data.ts';

export interface Table {
  caption?: string;
  header: string[];
  rows: string[][];
}

export interface Link {
  label: string;
  /** Relative to the report directory. */
  href: string;
}

export interface Section {
  /** Unique, safe as an HTML id. */
  id: string;
  title: string;
  level: 2 | 3;
  lines: string[];
  tables: Table[];
  links: Link[];
  /** Chart ids drawn in this section (HTML). */
  charts: string[];
}

export const n = (x: number | undefined): string => (x === undefined ? '-' : Math.round(x).toLocaleString('en-US'));
export const pct = (x: number | undefined): string => (x === undefined ? '-' : `${+(x * 100).toFixed(1)}%`);
const num = (x: number | undefined): string => (x === undefined ? '-' : sig3(x));
const sec = (ms: number | undefined): string => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)}s`);

function section(id: string, title: string, level: 2 | 3 = 2): Section {
  return { id, title, level, lines: [], tables: [], links: [], charts: [] };
}

const slug = (s: string): string => s.replace(/[^A-Za-z0-9_-]+/g, '_');

export function reportTitle(d: ReportData): string {
  return `${d.scenario}: ${d.status.toUpperCase()}`;
}

export function reportSections(d: ReportData): Section[] {
  const out: Section[] = [summarySection(d)];
  if (d.comparison) out.push(comparisonSection(d.comparison, d));
  d.figures.forEach((f, i) => out.push(...runSections(d.runs[i]!, f)));
  return out;
}

function summarySection(d: ReportData): Section {
  const s = section('summary', 'Summary');
  const first = d.runs[0];
  if (d.file) s.lines.push(`scenario file: ${d.file}`);
  if (first) s.lines.push(`started ${first.startedAt}; collector: ${first.collector.command}${first.collector.target ? ` -> ${first.collector.target}` : ''}`);
  s.tables.push({
    header: ['run', 'status', 'load', 'sent', 'stored', 'delivered', 'loss', 'unexplained', 'assertions'],
    rows: d.figures.map((f, i) => {
      const r = d.runs[i]!;
      const passed = r.assertions.filter((a) => a.passed).length;
      return [
        f.label,
        f.status + (f.note ? ` (${f.note})` : ''),
        `${n(r.load.rate)} spans/s x ${sec(r.load.durationMs)} ${r.load.protocol}`,
        n(f.spans?.sent),
        n(f.spans?.stored),
        pct(f.spans?.deliveredShare),
        f.loss?.verdict ?? '-',
        n(f.spans?.unexplained),
        r.assertions.length ? `${passed}/${r.assertions.length}` : '-',
      ];
    }),
  });
  return s;
}

function comparisonSection(c: VariantComparison, d: ReportData): Section {
  const names = c.variants.map((v) => v.variant);
  const headVsTail = names.includes('head') && names.includes('tail');
  const s = section('variants', headVsTail ? 'Head vs tail sampling' : `Variants: ${names.join(' vs ')}`);
  s.lines.push('The same generated load (same seed: the same traces, errors and slow traces) through each variant.');
  const row = (label: string, get: (v: VariantComparison['variants'][number]) => string) => [label, ...c.variants.map(get)];
  const roles = [...new Set(c.variants.flatMap((v) => v.tiers.map((t) => t.role)))];
  const tier = (v: VariantComparison['variants'][number], role: string) => v.tiers.find((t) => t.role === role);
  const rows: string[][] = [];
  for (const role of roles) {
    rows.push(row(`${role} CPU-seconds`, (v) => num(tier(v, role)?.cpuSeconds)));
    rows.push(row(`${role} CPU-s per million spans sent`, (v) => num(tier(v, role)?.cpuSecondsPerMillionSpans)));
    rows.push(row(`${role} RSS max (MiB)`, (v) => num(tier(v, role)?.rssMaxMiB)));
  }
  rows.push(row('spans stored per second', (v) => num(v.storedPerSecond)));
  rows.push(row('traces kept', (v) => pct(v.keptShare)));
  rows.push(row('error traces kept', (v) => pct(v.errorKeptShare)));
  rows.push(row('slow traces kept', (v) => pct(v.slowKeptShare)));
  rows.push(row('kept traces complete', (v) => pct(v.completeShare)));
  rows.push(row('endpoints with a kept trace', (v) => `${v.endpointsKept} of ${v.endpoints}`));
  rows.push(row('storage per day, raw (GB)', (v) => num(v.storedGBPerDayRaw)));
  rows.push(row('storage per day, gzip (GB)', (v) => num(v.storedGBPerDayGzip)));
  rows.push(row('spans lost unexplained', (v) => n(v.unexplained)));
  s.tables.push({ header: ['figure', ...names], rows });
  if (c.cost) {
    const input = d.figures.find((f) => f.volume)?.volume?.input;
    s.tables.push({
      caption: `Volume of this load before and after each sampling mode${input ? ` (${num(input.requestsPerSecond)} requests/s x ${num(input.spansPerRequest)} spans x ${num(input.bytesPerSpan)} B/span, gzip ratio ${num(input.gzipRatio)})` : ''}`,
      header: [...COST_COLUMNS],
      rows: costCells(c.cost),
    });
  }
  s.charts.push('variants');
  return s;
}

function runSections(r: RunResult, f: RunFigures): Section[] {
  const id = slug(f.label);
  const head = section(`run-${id}`, `Run ${f.label}: ${f.status}`);
  if (r.description) head.lines.push(r.description);
  if (f.note) head.lines.push(`${f.status}: ${f.note}`);
  const t = r.topology;
  head.lines.push(
    `topology: ${t.kind}${t.kind === 'tiered' ? ` (${t.agents} agent(s), ${t.gateways} gateway(s)${t.gateways !== t.requestedGateways ? ` of ${t.requestedGateways} asked` : ''})` : ''}; load: ${n(r.load.rate)} spans/s for ${sec(r.load.durationMs)} (${r.load.protocol}, ${r.load.shape})`,
  );
  for (const note of t.notes) head.lines.push(`note: ${note}`);
  if (f.status === 'skipped' || (!f.spans && r.processes.length === 0)) return [head];

  if (f.spans) {
    const s = f.spans;
    head.tables.push({
      caption: 'Spans',
      header: ['generated', 'sent', 'stored', 'sent/s', 'stored/s', 'delivered', 'counted drops', 'sampled out', 'unexplained', 'duplicates'],
      rows: [[n(s.generated), n(s.sent), n(s.stored), n(s.sentPerSecond), n(s.storedPerSecond), pct(s.deliveredShare), n(s.countedDrops), n(s.sampledOut), n(s.unexplained), n(s.duplicates)]],
    });
  }
  if (f.loss) head.lines.push(`loss: ${f.loss.verdict} - ${f.loss.text}`);
  if (r.drain) head.lines.push(`drain: ${r.drain.drained ? 'drained' : 'not drained'} after ${sec(r.drain.waitedMs)} (${r.drain.reason})`);
  head.charts.push(`${id}-hops`);

  const out = [head];
  if (f.waterfall.length > 0) {
    const w = section(`loss-${id}`, 'Loss accounting', 3);
    w.tables.push({ header: ['step', 'spans', 'level after'], rows: f.waterfall.map((s) => [s.label, (s.kind === 'decrease' || s.kind === 'unexplained') && s.value !== 0 ? `-${n(s.value)}` : n(s.value), n(s.to)]) });
    w.charts.push(`${id}-waterfall`);
    out.push(w);
  }

  const p = section(`processes-${id}`, 'Processes', 3);
  p.tables.push({
    header: ['process', 'role', 'CPU-s', 'CPU-s per M spans', 'CPU avg', 'CPU max', 'RSS max MiB', 'spans in', 'spans out', 'ended'],
    rows: f.processes.map((x) => [
      x.label,
      x.role,
      num(x.cpuSeconds),
      num(x.cpuSecondsPerMillionSpans),
      `${x.cpuAvgPercent}%`,
      `${x.cpuMaxPercent}%`,
      num(x.rssMaxMiB),
      n(x.spansIn),
      n(x.spansOut),
      x.endedBy ?? '-',
    ]),
  });
  p.tables.push({
    caption: 'Per tier',
    header: ['tier', 'processes', 'CPU-s', 'CPU-s per M spans', 'RSS max MiB'],
    rows: f.tiers.map((x) => [x.role, String(x.processes), num(x.cpuSeconds), num(x.cpuSecondsPerMillionSpans), num(x.rssMaxMiB)]),
  });
  p.charts.push(`${id}-cpu`, `${id}-rss`);
  out.push(p);

  if (f.traces) {
    const tr = f.traces;
    const s = section(`traces-${id}`, 'Traces', 3);
    s.tables.push({
      header: ['traces', 'kept', 'kept complete', 'error traces kept', 'slow traces kept', 'endpoints with a kept trace'],
      rows: [
        [
          n(tr.total),
          `${n(tr.kept)} (${pct(tr.keptShare)})`,
          `${n(tr.keptComplete)} (${pct(tr.completeShare)})`,
          `${n(tr.errorTracesKept)} of ${n(tr.errorTraces)} (${pct(tr.errorKeptShare)})`,
          `${n(tr.slowTracesKept)} of ${n(tr.slowTraces)} (${pct(tr.slowKeptShare)})`,
          `${tr.endpointsKept} of ${tr.endpoints}`,
        ],
      ],
    });
    out.push(s);
  }

  if (r.faults.length > 0 || r.oom.length > 0) {
    const s = section(`faults-${id}`, 'Faults', 3);
    if (r.faults.length > 0) {
      s.tables.push({
        header: ['fault', 'target', 'planned', 'started', 'ended', 'outcome'],
        rows: r.faults.map((x) => [x.type, x.target ?? '-', `${sec(x.atMs)}${x.untilMs !== undefined ? `..${sec(x.untilMs)}` : ''}`, sec(x.startedAtMs), sec(x.endedAtMs), x.error ? `FAILED: ${x.error}` : (x.outcome ?? '-')]),
      });
    }
    for (const o of r.oom) s.lines.push(`oom ${o.process}: ${o.verdict} (${o.note})`);
    out.push(s);
  }

  if (r.assertions.length > 0) {
    const s = section(`assertions-${id}`, 'Assertions', 3);
    s.tables.push({ header: ['', 'assertion', 'expected', 'actual'], rows: r.assertions.map((a) => [a.passed ? 'ok' : 'FAIL', a.name, a.expected, a.actual]) });
    out.push(s);
  }

  if (f.volume) {
    const v = f.volume;
    const s = section(`volume-${id}`, 'Volume and cost', 3);
    s.lines.push(
      `${num(v.input.requestsPerSecond)} requests/s x ${num(v.input.spansPerRequest)} spans/request x ${num(v.input.bytesPerSpan)} bytes/span (measured on ${r.wire?.sampleRequests ?? '?'} sample ${r.wire?.protocol ?? ''} requests; gzip ratio ${num(v.input.gzipRatio)}). MB = 10^6 bytes, a month = 30 days.`,
    );
    s.tables.push({ header: [...COST_COLUMNS], rows: costCells(v.rows) });
    out.push(s);
  }

  if (r.prometheus) {
    const pr = r.prometheus;
    const s = section(`prometheus-${id}`, 'Prometheus', 3);
    s.lines.push(
      pr.error
        ? `Prometheus: ${pr.error}`
        : `Prometheus ${pr.version ?? ''} scraped ${Object.keys(pr.targets).length} collector process(es) every ${pr.scrapeIntervalMs / 1000}s: ${Object.entries(pr.targets).map(([k, v]) => `${k} (${v})`).join(', ')}`,
    );
    s.tables.push({
      header: ['query', 'series', 'points', 'last', 'max'],
      rows: (f.prometheus ?? []).flatMap((q) =>
        q.error ? [[q.query, `error: ${q.error}`, '-', '-', '-']] : q.series.length === 0 ? [[q.query, 'no data', '0', '-', '-']] : q.series.map((x) => [q.query, x.label, String(x.points), num(x.last), num(x.max)]),
      ),
    });
    r.prometheus.queries.forEach((q, k) => {
      if (q.series.some((x) => x.points.length > 0)) s.charts.push(`${id}-prom-${k}`);
    });
    out.push(s);
  }

  if (r.profiles && r.profiles.length > 0) {
    const s = section(`profiles-${id}`, 'CPU profiles', 3);
    s.lines.push('Open a .cpuprofile in Chrome DevTools (Performance panel, "Load profile") or https://www.speedscope.app (offline: `npx speedscope FILE`).');
    for (const x of r.profiles) s.links.push({ label: `${x.process}${x.instance > 1 ? `#${x.instance}` : ''} (${n(x.bytes / 1024)} KiB)`, href: x.file });
    out.push(s);
  }
  return out;
}
