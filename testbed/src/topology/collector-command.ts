/**
 * Which collector binary the testbed runs, and which components it has.
 *  - ours (default): node --import tsx collector/src/main.ts --config FILE
 *  - any other (--collector-cmd "otelcol-contrib"): run through /bin/sh as `exec <cmd> --config FILE`,
 *    so the command line may hold arguments and the pid is the collector's own (exec).
 * Both answer `<cmd> components`: ours with "processors: batch, memory_limiter" lines, otelcol with
 * YAML (lists of {name: ...}); both are parsed.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT } from '../scenario/load-scenario.ts';

export type ComponentKind = 'receiver' | 'processor' | 'exporter' | 'connector' | 'extension';
export type CollectorComponents = Record<ComponentKind, string[]>;
const KINDS: readonly ComponentKind[] = ['receiver', 'processor', 'exporter', 'connector', 'extension'];

export interface CollectorCommand {
  /** What the run log and report show. */
  display: string;
  /** Our collector (a Node.js process). */
  builtin: boolean;
  cwd: string;
  /** The command running a collector with this config file. */
  run(configFile: string): { command: string; args: string[] };
  /** The command printing its components. */
  components(): { command: string; args: string[] };
}

const COLLECTOR_MAIN = join(REPO_ROOT, 'collector/src/main.ts');

export function builtinCollectorCommand(): CollectorCommand {
  return {
    display: 'node --import tsx collector/src/main.ts',
    builtin: true,
    cwd: REPO_ROOT,
    run: (configFile) => ({ command: process.execPath, args: ['--import', 'tsx', COLLECTOR_MAIN, '--config', configFile] }),
    components: () => ({ command: process.execPath, args: ['--import', 'tsx', COLLECTOR_MAIN, 'components'] }),
  };
}

/** Any collector binary; cmd is a shell command line (e.g. "otelcol-contrib" or "/opt/otelcol --feature-gates=x"). */
export function customCollectorCommand(cmd: string): CollectorCommand {
  const trimmed = cmd.trim();
  if (!trimmed) throw new Error('--collector-cmd must not be empty');
  return {
    display: trimmed,
    builtin: false,
    cwd: process.cwd(),
    run: (configFile) => ({ command: '/bin/sh', args: ['-c', `exec ${trimmed} "$@"`, 'sh', '--config', configFile] }),
    components: () => ({ command: '/bin/sh', args: ['-c', `exec ${trimmed} components`] }),
  };
}

/** Parses `components` output: ours ("processors: a, b") or otelcol's YAML. */
export function parseComponentsOutput(text: string): CollectorComponents {
  const out: CollectorComponents = { receiver: [], processor: [], exporter: [], connector: [], extension: [] };
  const line = /^(receivers|processors|exporters|connectors|extensions):[ \t]*(\S.*)$/;
  let found = false;
  for (const l of text.split('\n')) {
    const m = line.exec(l.trim());
    if (!m) continue;
    found = true;
    const kind = m[1]!.slice(0, -1) as ComponentKind;
    if (m[2]!.trim() !== '(none)') out[kind] = m[2]!.split(',').map((s) => s.trim()).filter(Boolean);
  }
  if (found) return out;
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch {
    doc = undefined;
  }
  if (doc === null || typeof doc !== 'object') throw new Error('unrecognised output of `components`');
  for (const kind of KINDS) {
    const list = (doc as Record<string, unknown>)[`${kind}s`];
    if (!Array.isArray(list)) continue;
    found = true;
    out[kind] = list.map((x) => (typeof x === 'string' ? x : String((x as { name?: unknown }).name ?? ''))).filter(Boolean);
  }
  if (!found) throw new Error('unrecognised output of `components`');
  return out;
}

/** Asks the collector for its components; undefined (with the reason) when it cannot say. */
export async function listComponents(cmd: CollectorCommand, timeoutMs = 30_000): Promise<{ components?: CollectorComponents; error?: string }> {
  const { command, args } = cmd.components();
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(command, args, { cwd: cmd.cwd, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, out, errOut) => {
      if (err) reject(new Error(`${cmd.display} components: ${err.message.split('\n')[0]}${errOut ? `: ${String(errOut).trim().slice(0, 500)}` : ''}`));
      else resolve(String(out));
    });
  }).catch((e: Error) => e);
  if (stdout instanceof Error) return { error: stdout.message };
  try {
    return { components: parseComponentsOutput(stdout) };
  } catch (e) {
    return { error: `${cmd.display} components: ${(e as Error).message}` };
  }
}

export function hasComponent(c: CollectorComponents | undefined, kind: ComponentKind, type: string): boolean {
  return c !== undefined && c[kind].includes(type);
}
