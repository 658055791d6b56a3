/**
 * A parser for the Prometheus text exposition format (what otelcol serves on :8888/metrics) and a
 * helper that sums a metric family by name with label filters.
 */

export interface PromSample {
  /** Sample name as exposed (a counter may carry a _total suffix). */
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses exposition text into samples; comment, HELP and TYPE lines are skipped. */
export function parsePrometheusText(text: string): PromSample[] {
  const samples: PromSample[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    try {
      samples.push(parseSampleLine(line));
    } catch (e) {
      throw new Error(`metrics line ${n + 1}: ${(e as Error).message}: ${line}`);
    }
  }
  return samples;
}

function parseSampleLine(line: string): PromSample {
  let i = 0;
  while (i < line.length && /[a-zA-Z0-9_:]/.test(line[i]!)) i++;
  const name = line.slice(0, i);
  if (!name) throw new Error('missing metric name');
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    for (;;) {
      while (line[i] === ' ' || line[i] === ',') i++;
      if (line[i] === '}') {
        i++;
        break;
      }
      const start = i;
      while (i < line.length && /[a-zA-Z0-9_]/.test(line[i]!)) i++;
      const key = line.slice(start, i);
      if (!key || line[i] !== '=' || line[i + 1] !== '"') throw new Error('malformed label');
      i += 2;
      let value = '';
      for (;;) {
        if (i >= line.length) throw new Error('unterminated label value');
        const c = line[i++]!;
        if (c === '"') break;
        if (c === '\\') {
          const next = line[i++];
          value += next === 'n' ? '\n' : next === '\\' ? '\\' : next === '"' ? '"' : `\\${next ?? ''}`;
        } else value += c;
      }
      labels[key] = value;
    }
  }
  const rest = line.slice(i).trim().split(/\s+/);
  const value = parsePromNumber(rest[0] ?? '');
  return { name, labels, value };
}

function parsePromNumber(s: string): number {
  if (s === '+Inf' || s === 'Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (s === 'NaN') return NaN;
  const v = Number(s);
  if (s === '' || Number.isNaN(v)) throw new Error(`not a number: ${JSON.stringify(s)}`);
  return v;
}

/** A label filter: exact value, or a RegExp the whole value must match. */
export type LabelFilter = Record<string, string | RegExp>;

/**
 * Sums every sample of the family `name` whose labels match `filter`. A counter exposed with the
 * _total suffix (OpenMetrics style, as newer otelcol versions do) counts as the same family.
 */
export function sumMetric(samples: readonly PromSample[], name: string, filter: LabelFilter = {}): number {
  let sum = 0;
  const total = `${name}_total`;
  for (const s of samples) {
    if (s.name !== name && s.name !== total) continue;
    if (!labelsMatch(s.labels, filter)) continue;
    sum += s.value;
  }
  return sum;
}

export function labelsMatch(labels: Record<string, string>, filter: LabelFilter): boolean {
  for (const [k, want] of Object.entries(filter)) {
    const got = labels[k] ?? '';
    if (typeof want === 'string' ? got !== want : !new RegExp(`^(?:${want.source})$`, want.flags).test(got)) return false;
  }
  return true;
}

/** Fetches and parses a /metrics endpoint (bounded by timeoutMs). */
export async function scrapePrometheus(url: string, timeoutMs = 5000): Promise<PromSample[]> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`scrape ${url}: HTTP ${res.status}`);
  return parsePrometheusText(await res.text());
}
