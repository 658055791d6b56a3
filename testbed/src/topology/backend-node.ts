/** The mock backend as a child process of the topology, with its admin client. */
import { join } from 'node:path';
import { BackendAdminClient } from '../backend/admin-client.ts';
import type { BackendPorts } from '../backend/mock-backend.ts';
import { ManagedProcess } from '../process/managed-process.ts';
import { REPO_ROOT } from '../scenario/load-scenario.ts';
import type { NetnsLink } from './netns.ts';
import { ProcessInstance } from './process-instance.ts';
import { EarlyExitError } from './collector-node.ts';
import { bundleEntry } from './collector-command.ts';

export interface BackendNodeOptions {
  runDir: string;
  host: string;
  netns?: NetnsLink;
  tenantHeader?: string;
  sampleIntervalMs: number;
  /** Ports to listen on (fixed for an external pipeline, or picked by the topology); 0 = any. */
  grpcPort?: number;
  httpPort?: number;
  onInstance?: (inst: ProcessInstance) => void;
}

export class BackendNode {
  readonly name = 'backend';
  instance!: ProcessInstance;
  ports!: BackendPorts;
  admin!: BackendAdminClient;

  constructor(readonly o: BackendNodeOptions) {}

  get grpcEndpoint(): string {
    return `${this.o.host}:${this.ports.grpcPort}`;
  }
  get httpEndpoint(): string {
    return `http://${this.o.host}:${this.ports.httpPort}`;
  }

  async start(): Promise<void> {
    // Bundled, like the collector: no tsx loader isolate in the measured process.
    const entry = await bundleEntry(join(REPO_ROOT, 'testbed/src/backend/main.ts'), 'backend');
    let cmd = {
      command: process.execPath,
      args: [
        '--enable-source-maps',
        entry,
        '--host',
        this.o.host,
        '--grpc-port',
        String(this.o.grpcPort ?? 0),
        '--http-port',
        String(this.o.httpPort ?? 0),
        '--admin-port',
        '0',
        '--tenant-header',
        this.o.tenantHeader ?? 'x-tenant-id',
      ],
    };
    if (this.o.netns) cmd = this.o.netns.wrap(cmd);
    const logFile = join(this.o.runDir, 'logs', 'backend.log');
    const proc = await ManagedProcess.start({ name: 'backend', command: cmd.command, args: cmd.args, cwd: REPO_ROOT, logFile, stopGraceMs: 3000 });
    this.instance = new ProcessInstance('backend', 'backend', 1, proc, [cmd.command, ...cmd.args].join(' '), this.o.sampleIntervalMs, { logFile });
    this.o.onInstance?.(this.instance);
    try {
      this.ports = await proc.waitForJsonLine<BackendPorts>(30_000);
    } catch (e) {
      const exited = !proc.running;
      this.instance.endedBy = 'failed to start';
      await proc.stop(1000);
      // Exited at once: most likely a port taken meanwhile; the caller may try other ports.
      if (exited) throw new EarlyExitError(`backend exited before it listened: ${(e as Error).message}`);
      throw e;
    }
    this.admin = new BackendAdminClient(`http://${this.o.host}:${this.ports.adminPort}`);
    this.instance.extra.endpoints = { grpc: this.grpcEndpoint, http: this.httpEndpoint, admin: `http://${this.o.host}:${this.ports.adminPort}` };
  }

  async stop(): Promise<void> {
    if (!this.instance || !this.instance.running) return;
    this.instance.endedBy ??= 'stopped at the end of the run';
    await this.instance.process.stop(3000);
  }
}
