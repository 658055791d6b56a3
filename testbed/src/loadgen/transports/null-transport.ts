/** A transport that accepts everything at once: for benchmarks of the generator alone, and tests. */
import { result, type ExportResult, type SpanTransport } from './span-transport.ts';

const OK: ExportResult = result('ok', 'null:ok');

export class NullTransport implements SpanTransport {
  requests = 0;
  bytes = 0;

  send(body: Buffer): Promise<ExportResult> {
    this.requests++;
    this.bytes += body.length;
    return Promise.resolve(OK);
  }

  async close(): Promise<void> {}
}
