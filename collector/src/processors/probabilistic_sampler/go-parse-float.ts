/**
 * Go's strconv.ParseFloat, the subset a string `sampling.priority` needs (otelcol parses it
 * so). The number, or undefined where Go returns an error (syntax, out of range). Decimal, inf /
 * infinity / nan (case-insensitive), and hex floats (only their sign and zero-ness are kept:
 * all the sampler uses). Underscores are not accepted.
 */
export function goParseFloat(s: string): number | undefined {
  if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(s)) return NaN;
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
    const v = Number(s);
    return Number.isFinite(v) ? v : undefined; // out of range is an error in Go
  }
  const hex = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP][+-]?\d+$/.exec(s);
  if (hex !== null && hex[2]! + hex[3]! !== '') {
    const zero = /^0*$/.test(hex[2]! + hex[3]!);
    return zero ? 0 : hex[1] === '-' ? -1 : 1; // only the sign and zero-ness are used
  }
  return undefined;
}

