/**
 * docs/ERRORS.md documents every code of the registry, with the registry's statuses and message:
 * adding a code without documenting it (or documenting one that does not exist) fails here.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CollectorError, errorCodes, Grpc, isCollectorError, toCollectorError, type ErrorCode } from './codes.ts';

interface DocRow {
  code: string;
  message: string;
  grpc: number;
  grpcName: string;
  http: number;
  retryable: boolean;
  when: string;
  action: string;
}

const doc = readFileSync(new URL('../../../docs/ERRORS.md', import.meta.url), 'utf8');

/** Rows of the table whose first cell is a `TP_...` code. */
function docRows(markdown: string): DocRow[] {
  const rows: DocRow[] = [];
  for (const line of markdown.split('\n')) {
    if (!/^\|\s*`TP_/.test(line)) continue;
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    expect(cells, `row has 7 cells: ${line}`).toHaveLength(7);
    const [code, message, grpc, http, retryable, when, action] = cells as [string, string, string, string, string, string, string];
    const g = /^(\d+)\s+([A-Z_]+)$/.exec(grpc);
    expect(g, `gRPC cell "${grpc}" is "<number> <NAME>"`).not.toBeNull();
    expect(['yes', 'no'], `retryable cell "${retryable}"`).toContain(retryable);
    rows.push({
      code: code.replace(/`/g, ''),
      message,
      grpc: Number(g![1]),
      grpcName: g![2]!,
      http: Number(http),
      retryable: retryable === 'yes',
      when,
      action,
    });
  }
  return rows;
}

const rows = docRows(doc);
const byCode = new Map(rows.map((r) => [r.code, r]));

describe('docs/ERRORS.md', () => {
  it('has one row per code, and only codes of the registry', () => {
    const documented = rows.map((r) => r.code);
    expect(new Set(documented).size, 'no code documented twice').toBe(documented.length);
    expect([...documented].sort()).toEqual(Object.keys(errorCodes).sort());
  });

  it.each(Object.keys(errorCodes) as ErrorCode[])('%s matches the registry', (code) => {
    const row = byCode.get(code);
    expect(row, `${code} is missing from docs/ERRORS.md`).toBeDefined();
    const spec = errorCodes[code];
    expect(row!.grpc).toBe(spec.grpc);
    expect((Grpc as Record<string, number>)[row!.grpcName], `gRPC name ${row!.grpcName}`).toBe(spec.grpc);
    expect(row!.http).toBe(spec.http);
    expect(row!.retryable).toBe(spec.retryable);
    expect(row!.message).toBe(spec.message);
    expect(row!.when.length, 'says when it happens').toBeGreaterThan(20);
    expect(row!.action.length, 'says what a sender should do').toBeGreaterThan(5);
  });

  it('the parser finds rows and catches a missing one', () => {
    expect(rows.length).toBeGreaterThan(0);
    const withoutFirst = doc
      .split('\n')
      .filter((l) => !l.startsWith(`| \`${rows[0]!.code}\``))
      .join('\n');
    expect(docRows(withoutFirst).map((r) => r.code)).not.toContain(rows[0]!.code);
  });
});

describe('CollectorError', () => {
  it('carries the registry statuses and the detail', () => {
    const e = new CollectorError('TP_QUEUE_FULL', 'queue_size 1000', { retryAfterMs: 500 });
    expect([e.code, e.grpcStatus, e.httpStatus, e.retryable, e.retryAfterMs]).toEqual(['TP_QUEUE_FULL', Grpc.UNAVAILABLE, 503, true, 500]);
    expect(e.message).toBe('sending queue is full: queue_size 1000');
    expect(isCollectorError(e)).toBe(true);
    expect(new CollectorError('TP_INTERNAL').message).toBe('internal error');
  });

  it('toCollectorError wraps unknown errors as TP_INTERNAL and keeps CollectorErrors', () => {
    const e = new CollectorError('TP_THROTTLED');
    expect(toCollectorError(e)).toBe(e);
    const wrapped = toCollectorError(new Error('boom'));
    expect([wrapped.code, wrapped.message]).toEqual(['TP_INTERNAL', 'internal error: boom']);
    expect(toCollectorError('text').message).toBe('internal error: text');
  });
});
