/**
 * grpc-js servers announce HTTP/2's default 64 KB receive windows and have no option to change
 * them, so a large Export request (hundreds of KB) waits for several WINDOW_UPDATE round trips
 * while both peers sit idle. The testbed measured 155k -> 235k spans/s from one sender by
 * widening them. This reaches into grpc-js's private `http2Servers` map (grpc-js 1.14) and widens
 * the windows of every new session; a test fails if a grpc-js upgrade removes the map, and if it
 * is gone at run time nothing breaks, the receiver is just slower.
 */
import type { Server } from '@grpc/grpc-js';
import type { Http2Server, ServerHttp2Session } from 'node:http2';

/** A whole max-size batch fits without a window update; memory per connection stays bounded. */
export const CONNECTION_WINDOW_BYTES = 16 * 1024 * 1024;
export const STREAM_WINDOW_BYTES = 4 * 1024 * 1024;

const tuned = new WeakSet<Http2Server>();

/**
 * Call after each bindAsync (the HTTP/2 servers exist then); servers already tuned are skipped.
 * Returns how many HTTP/2 servers the grpc server has tuned in all.
 */
export function widenFlowControlWindows(server: Server): number {
  const http2Servers = (server as unknown as { http2Servers?: Map<Http2Server, unknown> }).http2Servers;
  if (!(http2Servers instanceof Map)) return 0;
  for (const h of http2Servers.keys()) {
    if (tuned.has(h)) continue;
    tuned.add(h);
    h.on('session', (session: ServerHttp2Session) => {
      session.setLocalWindowSize(CONNECTION_WINDOW_BYTES);
      session.settings({ initialWindowSize: STREAM_WINDOW_BYTES });
    });
  }
  return http2Servers.size;
}
