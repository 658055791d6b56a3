/** Free TCP ports on loopback, found by binding port 0 (the OS picks) and releasing. */
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';

/** One free port. Another process could take it before you bind it; bind promptly. */
export async function getFreePort(host = '127.0.0.1'): Promise<number> {
  const [port] = await getFreePorts(1, host);
  return port!;
}

/** `count` distinct free ports (all held open until every one is known, so none repeats). */
export async function getFreePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, host, () => resolve());
      });
    }
    return servers.map((s) => (s.address() as AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()))));
  }
}
