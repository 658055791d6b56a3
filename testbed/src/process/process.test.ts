import { describe, expect, it, onTestFinished } from 'vitest';
import * as net from 'node:net';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getFreePorts } from './free-port.ts';
import { ManagedProcess, type StartProcessOptions } from './managed-process.ts';
import { ResourceSampler } from './resource-sampler.ts';
import { isProcessAlive, waitForProcessGone } from './process-liveness.ts';
import { childRegistry } from './child-registry.ts';
import { startOnFreePorts } from './start-on-free-ports.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

async function start(o: Omit<StartProcessOptions, 'name'> & { name?: string }): Promise<ManagedProcess> {
  const p = await ManagedProcess.start({ name: 'test-child', ...o });
  onTestFinished(async () => {
    await p.stop(200);
  });
  return p;
}

const node = (script: string, ...args: string[]) => ({ command: process.execPath, args: ['-e', script, ...args] });

describe('free ports', () => {
  it('returns distinct ports that can be bound', async () => {
    const ports = await getFreePorts(3);
    expect(new Set(ports).size).toBe(3);
    for (const port of ports) {
      const server = net.createServer();
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('ManagedProcess', () => {
  it('starts a child on a free port, waits for its health URL, logs its output and stops it with SIGTERM', async () => {
    const [port] = await getFreePorts(1);
    const logFile = join(mkdtempSync(join(tmpdir(), 'testbed-')), 'child.log');
    const p = await start({
      ...node(
        `const s = require('http').createServer((q, r) => r.end('ok')).listen(Number(process.argv[1]), '127.0.0.1', () => console.log('listening'));` +
          `process.on('SIGTERM', () => { console.error('got SIGTERM'); s.close(); process.exit(0); });`,
        String(port),
      ),
      logFile,
    });
    await p.waitForHealthy(`http://127.0.0.1:${port}/`, 5000);
    expect(await p.waitForLine(/listening/)).toBe('listening');
    expect(childRegistry.has(p.pid)).toBe(true);
    expect(await p.stop()).toEqual({ code: 0, signal: null });
    expect(childRegistry.has(p.pid)).toBe(false);
    await new Promise((r) => setTimeout(r, 50)); // the log stream closes right after exit
    expect(readFileSync(logFile, 'utf8')).toMatch(/listening[\s\S]*got SIGTERM/);
  });

  it('starts a child on free ports named in its argv and waits until it listens', async () => {
    const { process: p, ports } = await startOnFreePorts(
      ['http', 'admin'] as const,
      (ports) => ({
        name: 'two-ports',
        ...node(
          `const h = require('http'); for (const port of process.argv.slice(1)) h.createServer((q, r) => r.end('ok')).listen(Number(port), '127.0.0.1');`,
          String(ports.http),
          String(ports.admin),
        ),
      }),
      async (child, ports) => {
        await child.waitForHealthy(`http://127.0.0.1:${ports.http}/`, 5000);
        await child.waitForHealthy(`http://127.0.0.1:${ports.admin}/`, 5000);
      },
    );
    onTestFinished(async () => {
      await p.stop(200);
    });
    expect(ports.http).not.toBe(ports.admin);
    expect(await (await fetch(`http://127.0.0.1:${ports.admin}/`)).text()).toBe('ok');
  });

  it('kills a child that ignores SIGTERM once the grace period is over', async () => {
    const p = await start(node(`process.on('SIGTERM', () => console.log('ignored')); console.log('ready'); setInterval(() => {}, 1000);`));
    await p.waitForLine(/ready/);
    expect(await p.stop(200)).toEqual({ code: null, signal: 'SIGKILL' });
    expect(p.outputTail()).toContain('ignored');
    expect(isProcessAlive(p.pid)).toBe(false);
  });

  it('fails the health wait early when the child exits, and bounds line waits', async () => {
    const dead = await start(node('console.log("bye"); process.exit(3)'));
    await expect(dead.waitForHealthy('http://127.0.0.1:9/', 10_000)).rejects.toThrow(/exited/);
    expect(await dead.exited).toEqual({ code: 3, signal: null });
    const quiet = await start(node('setInterval(() => {}, 1000)'));
    await expect(quiet.waitForLine(/never/, 100)).rejects.toThrow(/no matching stdout line within 100 ms/);
  });

  it('rejects a command that cannot start', async () => {
    await expect(ManagedProcess.start({ name: 'nope', command: '/nonexistent/binary' })).rejects.toThrow(/cannot start nope/);
  });

  it('samples CPU and RSS of a child from /proc', async () => {
    const p = await start(node('console.log("spin"); const end = Date.now() + 30000; while (Date.now() < end) {}'));
    await p.waitForLine(/spin/);
    const sampler = new ResourceSampler(p.pid, 20).start();
    for (let i = 0; i < 200 && sampler.summary().samples < 5; i++) await new Promise((r) => setTimeout(r, 20));
    const s = sampler.stop();
    expect(s.samples).toBeGreaterThanOrEqual(5);
    expect(s.cpuSeconds).toBeGreaterThan(0);
    expect(s.cpuMaxPercent).toBeGreaterThan(0);
    expect(s.rssMaxBytes).toBeGreaterThan(1024 * 1024);
    expect(sampler.series().rssBytes.length).toBe(s.samples);
  });
});

describe('child registry', () => {
  const parentArgs = ['--import', 'tsx', 'testbed/src/process/fixtures/registry-parent.ts'];

  for (const [signal, how] of [
    ['SIGTERM', 'through its signal hook'],
    ['SIGINT', 'through its signal hook'],
    ['SIGKILL', 'through the reaper'],
  ] as const) {
    it(`kills the children of a testbed that gets ${signal} (${how})`, async () => {
      const parent = await start({ command: process.execPath, args: parentArgs, cwd: repoRoot, name: 'registry-parent' });
      const { childPid } = await parent.waitForJsonLine<{ childPid: number }>(15_000);
      onTestFinished(() => {
        try {
          process.kill(childPid, 'SIGKILL');
        } catch {
          // already gone, as it should be
        }
      });
      expect(isProcessAlive(childPid)).toBe(true);
      process.kill(parent.pid, signal); // the testbed's own pid only, as kill(1) would
      expect(await parent.exited).toMatchObject({ signal });
      expect(await waitForProcessGone(childPid, 5000)).toBe(true);
    });
  }
});
