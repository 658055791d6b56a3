/**
 * --profile: our collectors run as `node --cpu-prof --cpu-prof-dir=<report dir>/profiles`, one
 * <process>.<instance>.cpuprofile each (Node writes it when the process exits normally, so a
 * SIGKILLed instance has none), and the report links them. Only for our collector (a Node process);
 * another binary (--collector-cmd) runs unprofiled.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { RunExtension } from '../run/run-extension.ts';
import type { ProfileRecord } from '../run/run-result.ts';
import type { CollectorCommand } from '../topology/collector-command.ts';

export const PROFILE_DIR = 'profiles';

/** The command with node's CPU profiler on, one file per process instance. */
export function profiledCommand(command: CollectorCommand, dir: string): CollectorCommand {
  if (!command.builtin) return command;
  const launches = new Map<string, number>();
  return {
    ...command,
    display: `${command.display} (--cpu-prof)`,
    run(configFile) {
      const base = command.run(configFile);
      const name = basename(configFile).replace(/\.ya?ml$/, '');
      const instance = (launches.get(name) ?? 0) + 1;
      launches.set(name, instance);
      // Node options go before the script (base.command is node itself).
      return { command: base.command, args: ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}.${instance}.cpuprofile`, ...base.args] };
    },
  };
}

/** The profiles in dir, as report links relative to the report directory. */
export function listProfiles(dir: string, relativeTo: string): ProfileRecord[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort()
    .map((f) => {
      const m = /^(.+)\.(\d+)\.cpuprofile$/.exec(f);
      return { process: m ? m[1]! : f, instance: m ? Number(m[2]) : 1, file: join(relativeTo, f), bytes: statSync(join(dir, f)).size };
    });
}

export function cpuProfileExtension(o: { log?: (line: string) => void } = {}): RunExtension {
  return {
    name: 'cpu profiles',
    command(command, runDir) {
      if (!command.builtin) o.log?.(`--profile: ${command.display} is not our Node collector; it runs without --cpu-prof`);
      return profiledCommand(command, join(runDir, PROFILE_DIR));
    },
    async afterRun(run, plan, runDir) {
      const profiles = listProfiles(join(runDir, PROFILE_DIR), join(plan.variant ?? '', PROFILE_DIR));
      if (profiles.length > 0) run.profiles = profiles;
      const written = new Set(profiles.map((p) => `${p.process}.${p.instance}`));
      for (const p of run.processes) {
        if (p.role === 'loadgen' || p.role === 'backend' || written.has(`${p.name}.${p.instance}`)) continue;
        o.log?.(`--profile: no profile from ${p.name}${p.instance > 1 ? `#${p.instance}` : ''} (${p.endedBy ?? 'still running'}; node writes it only on a normal exit)`);
      }
    },
  };
}
