import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { pino } from 'pino';
import type { CreateSettings } from '../../component/types.ts';
import { encodeExportRequestModel } from '../../pdata/encode-model.ts';
import { indexExportRequest } from '../../pdata/index-request.ts';
import { newSpan } from '../../pdata/model.ts';
import { SelfTelemetry } from '../../telemetry/self-telemetry.ts';
import { nopFactory } from './factory.ts';
import type { NopExporter } from './nop-exporter.ts';

function batchOf(n: number) {
  const spans = Array.from({ length: n }, (_, i) => newSpan({ traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, i + 1), name: `s${i}` }));
  return indexExportRequest(encodeExportRequestModel({ resourceSpans: [{ resource: null, schemaUrl: '', scopeSpans: [{ scope: null, schemaUrl: '', spans }] }] }));
}

describe('nop exporter', () => {
  it('accepts and discards, counting sent spans', async () => {
    const telemetry = new SelfTelemetry();
    const settings: CreateSettings = { id: { type: 'nop', name: 'x', id: 'nop/x' }, kind: 'exporter', logger: pino({ level: 'silent' }), telemetry, pipelines: ['traces'] };
    const exp = nopFactory.createTracesExporter(settings, nopFactory.configSchema.parse(null));
    await exp.shutdown(); // without start
    await exp.start({ status: 'running', getExtension: () => undefined });
    await exp.consume(batchOf(3));
    await exp.consume(batchOf(4));
    expect((exp as NopExporter).sentSpans).toBe(7);
    expect(await telemetry.metricsText()).toMatch(/^otelcol_exporter_sent_spans\{exporter="nop\/x"\} 7$/m);
    await exp.shutdown();
    await exp.shutdown();
  });

  it('config: empty forms accepted, any key rejected', () => {
    const exporters = parse(readFileSync(new URL('./testdata/config.yaml', import.meta.url), 'utf8')).exporters as Record<string, unknown>;
    for (const v of Object.values(exporters)) expect(nopFactory.configSchema.safeParse(v).success).toBe(true);
    const r = nopFactory.configSchema.safeParse({ verbosity: 'x' });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toBe('unknown key "verbosity"');
  });
});
