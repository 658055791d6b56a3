import { afterEach, describe, expect, it } from 'vitest';
import { connect, type ClientHttp2Session, type Settings } from 'node:http2';
import { otlpReceiverFactory } from './factory.ts';
import type { OtlpReceiver } from './receiver.ts';
import { STREAM_WINDOW_BYTES } from './grpc-flow-control.ts';
import { SelfTelemetry } from '../../telemetry/self-telemetry.ts';
import { parseComponentId, type Consumer, type Host } from '../../component/types.ts';
import pino from 'pino';

describe('gRPC receive windows', () => {
  let receiver: OtlpReceiver | null = null;
  let client: ClientHttp2Session | null = null;
  afterEach(async () => {
    client?.destroy();
    await receiver?.shutdown();
  });

  it('announce a stream window wider than the 64 KB HTTP/2 default (grpc-js private field still there)', async () => {
    const next: Consumer = { consume: async () => {} };
    const config = otlpReceiverFactory.configSchema.parse({ protocols: { grpc: { endpoint: '127.0.0.1:0' } } });
    receiver = otlpReceiverFactory.createTracesReceiver(
      { id: parseComponentId('otlp'), kind: 'receiver', logger: pino({ level: 'silent' }), telemetry: new SelfTelemetry(), pipelines: ['traces'] },
      config,
      next,
    ) as OtlpReceiver;
    const host: Host = { getExtension: () => undefined, status: 'running' };
    await receiver.start(host);
    const addr = receiver.boundAddresses().grpc!;
    client = connect(`http://${addr}`);
    // The server's first SETTINGS frame has the defaults; the widened window follows in a second one.
    const windows: number[] = [];
    await new Promise<void>((resolve) =>
      client!.on('remoteSettings', (s: Settings) => {
        windows.push(s.initialWindowSize ?? 0);
        if (windows.length === 2) resolve();
      }),
    );
    expect(windows).toEqual([65535, STREAM_WINDOW_BYTES]);
  });
});
