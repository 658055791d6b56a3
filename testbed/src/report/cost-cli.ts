/**
 * `npm run testbed -- cost --rps 1000 --spans 10 --span-bytes 2048 --sample 0.1 [--sample 25%] [--gzip-ratio 0.2]`:
 * the cost model as a calculator. Without --gzip-ratio the ratio is measured by compressing sample
 * requests of the load generator's classic spans (and the output says so).
 */
import { checkCostInput, costCells, costTable, COST_COLUMNS, sig3, type CostInput } from './cost-model.ts';
import { markdownTable } from './markdown-table.ts';

export interface CostArgs {
  rps?: string;
  spans?: string;
  'span-bytes'?: string;
  sample?: string[];
  'gzip-ratio'?: string;
}

export interface CostRequest {
  input: Omit<CostInput, 'gzipRatio'> & { gzipRatio?: number };
  samples: { label: string; keep: number }[];
}

/** "0.1", "10%" -> 0.1. */
export function parseShare(v: string): number {
  const t = v.trim();
  const m = /^(\d+(?:\.\d+)?)\s*%$/.exec(t);
  if (m) return Number(m[1]) / 100;
  return /^\d+(\.\d+)?$|^\.\d+$/.test(t) ? Number(t) : NaN;
}

/** Validated arguments, or the problems. */
export function parseCostArgs(a: CostArgs): CostRequest | { errors: string[] } {
  const errors: string[] = [];
  const need = (name: keyof CostArgs) => {
    const v = a[name];
    if (v === undefined) errors.push(`--${name} is required`);
    return v === undefined ? NaN : Number(v);
  };
  const input = { requestsPerSecond: need('rps'), spansPerRequest: need('spans'), bytesPerSpan: need('span-bytes'), gzipRatio: a['gzip-ratio'] === undefined ? undefined : Number(a['gzip-ratio']) };
  const samples = (a.sample ?? []).map((s) => ({ label: `sample ${sig3(parseShare(s) * 100)}%`, keep: parseShare(s) }));
  if (errors.length === 0) errors.push(...checkCostInput({ ...input, gzipRatio: input.gzipRatio ?? 0.5 }, samples.map((s) => s.keep)));
  return errors.length > 0 ? { errors } : { input, samples };
}

/** The calculator's output: the inputs, then the table before and after each sampling share. */
export function formatCost(input: CostInput, samples: readonly { label: string; keep: number }[], gzipNote: string): string {
  const rows = costTable(input, samples);
  return [
    `${sig3(input.requestsPerSecond)} requests/s x ${sig3(input.spansPerRequest)} spans/request x ${sig3(input.bytesPerSpan)} bytes/span = ${sig3(input.requestsPerSecond * input.spansPerRequest)} spans/s`,
    `gzip ratio ${sig3(input.gzipRatio)} (${gzipNote}); MB = 10^6 bytes, GB = 10^9, TB = 10^12, a month = 30 days`,
    '',
    markdownTable([...COST_COLUMNS], costCells(rows)),
    '',
  ].join('\n');
}
