/**
 * How much memory this process may use: the container's cgroup memory limit, else the
 * machine's total memory (otelcol's iruntime.TotalMemory). limit_percentage is a percentage of
 * this, so a collector in a 2 GiB pod on a 64 GiB node limits itself by the 2 GiB.
 *
 * The cgroup is found through /proc/self/cgroup and the limit read at every level from it up to
 * the hierarchy's root, keeping the smallest: a limit may be set on a parent (a pod) rather than
 * on the process's own cgroup, and inside a container the own path often does not exist under
 * /sys/fs/cgroup (the container sees its cgroup as the root), so missing files are skipped.
 * cgroup v2: memory.max ("max" = unlimited). cgroup v1 (memory controller listed in
 * /proc/self/cgroup): memory.limit_in_bytes, where "unlimited" is a huge number (2^63 - 4096).
 */
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';

/** Reads a small text file; undefined if it does not exist or cannot be read. */
export type FileReader = (path: string) => string | undefined;

export const readTextFile: FileReader = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

export interface CgroupLimit {
  bytes: number;
  /** The file the (smallest) limit was read from, for the log line. */
  file: string;
  version: 1 | 2;
}

const CGROUP_ROOT = '/sys/fs/cgroup';
/** Values at or above this are "no limit" (v1 writes PAGE_COUNTER_MAX * page size, about 2^63). */
const UNLIMITED_FROM = 2 ** 62;

/** Directories from `${root}${path}` up to `root`, most specific first. */
function walkUp(root: string, cgroupPath: string): string[] {
  // A path with ".." (nested cgroup namespaces) cannot be mapped; the root alone is still right
  // inside a container.
  const parts = cgroupPath.includes('..') ? [] : cgroupPath.split('/').filter((p) => p !== '');
  const dirs: string[] = [];
  for (let n = parts.length; n >= 0; n--) dirs.push(n === 0 ? root : `${root}/${parts.slice(0, n).join('/')}`);
  return dirs;
}

function smallestLimit(dirs: readonly string[], fileName: string, version: 1 | 2, readFile: FileReader): CgroupLimit | undefined {
  let best: CgroupLimit | undefined;
  for (const dir of dirs) {
    const file = `${dir}/${fileName}`;
    const text = readFile(file)?.trim();
    if (text === undefined || text === '' || text === 'max') continue;
    const bytes = Number(text);
    if (!Number.isFinite(bytes) || bytes <= 0 || bytes >= UNLIMITED_FROM) continue;
    if (best === undefined || bytes < best.bytes) best = { bytes, file, version };
  }
  return best;
}

/** The cgroup memory limit of this process, or undefined when there is none (or no cgroups). */
export function readCgroupMemoryLimit(readFile: FileReader = readTextFile): CgroupLimit | undefined {
  const lines = (readFile('/proc/self/cgroup') ?? '').split('\n');
  let v1Path: string | undefined;
  let v2Path: string | undefined;
  for (const line of lines) {
    // "hierarchy-id:controller-list:path"; the path may itself contain ':'.
    const a = line.indexOf(':');
    const b = a === -1 ? -1 : line.indexOf(':', a + 1);
    if (b === -1) continue;
    const controllers = line.slice(a + 1, b);
    const path = line.slice(b + 1);
    if (line.slice(0, a) === '0' && controllers === '') v2Path = path;
    else if (controllers.split(',').includes('memory')) v1Path = path;
  }
  // Hybrid hosts have both lines; the memory controller is where v1 lists it.
  if (v1Path !== undefined) {
    return smallestLimit(walkUp(`${CGROUP_ROOT}/memory`, v1Path), 'memory.limit_in_bytes', 1, readFile);
  }
  return smallestLimit(walkUp(CGROUP_ROOT, v2Path ?? '/'), 'memory.max', 2, readFile);
}

export interface AvailableMemory {
  bytes: number;
  /** Where the figure comes from: the cgroup file, or "system" for the machine's total. */
  source: string;
}

/** The cgroup limit, or the machine's total memory when unlimited (and never more than that). */
export function availableMemory(readFile: FileReader = readTextFile, systemTotal: number = totalmem()): AvailableMemory {
  const limit = readCgroupMemoryLimit(readFile);
  if (limit !== undefined && limit.bytes < systemTotal) return { bytes: limit.bytes, source: `cgroup v${limit.version} ${limit.file}` };
  return { bytes: systemTotal, source: 'system' };
}
