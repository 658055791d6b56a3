import { describe, expect, it, onTestFinished } from 'vitest';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { ManagedProcess } from '../process/managed-process.ts';
import { BackendAdminClient } from './admin-client.ts';
import type { BackendPorts } from './mock-backend.ts';
import { grpcExport, httpExport } from '../testing/otlp-clients.ts';
import { sampleIds, sampleProtobufRequest } from '../testing/sample-requests.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

describe('mock backend as a child process', () => {
  it('prints its ports as one JSON line, serves OTLP and the admin API, and stops on SIGTERM', async () => {
    const p = await ManagedProcess.start({
      name: 'mock-backend',
      command: process.execPath,
      args: ['--import', 'tsx', 'testbed/src/backend/main.ts', '--grpc-port', '0', '--http-port', '0', '--admin-port', '0'],
      cwd: repoRoot,
    });
    onTestFinished(async () => {
      await p.stop(1000);
    });
    const ports = await p.waitForJsonLine<BackendPorts & { pid: number }>(15_000);
    expect(ports.pid).toBe(p.pid);
    const admin = new BackendAdminClient(`http://127.0.0.1:${ports.adminPort}`);
    await p.waitForHealthy(`${admin.baseUrl}/health`);

    const ids = sampleIds(2);
    expect((await grpcExport(`127.0.0.1:${ports.grpcPort}`, sampleProtobufRequest(ids))).code).toBe(0);
    expect(await httpExport(`http://127.0.0.1:${ports.httpPort}`, sampleProtobufRequest(ids))).toMatchObject({ status: 200 });
    expect((await admin.spans()).count).toBe(4);

    await admin.setMode({ mode: 'refuse' });
    expect((await grpcExport(`127.0.0.1:${ports.grpcPort}`, sampleProtobufRequest(ids))).code).toBe(grpc.status.UNAVAILABLE);
    expect(await admin.stats()).toMatchObject({ spans: 4, spansRefused: 2 });

    expect(await p.stop()).toEqual({ code: 0, signal: null });
  });
});
