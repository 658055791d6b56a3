import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { pino } from 'pino';
import type { CreateSettings, Host } from '../../component/types.ts';
import { CollectorError } from '../../errors/codes.ts';
import { decodeExportRequest } from '../../pdata/decode-model.ts';
import { encodeExportRequestModel } from '../../pdata/encode-model.ts';
import { indexExportRequest } from '../../pdata/index-request.ts';
import { newSpan, type ExportRequestModel } from '../../pdata/model.ts';
import { SelfTelemetry } from '../../telemetry/self-telemetry.ts';
import { fileFactory } from './factory.ts';
import type { FileExporter } from './file-exporter.ts';
import { readFileExport } from './read-export.ts';

const host: Host = { status: 'running', getExtension: () => undefined };
const testdata = (name: string) => parse(readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8')).exporters as Record<string, unknown>;

function request(tag: number, nSpans = 2): ExportRequestModel {
  const spans = Array.from({ length: nSpans }, (_, i) =>
    newSpan({
      traceId: Buffer.alloc(16, tag),
      spanId: Buffer.alloc(8, i + 1),
      name: `op-${tag}-${i}`,
      startTimeUnixNano: 1_700_000_000_123_456_789n,
      endTimeUnixNano: 1_700_000_000_223_456_789n,
      attributes: [{ key: 'n', value: { intValue: BigInt(i) } }],
    }),
  );
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: `svc-${tag}` } }], droppedAttributesCount: 0 },
        schemaUrl: '',
        scopeSpans: [{ scope: { name: 'lib', version: '1', attributes: [], droppedAttributesCount: 0 }, schemaUrl: '', spans }],
      },
    ],
  };
}

let dir: string;
const exporters: FileExporter[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'file-exporter-'));
});
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(exporters.splice(0).map((e) => e.shutdown()));
  rmSync(dir, { recursive: true, force: true });
});

function create(raw: Record<string, unknown>) {
  const lines: Record<string, unknown>[] = [];
  const telemetry = new SelfTelemetry();
  const settings: CreateSettings = {
    id: { type: 'file', name: '', id: 'file' },
    kind: 'exporter',
    logger: pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) }),
    telemetry,
    pipelines: ['traces'],
  };
  const exporter = fileFactory.createTracesExporter(settings, fileFactory.configSchema.parse(raw)) as FileExporter;
  exporters.push(exporter);
  const metric = async (name: string) => Number(new RegExp(`^${name}\\{exporter="file"\\} (\\d+)$`, 'm').exec(await telemetry.metricsText())?.[1]);
  return { exporter, lines, metric };
}

describe('file exporter', () => {
  it('json: one OTLP/JSON request per line, decoding back to the same data', async () => {
    const path = join(dir, 'out.json');
    const { exporter, metric } = create({ path });
    await exporter.start(host);
    const reqs = [request(1), request(2, 3)];
    for (const r of reqs) await exporter.consume(indexExportRequest(encodeExportRequestModel(r)));
    await exporter.shutdown();

    const text = readFileSync(path, 'utf8');
    const lines = text.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    const first = JSON.parse(lines[0]!);
    expect(first.resourceSpans[0].scopeSpans[0].spans[0]).toMatchObject({ traceId: '01'.repeat(16), name: 'op-1-0', startTimeUnixNano: '1700000000123456789' });
    const back = readFileExport(readFileSync(path), 'json').map((b) => decodeExportRequest(b));
    expect(back).toEqual(reqs.map((r) => decodeExportRequest(encodeExportRequestModel(r))));
    expect(await metric('otelcol_exporter_sent_spans')).toBe(5);
  });

  it('proto: 4-byte big-endian length, then the request bytes', async () => {
    const path = join(dir, 'out.pb');
    const { exporter } = create({ path, format: 'proto' });
    await exporter.start(host);
    const encoded = [encodeExportRequestModel(request(1)), encodeExportRequestModel(request(2, 1))];
    for (const b of encoded) await exporter.consume(indexExportRequest(b));
    await exporter.shutdown();

    const content = readFileSync(path);
    expect(content.readUInt32BE(0)).toBe(encoded[0]!.length);
    expect(content.length).toBe(8 + encoded[0]!.length + encoded[1]!.length);
    expect(readFileExport(content, 'proto')).toEqual(encoded);
  });

  it('writes only the selected spans of a re-framed batch', async () => {
    const path = join(dir, 'sel.pb');
    const { exporter } = create({ path, format: 'proto' });
    await exporter.start(host);
    await exporter.consume(indexExportRequest(encodeExportRequestModel(request(7, 4))).select([3, 1]));
    await exporter.shutdown();
    const [only] = readFileExport(readFileSync(path), 'proto');
    const names = decodeExportRequest(only!).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name)));
    expect(names).toEqual(['op-7-3', 'op-7-1']);
  });

  it('append: false truncates, true appends', async () => {
    const path = join(dir, 'out.json');
    writeFileSync(path, 'old line\n');
    const a = create({ path });
    await a.exporter.start(host);
    await a.exporter.consume(indexExportRequest(encodeExportRequestModel(request(1))));
    await a.exporter.shutdown();
    expect(readFileSync(path, 'utf8').startsWith('old line')).toBe(false);

    const b = create({ path, append: true });
    await b.exporter.start(host);
    await b.exporter.consume(indexExportRequest(encodeExportRequestModel(request(2))));
    await b.exporter.shutdown();
    expect(readFileExport(readFileSync(path), 'json')).toHaveLength(2);
  });

  it('flushes on the flush_interval tick, not before', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const path = join(dir, 'tick.json');
    const { exporter, metric } = create({ path, flush_interval: '5s' });
    await exporter.start(host);
    await exporter.consume(indexExportRequest(encodeExportRequestModel(request(1))));
    vi.advanceTimersByTime(4_999);
    await exporter.idle();
    expect(statSync(path).size).toBe(0);
    expect(await metric('otelcol_exporter_sent_spans')).toBe(0);
    vi.advanceTimersByTime(1);
    await exporter.idle();
    expect(readFileExport(readFileSync(path), 'json')).toHaveLength(1);
    expect(await metric('otelcol_exporter_sent_spans')).toBe(2);
  });

  it('flushes early once 64 KiB are waiting (bounded memory between ticks)', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const path = join(dir, 'big.pb');
    const { exporter } = create({ path, format: 'proto', flush_interval: '1h' });
    await exporter.start(host);
    const batch = encodeExportRequestModel(request(3, 50));
    let n = 0;
    while (n * batch.length < 70 * 1024) {
      await exporter.consume(indexExportRequest(batch));
      n++;
    }
    expect(statSync(path).size).toBeGreaterThanOrEqual(64 * 1024);
  });

  it('a failing write counts the spans as failed and logs; no crash', async () => {
    if (!existsSync('/dev/full')) return; // Linux: every write fails with ENOSPC
    const { exporter, lines, metric } = create({ path: '/dev/full' });
    await exporter.start(host);
    await exporter.consume(indexExportRequest(encodeExportRequestModel(request(1, 3))));
    await exporter.flush();
    expect(await metric('otelcol_exporter_send_failed_spans')).toBe(3);
    expect(await metric('otelcol_exporter_sent_spans')).toBe(0);
    expect(lines.find((l) => l.level === 50)).toMatchObject({ msg: 'writing to the file failed; spans dropped', spans: 3 });
  });

  it('start fails clearly when the directory is missing; create_directory makes it', async () => {
    const path = join(dir, 'sub', 'deeper', 'out.json');
    const missing = create({ path });
    await expect(missing.exporter.start(host)).rejects.toThrow(/file exporter: cannot open ".*out\.json": ENOENT/);
    const made = create({ path, create_directory: true, directory_permissions: '0700' });
    await made.exporter.start(host);
    expect(statSync(join(dir, 'sub', 'deeper')).mode & 0o777).toBe(0o700);
  });

  it('refuses before start and after shutdown; shutdown without start and twice', async () => {
    const path = join(dir, 'x.json');
    const { exporter, metric } = create({ path });
    const batch = () => indexExportRequest(encodeExportRequestModel(request(1)));
    const before = await exporter.consume(batch()).catch((e: unknown) => e);
    expect((before as CollectorError).code).toBe('TP_INTERNAL');
    await exporter.start(host);
    await exporter.shutdown();
    await exporter.shutdown();
    const after = await exporter.consume(batch()).catch((e: unknown) => e);
    expect(after).toBeInstanceOf(CollectorError);
    expect((after as CollectorError).code).toBe('TP_SHUTTING_DOWN');
    expect(await metric('otelcol_exporter_send_failed_spans')).toBe(4);
    const never = create({ path });
    await never.exporter.shutdown();
    await never.exporter.shutdown();
  });

  it('warns that rotation is not implemented', async () => {
    const { exporter, lines } = create({ path: join(dir, 'r.json'), rotation: null });
    await exporter.start(host);
    expect(lines.find((l) => l.level === 40)?.msg).toMatch(/rotation is accepted but not implemented/);
  });
});

describe('readFileExport', () => {
  it('reports a truncated proto file', () => {
    const buf = Buffer.alloc(6);
    buf.writeUInt32BE(10, 0);
    expect(() => readFileExport(buf, 'proto')).toThrow(/claims 10 bytes, 2 left/);
    expect(() => readFileExport(Buffer.from([0, 0]), 'proto')).toThrow(/truncated length prefix/);
  });
});

describe('file config', () => {
  it('otelcol defaults and testdata', () => {
    expect(fileFactory.configSchema.parse({ path: 'p' })).toEqual({ path: 'p', append: false, format: 'json', flush_interval: 1000, create_directory: false });
    const ok = testdata('config.yaml');
    for (const [id, v] of Object.entries(ok)) expect(fileFactory.configSchema.safeParse(v).success, id).toBe(true);
    expect(fileFactory.configSchema.parse(ok['file/2'])).toMatchObject({ format: 'proto', rotation: { max_megabytes: 10, max_backups: 3, localtime: true } });
    expect(fileFactory.configSchema.parse(ok['file/3']).rotation).toEqual({ max_megabytes: 100, max_days: 0, max_backups: 100, localtime: false });
    expect(fileFactory.configSchema.parse(ok['file/flush_interval_5']).flush_interval).toBe(5000);
  });

  it('rejects bad configs naming the key', () => {
    const bad = testdata('config_bad.yaml');
    const msg = (id: string) => {
      const r = fileFactory.configSchema.safeParse(bad[id]);
      expect(r.success, id).toBe(false);
      return r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
    };
    expect(msg('file/no_path')).toMatch(/^path: path is required/);
    expect(msg('file/format')).toMatch(/format: format type is not supported/);
    expect(msg('file/compression')).toMatch(/compression: compression is not supported/);
    expect(msg('file/append_rotation')).toMatch(/append: append and rotation enabled at the same time is not supported/);
    expect(msg('file/group_by')).toMatch(/group_by.enabled: group_by is not supported/);
    expect(msg('file/flush_negative')).toMatch(/flush_interval: flush_interval must be larger than zero/);
    expect(msg('file/dir_perms_without_create')).toMatch(/directory_permissions: directory_permissions requires create_directory/);
  });
});
