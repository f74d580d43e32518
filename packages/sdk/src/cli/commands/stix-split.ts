// `opencti-ts stix split`: what pycti's splitter would send for a bundle, one JSON bundle
// per line in sending order, streamed from a file (gzip allowed) or stdin.
import { isOpenCtiTsError } from '../../errors/index.ts';
import { splitStixBundle } from '../../stix/reader.ts';
import { serializeSplitBundle } from '../../stix/splitter.ts';
import { type Command, write } from '../command.ts';

const USAGE = `Usage: opencti-ts stix split [--cleanup] [--event-version V] FILE|-

Splits a STIX 2.1 bundle (a file, gzip allowed, or "-" for stdin) as pycti's
OpenCTIStix2Splitter does: one bundle per importable object, referenced objects first.
Writes one JSON bundle per line, in order; a summary goes to stderr.
  --cleanup            also cut references to objects absent from the bundle
                       (pycti's cleanup_inconsistent_bundle)
  --event-version V    add "x_opencti_event_version": V to every bundle

Exit status: 0 ok, 1 unreadable or invalid bundle, 2 usage error.`;

interface Options {
  cleanup: boolean;
  eventVersion: string | undefined;
  file: string;
}

function parseArgs(args: readonly string[]): Options | string {
  let cleanup = false;
  let eventVersion: string | undefined;
  const files: string[] = [];
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index]!;
    if (arg === '--cleanup') cleanup = true;
    else if (arg === '--event-version' || arg.startsWith('--event-version=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[++index];
      if (value === undefined || value === '') return '--event-version needs a value';
      eventVersion = value;
    } else if (arg.startsWith('--')) return `unknown option ${arg}`;
    else files.push(arg);
  }
  if (files.length !== 1) return files.length === 0 ? 'missing FILE (or "-" for stdin)' : 'give exactly one FILE';
  return { cleanup, eventVersion, file: files[0]! };
}

export const stixSplitCommand: Command = {
  path: ['stix', 'split'],
  summary: "Split a STIX bundle as pycti's splitter does (one bundle per line)",
  usage: USAGE,
  async run(args, io) {
    const options = parseArgs(args);
    if (typeof options === 'string') {
      await write(io.stderr, `opencti-ts stix split: ${options}\n${USAGE}\n`);
      return 2;
    }
    let result: Awaited<ReturnType<typeof splitStixBundle>>;
    try {
      result = await splitStixBundle(options.file === '-' ? io.stdin : options.file, {
        cleanupInconsistentBundle: options.cleanup,
        eventVersion: options.eventVersion ?? null,
      });
    } catch (error) {
      if (!isOpenCtiTsError(error)) throw error;
      await write(io.stderr, `opencti-ts stix split: ${error.message}\n`);
      return 1;
    }
    for (const bundle of result.bundles) await write(io.stdout, `${serializeSplitBundle(bundle)}\n`);
    const dropped = result.incompatible.length;
    await write(io.stderr, `${result.expectations} bundle${result.expectations === 1 ? '' : 's'}, ${dropped} object${dropped === 1 ? '' : 's'} dropped\n`);
    return 0;
  },
};
