/**
 * The file_storage extension: a directory on local disk where persistent sending queues keep
 * their batches (exporterhelper's QueueStorage). Each queue gets its own sub-directory named as
 * otelcol names its files (`exporter_<type>_<name>_traces`) holding a SegmentLog.
 *
 * start() checks the directory as otelcol's Validate does ("directory must exist", unless
 * create_directory). `recreate: true` moves an existing queue directory aside
 * (`<name>.backup-<timestamp>`) on open instead of replaying it, as otelcol renames its database.
 */
import { mkdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { CreateSettings, Extension, Host } from '../../component/types.ts';
import { CollectorError } from '../../errors/codes.ts';
import type { QueueLog, QueueLogOwner, QueueStorage } from '../../exporters/exporterhelper/persistent-storage.ts';
import type { FileStorageConfig } from './config.ts';
import { SegmentLog } from './segment-log.ts';

export interface FileStorageOptions {
  /** Segment rotation size (tests). */
  readonly segmentBytes?: number;
}

export class FileStorageExtension implements Extension, QueueStorage {
  private readonly logger: Logger;
  readonly config: FileStorageConfig;
  private readonly options: FileStorageOptions;
  private readonly open = new Set<SegmentLog>();
  private started = false;
  private stopped = false;

  constructor(settings: CreateSettings, config: FileStorageConfig, options: FileStorageOptions = {}) {
    this.logger = settings.logger;
    this.config = config;
    this.options = options;
  }

  async start(_host: Host): Promise<void> {
    const c = this.config;
    if (c.create_directory) {
      await mkdir(c.directory, { recursive: true, mode: parseInt(c.directory_permissions, 8) });
    }
    let info;
    try {
      info = await stat(c.directory);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new CollectorError(
        'TP_CONFIG_INVALID',
        code === 'ENOENT'
          ? `file_storage: directory must exist: ${c.directory} (create it, or set create_directory: true)`
          : `file_storage: problem accessing configured directory: ${c.directory}: ${(err as Error).message}`,
      );
    }
    if (!info.isDirectory()) throw new CollectorError('TP_CONFIG_INVALID', `file_storage: ${c.directory} is not a directory`);
    if (c.compaction.on_start || c.compaction.on_rebound) {
      this.logger.info('compaction settings have nothing to do here: acknowledged queue segments are deleted as they are sent');
    }
    this.started = true;
  }

  async openQueueLog(owner: QueueLogOwner): Promise<QueueLog> {
    if (!this.started || this.stopped) throw new CollectorError('TP_INTERNAL', 'file_storage is not running');
    const dir = join(this.config.directory, ownerDirName(owner));
    if (this.config.recreate) await moveAside(dir, this.logger);
    const log: SegmentLog = await SegmentLog.open(dir, {
      fsync: this.config.fsync,
      lockTimeoutMs: this.config.timeout,
      logger: this.logger,
      onClose: () => this.open.delete(log),
      ...(this.options.segmentBytes !== undefined ? { segmentBytes: this.options.segmentBytes } : {}),
    });
    this.open.add(log);
    return log;
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    // Exporters close their logs first (they stop before extensions); this covers the rest.
    await Promise.allSettled([...this.open].map((l) => l.close()));
  }
}

/** otelcol: `<kind>_<type>_<name>_<signal>`; anything outside [A-Za-z0-9._-] becomes "_". */
export function ownerDirName(owner: QueueLogOwner): string {
  return `${owner.kind}_${owner.type}_${owner.name}_${owner.signal}`.replace(/[^A-Za-z0-9._-]/g, '_');
}

async function moveAside(dir: string, logger: Logger): Promise<void> {
  const backup = `${dir}.backup-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  try {
    await rename(dir, backup);
    logger.warn({ dir, backup }, 'recreate: true; the existing queue directory was moved aside and starts empty');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
