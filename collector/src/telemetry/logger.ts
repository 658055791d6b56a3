/**
 * The collector's own logs (service.telemetry.logs): a pino logger per collector, and a child per
 * component carrying otelcol's field names, so log queries written for otelcol-contrib work here.
 *
 * `json` encoding is pino's own output (one JSON object per line). `console` encoding is a small
 * formatter in the spirit of zap's console encoder (time, level, message, then the remaining
 * fields as JSON, tab-separated), written here rather than pulling in pino-pretty and its
 * dependencies for a development convenience.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import type { ComponentKind } from '../component/types.ts';
import type { TelemetryLogEncoding, TelemetryLogLevel } from '../config/types.ts';

export const COMPONENT_ID_KEY = 'otelcol.component.id';
export const COMPONENT_KIND_KEY = 'otelcol.component.kind';

export interface LoggerOptions {
  level: TelemetryLogLevel;
  encoding: TelemetryLogEncoding;
}

/**
 * A root logger. `destination` defaults to stdout (pino's synchronous writer, so nothing is lost
 * when the process exits); tests pass a stream to capture lines.
 */
export function createLogger(options: LoggerOptions, destination?: DestinationStream): Logger {
  const out: DestinationStream = destination ?? pino.destination({ dest: 1, sync: true });
  if (options.encoding === 'console') return pino({ level: options.level }, new ConsoleLineWriter(out));
  return pino({ level: options.level }, out);
}

/** The logger a component gets in its CreateSettings: every line names the component. */
export function componentLogger(root: Logger, kind: ComponentKind, id: string): Logger {
  return root.child({ [COMPONENT_ID_KEY]: id, [COMPONENT_KIND_KEY]: kind });
}

const LEVEL_NAMES: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

// pino's bookkeeping fields; everything else is the caller's context and is printed as JSON.
const OWN_FIELDS = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

/**
 * Turns pino's JSON lines into `2024-05-01T10:00:00.000Z\tinfo\tmessage\t{"field": ...}`.
 * Parsing each line again costs a little; console encoding is for people reading a terminal,
 * not for the hot path.
 */
export class ConsoleLineWriter implements DestinationStream {
  private readonly out: DestinationStream;

  constructor(out: DestinationStream) {
    this.out = out;
  }

  write(line: string): void {
    this.out.write(formatConsoleLine(line));
  }
}

export function formatConsoleLine(jsonLine: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(jsonLine) as Record<string, unknown>;
  } catch {
    return jsonLine.endsWith('\n') ? jsonLine : `${jsonLine}\n`; // not ours to format; pass it through
  }
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString() : '';
  const level = typeof entry.level === 'number' ? (LEVEL_NAMES[entry.level] ?? String(entry.level)) : String(entry.level ?? '');
  const msg = typeof entry.msg === 'string' ? entry.msg : '';
  const fields: Record<string, unknown> = {};
  let nFields = 0;
  let stack = '';
  for (const [k, v] of Object.entries(entry)) {
    if (OWN_FIELDS.has(k)) continue;
    // zap prints a stack trace on its own lines after the entry; do the same for pino's err.
    if (k === 'err' && v !== null && typeof v === 'object' && typeof (v as { stack?: unknown }).stack === 'string') {
      const { stack: s, ...rest } = v as { stack: string };
      stack = s;
      fields[k] = rest;
    } else {
      fields[k] = v;
    }
    nFields++;
  }
  let out = `${time}\t${level}\t${msg}`;
  if (nFields > 0) out += `\t${JSON.stringify(fields)}`;
  out += '\n';
  if (stack !== '') out += `${stack}\n`;
  return out;
}
