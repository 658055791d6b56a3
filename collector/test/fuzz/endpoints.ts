/**
 * Every receiver endpoint, over real sockets on loopback: each receiver type registered in
 * components.ts that the fuzzer knows how to address (otlp always; jaeger and zipkin when
 * registered) is created through the registry with every protocol on port 0, fed by a consumer
 * that counts spans and keeps nothing (so memory measures the receivers, not a sink).
 *
 * An answer is "clear" when it is a success, or a refusal that says why: HTTP 4xx with a body
 * (or 413 / 415, whose reason is the status itself), gRPC INVALID_ARGUMENT / RESOURCE_EXHAUSTED /
 * UNIMPLEMENTED / UNAUTHENTICATED with a message. A 5xx, gRPC UNKNOWN / INTERNAL, a reset
 * connection or no answer within ANSWER_TIMEOUT_MS is a finding. UDP has no answers: those
 * endpoints are checked for staying alive (a valid packet sent afterwards arrives).
 */
import { createSocket } from 'node:dgram';
import { Agent, request as httpRequest } from 'node:http';
import { Client, credentials, Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { pino } from 'pino';
import type { Consumer, Receiver } from '../../src/component/types.ts';
import { parseComponentId, type ReceiverFactory } from '../../src/component/types.ts';
import { builtinRegistry } from '../../src/components.ts';
import { encodeExportRequestModel } from '../../src/pdata/encode-model.ts';
import { protobufToOtlpJson } from '../../src/pdata/otlp-json.ts';
import type { SpanBatch } from '../../src/pdata/span-batch.ts';
import { SelfTelemetry } from '../../src/telemetry/self-telemetry.ts';
import { decoderTargets } from './decoders.ts';

export const ANSWER_TIMEOUT_MS = 10_000;

export interface Answer {
  /** "http 400", "grpc 3", "udp sent". */
  status: string;
  clear: boolean;
  accepted: boolean;
  detail: string;
}

export interface EndpointTarget {
  name: string;
  receiver: string;
  seeds: Buffer[];
  hostile: Buffer[];
  /** Whether a send gets an answer (UDP does not). */
  answers: boolean;
  send(body: Buffer): Promise<Answer>;
}

/** Counts what reaches the pipeline and keeps nothing. */
export class CountingSink implements Consumer {
  spans = 0;
  batches = 0;
  async consume(batch: SpanBatch): Promise<void> {
    this.spans += batch.spanCount;
    this.batches++;
  }
}

const identity = (b: Buffer): Buffer => b;
const CLEAR_GRPC = new Set<number>([GrpcStatus.INVALID_ARGUMENT, GrpcStatus.RESOURCE_EXHAUSTED, GrpcStatus.UNIMPLEMENTED, GrpcStatus.UNAUTHENTICATED]);

function hostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  let host = address.slice(0, i);
  if (host.startsWith('[')) host = host.slice(1, -1);
  if (host === '' || host === '::' || host === '0.0.0.0') host = '127.0.0.1';
  return { host, port: Number(address.slice(i + 1)) };
}

export class GrpcSender {
  private readonly client: Client;
  constructor(address: string, private readonly path: string) {
    const { host, port } = hostPort(address);
    this.client = new Client(`${host.includes(':') ? `[${host}]` : host}:${port}`, credentials.createInsecure(), {
      'grpc.max_send_message_length': 64 * 1024 * 1024,
    });
  }
  send(body: Buffer): Promise<Answer> {
    return new Promise((resolve) => {
      this.client.makeUnaryRequest(this.path, identity, identity, body, new Metadata(), { deadline: Date.now() + ANSWER_TIMEOUT_MS }, (err) => {
        if (err === null) {
          resolve({ status: 'grpc 0', clear: true, accepted: true, detail: '' });
          return;
        }
        const code = err.code ?? -1;
        const details = err.details ?? '';
        resolve({ status: `grpc ${code}`, clear: CLEAR_GRPC.has(code) && details !== '', accepted: false, detail: details.slice(0, 200) });
      });
    });
  }
  close(): void {
    this.client.close();
  }
}

export class HttpSender {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 4 });
  constructor(
    private readonly address: string,
    private readonly path: string,
    private readonly headers: Record<string, string>,
  ) {}
  send(body: Buffer, extraHeaders: Record<string, string> = {}): Promise<Answer> {
    const { host, port } = hostPort(this.address);
    return new Promise((resolve) => {
      const req = httpRequest(
        { host, port, agent: this.agent, method: 'POST', path: this.path, headers: { ...this.headers, ...extraHeaders, 'content-length': body.length }, timeout: ANSWER_TIMEOUT_MS },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const code = res.statusCode ?? 0;
            const text = Buffer.concat(chunks);
            const accepted = code >= 200 && code < 300;
            const clear = accepted || (code >= 400 && code < 500 && (text.length > 0 || code === 413 || code === 415));
            resolve({ status: `http ${code}`, clear, accepted, detail: text.toString('utf8', 0, Math.min(200, text.length)) });
          });
          res.on('error', (err) => resolve({ status: 'http error', clear: false, accepted: false, detail: err.message }));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${ANSWER_TIMEOUT_MS} ms`)));
      req.on('error', (err) => resolve({ status: 'http error', clear: false, accepted: false, detail: err.message }));
      req.end(body);
    });
  }
  close(): void {
    this.agent.destroy();
  }
}

export class UdpSender {
  private readonly socket = createSocket('udp4');
  constructor(private readonly address: string) {}
  send(body: Buffer): Promise<Answer> {
    const { host, port } = hostPort(this.address);
    // A datagram is at most 65507 bytes over IPv4.
    const packet = body.length > 65_000 ? body.subarray(0, 65_000) : body;
    return new Promise((resolve) => {
      this.socket.send(packet, port, host, (err) =>
        resolve(err ? { status: 'udp error', clear: false, accepted: false, detail: err.message } : { status: 'udp sent', clear: true, accepted: false, detail: '' }),
      );
    });
  }
  close(): void {
    this.socket.close();
  }
}

export interface RunningReceivers {
  targets: EndpointTarget[];
  sink: CountingSink;
  /** Stops every receiver and closes every client. */
  stop(): Promise<void>;
}

const host = { getExtension: () => undefined, status: 'running' as const };

async function startReceiver(type: string, rawConfig: unknown, sink: Consumer): Promise<Receiver & Record<string, unknown>> {
  const factory = builtinRegistry().get('receiver', type) as ReceiverFactory<unknown>;
  const settings = { id: parseComponentId(type), kind: 'receiver' as const, logger: pino({ level: 'silent' }), telemetry: new SelfTelemetry(), pipelines: ['traces'] };
  const receiver = factory.createTracesReceiver(settings, factory.configSchema.parse(rawConfig), sink) as Receiver & Record<string, unknown>;
  await receiver.start(host);
  return receiver;
}

/** Starts every registered receiver the fuzzer knows, on loopback port 0. */
export async function startReceivers(): Promise<RunningReceivers> {
  const sink = new CountingSink();
  const receivers: Receiver[] = [];
  const closers: (() => void)[] = [];
  const targets: EndpointTarget[] = [];
  const decoders = new Map((await decoderTargets()).map((d) => [d.name, d]));
  const seedsOf = (name: string) => decoders.get(name)!;
  const registry = builtinRegistry();
  try {
    {
      const r = await startReceiver('otlp', { protocols: { grpc: { endpoint: '127.0.0.1:0' }, http: { endpoint: '127.0.0.1:0' } } }, sink);
      receivers.push(r);
      const bound = (r as unknown as { boundAddresses(): { grpc?: string; http?: string } }).boundAddresses();
      const proto = seedsOf('otlp protobuf: indexExportRequest');
      const json = seedsOf('otlp json: otlpJsonToProtobuf');
      const grpc = new GrpcSender(bound.grpc!, '/opentelemetry.proto.collector.trace.v1.TraceService/Export');
      const pb = new HttpSender(bound.http!, '/v1/traces', { 'content-type': 'application/x-protobuf' });
      const js = new HttpSender(bound.http!, '/v1/traces', { 'content-type': 'application/json' });
      closers.push(() => grpc.close(), () => pb.close(), () => js.close());
      targets.push(
        { name: 'otlp grpc Export', receiver: 'otlp', seeds: proto.seeds, hostile: proto.hostile, answers: true, send: (b) => grpc.send(b) },
        { name: 'otlp http protobuf', receiver: 'otlp', seeds: proto.seeds, hostile: proto.hostile, answers: true, send: (b) => pb.send(b) },
        { name: 'otlp http json', receiver: 'otlp', seeds: json.seeds, hostile: json.hostile, answers: true, send: (b) => js.send(b) },
      );
    }
    if (registry.get('receiver', 'jaeger') !== undefined) {
      const r = await startReceiver(
        'jaeger',
        {
          protocols: {
            grpc: { endpoint: '127.0.0.1:0' },
            thrift_http: { endpoint: '127.0.0.1:0' },
            thrift_compact: { endpoint: '127.0.0.1:0' },
            thrift_binary: { endpoint: '127.0.0.1:0' },
          },
        },
        sink,
      );
      receivers.push(r);
      const bound = (r as unknown as { boundAddresses(): Record<string, string> }).boundAddresses();
      const grpc = new GrpcSender(bound['grpc']!, '/jaeger.api_v2.CollectorService/PostSpans');
      const http = new HttpSender(bound['thrift_http']!, '/api/traces', { 'content-type': 'application/x-thrift' });
      const compact = new UdpSender(bound['thrift_compact']!);
      const binary = new UdpSender(bound['thrift_binary']!);
      closers.push(() => grpc.close(), () => http.close(), () => compact.close(), () => binary.close());
      const d = (n: string) => seedsOf(n);
      targets.push(
        { name: 'jaeger grpc PostSpans', receiver: 'jaeger', ...pick(d('jaeger api_v2 protobuf (gRPC)')), answers: true, send: (b) => grpc.send(b) },
        { name: 'jaeger thrift_http', receiver: 'jaeger', ...pick(d('jaeger thrift_http batch')), answers: true, send: (b) => http.send(b) },
        { name: 'jaeger udp thrift_compact', receiver: 'jaeger', ...pick(d('jaeger agent thrift compact (UDP)')), answers: false, send: (b) => compact.send(b) },
        { name: 'jaeger udp thrift_binary', receiver: 'jaeger', ...pick(d('jaeger agent thrift binary (UDP)')), answers: false, send: (b) => binary.send(b) },
      );
    }
    if (registry.get('receiver', 'zipkin') !== undefined) {
      const r = await startReceiver('zipkin', { endpoint: '127.0.0.1:0' }, sink);
      receivers.push(r);
      const address = (r as unknown as { boundAddress(): string }).boundAddress();
      const v2json = new HttpSender(address, '/api/v2/spans', { 'content-type': 'application/json' });
      const v2proto = new HttpSender(address, '/api/v2/spans', { 'content-type': 'application/x-protobuf' });
      const v1json = new HttpSender(address, '/api/v1/spans', { 'content-type': 'application/json' });
      closers.push(() => v2json.close(), () => v2proto.close(), () => v1json.close());
      targets.push(
        { name: 'zipkin http v2 json', receiver: 'zipkin', ...pick(seedsOf('zipkin v2 JSON')), answers: true, send: (b) => v2json.send(b) },
        { name: 'zipkin http v2 protobuf', receiver: 'zipkin', ...pick(seedsOf('zipkin v2 protobuf')), answers: true, send: (b) => v2proto.send(b) },
        { name: 'zipkin http v1 json', receiver: 'zipkin', ...pick(seedsOf('zipkin v1 JSON')), answers: true, send: (b) => v1json.send(b) },
      );
    }
  } catch (err) {
    for (const c of closers) c();
    await Promise.all(receivers.map((r) => r.shutdown()));
    throw err;
  }
  return {
    targets,
    sink,
    async stop() {
      for (const c of closers) c();
      await Promise.all(receivers.map((r) => r.shutdown()));
    },
  };
}

function pick(d: { seeds: Buffer[]; hostile: Buffer[] }): { seeds: Buffer[]; hostile: Buffer[] } {
  return { seeds: d.seeds, hostile: d.hostile };
}

/** A valid OTLP request with one span, as JSON too (for probes). */
export function probeRequests(): { proto: Buffer; json: Buffer } {
  const proto = encodeExportRequestModel({
    resourceSpans: [
      {
        resource: null,
        scopeSpans: [
          {
            scope: null,
            spans: [
              {
                traceId: Buffer.alloc(16, 1),
                spanId: Buffer.alloc(8, 2),
                traceState: '',
                parentSpanId: Buffer.alloc(0),
                flags: 0,
                name: 'probe',
                kind: 1,
                startTimeUnixNano: 1n,
                endTimeUnixNano: 2n,
                attributes: [],
                droppedAttributesCount: 0,
                events: [],
                droppedEventsCount: 0,
                links: [],
                droppedLinksCount: 0,
                status: { code: 0, message: '' },
              },
            ],
            schemaUrl: '',
          },
        ],
        schemaUrl: '',
      },
    ],
  });
  return { proto, json: Buffer.from(protobufToOtlpJson(proto)) };
}
