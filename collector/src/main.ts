/**
 * CLI, as otelcol's:  collector --config FILE [--config FILE ...] [--set key=value ...]
 *                     collector validate --config FILE
 *                     collector components
 * SIGTERM / SIGINT: graceful shutdown (stop receivers, drain, close exporters); a second signal
 * exits at once.
 */
import { parseArgs } from 'node:util';
import { builtinRegistry } from './components.ts';
import { runValidate } from './config/validate-command.ts';
import { Collector, ConfigLoadError } from './collector.ts';

const USAGE = `usage:
  npm run collector -- --config FILE [--config FILE ...] [--set key=value ...]
  npm run collector -- validate --config FILE [--set key=value ...]
  npm run collector -- components

--config accepts a file path, file:PATH, env:VAR or yaml:key::path: value; later sources
deep-merge over earlier ones (lists are replaced). --set overrides one key (value as YAML).`;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', multiple: true, short: 'c' },
        set: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const command = positionals[0] ?? 'run';
  const configArgs = values.config ?? [];
  const setArgs = values.set ?? [];
  const registry = builtinRegistry();

  if (command === 'components') {
    for (const kind of ['receiver', 'processor', 'exporter', 'connector', 'extension'] as const) {
      process.stdout.write(`${kind}s: ${registry.known(kind).join(', ') || '(none)'}\n`);
    }
    return 0;
  }
  if (configArgs.length === 0) {
    process.stderr.write(`at least one --config is required\n${USAGE}\n`);
    return 2;
  }
  if (command === 'validate') {
    return runValidate(configArgs, setArgs, process.env, registry, (line) => process.stdout.write(`${line}\n`));
  }
  if (command !== 'run') {
    process.stderr.write(`unknown command "${command}"\n${USAGE}\n`);
    return 2;
  }

  let collector: Collector;
  try {
    collector = Collector.fromConfig({ configArgs, setArgs, registry });
  } catch (err) {
    if (err instanceof ConfigLoadError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }

  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      collector.logger.warn({ signal: sig }, 'Second signal received, exiting now');
      process.exit(130);
    }
    collector.logger.info({ signal: sig }, 'Received signal from OS');
    collector.shutdown().then(
      () => process.exit(0),
      (err) => {
        collector.logger.error({ err }, 'Shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  try {
    await collector.start();
  } catch (err) {
    collector.logger.error({ err }, 'Collector failed to start');
    await collector.shutdown();
    return 1;
  }
  return -1; // keep running until a signal
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err) => {
    process.stderr.write(`fatal: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
