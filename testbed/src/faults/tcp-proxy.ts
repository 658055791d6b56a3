/**
 * A fault-injecting TCP proxy for network faults between two processes on loopback. Modes,
 * switchable at runtime:
 *  - pass: forward both ways;
 *  - latency: delay every chunk by latency_ms (each direction, order kept);
 *  - bandwidth: at most bytes_per_second per direction per connection;
 *  - drop: close existing connections and every new one (FIN);
 *  - reset: abort existing connections and every new one with RST;
 *  - blackhole: accept, read and discard, never forward (a partition that keeps sockets open).
 *    Leaving blackhole resets (RST) every connection that lost bytes or was accepted during it: its
 *    byte stream has a hole and cannot resume (a peer would only see garbage or wait forever), so
 *    clients notice at once and reconnect, as they would after a real partition timed them out;
 *  - hold: keep what clients send (nothing lost, nothing forwarded) while answers still flow back;
 *    leaving hold forwards it. The testbed holds a gateway's input for a moment before killing it, so
 *    the counters it scrapes just before the kill are exact.
 */
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';

export type ProxyMode =
  | { mode: 'pass' }
  | { mode: 'latency'; latency_ms: number }
  | { mode: 'bandwidth'; bytes_per_second: number }
  | { mode: 'drop' }
  | { mode: 'reset' }
  | { mode: 'blackhole' }
  | { mode: 'hold' };

export interface TcpProxyOptions {
  targetHost?: string;
  targetPort: number;
  listenHost?: string;
  /** 0 picks a free port. */
  listenPort?: number;
  mode?: ProxyMode;
}

export interface TcpProxyStats {
  mode: ProxyMode;
  connectionsAccepted: number;
  connectionsActive: number;
  /** Connections closed (drop) or reset (reset) by the proxy. */
  connectionsDropped: number;
  connectionsReset: number;
  /** Bytes forwarded client -> target and target -> client. */
  bytesToTarget: number;
  bytesToClient: number;
  /** Bytes read and thrown away (blackhole). */
  bytesDiscarded: number;
  /** Chunks that waited for latency or bandwidth. */
  chunksDelayed: number;
}

/** A forwarded chunk waits in its direction's FIFO until its release time. */
interface Pending {
  releaseAt: number;
  chunk: Buffer;
}

/** Pause reading a side when this much is waiting to be forwarded. */
const MAX_PENDING_BYTES = 16 * 1024 * 1024;

class Direction {
  private readonly fifo: Pending[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private lastRelease = 0;
  private ended = false;

  constructor(
    private readonly proxy: TcpProxy,
    private readonly conn: Connection,
    private readonly src: net.Socket,
    private readonly dst: net.Socket,
    private readonly toTarget: boolean,
  ) {
    src.on('data', (chunk: Buffer) => this.onData(chunk));
    src.on('end', () => {
      this.ended = true;
      this.flush();
    });
  }

  private onData(chunk: Buffer): void {
    const mode = this.proxy.mode;
    const s = this.proxy.counters;
    if (mode.mode === 'blackhole') {
      s.bytesDiscarded += chunk.length;
      this.conn.broken = true;
      return;
    }
    const now = performance.now();
    let releaseAt = now;
    if (mode.mode === 'hold' && this.toTarget) releaseAt = Infinity;
    else if (mode.mode === 'latency') releaseAt = now + mode.latency_ms;
    else if (mode.mode === 'bandwidth') {
      releaseAt = Math.max(now, this.lastRelease) + (chunk.length / mode.bytes_per_second) * 1000;
      this.lastRelease = releaseAt;
    }
    if (releaseAt > now) s.chunksDelayed++;
    this.fifo.push({ releaseAt, chunk });
    this.pendingBytes += chunk.length;
    if (this.pendingBytes > MAX_PENDING_BYTES) this.src.pause();
    this.flush();
  }

  private flush(): void {
    if (this.timer) return;
    const now = performance.now();
    const s = this.proxy.counters;
    while (this.fifo.length > 0 && this.fifo[0]!.releaseAt <= now) {
      const { chunk } = this.fifo.shift()!;
      this.pendingBytes -= chunk.length;
      if (this.toTarget) s.bytesToTarget += chunk.length;
      else s.bytesToClient += chunk.length;
      if (!this.dst.destroyed && !this.dst.write(chunk)) {
        this.src.pause();
        this.dst.once('drain', () => this.src.resume());
      }
    }
    if (this.fifo.length > 0) {
      // Held: waits for release(), not for a timer.
      if (this.fifo[0]!.releaseAt === Infinity) return;
      this.timer = setTimeout(
        () => {
          this.timer = undefined;
          this.flush();
        },
        Math.max(1, this.fifo[0]!.releaseAt - now),
      );
      return;
    }
    if (this.pendingBytes <= MAX_PENDING_BYTES && this.src.isPaused() && this.dst.writableNeedDrain === false) this.src.resume();
    if (this.ended && !this.dst.destroyed) this.dst.end();
  }

  /** Lets held chunks go (leaving hold). */
  release(): void {
    const now = performance.now();
    for (const p of this.fifo) if (p.releaseAt === Infinity) p.releaseAt = now;
    this.flush();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.fifo.length = 0;
  }
}

interface Connection {
  client: net.Socket;
  upstream: net.Socket | undefined;
  directions: Direction[];
  /** Lost bytes to a blackhole: reset when the blackhole ends. */
  broken: boolean;
}

export class TcpProxy {
  private server: net.Server | undefined;
  private modeValue: ProxyMode;
  private readonly connections = new Set<Connection>();
  /** @internal read by the directions */
  readonly counters: Omit<TcpProxyStats, 'mode' | 'connectionsActive'> = {
    connectionsAccepted: 0,
    connectionsDropped: 0,
    connectionsReset: 0,
    bytesToTarget: 0,
    bytesToClient: 0,
    bytesDiscarded: 0,
    chunksDelayed: 0,
  };
  port = 0;

  constructor(private readonly o: TcpProxyOptions) {
    this.modeValue = o.mode ?? { mode: 'pass' };
  }

  get mode(): ProxyMode {
    return this.modeValue;
  }

  async start(): Promise<number> {
    const server = net.createServer((socket) => this.onConnection(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.listenPort ?? 0, this.o.listenHost ?? '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this.port;
  }

  /** Switches mode; drop and reset also end every open connection now, leaving blackhole the broken ones. */
  setMode(mode: ProxyMode): TcpProxyStats {
    validateMode(mode);
    const was = this.modeValue.mode;
    this.modeValue = mode;
    if (mode.mode === 'drop' || mode.mode === 'reset') {
      for (const c of [...this.connections]) this.kill(c, mode.mode === 'reset');
    } else if (was === 'blackhole' && mode.mode !== 'blackhole') {
      for (const c of [...this.connections]) if (c.broken) this.kill(c, true);
    } else if (was === 'hold' && mode.mode !== 'hold') {
      for (const c of this.connections) for (const d of c.directions) d.release();
    }
    return this.stats();
  }

  stats(): TcpProxyStats {
    return { mode: this.modeValue, connectionsActive: this.connections.size, ...this.counters };
  }

  async stop(): Promise<void> {
    for (const c of [...this.connections]) this.kill(c, false, false);
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private onConnection(client: net.Socket): void {
    this.counters.connectionsAccepted++;
    client.on('error', () => {});
    const mode = this.modeValue.mode;
    if (mode === 'drop') {
      this.counters.connectionsDropped++;
      client.destroy();
      return;
    }
    if (mode === 'reset') {
      this.counters.connectionsReset++;
      client.resetAndDestroy();
      return;
    }
    const c: Connection = { client, upstream: undefined, directions: [], broken: mode === 'blackhole' };
    this.connections.add(c);
    client.on('close', () => this.kill(c, false, false));
    if (mode === 'blackhole') {
      // Never connected upstream, even if the mode changes later: this connection is lost.
      client.on('data', (chunk: Buffer) => (this.counters.bytesDiscarded += chunk.length));
      return;
    }
    const upstream = net.connect(this.o.targetPort, this.o.targetHost ?? '127.0.0.1');
    c.upstream = upstream;
    upstream.on('error', () => {});
    upstream.on('close', () => this.kill(c, false, false));
    c.directions.push(new Direction(this, c, client, upstream, true), new Direction(this, c, upstream, client, false));
  }

  /** Ends a connection: RST when reset, FIN otherwise; counted only when it is the proxy's fault. */
  private kill(c: Connection, reset: boolean, count = true): void {
    if (!this.connections.delete(c)) return;
    for (const d of c.directions) d.dispose();
    if (count) {
      if (reset) this.counters.connectionsReset++;
      else this.counters.connectionsDropped++;
    }
    for (const s of [c.client, c.upstream]) {
      if (!s || s.destroyed) continue;
      if (reset && s.readyState !== 'opening') s.resetAndDestroy();
      else s.destroy();
    }
  }
}

function validateMode(m: ProxyMode): void {
  if (m.mode === 'latency' && !(m.latency_ms >= 0)) throw new Error('latency_ms must be >= 0');
  if (m.mode === 'bandwidth' && !(m.bytes_per_second > 0)) throw new Error('bytes_per_second must be > 0');
}
