/**
 * Starts a process whose argv names the loopback ports it listens on: picks free ports, builds the
 * options from them, starts it. A port can be taken by someone else between the pick and the
 * child's bind; when the child then exits early, the start is tried again with new ports.
 */
import { getFreePorts } from './free-port.ts';
import { ManagedProcess, type StartProcessOptions } from './managed-process.ts';

export interface StartedOnPorts<K extends string> {
  process: ManagedProcess;
  ports: Record<K, number>;
}

export async function startOnFreePorts<K extends string>(
  names: readonly K[],
  build: (ports: Record<K, number>) => StartProcessOptions,
  /** Resolves once the process listens (e.g. waits for its health URL); may throw. */
  ready: (p: ManagedProcess, ports: Record<K, number>) => Promise<void>,
  attempts = 3,
): Promise<StartedOnPorts<K>> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const list = await getFreePorts(names.length);
    const ports = Object.fromEntries(names.map((n, i) => [n, list[i]!])) as Record<K, number>;
    const p = await ManagedProcess.start(build(ports));
    try {
      await ready(p, ports);
      return { process: p, ports };
    } catch (e) {
      lastError = e;
      const running = p.running;
      await p.stop(1000);
      // Still running yet not ready: not a port clash, so do not try again.
      if (running) throw e;
    }
  }
  throw lastError;
}
