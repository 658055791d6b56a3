/**
 * Receiver throughput on loopback: a real otlp receiver with a consumer that accepts everything,
 * fed by raw clients (grpc-js unary calls; node:http with keep-alive) with a few requests in
 * flight. Client and server share this process and core, so read the figures as an upper bound on
 * the cost per span of the receive path (framing + index + answer), not as a capacity.
 *
 *   node --import tsx collector/src/receivers/otlp/bench/receiver.bench.ts [spansPerRequest] [seconds]
 */
import { Agent, request as httpRequest } from 'node:http';
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import { pino } from 'pino';
import { parseComponentId, type Consumer } from '../../../component/types.ts';
import type { SpanBatch } from '../../../pdata/span-batch.ts';
import { SelfTelemetry } from '../../../telemetry/self-telemetry.ts';
import { makeRequest } from '../../../../../bench/fixtures.ts';
import { otlpReceiverConfigSchema } from '../config.ts';
import { EXPORT_PATH } from '../grpc-server.ts';
import { OtlpReceiver } from '../receiver.ts';

const spansPerRequest = Number(process.argv[2] ?? 100);
const seconds = Number(process.argv[3] ?? 3);
const IN_FLIGHT = 8;

class CountingConsumer implements Consumer {
  spans = 0;
  consume(batch: SpanBatch): Promise<void> {
    this.spans += batch.spanCount;
    return Promise.resolve();
  }
}

async function run(): Promise<void> {
  const sink = new CountingConsumer();
  const config = otlpReceiverConfigSchema.parse({ protocols: { grpc: { endpoint: '127.0.0.1:0' }, http: { endpoint: '127.0.0.1:0' } } });
  const receiver = new OtlpReceiver(
    { id: parseComponentId('otlp'), kind: 'receiver', logger: pino({ level: 'silent' }), telemetry: new SelfTelemetry(), pipelines: ['traces'] },
    config,
    sink,
  );
  await receiver.start({ getExtension: () => undefined, status: 'running' });
  const { grpc, http } = receiver.boundAddresses();
  const requests = Array.from({ length: 16 }, (_, k) => makeRequest('http-20-attr', spansPerRequest, k * spansPerRequest));
  const bytesPerSpan = requests[0]!.length / spansPerRequest;

  const identity = (b: Buffer) => b;
  const client = new Client(grpc!, credentials.createInsecure());
  const sendGrpc = (body: Buffer) =>
    new Promise<void>((resolve, reject) =>
      client.makeUnaryRequest(EXPORT_PATH, identity, identity, body, new Metadata(), (err) => (err ? reject(err) : resolve())),
    );
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  const [host, port] = http!.split(':');
  const sendHttp = (body: Buffer) =>
    new Promise<void>((resolve, reject) => {
      const req = httpRequest(
        { host, port: Number(port), agent, method: 'POST', path: '/v1/traces', headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } },
        (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  const measure = async (name: string, send: (b: Buffer) => Promise<void>, ms: number): Promise<void> => {
    const before = sink.spans;
    const start = process.hrtime.bigint();
    const deadline = Date.now() + ms;
    let n = 0;
    const worker = async (): Promise<void> => {
      while (Date.now() < deadline) await send(requests[n++ & 15]!);
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    const spans = sink.spans - before;
    if (name !== '') {
      console.log(
        `${name.padEnd(6)} ${spansPerRequest} spans/request (${bytesPerSpan.toFixed(0)} B/span): ` +
          `${Math.round(spans / elapsed).toLocaleString('en')} spans/s, ${((elapsed * 1e6) / spans).toFixed(2)} µs/span, ` +
          `${Math.round(n / elapsed).toLocaleString('en')} requests/s`,
      );
    }
  };

  try {
    await measure('', sendGrpc, 500); // warm-up
    await measure('grpc', sendGrpc, seconds * 1000);
    await measure('', sendHttp, 500);
    await measure('http', sendHttp, seconds * 1000);
  } finally {
    client.close();
    agent.destroy();
    await receiver.shutdown();
  }
}

await run();
