import { describe, expect, it, onTestFinished } from 'vitest';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { TcpProxy } from './tcp-proxy.ts';

/** An echo server that counts what it received. */
async function startEcho(): Promise<{ port: number; received: () => number }> {
  let received = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    s.on('data', (d) => {
      received += d.length;
      s.write(d);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onTestFinished(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });
  return { port: (server.address() as AddressInfo).port, received: () => received };
}

async function startProxy(targetPort: number): Promise<TcpProxy> {
  const proxy = new TcpProxy({ targetPort });
  await proxy.start();
  onTestFinished(() => proxy.stop());
  return proxy;
}

interface Client {
  socket: net.Socket;
  data: () => Buffer;
  /** Resolves with how the connection ended: 'end' (FIN), an error code, or 'close'. */
  ended: Promise<string>;
}

async function connect(port: number): Promise<Client> {
  const socket = net.connect(port, '127.0.0.1');
  onTestFinished(() => void socket.destroy());
  const chunks: Buffer[] = [];
  socket.on('data', (d: Buffer) => chunks.push(d));
  const ended = new Promise<string>((resolve) => {
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    socket.once('end', () => resolve('end'));
    socket.once('close', () => resolve('close'));
  });
  // An RST can beat the connect callback: then `ended` already holds the error.
  await Promise.race([new Promise<void>((resolve) => socket.once('connect', resolve)), ended]);
  return { socket, data: () => Buffer.concat(chunks), ended };
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('TcpProxy', () => {
  it('pass: forwards both ways', async () => {
    const echo = await startEcho();
    const proxy = await startProxy(echo.port);
    const c = await connect(proxy.port);
    c.socket.write('hello');
    await until(() => c.data().toString() === 'hello');
    expect(proxy.stats()).toMatchObject({ connectionsAccepted: 1, connectionsActive: 1, bytesToTarget: 5, bytesToClient: 5 });
  });

  it('latency: delays chunks in both directions and keeps their order', async () => {
    const echo = await startEcho();
    const proxy = await startProxy(echo.port);
    expect(proxy.setMode({ mode: 'latency', latency_ms: 20 }).mode).toEqual({ mode: 'latency', latency_ms: 20 });
    const c = await connect(proxy.port);
    for (let i = 0; i < 10; i++) c.socket.write(`${i},`);
    await until(() => c.data().length === 20);
    expect(c.data().toString()).toBe('0,1,2,3,4,5,6,7,8,9,');
    expect(proxy.stats().chunksDelayed).toBeGreaterThanOrEqual(2);
  });

  it('bandwidth: paces large transfers and delivers every byte', async () => {
    const echo = await startEcho();
    const proxy = await startProxy(echo.port);
    proxy.setMode({ mode: 'bandwidth', bytes_per_second: 2_000_000 });
    const c = await connect(proxy.port);
    const payload = Buffer.alloc(200_000, 0x61);
    c.socket.write(payload);
    await until(() => c.data().length === payload.length);
    expect(c.data().equals(payload)).toBe(true);
    expect(proxy.stats().chunksDelayed).toBeGreaterThan(0);
  });

  it('drop: closes open connections and every new one', async () => {
    const echo = await startEcho();
    const proxy = await startProxy(echo.port);
    const open = await connect(proxy.port);
    open.socket.write('x');
    await until(() => open.data().length === 1);
    proxy.setMode({ mode: 'drop' });
    expect(await open.ended).toBe('end');
    const fresh = await connect(proxy.port);
    expect(await fresh.ended).toBe('end');
    expect(proxy.stats()).toMatchObject({ connectionsDropped: 2, connectionsActive: 0 });
  });

  it('reset: aborts open connections and every new one with RST', async () => {
    const echo = await startEcho();
    const proxy = await startProxy(echo.port);
    const open = await connect(proxy.port);
    open.socket.write('x');
    await until(() => open.data().length === 1);
    proxy.setMode({ mode: 'reset' });
    expect(await open.ended).toBe('ECONNRESET');
    const fresh = await connect(proxy.port);
    expect(await fresh.ended).toBe('ECONNRESET');
    expect(proxy.stats()).toMatchObject({ connectionsReset: 2, connectionsActive: 0 });
  });

  it('blackhole: accepts and reads, never forwards; leaving it resets the broken connections', async () => {
    const echo = await startEcho();
    const proxy = await startProxy(echo.port);
    const before = await connect(proxy.port);
    before.socket.write('a');
    await until(() => before.data().length === 1);
    proxy.setMode({ mode: 'blackhole' });
    before.socket.write('lost');
    const during = await connect(proxy.port);
    during.socket.write('gone too');
    await until(() => proxy.stats().bytesDiscarded === 12);
    expect(echo.received()).toBe(1);
    expect(before.data().toString()).toBe('a');
    expect(during.data().length).toBe(0);
    expect(proxy.stats().connectionsActive).toBe(2);

    const untouched = proxy.stats().connectionsReset;
    proxy.setMode({ mode: 'pass' });
    // Both lost bytes: their streams have a hole, so they are reset rather than resumed.
    expect(await before.ended).toBe('ECONNRESET');
    expect(await during.ended).toBe('ECONNRESET');
    expect(proxy.stats().connectionsReset).toBe(untouched + 2);
    const after = await connect(proxy.port);
    after.socket.write('back');
    await until(() => after.data().toString() === 'back');
  });

  it('blackhole: a connection that sent nothing during it survives', async () => {
    const echo = await startEcho();
    const proxy = await startProxy(echo.port);
    const quiet = await connect(proxy.port);
    quiet.socket.write('a');
    await until(() => quiet.data().length === 1);
    proxy.setMode({ mode: 'blackhole' });
    proxy.setMode({ mode: 'pass' });
    quiet.socket.write('b');
    await until(() => quiet.data().toString() === 'ab');
    expect(proxy.stats().connectionsReset).toBe(0);
  });

  it('hold: keeps what clients send while answers flow back; leaving hold forwards it all', async () => {
    const echo = await startEcho();
    const proxy = await startProxy(echo.port);
    const c = await connect(proxy.port);
    c.socket.write('a');
    await until(() => c.data().toString() === 'a');
    proxy.setMode({ mode: 'hold' });
    c.socket.write('bc');
    const late = await connect(proxy.port);
    late.socket.write('d');
    await new Promise((r) => setTimeout(r, 50));
    expect(echo.received()).toBe(1);
    proxy.setMode({ mode: 'pass' });
    await until(() => c.data().toString() === 'abc' && late.data().toString() === 'd');
    expect(proxy.stats()).toMatchObject({ connectionsReset: 0, connectionsDropped: 0, bytesDiscarded: 0 });
  });
});
