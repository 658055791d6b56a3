/**
 * The health probe: can a TCP connection to the backend be opened within the timeout? A refused
 * or timed-out connect is what a dead or unreachable gateway looks like, and it is seen even
 * while the backend's exporter is busy retrying inside its own retry loop (where the
 * loadbalancer cannot see individual attempts). A successful connect proves less (the process
 * listens), so it only ever re-admits a backend after its cooldown, on probation.
 */
import { connect } from 'node:net';
import { splitEndpoint } from '../../config/schema-helpers.ts';

export type ProbeFn = (endpoint: string, timeoutMs: number) => Promise<boolean>;

export const tcpProbe: ProbeFn = (endpoint, timeoutMs) =>
  new Promise<boolean>((resolve) => {
    const target = splitEndpoint(endpoint.replace(/^(https?|dns):\/\/\/?/, ''));
    if (target === undefined) {
      resolve(false);
      return;
    }
    const socket = connect({ host: target.host === '' ? '127.0.0.1' : target.host, port: target.port });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => {}); // a late error after destroy must not crash
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
