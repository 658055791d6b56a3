/**
 * Fan-out to several consumers (a receiver feeding several pipelines, a pipeline feeding several
 * exporters). Each branch may rewrite spans, so all but the last get a clone (cheap: the span
 * table is copied, the bytes are shared). The data is accepted only if every branch accepted
 * it, as otelcol's fanoutconsumer: the first refusal is what the sender hears.
 */
import type { Consumer } from '../component/types.ts';
import type { SpanBatch } from '../pdata/span-batch.ts';

export class FanoutConsumer implements Consumer {
  constructor(private readonly targets: readonly Consumer[]) {}

  async consume(batch: SpanBatch): Promise<void> {
    const targets = this.targets;
    const last = targets.length - 1;
    const pending: Promise<void>[] = new Array(targets.length);
    for (let k = 0; k < last; k++) pending[k] = targets[k]!.consume(batch.clone());
    pending[last] = targets[last]!.consume(batch);
    const results = await Promise.allSettled(pending);
    for (const r of results) if (r.status === 'rejected') throw r.reason;
  }
}

export function fanout(targets: readonly Consumer[]): Consumer {
  if (targets.length === 0) throw new Error('fan-out needs at least one consumer');
  return targets.length === 1 ? targets[0]! : new FanoutConsumer(targets);
}
