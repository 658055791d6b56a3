/**
 * file_storage: config, the extension's directory checks, and the segment log on a real temporary
 * directory: durability of appends, read-back, acknowledgements, rotation and deletion, recovery
 * from damaged records and torn tails, the directory lock.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { pino } from 'pino';
import { parse } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseComponentId } from '../../component/types.ts';
import { CorruptRecordError, type QueueRecord } from '../../exporters/exporterhelper/persistent-storage.ts';
import { SelfTelemetry } from '../../telemetry/self-telemetry.ts';
import { fileStorageConfigSchema } from './config.ts';
import { fileStorageFactory } from './factory.ts';
import { FileStorageExtension, ownerDirName } from './file-storage.ts';
import { crc32, crc32Fallback, FILE_HEADER_BYTES, RECORD_HEADER_BYTES } from './record-format.ts';
import { recoverDirectory } from './recovery.ts';
import { SegmentLog } from './segment-log.ts';

const logger = pino({ level: 'silent' });
const owner = { kind: 'exporter', type: 'otlp', name: 'tempo', signal: 'traces' } as const;
let dir: string;
const opened: SegmentLog[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tp-fs-'));
});

afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((l) => l.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function openLog(sub = 'q', o: { segmentBytes?: number; fsync?: boolean; lockTimeoutMs?: number } = {}): Promise<SegmentLog> {
  const log = await SegmentLog.open(join(dir, sub), { fsync: o.fsync ?? false, lockTimeoutMs: o.lockTimeoutMs ?? 200, logger, ...(o.segmentBytes ? { segmentBytes: o.segmentBytes } : {}) });
  opened.push(log);
  return log;
}

const payload = (k: number, size = 64): Buffer => Buffer.from(`record-${k}-`.padEnd(size, String.fromCharCode(97 + (k % 26))));

function settings(id = 'file_storage') {
  return { id: parseComponentId(id), kind: 'extension' as const, logger, telemetry: new SelfTelemetry(), pipelines: [] };
}

const host = { getExtension: () => undefined, status: 'running' as const };

describe('file_storage config', () => {
  it('has otelcol-contrib defaults', () => {
    expect(fileStorageConfigSchema.parse(null)).toEqual({
      directory: '/var/lib/otelcol/file_storage',
      timeout: 1000,
      fsync: false,
      create_directory: false,
      directory_permissions: '0750',
      recreate: false,
      compaction: {
        on_start: false,
        on_rebound: false,
        max_transaction_size: 65536,
        rebound_needed_threshold_mib: 100,
        rebound_trigger_threshold_mib: 10,
        check_interval: 5000,
        cleanup_on_start: false,
      },
    });
    expect(fileStorageFactory.type).toBe('file_storage');
  });

  it('loads testdata/config.yaml (every key otelcol has), 65_536 included', () => {
    const exts = parse(readFileSync(new URL('./testdata/config.yaml', import.meta.url), 'utf8')).extensions as Record<string, unknown>;
    const all = fileStorageConfigSchema.parse(exts['file_storage/all_settings']);
    expect(all).toMatchObject({ directory: '/var/lib/otelcol/mydir', timeout: 2000, fsync: true, directory_permissions: '0700' });
    expect(all.compaction).toMatchObject({ on_start: true, directory: '/tmp/', max_transaction_size: 65536, check_interval: 10_000 });
    expect(fileStorageConfigSchema.parse(exts['file_storage'])).toMatchObject({ directory: '/var/lib/otelcol/file_storage' });
  });

  it('reports each problem of testdata/invalid.yaml', () => {
    const exts = parse(readFileSync(new URL('./testdata/invalid.yaml', import.meta.url), 'utf8')).extensions as Record<string, unknown>;
    const problems = (id: string) =>
      (fileStorageConfigSchema.safeParse(exts[id]).error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(problems('file_storage/timeout')).toEqual(['timeout: expected a duration like "200ms"']);
    expect(problems('file_storage/compaction')).toEqual(['compaction.max_transaction_size: max transaction size for compaction cannot be less than 0']);
    expect(problems('file_storage/rebound')).toEqual(['compaction.check_interval: compaction check interval must be positive when rebound compaction is set']);
    expect(problems('file_storage/perm')).toEqual(['directory_permissions: invalid directory_permissions "rwx": expected octal like "0750"']);
    expect(problems('file_storage/unknown')).toEqual([': unknown key "directry"']);
  });
});

describe('record checksums', () => {
  it('the JS fallback CRC-32 equals zlib.crc32 (Node >= 20.15)', () => {
    const native = (zlib as unknown as { crc32?: (b: Uint8Array, v?: number) => number }).crc32;
    expect(typeof native).toBe('function');
    for (let k = 1; k < 50; k++) {
      const b = randomBytes(k * 37);
      expect(crc32Fallback(b)).toBe(native!(b));
      expect(crc32Fallback(b, 12345)).toBe(native!(b, 12345));
    }
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926); // the CRC-32 check value
  });
});

describe('file_storage extension', () => {
  it('refuses to start on a missing directory unless create_directory; creates it with the permissions', async () => {
    const missing = join(dir, 'a', 'b');
    const ext = new FileStorageExtension(settings(), fileStorageConfigSchema.parse({ directory: missing }));
    await expect(ext.start(host)).rejects.toThrow(`file_storage: directory must exist: ${missing} (create it, or set create_directory: true)`);
    const creating = new FileStorageExtension(settings(), fileStorageConfigSchema.parse({ directory: missing, create_directory: true, directory_permissions: '0700' }));
    await creating.start(host);
    expect(statSync(missing).mode & 0o777).toBe(0o700);
    const file = join(dir, 'file');
    writeFileSync(file, 'x');
    await expect(new FileStorageExtension(settings(), fileStorageConfigSchema.parse({ directory: file })).start(host)).rejects.toThrow('is not a directory');
    await creating.shutdown();
  });

  it('opens one log per owner in a directory named as otelcol names its files; shutdown closes what is open', async () => {
    const ext = new FileStorageExtension(settings(), fileStorageConfigSchema.parse({ directory: dir }));
    await ext.start(host);
    const log = await ext.openQueueLog(owner);
    expect(ownerDirName(owner)).toBe('exporter_otlp_tempo_traces');
    expect(ownerDirName({ ...owner, name: '' })).toBe('exporter_otlp__traces');
    await log.append(payload(1), 1);
    expect(existsSync(join(dir, 'exporter_otlp_tempo_traces', 'LOCK'))).toBe(true);
    await ext.shutdown();
    expect(existsSync(join(dir, 'exporter_otlp_tempo_traces', 'LOCK'))).toBe(false);
    await expect(ext.openQueueLog(owner)).rejects.toThrow('file_storage is not running');
  });

  it('recreate: true moves an existing queue aside and starts empty', async () => {
    const first = new FileStorageExtension(settings(), fileStorageConfigSchema.parse({ directory: dir }));
    await first.start(host);
    await (await first.openQueueLog(owner)).append(payload(1), 1);
    await first.shutdown();
    const again = new FileStorageExtension(settings(), fileStorageConfigSchema.parse({ directory: dir, recreate: true }));
    await again.start(host);
    const log = await again.openQueueLog(owner);
    expect(log.recovered).toEqual([]);
    expect(readdirSync(dir).filter((n) => n.startsWith('exporter_otlp_tempo_traces.backup-'))).toHaveLength(1);
    await again.shutdown();
  });
});

describe('SegmentLog', () => {
  it('an append resolves once the record is in the file; read() returns it checksum-verified', async () => {
    const log = await openLog();
    const rec = await log.append(payload(1, 100), 3);
    // Another reader sees it right away (written, not buffered in the process).
    const recovered = await recoverDirectory(join(dir, 'q'));
    expect(recovered.recovered.map((r) => [r.seq, r.items, r.bytes])).toEqual([[rec.seq, 3, 100]]);
    expect((await log.read(rec)).equals(payload(1, 100))).toBe(true);
  });

  it('concurrent appends are written together and resolve in order with increasing seq', async () => {
    const log = await openLog('q', { fsync: true });
    const recs = await Promise.all(Array.from({ length: 50 }, (_, k) => log.append(payload(k), k + 1)));
    expect(recs.map((r) => r.seq)).toEqual(recs.map((_, k) => recs[0]!.seq + k));
    for (const [k, r] of recs.entries()) expect((await log.read(r)).equals(payload(k))).toBe(true);
    expect(log.stats.segments).toBe(1);
  });

  it('replays what was not acknowledged after a reopen, flags what was being sent, skips what was acknowledged', async () => {
    const log = await openLog();
    const recs: QueueRecord[] = [];
    for (let k = 0; k < 5; k++) recs.push(await log.append(payload(k), 10 + k));
    log.ack(recs[0]!);
    log.markDispatched(recs[1]!);
    log.markDispatched(recs[2]!);
    log.ack(recs[2]!);
    await log.close();
    const again = await openLog();
    expect(again.recovered.map((r) => [r.seq, r.items, r.wasDispatched])).toEqual([
      [recs[1]!.seq, 11, true],
      [recs[3]!.seq, 13, false],
      [recs[4]!.seq, 14, false],
    ]);
    expect((await again.read(again.recovered[1]!)).equals(payload(3))).toBe(true);
    // New records continue after the old ones.
    expect((await again.append(payload(9), 1)).seq).toBeGreaterThan(recs[4]!.seq);
    expect(again.corrupt).toEqual([]);
  });

  it('rotates segments and deletes each one (with its ack file) once all its records are acknowledged', async () => {
    const log = await openLog('q', { segmentBytes: 4 * (RECORD_HEADER_BYTES + 64) + FILE_HEADER_BYTES });
    const recs: QueueRecord[] = [];
    for (let k = 0; k < 12; k++) recs.push(await log.append(payload(k), 1));
    const files = () => readdirSync(join(dir, 'q')).filter((n) => n.startsWith('seg-')).sort();
    expect(files().filter((n) => n.endsWith('.log'))).toHaveLength(3);
    // Acknowledge out of order (several consumers): a segment goes when its last record is done.
    for (const k of [1, 0, 3, 5]) log.ack(recs[k]!);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 20));
    expect(files().filter((n) => n.endsWith('.log'))).toHaveLength(3);
    log.ack(recs[2]!);
    await new Promise((r) => setTimeout(r, 20));
    expect(files().filter((n) => n.endsWith('.log'))).toHaveLength(2);
    expect(files().some((n) => n.endsWith('.ack') && n.includes(recs[0]!.seq.toString(16).padStart(16, '0')))).toBe(false);
    for (const r of recs) log.ack(r);
    await log.close();
    // The active segment goes at close once everything in it is acknowledged.
    expect(files()).toEqual([]);
  });

  it('survives a torn tail: the cut record is reported with its span count, the rest is replayed', async () => {
    const log = await openLog();
    for (let k = 0; k < 4; k++) await log.append(payload(k, 200), 5);
    await log.close();
    const seg = readdirSync(join(dir, 'q')).find((n) => n.endsWith('.log'))!;
    const path = join(dir, 'q', seg);
    truncateSync(path, statSync(path).size - 7);
    const again = await openLog();
    expect(again.recovered.map((r) => r.items)).toEqual([5, 5, 5]);
    expect(again.corrupt).toEqual([
      { file: path, offset: FILE_HEADER_BYTES + 3 * (RECORD_HEADER_BYTES + 200), reason: 'truncated record: payload has 193 of 200 bytes', items: 5 },
    ]);
    for (const [k, r] of again.recovered.entries()) expect((await again.read(r)).equals(payload(k, 200))).toBe(true);
  });

  it('skips a record with a damaged payload (count known) and re-synchronises after a damaged header (count unknown)', async () => {
    const log = await openLog();
    for (let k = 0; k < 5; k++) await log.append(payload(k, 100), k + 1);
    await log.close();
    const path = join(dir, 'q', readdirSync(join(dir, 'q')).find((n) => n.endsWith('.log'))!);
    const bytes = readFileSync(path);
    const rec = (k: number) => FILE_HEADER_BYTES + k * (RECORD_HEADER_BYTES + 100);
    bytes[rec(1) + RECORD_HEADER_BYTES + 50]! ^= 0xff; // payload of record 1
    bytes[rec(3) + 9]! ^= 0x01; // length field of record 3: its header checksum no longer matches
    writeFileSync(path, bytes);
    const again = await openLog();
    expect(again.recovered.map((r) => r.items)).toEqual([1, 3, 5]);
    expect(again.corrupt).toEqual([
      { file: path, offset: rec(1), reason: 'payload checksum mismatch', items: 2 },
      { file: path, offset: rec(3), reason: `damaged record header; skipped ${RECORD_HEADER_BYTES + 100} bytes`, items: undefined },
    ]);
  });

  it('does not report damage to a record that was already acknowledged, and survives a torn ack entry', async () => {
    const log = await openLog();
    const a = await log.append(payload(0), 1);
    await log.append(payload(1), 1);
    log.ack(a);
    await log.close();
    const q = join(dir, 'q');
    const path = join(q, readdirSync(q).find((n) => n.endsWith('.log'))!);
    const bytes = readFileSync(path);
    bytes[FILE_HEADER_BYTES + RECORD_HEADER_BYTES + 3]! ^= 0xff;
    writeFileSync(path, bytes);
    const ack = join(q, readdirSync(q).find((n) => n.endsWith('.ack'))!);
    writeFileSync(ack, Buffer.concat([readFileSync(ack), Buffer.from([1, 2, 3])]));
    const again = await openLog();
    expect(again.corrupt).toEqual([]);
    expect(again.recovered).toHaveLength(1);
    // The torn entry was cut away, so new acknowledgements stay aligned.
    again.ack(again.recovered[0]!);
    await again.close();
    const third = await openLog();
    expect(third.recovered).toEqual([]);
  });

  it('read() of a record damaged on disk after it was written rejects with CorruptRecordError', async () => {
    const log = await openLog();
    const r = await log.append(payload(0, 80), 4);
    const path = join(dir, 'q', readdirSync(join(dir, 'q')).find((n) => n.endsWith('.log'))!);
    const bytes = readFileSync(path);
    bytes[FILE_HEADER_BYTES + RECORD_HEADER_BYTES + 10]! ^= 0xff;
    writeFileSync(path, bytes);
    const err = await log.read(r).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CorruptRecordError);
    expect((err as CorruptRecordError).report).toMatchObject({ reason: 'payload checksum mismatch on read-back', items: 4 });
  });

  it('one process per directory: a second open waits for the lock timeout, then fails naming the owner', async () => {
    await openLog('q');
    await expect(openLog('q', { lockTimeoutMs: 100 })).rejects.toThrow(`is locked by process ${process.pid} (this process: opened twice?)`);
  });

  it('takes over the lock of a process that is gone (kill -9)', async () => {
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(gone.stdout);
    const q = join(dir, 'q');
    const first = await openLog('q');
    await first.append(payload(0), 2);
    // Simulate the crash: the files stay as they are and the lock names a dead process.
    writeFileSync(join(q, 'LOCK'), `${deadPid}\n`);
    opened.splice(opened.indexOf(first), 1);
    const again = await openLog('q');
    expect(again.recovered.map((r) => r.items)).toEqual([2]);
    expect(readFileSync(join(q, 'LOCK'), 'utf8').split(' ')[0]).toBe(String(process.pid));
  });
});
