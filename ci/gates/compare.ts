/**
 * Regression gates: a run's figures against a committed baseline (ci/baselines/<gate>.json).
 * Pure functions: no I/O, no clock.
 *
 * Each baseline figure says how it may move:
 *   exact             correctness (unexplained loss, error traces kept): must equal the baseline;
 *   lower_is_better   cost (CPU ratio, RSS): fails above value x (1 + relative) + absolute;
 *   higher_is_better  delivery (share delivered): fails below value x (1 - relative) - absolute;
 *   band              a share that should stay put (head sampling's 10 %): fails outside
 *                     value +- (value x relative + absolute).
 * Moving the good way beyond the tolerance passes, with a note to refresh the baseline.
 */

export type FigureCheck = 'exact' | 'lower_is_better' | 'higher_is_better' | 'band';

export interface Tolerance {
  relative?: number;
  absolute?: number;
}

export interface BaselineFigure {
  value: number;
  check: FigureCheck;
  tolerance?: Tolerance;
  /** What the figure is, for people reading the file. */
  description?: string;
}

export interface Baseline {
  gate: string;
  /** The scenario file and the overrides the gate runs it with. */
  scenario: string;
  rate: number;
  durationMs: number;
  /** Where and how the baseline was recorded, and what noise was seen (for people). */
  recorded?: { at?: string; machine?: string; node?: string; notes?: string[] };
  /**
   * A known issue, in words: the gate still runs and prints every verdict, but its failures do not
   * fail the build. Remove it once the issue is fixed.
   */
  advisory?: string;
  figures: Record<string, BaselineFigure>;
}

export interface FigureVerdict {
  figure: string;
  check: FigureCheck;
  baseline: number;
  actual: number | undefined;
  /** actual - baseline. */
  delta?: number;
  /** delta / |baseline| (undefined when the baseline is 0). */
  deltaRelative?: number;
  /** The bound that was applied, for the message ("<= 1.07", "== 0", "0.07..0.13"). */
  allowed: string;
  passed: boolean;
  /** Improved beyond the tolerance: the baseline could be refreshed. */
  improved?: boolean;
}

const EPS = 1e-9;

function slack(b: BaselineFigure): number {
  const t = b.tolerance ?? {};
  return Math.abs(b.value) * (t.relative ?? 0) + (t.absolute ?? 0);
}

export function fmtNumber(x: number | undefined): string {
  if (x === undefined || Number.isNaN(x)) return 'missing';
  if (x === 0) return '0';
  const abs = Math.abs(x);
  return abs >= 1000 ? Math.round(x).toLocaleString('en-US') : String(+x.toPrecision(4));
}

export function compareFigure(figure: string, b: BaselineFigure, actual: number | undefined): FigureVerdict {
  const v: FigureVerdict = { figure, check: b.check, baseline: b.value, actual, allowed: '', passed: false };
  const s = slack(b);
  switch (b.check) {
    case 'exact':
      v.allowed = `== ${fmtNumber(b.value)}`;
      break;
    case 'lower_is_better':
      v.allowed = `<= ${fmtNumber(b.value + s)}`;
      break;
    case 'higher_is_better':
      v.allowed = `>= ${fmtNumber(b.value - s)}`;
      break;
    case 'band':
      v.allowed = `${fmtNumber(b.value - s)}..${fmtNumber(b.value + s)}`;
      break;
  }
  if (actual === undefined || Number.isNaN(actual)) return v;
  v.delta = actual - b.value;
  v.deltaRelative = Math.abs(b.value) > EPS ? v.delta / Math.abs(b.value) : undefined;
  switch (b.check) {
    case 'exact':
      v.passed = Math.abs(v.delta) <= EPS;
      break;
    case 'lower_is_better':
      v.passed = actual <= b.value + s + EPS;
      v.improved = actual < b.value - s - EPS;
      break;
    case 'higher_is_better':
      v.passed = actual >= b.value - s - EPS;
      v.improved = actual > b.value + s + EPS;
      break;
    case 'band':
      v.passed = Math.abs(v.delta) <= s + EPS;
      break;
  }
  return v;
}

/** Every baseline figure against the run's; a figure the run lacks fails (so does an extra one the baseline lacks: it needs --update). */
export function compareToBaseline(b: Baseline, actual: Readonly<Record<string, number | undefined>>): FigureVerdict[] {
  const out = Object.entries(b.figures).map(([name, f]) => compareFigure(name, f, actual[name]));
  for (const name of Object.keys(actual)) {
    if (!(name in b.figures)) out.push({ figure: name, check: 'exact', baseline: NaN, actual: actual[name], allowed: 'not in the baseline (npm run gates -- --update)', passed: false });
  }
  return out;
}

function signed(x: number, digits = 1): string {
  return `${x >= 0 ? '+' : ''}${(x * 100).toFixed(digits)}%`;
}

/** One line per figure; a failure says which figure moved, by how much and what was allowed. */
export function formatVerdict(v: FigureVerdict): string {
  const head = v.passed ? (v.improved ? 'better' : 'ok    ') : 'FAIL  ';
  if (Number.isNaN(v.baseline)) return `${head} ${v.figure}: ${fmtNumber(v.actual)} (${v.allowed})`;
  if (v.actual === undefined) return `${head} ${v.figure}: missing from the run (baseline ${fmtNumber(v.baseline)})`;
  const by = v.deltaRelative !== undefined ? `${signed(v.deltaRelative)}, ` : '';
  const moved = `${fmtNumber(v.baseline)} -> ${fmtNumber(v.actual)} (${by}${v.delta! >= 0 ? '+' : ''}${fmtNumber(v.delta)}; allowed ${v.allowed})`;
  return `${head} ${v.figure}: ${moved}${v.improved ? ' - better than the baseline by more than the tolerance; consider npm run gates -- --update' : ''}`;
}

/** The baseline to write: the new values, with the old file's checks and tolerances where it had the figure. */
export function updatedBaseline(
  old: Baseline | undefined,
  fresh: Omit<Baseline, 'figures'>,
  defaults: Readonly<Record<string, Omit<BaselineFigure, 'value'>>>,
  actual: Readonly<Record<string, number | undefined>>,
): Baseline {
  const figures: Record<string, BaselineFigure> = {};
  for (const [name, value] of Object.entries(actual)) {
    if (value === undefined || Number.isNaN(value)) continue;
    const kept = old?.figures[name];
    const d = defaults[name];
    figures[name] = {
      value: round(value),
      check: kept?.check ?? d?.check ?? 'lower_is_better',
      ...(kept?.tolerance ?? d?.tolerance ? { tolerance: kept?.tolerance ?? d?.tolerance } : {}),
      ...(d?.description ?? kept?.description ? { description: d?.description ?? kept?.description } : {}),
    };
  }
  return { ...fresh, recorded: { ...fresh.recorded, notes: fresh.recorded?.notes ?? old?.recorded?.notes }, ...(old?.advisory ? { advisory: old.advisory } : {}), figures };
}

function round(x: number): number {
  return Number.isInteger(x) ? x : +x.toPrecision(4);
}

/** Old and new side by side, for --update. */
export function formatUpdate(gate: string, old: Baseline | undefined, next: Baseline): string {
  const names = [...new Set([...Object.keys(old?.figures ?? {}), ...Object.keys(next.figures)])];
  const w = Math.max(6, ...names.map((n) => n.length));
  const lines = [`${gate}:`, `  ${'figure'.padEnd(w)}  ${'old'.padStart(12)}  ${'new'.padStart(12)}  change`];
  for (const n of names) {
    const a = old?.figures[n]?.value;
    const b = next.figures[n]?.value;
    const change = a === undefined ? 'added' : b === undefined ? 'removed' : Math.abs(a) > EPS ? signed((b - a) / Math.abs(a)) : b === a ? '=' : `${b - a >= 0 ? '+' : ''}${fmtNumber(b - a)}`;
    lines.push(`  ${n.padEnd(w)}  ${(a === undefined ? '-' : fmtNumber(a)).padStart(12)}  ${(b === undefined ? '-' : fmtNumber(b)).padStart(12)}  ${change}`);
  }
  return lines.join('\n');
}
