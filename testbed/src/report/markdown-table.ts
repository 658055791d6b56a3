/**
 * Markdown tables padded to column width, so the same text reads well in a terminal and renders
 * in a pull request. Numbers (cells that start with a digit, sign or "-") are right-aligned.
 */

const NUMERIC = /^[-+]?[\d.,]+(\s?[%a-zA-Z/]*)?$|^-$/;

export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = [header, ...rows].map((r) => header.map((_, i) => escapeCell(r[i] ?? '')));
  const right = header.map((_, i) => rows.length > 0 && rows.every((r) => NUMERIC.test((r[i] ?? '').trim())));
  const width = header.map((_, i) => Math.max(3, ...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => (right[i] ? c.padStart(width[i]!) : c.padEnd(width[i]!))).join(' | ')} |`;
  const rule = `|${width.map((w, i) => (right[i] ? `${'-'.repeat(w + 1)}:` : `${'-'.repeat(w + 2)}`)).join('|')}|`;
  return [line(cells[0]!), rule, ...cells.slice(1).map(line)].join('\n');
}

function escapeCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
