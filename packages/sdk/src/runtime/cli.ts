// The command line every connector image runs (connector-checklist "Command line"):
//   <bin> [start]            run as a connector against OpenCTI (the default)
//   <bin> config [--sample]  the effective configuration, secrets redacted; or the sample
//   <bin> <offline command>  the connector's own commands (e.g. `convert`), no platform
// Exit codes: 0 ok, 1 bad input, 2 bad configuration or usage.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { type ParseArgsOptionDescriptor, type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { type CommandIo, write } from '../cli/command.ts';
import { type ConfigShape, defineConfig, type InferConfig, loadConfig, printableConfig, renderConfigSample, resolveConfig } from '../config/index.ts';
import { ConfigError, InputError } from '../errors/index.ts';
import type { ConnectorDefinition } from './define.ts';
import { type StartOptions, startConnector } from './start.ts';

/** Who runs an offline command: runConnectorCli passes it so messages name the binary. */
export interface OfflineCommandContext {
  bin: string;
  /** The word that selected the command, e.g. `convert`. */
  name: string;
}

export interface OfflineCommand {
  summary: string;
  usage: string;
  run(args: readonly string[], io: CommandIo, context?: OfflineCommandContext): Promise<number>;
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
    // A long usage line gets its summary on the next line, aligned with the others.
    ...Object.values(commands).map((offline) =>
      offline.usage.length > 19 ? `  ${offline.usage}\n${' '.repeat(22)}${offline.summary}` : `  ${offline.usage.padEnd(19)} ${offline.summary}`,
    ),
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
    return await offline.run(args, io, { bin: options.bin, name: command });
  } catch (error) {
    return reportFailure(error, io, `${options.bin} ${command}`);
  }
}

/**
 * The whole `src/main.ts` of a connector: runs the command line on this process's argv,
 * streams and environment, and sets `process.exitCode`.
 *
 * @example
 * await runConnectorMain(mitreConnector, { bin: 'connector-mitre-attack', commands: { convert: convertCommand }, entryDir: import.meta.dirname });
 */
export async function runConnectorMain<C extends ConfigShape>(definition: ConnectorDefinition<C>, options: ConnectorCliOptions): Promise<void> {
  // `<bin> convert ... | head`: the reader going away is not an error of ours; others still crash.
  for (const stream of [process.stdout, process.stderr]) {
    watchClosed(stream);
    stream.on('error', (error) => {
      if (!isClosedError(error)) throw error;
    });
  }
  const io: CommandIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };
  process.exitCode = await runConnectorCli(definition, process.argv.slice(2), io, options);
}

/** `import.meta.dirname` of a connector's main, one level up from dist/ or src/. */
export function connectorRoot(entryDir: string): string {
  return path.resolve(entryDir, '..');
}

// ---------------------------------------------------------------------------------------
// Offline commands

type OptionValue<D extends ParseArgsOptionDescriptor> = D['type'] extends 'string'
  ? D['multiple'] extends true
    ? string[]
    : string
  : D['multiple'] extends true
    ? boolean[]
    : boolean;

/** The parsed options: those with a default are always set, the others may be undefined. */
export type OfflineValues<O extends ParseArgsOptionsConfig> = {
  -readonly [K in keyof O as undefined extends O[K]['default'] ? never : K]: OptionValue<O[K]>;
} & {
  -readonly [K in keyof O as undefined extends O[K]['default'] ? K : never]?: OptionValue<O[K]>;
};

/** Where an offline command writes: stdout or stderr, quiet once the reader went away. */
export interface CommandOutput {
  /** Writes `text` as it is. */
  text(text: string | Uint8Array): Promise<void>;
  /** Writes `text` and a newline. */
  line(text: string): Promise<void>;
  /** Writes `value` as one JSON line. */
  json(value: unknown): Promise<void>;
  /** Writes a STIX bundle of `objects` as one JSON line (a new bundle id unless given). */
  bundle(objects: readonly unknown[], options?: { id?: string }): Promise<void>;
  /**
   * Lends `write` a Writable over the same output (backpressure kept), for code that streams;
   * resolves once everything it wrote reached the output.
   */
  stream<T>(write: (writable: Writable) => Promise<T>): Promise<T>;
}

export interface OfflineRunContext<O extends ParseArgsOptionsConfig, S extends ConfigShape> {
  values: OfflineValues<O>;
  positionals: string[];
  /** The `config` sections, loaded from the environment. */
  config: InferConfig<S>;
  io: CommandIo;
  /** stdout: the command's result. */
  out: CommandOutput;
  /** stderr: warnings and problems, one line each. */
  err: CommandOutput;
  /** Prints `problem` (if any) and the usage line; returns the usage exit code (2). */
  usage(problem?: string): Promise<number>;
}

export interface OfflineCommandSpec<O extends ParseArgsOptionsConfig, S extends ConfigShape> {
  summary: string;
  /** The command and its arguments, e.g. `convert FILE_OR_URL... [--split]`; printed as `usage: <usage>`. */
  usage: string;
  /** node:util parseArgs options. */
  options?: O;
  /** How many positional arguments the command takes (default: any number). */
  positionals?: { min?: number; max?: number };
  /**
   * Config sections the command reads, e.g. `{ mitre: mitreSection }`: loaded from the
   * environment only (no platform settings needed offline). Any problem exits 2, every
   * problem listed by env var.
   */
  config?: S;
  /** Returns the exit code (default 0). A thrown InputError (or any non-config error) exits 1 with its first line; a ConfigError exits 2. */
  run(context: OfflineRunContext<O, S>): Promise<number | undefined>;
}

/**
 * An offline command with the usual plumbing done once: argv parsed (usage error → exit 2),
 * config sections loaded (ConfigError → exit 2, every problem listed), errors mapped to a
 * one-line reason (exit 1), output that stops quietly when the reader goes away (`| head`).
 */
export function defineOfflineCommand<const O extends ParseArgsOptionsConfig = Record<never, never>, const S extends ConfigShape = Record<never, never>>(
  spec: OfflineCommandSpec<O, S>,
): OfflineCommand {
  const schema = spec.config ? defineConfig(spec.config) : undefined;
  const usageLine = `usage: ${spec.usage}\n`;
  const { min = 0, max = Number.POSITIVE_INFINITY } = spec.positionals ?? {};
  return {
    summary: spec.summary,
    usage: spec.usage,
    async run(args, io, context) {
      const label = context ? `${context.bin} ${context.name}` : (spec.usage.split(' ')[0] ?? '');
      const out = commandOutput(io.stdout);
      const err = commandOutput(io.stderr);
      const usage = async (problem?: string) => {
        await write(io.stderr, `${problem ? `${problem}\n` : ''}${usageLine}`);
        return 2;
      };
      let parsed: { values: Record<string, unknown>; positionals: string[] };
      try {
        parsed = parseArgs({ args: [...args], allowPositionals: true, strict: true, options: spec.options ?? {} });
      } catch (error) {
        return usage(error instanceof Error ? error.message : String(error));
      }
      const { positionals } = parsed;
      if (positionals.length < min) return usage();
      if (positionals.length > max) return usage(`unexpected argument "${positionals[max]}"`);
      try {
        const config = (schema ? loadConfig(schema, { env: io.env }) : {}) as InferConfig<S>;
        const values = parsed.values as OfflineValues<O>;
        return (await spec.run({ values, positionals, config, io, out, err, usage })) ?? 0;
      } catch (error) {
        if (isOutputClosed(error)) return 0;
        return reportFailure(error, io, label);
      }
    },
  };
}

/** stderr and exit code of an error out of an offline command: 2 and every problem for a ConfigError, else 1 and one line. */
async function reportFailure(error: unknown, io: CommandIo, label: string): Promise<number> {
  if (error instanceof ConfigError) {
    await write(io.stderr, `${label}: ${error.message}\n`).catch(() => {});
    return 2;
  }
  const message = error instanceof Error ? error.message : String(error);
  await write(io.stderr, `${label}: ${message.split('\n')[0]}\n`).catch(() => {});
  return 1;
}

// ---------------------------------------------------------------------------------------
// Output that goes quiet when the reader goes away (`| head` closes the pipe: EPIPE)

const OUTPUT_CLOSED = 'OUTPUT_CLOSED';
const closedStreams = new WeakSet<Writable>();
const watchedStreams = new WeakSet<Writable>();

function isClosedError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
}

function isOutputClosed(error: unknown): boolean {
  return error instanceof InputError && error.code === OUTPUT_CLOSED;
}

/** Notes when the reader went away; other write errors reach the writer through its write callback. */
function watchClosed(stream: Writable): void {
  if (watchedStreams.has(stream)) return;
  watchedStreams.add(stream);
  stream.on('error', (error) => {
    if (isClosedError(error)) closedStreams.add(stream);
  });
}

function commandOutput(stream: Writable): CommandOutput {
  watchClosed(stream);
  const text = (chunk: string | Uint8Array) =>
    new Promise<void>((resolve, reject) => {
      // Stops the command: nobody reads what it would still print.
      if (closedStreams.has(stream) || stream.destroyed) reject(new InputError(OUTPUT_CLOSED, 'the output was closed'));
      // Waiting for the callback, not only `drain`, lets a pending EPIPE surface before the next write.
      else
        stream.write(chunk, (error) => {
          if (!error) resolve();
          else if (!isClosedError(error)) reject(error);
          else {
            closedStreams.add(stream);
            reject(new InputError(OUTPUT_CLOSED, 'the output was closed'));
          }
        });
    });
  return {
    text,
    line: (line) => text(`${line}\n`),
    json: (value) => text(`${JSON.stringify(value)}\n`),
    bundle: (objects, options = {}) => text(`${JSON.stringify({ type: 'bundle', id: options.id ?? `bundle--${randomUUID()}`, objects })}\n`),
    async stream(write) {
      const writable = new Writable({
        write(chunk: Buffer, _encoding, callback) {
          // Once the reader went away the rest is dropped, so the writer never waits on a dead stream.
          text(chunk).then(
            () => callback(),
            (error: Error) => (isOutputClosed(error) ? callback() : callback(error)),
          );
        },
      });
      const result = await write(writable);
      await finished(writable.end());
      if (closedStreams.has(stream)) throw new InputError(OUTPUT_CLOSED, 'the output was closed');
      return result;
    },
  };
}
