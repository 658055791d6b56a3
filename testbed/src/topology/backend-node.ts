/** The mock backend as a child process of the topology, with its admin client. */
import { join } from 'node:path';
import { BackendAdminClient } from '../backend/admin-client.ts';
import type { BackendPorts } from '../backend/mock-backend.ts';
import { ManagedProcess } from '../process/managed-process.ts';
import { REPO_ROOT } from '../scenario/load-scenario.ts';
import type { NetnsLink } from './netns.ts';
import { ProcessInstance } from './process-instance.ts';

export interface BackendNodeOptions {
  runDir: string;
  host: string;
  netns?: NetnsLink;
  tenantHeader?: string;
  sampleIntervalMs: number;
  /** Fixed ports (an external pipeline must know where to send); 0 = free ones. */
  grpcPort?: number;
  httpPort?: number;
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
    let cmd = {
      command: process.execPath,
      args: [
        '--import',
        'tsx',
        join(REPO_ROOT, 'testbed/src/backend/main.ts'),
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
    try {
      this.ports = await proc.waitForJsonLine<BackendPorts>(30_000);
    } catch (e) {
      await proc.stop(1000);
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
