/**
 * The cost model: what a trace stream weighs, before and after sampling.
 *   spans/s = requests/s x spans per request;  bytes/s = spans/s x average span size (on the wire,
 *   framing included);  gzip = bytes/s x measured gzip ratio.
 * Decimal units (MB = 10^6 bytes, GB = 10^9, TB = 10^12); a month is 30 days. Pure functions.
 */

export interface CostInput {
  requestsPerSecond: number;
  spansPerRequest: number;
  /** Average span size on the wire (protobuf, with its share of the request framing). */
  bytesPerSpan: number;
  /** gzip-compressed size / raw size, measured on sample requests. */
  gzipRatio: number;
}

export interface Volume {
  /** Share of spans kept (1 = no sampling). */
  keep: number;
  spansPerSecond: number;
  rawMBps: number;
  gzipMBps: number;
  rawGBPerDay: number;
  gzipGBPerDay: number;
  rawTBPerMonth: number;
  gzipTBPerMonth: number;
}

export interface CostRow {
  /** "no sampling", "head", "tail", "sample 10%". */
  label: string;
  volume: Volume;
}

const MB = 1e6;
const GB = 1e9;
const TB = 1e12;
const DAY_S = 86_400;
const MONTH_S = 30 * DAY_S;

/** Problems with an input (empty when usable). */
export function checkCostInput(i: CostInput, keeps: readonly number[] = []): string[] {
  const out: string[] = [];
  const positive = (name: string, v: number) => {
    if (!(Number.isFinite(v) && v > 0)) out.push(`${name} must be a positive number, got ${v}`);
  };
  positive('requests per second', i.requestsPerSecond);
  positive('spans per request', i.spansPerRequest);
  positive('span size', i.bytesPerSpan);
  if (!(Number.isFinite(i.gzipRatio) && i.gzipRatio > 0 && i.gzipRatio <= 1.5)) out.push(`gzip ratio must be in (0, 1.5], got ${i.gzipRatio}`);
  for (const k of keeps) if (!(Number.isFinite(k) && k >= 0 && k <= 1)) out.push(`a sampling share must be between 0 and 1, got ${k}`);
  return out;
}

/** The volume of the stream with a share `keep` of its spans kept. */
export function volume(i: CostInput, keep = 1): Volume {
  const spansPerSecond = i.requestsPerSecond * i.spansPerRequest * keep;
  const raw = spansPerSecond * i.bytesPerSpan;
  const gzip = raw * i.gzipRatio;
  return {
    keep,
    spansPerSecond,
    rawMBps: raw / MB,
    gzipMBps: gzip / MB,
    rawGBPerDay: (raw * DAY_S) / GB,
    gzipGBPerDay: (gzip * DAY_S) / GB,
    rawTBPerMonth: (raw * MONTH_S) / TB,
    gzipTBPerMonth: (gzip * MONTH_S) / TB,
  };
}

/** "no sampling" first, then one row per sampling mode. */
export function costTable(i: CostInput, modes: readonly { label: string; keep: number }[]): CostRow[] {
  return [{ label: 'no sampling', volume: volume(i, 1) }, ...modes.map((m) => ({ label: m.label, volume: volume(i, m.keep) }))];
}

/** Three significant digits, no exponent, thousands separated. */
export function sig3(x: number): string {
  if (x === 0) return '0';
  const abs = Math.abs(x);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : Math.min(6, 2 - Math.floor(Math.log10(abs)));
  return x.toLocaleString('en-US', { minimumFractionDigits: 0, maximumFractionDigits: digits });
}

export const COST_COLUMNS = ['sampling', 'kept', 'spans/s', 'MB/s raw', 'MB/s gzip', 'GB/day raw', 'GB/day gzip', 'TB/month raw', 'TB/month gzip'] as const;

/** The table's cells (strings), in COST_COLUMNS order. */
export function costCells(rows: readonly CostRow[]): string[][] {
  return rows.map((r) => {
    const v = r.volume;
    return [
      r.label,
      `${sig3(v.keep * 100)}%`,
      sig3(v.spansPerSecond),
      sig3(v.rawMBps),
      sig3(v.gzipMBps),
      sig3(v.rawGBPerDay),
      sig3(v.gzipGBPerDay),
      sig3(v.rawTBPerMonth),
      sig3(v.gzipTBPerMonth),
    ];
  });
}
