/**
 * Hooks for extra collection around each run, kept out of the runner's own logic: the wire-size
 * sample behind the cost model, a Prometheus server scraping the collectors, CPU profiles
 * (testbed/src/report/). Each hook is optional; a failing hook is logged and the run goes on.
 */
import type { RunPlan } from '../scenario/load-scenario.ts';
import type { CollectorCommand } from '../topology/collector-command.ts';
import type { RunResult } from './run-result.ts';

/** A collector process as it starts (a restart is a new instance of the same name). */
export interface StartedProcess {
  name: string;
  role: string;
  instance: number;
  pid: number;
  /** Its Prometheus endpoint (collectors). */
  metricsUrl?: string;
}

export interface RunExtension {
  name: string;
  /** Before anything starts: may wrap the collector command (e.g. add node --cpu-prof). */
  command?(command: CollectorCommand, runDir: string, plan: RunPlan): CollectorCommand;
  /** Every process of the topology as it starts. */
  onProcess?(p: StartedProcess, plan: RunPlan): void;
  /** After the topology is up, before the load starts (awaited). */
  beforeLoad?(plan: RunPlan, runDir: string): Promise<void>;
  /** After the run ended and every process stopped: may add to the result. */
  afterRun?(result: RunResult, plan: RunPlan, runDir: string): Promise<void>;
}
