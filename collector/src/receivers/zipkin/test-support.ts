/**
 * Shared pieces of the zipkin receiver tests: receivers on free ports stopped by the tests, and a
 * reference protobuf encoder (protobufjs with zipkin.proto's messages, copied below) for v2
 * protobuf bodies.
 */
import protobuf from 'protobufjs';
import type { Consumer, CreateSettings } from '../../component/types.ts';
import { testSettings } from '../otlp/test-support.ts';
import { zipkinReceiverConfigSchema } from './config.ts';
import { ZipkinReceiver, type ZipkinReceiverOptions } from './receiver.ts';

export { counterValue, referencePlainSpans, SinkConsumer, type PlainSpan, type PlainValue } from '../otlp/test-support.ts';

const host = { getExtension: () => undefined, status: 'running' as const };

export interface StartedZipkin {
  receiver: ZipkinReceiver;
  settings: CreateSettings;
  address: string;
}

/** Starts receivers and remembers them, so afterEach can stop them even when a test fails. */
export class ZipkinPool {
  private readonly running: ZipkinReceiver[] = [];

  async start(rawConfig: unknown, sink: Consumer, options?: ZipkinReceiverOptions): Promise<StartedZipkin> {
    const config = zipkinReceiverConfigSchema.parse(rawConfig);
    const settings = testSettings('zipkin');
    const receiver = new ZipkinReceiver(settings, config, sink, { shutdownGraceMs: 2000, ...options });
    this.running.push(receiver);
    await receiver.start(host);
    return { receiver, settings, address: receiver.boundAddress()! };
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.running.splice(0).map((r) => r.shutdown()));
  }
}

export function testHost() {
  return host;
}

// zipkin.proto (openzipkin/zipkin-api), as published.
const ZIPKIN_PROTO = `
syntax = "proto3";
package zipkin.proto3;
message Span {
  bytes trace_id = 1; bytes parent_id = 2; bytes id = 3;
  enum Kind { SPAN_KIND_UNSPECIFIED = 0; CLIENT = 1; SERVER = 2; PRODUCER = 3; CONSUMER = 4; }
  Kind kind = 4; string name = 5; fixed64 timestamp = 6; uint64 duration = 7;
  Endpoint local_endpoint = 8; Endpoint remote_endpoint = 9; repeated Annotation annotations = 10;
  map<string, string> tags = 11; bool debug = 12; bool shared = 13;
}
message Endpoint { string service_name = 1; bytes ipv4 = 2; bytes ipv6 = 3; int32 port = 4; }
message Annotation { fixed64 timestamp = 1; string value = 2; }
message ListOfSpans { repeated Span spans = 1; }
`;

const ListOfSpans = protobuf.parse(ZIPKIN_PROTO, { keepCase: true }).root.lookupType('zipkin.proto3.ListOfSpans');

/** Encodes a ListOfSpans given as a protobufjs plain object (snake_case keys). */
export function encodeListOfSpans(list: Record<string, unknown>): Buffer {
  // fromObject, not verify(): it converts decimal strings for 64-bit fields.
  return Buffer.from(ListOfSpans.encode(ListOfSpans.fromObject(list)).finish());
}

const hex = (h: string) => Buffer.from(h, 'hex');

/** Three spans with every zipkin.proto field set somewhere. */
export function fullProtoSpans(): Record<string, unknown> {
  return {
    spans: [
      {
        trace_id: hex('5b8efff798038103d269b633813fc60c'),
        id: hex('eee19b7ec3c1b174'),
        kind: 2,
        name: 'get /api',
        timestamp: '1700000000123456',
        duration: '2500',
        local_endpoint: { service_name: 'frontend', ipv4: Buffer.from([10, 0, 0, 1]), port: 8080 },
        remote_endpoint: { service_name: 'browser', ipv6: hex('20010db8000000000000000000000001'), port: 51234 },
        annotations: [{ timestamp: '1700000000124000', value: 'wr' }],
        tags: { 'http.method': 'GET', 'http.status_code': '200', error: 'upstream timed out' },
        debug: true,
      },
      {
        trace_id: hex('d269b633813fc60c'), // 64-bit
        parent_id: hex('eee19b7ec3c1b174'),
        id: hex('53995c3f42cd8ad8'),
        kind: 1,
        name: 'call db',
        timestamp: '1700000000200000',
        duration: '1000',
        local_endpoint: { service_name: 'frontend' },
        remote_endpoint: { ipv4: Buffer.from([10, 0, 0, 2]), port: 5432 },
        tags: { 'otel.status_code': 'OK' },
      },
      {
        // The server side of "call db", sharing its span id (B3 single-span RPC).
        trace_id: hex('0000000000000000d269b633813fc60c'),
        parent_id: hex('eee19b7ec3c1b174'),
        id: hex('53995c3f42cd8ad8'),
        kind: 2,
        name: 'query',
        timestamp: '1700000000200100',
        duration: '800',
        local_endpoint: { service_name: 'db' },
        shared: true,
      },
    ],
  };
}
