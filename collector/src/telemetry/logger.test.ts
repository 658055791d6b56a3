import { describe, expect, it } from 'vitest';
import { componentLogger, createLogger, formatConsoleLine } from './logger.ts';

function capture(): { lines: string[]; stream: { write(s: string): void } } {
  const lines: string[] = [];
  return { lines, stream: { write: (s: string) => void lines.push(s) } };
}

describe('createLogger', () => {
  it('json: one JSON object per line, level respected', () => {
    const { lines, stream } = capture();
    const log = createLogger({ level: 'info', encoding: 'json' }, stream);
    log.debug('hidden');
    log.info({ spans: 3 }, 'hello');
    log.warn('careful');
    expect(lines).toHaveLength(2);
    const first = JSON.parse(lines[0]!);
    expect(first).toMatchObject({ level: 30, msg: 'hello', spans: 3 });
    expect(typeof first.time).toBe('number');
    expect(JSON.parse(lines[1]!).level).toBe(40);
  });

  it('debug level lets debug through', () => {
    const { lines, stream } = capture();
    createLogger({ level: 'debug', encoding: 'json' }, stream).debug('shown');
    expect(lines).toHaveLength(1);
  });

  it('componentLogger adds otelcol.component.id and .kind', () => {
    const { lines, stream } = capture();
    const root = createLogger({ level: 'info', encoding: 'json' }, stream);
    componentLogger(root, 'exporter', 'otlp/tempo').info('started');
    expect(JSON.parse(lines[0]!)).toMatchObject({ 'otelcol.component.id': 'otlp/tempo', 'otelcol.component.kind': 'exporter', msg: 'started' });
  });

  it('console: time, level, message, fields as JSON, tab separated', () => {
    const { lines, stream } = capture();
    const root = createLogger({ level: 'info', encoding: 'console' }, stream);
    componentLogger(root, 'receiver', 'otlp').info({ spans: 2 }, 'Traces');
    expect(lines).toHaveLength(1);
    const parts = lines[0]!.trimEnd().split('\t');
    expect(parts[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(parts.slice(1, 3)).toEqual(['info', 'Traces']);
    expect(JSON.parse(parts[3]!)).toEqual({ 'otelcol.component.id': 'otlp', 'otelcol.component.kind': 'receiver', spans: 2 });
    expect(lines[0]!.endsWith('\n')).toBe(true);
  });

  it('console: error stack on the following lines, no field JSON when there are none', () => {
    const { lines, stream } = capture();
    const root = createLogger({ level: 'info', encoding: 'console' }, stream);
    root.error({ err: new Error('kaput') }, 'failed');
    const [head, ...rest] = lines[0]!.trimEnd().split('\n');
    expect(head!.split('\t').slice(1, 3)).toEqual(['error', 'failed']);
    expect(JSON.parse(head!.split('\t')[3]!).err).toMatchObject({ message: 'kaput', type: 'Error' });
    expect(rest[0]).toBe('Error: kaput');
    expect(formatConsoleLine(JSON.stringify({ level: 30, time: 0, msg: 'bare', pid: 1, hostname: 'h' }))).toBe(
      '1970-01-01T00:00:00.000Z\tinfo\tbare\n',
    );
  });

  it('console: a line that is not JSON passes through', () => {
    expect(formatConsoleLine('not json')).toBe('not json\n');
  });
});
