/**
 * Which collector binary the testbed runs, and which components it has.
 *  - ours (default): node --import tsx collector/src/main.ts --config FILE
 *  - any other (--collector-cmd "otelcol-contrib"): run through /bin/sh as `exec <cmd> --config FILE`,
 *    so the command line may hold arguments and the pid is the collector's own (exec).
 * Both answer `<cmd> components`: ours with "processors: batch, memory_limiter" lines, otelcol with
 * YAML (lists of {name: ...}); both are parsed.
 *
 * Ours runs as users run it (`npm run collector`): bundled by esbuild and started with plain node,
 * not through the tsx loader, which costs ~40 MiB of RSS per process (Node 20 runs loader hooks in
 * a second V8 isolate) and start-up time. The bundle is built once per testbed process into
 * dist/testbed/collector-<content hash>.mjs (concurrent testbeds write identical files, atomically).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
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
  /** Builds what the command needs (our bundle); call before run() and components(). */
  prepare(): Promise<void>;
}

const COLLECTOR_MAIN = join(REPO_ROOT, 'collector/src/main.ts');
const BUNDLE_DIR = join(REPO_ROOT, 'dist/testbed');

const bundles = new Map<string, Promise<string>>();

/**
 * Bundles a TypeScript entry point (esbuild, ~0.1 s; npm packages stay external) into
 * dist/testbed/<name>-<content hash>.mjs and returns its path. Once per entry and process.
 */
export function bundleEntry(entry: string, name: string): Promise<string> {
  let p = bundles.get(entry);
  if (p) return p;
  p = (async () => {
    const { build } = await import('esbuild');
    const out = await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      sourcemap: 'inline',
      write: false,
      outfile: join(BUNDLE_DIR, `${name}.mjs`),
      logLevel: 'warning',
    });
    const code = out.outputFiles[0]!.contents;
    const file = join(BUNDLE_DIR, `${name}-${createHash('sha1').update(code).digest('hex').slice(0, 12)}.mjs`);
    if (!existsSync(file)) {
      mkdirSync(BUNDLE_DIR, { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, code);
      renameSync(tmp, file);
    }
    return file;
  })();
  bundles.set(entry, p);
  return p;
}

/**
 * Our collector. bundled: true (default) runs the esbuild bundle with plain node; false runs the
 * sources through tsx (slower start, ~40 MiB more RSS, no build step).
 */
export function builtinCollectorCommand(o: { bundled?: boolean } = {}): CollectorCommand {
  const bundled = o.bundled ?? true;
  let entry: string | undefined;
  const nodeArgs = (): string[] => (bundled ? ['--enable-source-maps', entry!] : ['--import', 'tsx', COLLECTOR_MAIN]);
  return {
    display: bundled ? 'node dist/collector.mjs (bundled collector/src/main.ts)' : 'node --import tsx collector/src/main.ts',
    builtin: true,
    cwd: REPO_ROOT,
    prepare: async () => {
      if (bundled) entry = await bundleEntry(COLLECTOR_MAIN, 'collector');
    },
    run: (configFile) => ({ command: process.execPath, args: [...nodeArgs(), '--config', configFile] }),
    components: () => ({ command: process.execPath, args: [...nodeArgs(), 'components'] }),
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
    prepare: async () => {},
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
  try {
    await cmd.prepare();
  } catch (e) {
    return { error: `${cmd.display}: ${(e as Error).message}` };
  }
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
