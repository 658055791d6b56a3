/**
 * A test OTLP/HTTP destination on loopback and port 0: records every request as it arrived
 * (method, path, headers, body on the wire and after Content-Encoding) and answers as told,
 * including never. Only for tests.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface HttpAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  wire: Buffer;
  /** The body after undoing Content-Encoding: gzip. */
  body: Buffer;
  /** Client port of the connection, to see keep-alive reuse. */
  remotePort: number;
}

export class HttpTestServer {
  readonly requests: ReceivedRequest[] = [];
  /** Decides the answer to each request (1-based); 'never' leaves it unanswered. */
  answer: (request: number) => HttpAnswer | 'never' = () => ({ status: 200 });
  private readonly server: http.Server;
  readonly url: string;

  private constructor(server: http.Server) {
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  static async start(): Promise<HttpTestServer> {
    let self: HttpTestServer | undefined;
    const server = http.createServer((req, res) => self!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new HttpTestServer(server);
    return self;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const wire = Buffer.concat(chunks);
      let body = wire;
      try {
        if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(wire);
      } catch (err) {
        // A body that is not what its Content-Encoding says: refuse it, as a real receiver would.
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(`bad gzip body: ${(err as Error).message}`);
        return;
      }
      this.requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, wire, body, remotePort: req.socket.remotePort ?? 0 });
      const a = this.answer(this.requests.length);
      if (a === 'never') return;
      res.writeHead(a.status, a.headers);
      res.end(a.body);
    });
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }
}
