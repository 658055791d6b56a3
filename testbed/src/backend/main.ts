/**
 * The mock backend as a process:
 *   node --import tsx testbed/src/backend/main.ts --grpc-port 0 --http-port 0 --admin-port 0
 *     [--host 127.0.0.1] [--tenant-header x-tenant-id] [--mode up]
 * Prints {"grpcPort":..,"httpPort":..,"adminPort":..,"pid":..} as one line on stdout once listening;
 * SIGTERM or SIGINT stops it.
 */
import { parseArgs } from 'node:util';
import { MockBackend } from './mock-backend.ts';
import type { BackendModeName } from './backend-mode.ts';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    'grpc-port': { type: 'string', default: '0' },
    'http-port': { type: 'string', default: '0' },
    'admin-port': { type: 'string', default: '0' },
    'tenant-header': { type: 'string', default: 'x-tenant-id' },
    mode: { type: 'string', default: 'up' },
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

const mode = values.mode as BackendModeName;
const backend = new MockBackend({
  host: values.host,
  grpcPort: port('grpc-port', values['grpc-port']),
  httpPort: port('http-port', values['http-port']),
  adminPort: port('admin-port', values['admin-port']),
  tenantHeader: values['tenant-header'],
  mode: mode === 'slow' ? { mode, latency_ms: 100 } : ({ mode } as never),
});

const ports = await backend.start();
process.stdout.write(`${JSON.stringify({ ...ports, pid: process.pid })}\n`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void backend.stop().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
