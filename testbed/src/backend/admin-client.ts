/** Client of the mock backend's admin API (for a backend running as a child process). */
import type { BackendModeInput } from './backend-mode.ts';
import type { BackendStats } from './mock-backend.ts';
import { decodeSpanDump } from './span-dump.ts';
import type { ReceivedSpans } from './span-store.ts';

export class BackendAdminClient {
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 30_000,
  ) {}

  async setMode(mode: BackendModeInput): Promise<BackendStats> {
    return (await this.json('POST', '/mode', mode)) as BackendStats;
  }

  async stats(): Promise<BackendStats> {
    return (await this.json('GET', '/stats')) as BackendStats;
  }

  async reset(): Promise<BackendStats> {
    return (await this.json('POST', '/reset', {})) as BackendStats;
  }

  async spans(): Promise<ReceivedSpans> {
    const res = await fetch(`${this.baseUrl}/spans`, { signal: AbortSignal.timeout(this.timeoutMs) });
    if (!res.ok) throw new Error(`GET /spans: HTTP ${res.status}`);
    return decodeSpanDump(new Uint8Array(await res.arrayBuffer()));
  }

  private async json(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const value = (await res.json()) as { error?: string };
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status}: ${value.error ?? ''}`);
    return value;
  }
}
