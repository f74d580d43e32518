// The command line every connector image runs (connector-checklist "Command line"):
//   <bin> [start]            run as a connector against OpenCTI (the default)
//   <bin> config [--sample]  the effective configuration, secrets redacted; or the sample
//   <bin> <offline command>  the connector's own commands (e.g. `convert`), no platform
// Exit codes: 0 ok, 1 bad input, 2 bad configuration or usage.
import path from 'node:path';
import { type CommandIo, write } from '../cli/command.ts';
import { type ConfigShape, printableConfig, renderConfigSample, resolveConfig } from '../config/index.ts';
import { ConfigError, isOpenCtiTsError } from '../errors/index.ts';
import type { ConnectorDefinition } from './define.ts';
import { type StartOptions, startConnector } from './start.ts';

export interface OfflineCommand {
  summary: string;
  usage: string;
  run(args: readonly string[], io: CommandIo): Promise<number>;
}

export interface ConnectorCliOptions {
  /** The name shown in usage lines (the image's bin). */
  bin: string;
  commands?: Record<string, OfflineCommand>;
  /** Folder of the entry point, where config.yml is looked for. */
  entryDir?: string;
  start?: Omit<StartOptions, 'env' | 'entryDir'>;
}

export async function runConnectorCli<C extends ConfigShape>(
  definition: ConnectorDefinition<C>,
  argv: readonly string[],
  io: CommandIo,
  options: ConnectorCliOptions,
): Promise<number> {
  const [command = 'start', ...args] = argv;
  const commands = options.commands ?? {};
  const usage = [
    `Usage: ${options.bin} [command]`,
    '',
    '  start               run as a connector against OpenCTI (default)',
    '  config              print the effective configuration, secrets redacted',
    '  config --sample     print a config.yml sample generated from the schema',
    ...Object.entries(commands).map(([_name, offline]) => `  ${offline.usage.padEnd(19)} ${offline.summary}`),
  ].join('\n');
  if (command === '--help' || command === 'help' || command === '-h') {
    await write(io.stdout, `${usage}\n`);
    return 0;
  }
  if (command === 'start') {
    const running = startConnector(definition, { ...options.start, env: io.env, ...(options.entryDir ? { entryDir: options.entryDir } : {}) });
    return running.done;
  }
  if (command === 'config') {
    if (args.includes('--sample')) {
      await write(io.stdout, renderConfigSample(definition.config));
      return 0;
    }
    try {
      const resolved = resolveConfig(definition.config, { env: io.env, ...(options.entryDir ? { entryDir: options.entryDir } : {}) });
      await write(io.stdout, `${printableConfig(resolved.config)}\n`);
      return 0;
    } catch (error) {
      if (error instanceof ConfigError) {
        await write(io.stderr, `${error.message}\n`);
        return 2;
      }
      throw error;
    }
  }
  const offline = commands[command];
  if (!offline) {
    await write(io.stderr, `${options.bin}: unknown command "${command}"\n\n${usage}\n`);
    return 2;
  }
  try {
    return await offline.run(args, io);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await write(io.stderr, `${options.bin} ${command}: ${message.split('\n')[0]}\n`);
    return isOpenCtiTsError(error) && error.kind === 'config' ? 2 : 1;
  }
}

/** `import.meta.dirname` of a connector's main, one level up from dist/ or src/. */
export function connectorRoot(entryDir: string): string {
  return path.resolve(entryDir, '..');
}
