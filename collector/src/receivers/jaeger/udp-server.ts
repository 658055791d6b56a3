/**
 * The Jaeger agent's UDP endpoints (thrift_compact :6831, thrift_binary :6832): one
 * `Agent.emitBatch` per datagram, as otelcol's udpserver + ThriftProcessor handle them.
 *
 * otelcol reads packets into a queue of `queue_size` and lets `workers` goroutines decode and
 * consume them. Here decoding is synchronous on the event loop, so `workers` bounds the pipeline
 * hand-offs in flight; packets arriving while all workers wait on the pipeline are queued (up to
 * `queue_size`, as raw packets: at most queue_size * max_packet_size bytes) and dropped past it.
 * UDP has no answer, so every loss is counted (`tailpipe_receiver_dropped_packets` by reason,
 * `tailpipe_receiver_invalid_requests`, otelcol_receiver_refused_spans) and logged, at most one
 * warn line per reason per interval.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Logger } from 'pino';
import { splitEndpoint } from '../../config/schema-helpers.ts';
import type { CollectorError } from '../../errors/codes.ts';
import type { SpanBatch } from '../../pdata/span-batch.ts';
import type { SelfTelemetry } from '../../telemetry/self-telemetry.ts';
import type { UdpConfig } from './config.ts';
import type { ReceiverHandoff } from './handoff.ts';
import { JaegerDecodeError } from './jaeger-model.ts';
import type { RateLimitedLog } from './rate-limited-log.ts';
import { decodeAgentPacket, type ThriftProtocol } from './thrift-decode.ts';
import { jaegerToOtlp } from './translate.ts';

/** Our own counter (otelcol has none): datagrams dropped before decoding. */
export const DROPPED_PACKETS_METRIC = 'tailpipe_receiver_dropped_packets';

export type DropReason = 'too_large' | 'queue_full' | 'shutdown';

type BoundCounter = { inc(value?: number): void };

/** Fixed-capacity FIFO of packets (O(1) push/shift, unlike Array#shift). */
class PacketQueue {
  private readonly slots: (Buffer | undefined)[];
  private head = 0;
  length = 0;

  constructor(capacity: number) {
    this.slots = new Array<Buffer | undefined>(capacity);
  }

  get capacity(): number {
    return this.slots.length;
  }

  push(p: Buffer): boolean {
    const cap = this.slots.length;
    if (this.length >= cap) return false;
    this.slots[(this.head + this.length) % cap] = p;
    this.length++;
    return true;
  }

  shift(): Buffer | undefined {
    if (this.length === 0) return undefined;
    const p = this.slots[this.head];
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) % this.slots.length;
    this.length--;
    return p;
  }
}

export class AgentUdpServer {
  private readonly config: UdpConfig;
  private readonly protocol: ThriftProtocol;
  private readonly handoff: ReceiverHandoff;
  private readonly logger: Logger;
  private readonly rateLog: RateLimitedLog;
  private readonly queue: PacketQueue;
  private readonly dropped: Record<DropReason, BoundCounter>;
  private socket: Socket | undefined;
  private address: string | undefined;
  private inFlight = 0;
  private closed: Promise<void> | undefined;
  /** Resolves the drain wait of close() once the queue is empty and nothing is in flight. */
  private onIdle: (() => void) | undefined;

  constructor(
    config: UdpConfig,
    protocol: ThriftProtocol,
    receiverId: string,
    handoff: ReceiverHandoff,
    telemetry: SelfTelemetry,
    logger: Logger,
    rateLog: RateLimitedLog,
  ) {
    this.config = config;
    this.protocol = protocol;
    this.handoff = handoff;
    this.logger = logger;
    this.rateLog = rateLog;
    this.queue = new PacketQueue(config.queue_size);
    const counter = telemetry.counter(
      DROPPED_PACKETS_METRIC,
      'Number of UDP packets a receiver dropped before decoding them (too large, queue full, shutting down).',
      ['receiver', 'transport', 'reason'],
    );
    const bind = (reason: DropReason): BoundCounter => {
      const c = counter.labels({ receiver: receiverId, transport: handoff.transport, reason });
      c.inc(0);
      return c;
    };
    this.dropped = { too_large: bind('too_large'), queue_full: bind('queue_full'), shutdown: bind('shutdown') };
  }

  /** Binds the endpoint; resolves with the bound "host:port". */
  async listen(): Promise<string> {
    const endpoint = this.config.endpoint;
    const { host, port } = splitEndpoint(endpoint)!;
    let bound: string;
    if (host === '') {
      // Every interface, as Go's ":6831": dual-stack "::" where IPv6 exists, else 0.0.0.0.
      try {
        bound = await this.bind('udp6', '::', port);
      } catch {
        bound = await this.bindOrExplain('udp4', '0.0.0.0', port, endpoint);
      }
    } else {
      // "localhost" is 127.0.0.1, as Go resolves it for a UDP listener (and as senders expect).
      const address = host === 'localhost' ? '127.0.0.1' : host;
      bound = await this.bindOrExplain(isIPv6(address) ? 'udp6' : 'udp4', address, port, endpoint);
    }
    this.address = bound;
    return bound;
  }

  boundAddress(): string | undefined {
    return this.closed === undefined ? this.address : undefined;
  }

  /**
   * Stops receiving, then lets queued and in-flight packets finish for up to `graceMs`; packets
   * still queued after that are dropped (counted, reason "shutdown"). Idempotent.
   */
  close(graceMs: number): Promise<void> {
    if (this.closed !== undefined) return this.closed;
    this.closed = this.drainAndClose(graceMs);
    return this.closed;
  }

  private async drainAndClose(graceMs: number): Promise<void> {
    const socket = this.socket;
    if (socket !== undefined) {
      socket.off('message', this.onMessage);
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    }
    if (this.queue.length === 0 && this.inFlight === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.onIdle = resolve;
      timer = setTimeout(resolve, graceMs);
    });
    clearTimeout(timer);
    this.onIdle = undefined;
    let left = 0;
    while (this.queue.shift() !== undefined) left++;
    if (left > 0) {
      this.dropped.shutdown.inc(left);
      this.logger.warn({ transport: this.handoff.transport, packets: left }, 'UDP packets still queued at shutdown were dropped');
    }
  }

  private bindOrExplain(type: 'udp4' | 'udp6', address: string, port: number, endpoint: string): Promise<string> {
    return this.bind(type, address, port).catch((err: Error) => {
      throw new Error(`jaeger receiver: cannot listen for UDP (${this.handoff.transport}) on "${endpoint}": ${err.message}`, { cause: err });
    });
  }

  private bind(type: 'udp4' | 'udp6', address: string, port: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = createSocket({ type, reuseAddr: false });
      const onError = (err: Error): void => {
        socket.close();
        reject(err);
      };
      socket.once('error', onError);
      socket.bind({ address, port }, () => {
        socket.off('error', onError);
        try {
          if (this.config.socket_buffer_size > 0) socket.setRecvBufferSize(this.config.socket_buffer_size);
        } catch (err) {
          socket.close();
          reject(err as Error);
          return;
        }
        // After binding, socket errors (rare for UDP receivers) are logged, never thrown.
        socket.on('error', (err) => this.logger.warn({ transport: this.handoff.transport, err: err.message }, 'UDP socket error'));
        socket.on('message', this.onMessage);
        this.socket = socket;
        const a = socket.address();
        resolve(a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`);
      });
    });
  }

  private readonly onMessage = (packet: Buffer): void => {
    if (packet.length > this.config.max_packet_size) {
      this.drop('too_large', packet.length);
      return;
    }
    if (this.inFlight < this.config.workers) {
      this.process(packet);
      return;
    }
    if (!this.queue.push(packet)) this.drop('queue_full', packet.length);
  };

  private drop(reason: DropReason, bytes: number): void {
    this.dropped[reason].inc();
    const message =
      reason === 'too_large'
        ? `UDP packet larger than max_packet_size (${this.config.max_packet_size} bytes) dropped`
        : `UDP packet dropped: queue full (queue_size ${this.config.queue_size}, ${this.config.workers} workers busy)`;
    this.rateLog.warn(`${this.handoff.transport}:${reason}`, { transport: this.handoff.transport, bytes }, message);
  }

  /** Decodes one packet and hands it on (a worker is held until the pipeline answers). */
  private process(packet: Buffer): void {
    let batch: SpanBatch;
    try {
      const decoded = decodeAgentPacket(packet, this.protocol);
      if (decoded === null || decoded.spans.length === 0) return;
      batch = this.handoff.toBatch(jaegerToOtlp([decoded]));
    } catch (err) {
      if (err instanceof JaegerDecodeError) {
        this.handoff.countInvalid();
        this.rateLog.warn(
          `${this.handoff.transport}:invalid`,
          { transport: this.handoff.transport, bytes: packet.length, err: err.message },
          'undecodable Jaeger agent packet dropped',
        );
        return;
      }
      // Only a bug gets here (translation / indexing of our own encoding).
      this.logger.error({ transport: this.handoff.transport, err }, 'failed to translate a Jaeger agent packet');
      return;
    }
    if (batch.spanCount === 0) return;
    this.inFlight++;
    this.handoff.consume(batch).then(this.onSettled, (err: CollectorError) => {
      this.rateLog.warn(
        `${this.handoff.transport}:refused`,
        { transport: this.handoff.transport, spans: batch.spanCount, code: err.code, err: err.message },
        'pipeline refused spans from a UDP packet; they are lost (the agent protocol has no retry)',
      );
      this.onSettled();
    });
  }

  private readonly onSettled = (): void => {
    this.inFlight--;
    while (this.inFlight < this.config.workers) {
      const next = this.queue.shift();
      if (next === undefined) break;
      this.process(next);
    }
    if (this.onIdle !== undefined && this.inFlight === 0 && this.queue.length === 0) this.onIdle();
  };
}
