/**
 * A real network partition (network_partition with netns: true): the downstream tier of the hop
 * runs in its own network namespace, joined to the host by a veth pair (host 10.213.x.1, namespace
 * 10.213.x.2, a /30), and the partition is iptables rules in the namespace that DROP (or REJECT with
 * a TCP reset) packets to that tier's receiver ports. Unlike the TCP proxy, the kernel loses the
 * packets: senders see retransmissions and timeouts, not closed sockets.
 *
 * Needs Linux, root, `ip` (iproute2) and `iptables`; preflight() says what is missing. Namespaces are
 * named tbns-<pid>-<n>; ones left by a testbed that died (its pid gone) are removed on the next
 * create().
 */
import { execFile } from 'node:child_process';
import { isProcessAlive } from '../process/process-liveness.ts';

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${command} ${args.join(' ')}: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
  });
}

async function has(command: string, args: string[]): Promise<boolean> {
  try {
    await run(command, args);
    return true;
  } catch {
    return false;
  }
}

/** Why netns partitions cannot run here, or undefined when they can. */
export async function netnsPreflight(): Promise<string | undefined> {
  if (process.platform !== 'linux') return 'netns partitions need Linux';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'netns partitions need root (network namespaces, veth pairs, iptables)';
  if (!(await has('ip', ['-V']))) return 'netns partitions need `ip` (apt-get install iproute2)';
  if (!(await has('iptables', ['--version']))) return 'netns partitions need `iptables` (apt-get install iptables)';
  return undefined;
}

let created = 0;

export type NetnsPartitionMode = 'drop' | 'blackhole' | 'reset';

export class NetnsLink {
  private partitioned = false;
  private destroyed = false;

  private constructor(
    readonly name: string,
    readonly hostIf: string,
    readonly hostIp: string,
    readonly nsIp: string,
  ) {}

  static async create(): Promise<NetnsLink> {
    await removeStaleNamespaces();
    const n = created++;
    const name = `tbns-${process.pid}-${n}`;
    // Interface names: at most 15 characters.
    const tag = `${process.pid % 1_000_000}${n}`;
    const hostIf = `tbh${tag}`.slice(0, 15);
    const nsIf = `tbn${tag}`.slice(0, 15);
    const subnet = (process.pid + n * 7) % 250;
    const hostIp = `10.213.${subnet}.1`;
    const nsIp = `10.213.${subnet}.2`;
    await run('ip', ['netns', 'add', name]);
    const link = new NetnsLink(name, hostIf, hostIp, nsIp);
    try {
      await run('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf]);
      await run('ip', ['link', 'set', nsIf, 'netns', name]);
      await run('ip', ['addr', 'add', `${hostIp}/30`, 'dev', hostIf]);
      await run('ip', ['link', 'set', hostIf, 'up']);
      await run('ip', ['netns', 'exec', name, 'ip', 'addr', 'add', `${nsIp}/30`, 'dev', nsIf]);
      await run('ip', ['netns', 'exec', name, 'ip', 'link', 'set', nsIf, 'up']);
      await run('ip', ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
    } catch (e) {
      await link.destroy();
      throw e;
    }
    return link;
  }

  /** Runs a command inside the namespace (`ip netns exec` execs it: the pid stays the command's). */
  wrap(cmd: { command: string; args: string[] }): { command: string; args: string[] } {
    return { command: 'ip', args: ['netns', 'exec', this.name, cmd.command, ...cmd.args] };
  }

  /** Cuts TCP traffic to these ports inside the namespace. */
  async partition(ports: readonly number[], mode: NetnsPartitionMode): Promise<void> {
    const target = mode === 'reset' ? ['REJECT', '--reject-with', 'tcp-reset'] : ['DROP'];
    for (const port of ports) {
      await run('ip', ['netns', 'exec', this.name, 'iptables', '-A', 'INPUT', '-p', 'tcp', '--dport', String(port), '-j', ...target]);
    }
    this.partitioned = true;
  }

  async heal(): Promise<void> {
    if (!this.partitioned) return;
    await run('ip', ['netns', 'exec', this.name, 'iptables', '-F', 'INPUT']);
    this.partitioned = false;
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    // Deleting the namespace deletes its veth end, which takes the host end with it.
    await run('ip', ['link', 'del', this.hostIf]).catch(() => {});
    await run('ip', ['netns', 'del', this.name]).catch(() => {});
  }
}

async function removeStaleNamespaces(): Promise<void> {
  let list = '';
  try {
    list = await run('ip', ['netns', 'list']);
  } catch {
    return;
  }
  for (const line of list.split('\n')) {
    const m = /^(tbns-(\d+)-\d+)/.exec(line.trim());
    if (!m || Number(m[2]) === process.pid || isProcessAlive(Number(m[2]))) continue;
    await run('ip', ['netns', 'del', m[1]!]).catch(() => {});
  }
}
