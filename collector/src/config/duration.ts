/**
 * Go durations, as otelcol configs write them ("200ms", "1h30m") and as time.Duration unmarshals
 * them (a plain integer is nanoseconds). Components get milliseconds as a number, the unit every
 * Node timer API takes.
 */
import { z } from 'zod';

export const DURATION_MESSAGE = 'expected a duration like "200ms"';

/** Nanoseconds per unit; the same unit names time.ParseDuration accepts. */
const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3, // U+00B5 micro sign
  'μs': 1e3, // U+03BC Greek mu
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

const COMPONENT = /^(\d*)(?:\.(\d*))?([a-zµμ]+)/;

/**
 * Parses a Go duration string into milliseconds, or undefined if it is not one. Follows
 * time.ParseDuration: optional sign, one or more `<number><unit>` parts, bare "0" allowed,
 * fractions truncated at nanosecond precision.
 */
export function parseGoDuration(input: string): number | undefined {
  let s = input;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') return undefined;
  let ns = 0;
  while (s !== '') {
    const m = COMPONENT.exec(s);
    if (m === null) return undefined;
    const [whole, intPart = '', fracPart = '', unit = ''] = m;
    if (intPart === '' && fracPart === '') return undefined; // "." or "ms" alone
    const unitNs = UNIT_NS[unit];
    if (unitNs === undefined) return undefined;
    // Integer arithmetic on the digits so "1.1s" is exactly 1100 ms, not 1100.0000000000002.
    ns += Number(intPart || '0') * unitNs;
    if (fracPart !== '') ns += Math.trunc((Number(fracPart) * unitNs) / 10 ** fracPart.length);
    s = s.slice(whole.length);
  }
  return (sign * ns) / 1e6;
}

/** A duration field's raw YAML value (string or integer nanoseconds) to milliseconds. */
export function durationToMs(value: unknown): number | undefined {
  if (typeof value === 'string') return parseGoDuration(value);
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value / 1e6;
  return undefined;
}

const durationSchema = z.unknown().transform((value, ctx): number => {
  const ms = durationToMs(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: DURATION_MESSAGE });
    return z.NEVER;
  }
  return ms;
});

/**
 * A duration field; outputs milliseconds. `defaultValue` is a Go duration string ("5s") or a
 * number of milliseconds (the output unit). Without a default the field is required.
 * Negative durations parse (Go allows them); refine in the component if they make no sense.
 */
export function zDuration(defaultValue: string | number): z.ZodDefault<typeof durationSchema>;
export function zDuration(): typeof durationSchema;
export function zDuration(defaultValue?: string | number) {
  if (defaultValue === undefined) return durationSchema;
  const ms = typeof defaultValue === 'number' ? defaultValue : parseGoDuration(defaultValue);
  if (ms === undefined) throw new Error(`zDuration: invalid default ${JSON.stringify(defaultValue)}`);
  return durationSchema.default(ms);
}
