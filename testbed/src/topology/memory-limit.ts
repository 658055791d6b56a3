/**
 * A memory limit for one collector process (the oom fault):
 *  - cgroup v2: a child cgroup with memory.max (and memory.swap.max 0), where the hierarchy has the
 *    memory controller and is writable; the kernel OOM-kills the process (SIGKILL) at the limit;
 *  - cgroup v1: the same with memory.limit_in_bytes, on hosts whose memory controller is still on
 *    the v1 hierarchy;
 *  - heap: NODE_OPTIONS=--max-old-space-size for a Node.js collector. V8 aborts when its heap is
 *    full; memory outside the heap (Buffers: a wire-first collector's span bytes) is not limited.
 * The process joins the cgroup before it starts: a /bin/sh wrapper writes its own pid into
 * cgroup.procs and execs the collector, so the pid stays the collector's.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type MemoryLimitMethod = 'cgroup-v2' | 'cgroup-v1' | 'heap';

export interface MemoryLimit {
  method: MemoryLimitMethod;
  limitMiB: number;
  cgroupDir?: string;
  /** What the run log says about it. */
  note: string;
  wrap(cmd: { command: string; args: string[] }): { command: string; args: string[] };
  env(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** OOM kills the cgroup recorded (undefined for heap). */
  oomKills(): number | undefined;
  /** Peak memory the cgroup saw, bytes (undefined when the kernel does not say). */
  peakBytes(): number | undefined;
  /** Removes the cgroup (call once its processes are gone). */
  dispose(): void;
}

interface Mount {
  path: string;
  fstype: string;
  superOptions: string;
}

function mounts(): Mount[] {
  let text: string;
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const out: Mount[] = [];
  for (const line of text.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const l = left.split(' ');
    const r = right.split(' ');
    out.push({ path: l[4]!, fstype: r[0]!, superOptions: r[2] ?? '' });
  }
  return out;
}

/** This process's cgroup path in the v2 hierarchy ("0::/x") or in v1's memory controller. */
function ownCgroup(v: 1 | 2): string | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/self/cgroup', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const [id, controllers, path] = line.split(':');
    if (path === undefined) continue;
    if (v === 2 && id === '0' && controllers === '') return path;
    if (v === 1 && controllers!.split(',').includes('memory')) return path;
  }
  return undefined;
}

function tryWrite(file: string, value: string): boolean {
  try {
    writeFileSync(file, value);
    return true;
  } catch {
    return false;
  }
}

function readKeyed(file: string, key: string): number | undefined {
  try {
    const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(readFileSync(file, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function readNumber(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

function cgroupLimit(dir: string, method: 'cgroup-v2' | 'cgroup-v1', limitMiB: number, note: string): MemoryLimit {
  const v2 = method === 'cgroup-v2';
  return {
    method,
    limitMiB,
    cgroupDir: dir,
    note,
    wrap: ({ command, args }) => ({ command: '/bin/sh', args: ['-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', dir, command, ...args] }),
    env: (base) => base,
    oomKills: () => (v2 ? readKeyed(join(dir, 'memory.events'), 'oom_kill') : readKeyed(join(dir, 'memory.oom_control'), 'oom_kill')),
    peakBytes: () => (v2 ? readNumber(join(dir, 'memory.peak')) : readNumber(join(dir, 'memory.max_usage_in_bytes'))),
    dispose: () => {
      try {
        rmdirSync(dir);
      } catch {
        // still has a process, or already gone
      }
    },
  };
}

function tryCgroupV2(name: string, limitMiB: number): MemoryLimit | string {
  const mount = mounts().find((m) => m.fstype === 'cgroup2');
  if (!mount) return 'no cgroup2 hierarchy mounted';
  const own = ownCgroup(2);
  const parents = [...new Set([own ? join(mount.path, own) : undefined, mount.path].filter((x): x is string => x !== undefined))];
  const reasons: string[] = [];
  for (const parent of parents) {
    let controllers = '';
    try {
      controllers = readFileSync(join(parent, 'cgroup.controllers'), 'utf8');
    } catch {
      reasons.push(`${parent}: unreadable`);
      continue;
    }
    if (!controllers.split(/\s+/).includes('memory')) {
      reasons.push(`${parent}: no memory controller`);
      continue;
    }
    tryWrite(join(parent, 'cgroup.subtree_control'), '+memory');
    const dir = join(parent, name);
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      reasons.push(`${parent}: ${(e as Error).message}`);
      continue;
    }
    if (!existsSync(join(dir, 'memory.max')) || !tryWrite(join(dir, 'memory.max'), String(limitMiB * 1024 * 1024))) {
      reasons.push(`${parent}: memory.max not writable`);
      tryRmdir(dir);
      continue;
    }
    tryWrite(join(dir, 'memory.swap.max'), '0');
    return cgroupLimit(dir, 'cgroup-v2', limitMiB, `cgroup v2 memory.max ${limitMiB} MiB (${dir})`);
  }
  return `cgroup v2: ${reasons.join('; ')}`;
}

function tryCgroupV1(name: string, limitMiB: number): MemoryLimit | string {
  const mount = mounts().find((m) => m.fstype === 'cgroup' && m.superOptions.split(',').includes('memory'));
  if (!mount) return 'no cgroup v1 memory hierarchy mounted';
  const own = ownCgroup(1);
  const parents = [...new Set([own ? join(mount.path, own) : undefined, mount.path].filter((x): x is string => x !== undefined))];
  const reasons: string[] = [];
  for (const parent of parents) {
    const dir = join(parent, name);
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      reasons.push(`${parent}: ${(e as Error).message}`);
      continue;
    }
    const bytes = String(limitMiB * 1024 * 1024);
    if (!tryWrite(join(dir, 'memory.limit_in_bytes'), bytes)) {
      reasons.push(`${parent}: memory.limit_in_bytes not writable`);
      tryRmdir(dir);
      continue;
    }
    // memory+swap at the same limit: no escape into swap.
    tryWrite(join(dir, 'memory.memsw.limit_in_bytes'), bytes);
    return cgroupLimit(dir, 'cgroup-v1', limitMiB, `cgroup v1 memory.limit_in_bytes ${limitMiB} MiB (${dir})`);
  }
  return `cgroup v1: ${reasons.join('; ')}`;
}

function tryRmdir(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // ignore
  }
}

function heapLimit(limitMiB: number, why: string, builtin: boolean): MemoryLimit {
  return {
    method: 'heap',
    limitMiB,
    note: `--max-old-space-size=${limitMiB} (NODE_OPTIONS)${why ? `; no cgroup: ${why}` : ''}${builtin ? '; limits the V8 heap only, not Buffers' : '; only a Node.js collector honours it'}`,
    wrap: (cmd) => cmd,
    env: (base) => ({ ...base, NODE_OPTIONS: `${base.NODE_OPTIONS ? `${base.NODE_OPTIONS} ` : ''}--max-old-space-size=${limitMiB}` }),
    oomKills: () => undefined,
    peakBytes: () => undefined,
    dispose: () => {},
  };
}

/**
 * A memory limit by the requested method. name must be unique per process (it names the cgroup).
 * Throws when method is 'cgroup' and no cgroup is usable.
 */
export function prepareMemoryLimit(name: string, limitMiB: number, method: 'auto' | 'cgroup' | 'heap', builtin: boolean): MemoryLimit {
  if (method === 'heap') return heapLimit(limitMiB, '', builtin);
  const v2 = tryCgroupV2(name, limitMiB);
  if (typeof v2 !== 'string') return v2;
  const v1 = tryCgroupV1(name, limitMiB);
  if (typeof v1 !== 'string') return v1;
  if (method === 'cgroup') throw new Error(`no writable cgroup for a memory limit: ${v2}; ${v1}`);
  return heapLimit(limitMiB, `${v2}; ${v1}`, builtin);
}
