/** Polls a URL until it answers 200, bounded in time. */

export interface WaitForHttpOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Checked between tries: stop early when the process behind the URL died. */
  isAlive?: () => boolean;
}

export async function waitForHttpOk(url: string, o: WaitForHttpOptions = {}): Promise<void> {
  const timeoutMs = o.timeoutMs ?? 10_000;
  const intervalMs = o.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let last = 'no attempt';
  while (Date.now() < deadline) {
    if (o.isAlive && !o.isAlive()) throw new Error(`waiting for ${url}: the process exited (last: ${last})`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(Math.max(100, Math.min(2000, deadline - Date.now()))) });
      await res.arrayBuffer();
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = (e as Error).cause ? String((e as Error & { cause: Error }).cause.message) : (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for 200 from ${url} (last: ${last})`);
}
