/**
 * The mock backend as a process:
 *   node --import tsx testbed/src/backend/main.ts --grpc-port 0 --http-port 0 --admin-port 0
 *     [--host 127.0.0.1] [--tenant-header x-tenant-id]
 *     [--mode up|down|refuse|throttle|slow|blackhole] [--latency-ms 100] [--retry-after-s 1]
 * Prints {"grpcPort":..,"httpPort":..,"adminPort":..,"pid":..} as one line on stdout once listening;
 * SIGTERM or SIGINT stops it.
 */
import { parseArgs } from 'node:util';
import { MockBackend, type BackendPorts } from './mock-backend.ts';
import type { BackendModeName } from './backend-mode.ts';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    'grpc-port': { type: 'string', default: '0' },
    'http-port': { type: 'string', default: '0' },
    'admin-port': { type: 'string', default: '0' },
    'tenant-header': { type: 'string', default: 'x-tenant-id' },
    mode: { type: 'string', default: 'up' },
    'latency-ms': { type: 'string', default: '100' },
    'retry-after-s': { type: 'string', default: '1' },
  },
  strict: true,
});

const port = (name: string, v: string | undefined): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    process.stderr.write(`--${name} must be a port number, got ${v}\n`);
    process.exit(2);
  }
  return n;
};

const modeName = values.mode as BackendModeName;
const mode =
  modeName === 'slow'
    ? { mode: modeName, latency_ms: Number(values['latency-ms']) }
    : modeName === 'throttle'
      ? { mode: modeName, retry_after_s: Number(values['retry-after-s']) }
      : { mode: modeName };
let backend: MockBackend;
let ports: BackendPorts;
try {
  backend = new MockBackend({
    host: values.host,
    grpcPort: port('grpc-port', values['grpc-port']),
    httpPort: port('http-port', values['http-port']),
    adminPort: port('admin-port', values['admin-port']),
    tenantHeader: values['tenant-header'],
    mode: mode as never, // validated by the backend
  });
  ports = await backend.start();
} catch (e) {
  process.stderr.write(`mock backend: ${(e as Error).message}\n`);
  process.exit(2);
}
process.stdout.write(`${JSON.stringify({ ...ports, pid: process.pid })}\n`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void backend.stop().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
