// `opencti-ts stix validate FILE|-`: checks a STIX 2.1 bundle with the SDK's validator,
// streaming its objects (src/stix/reader.ts), and prints one line per problem with the
// object id and the JSON path. Exit 0 only for a clean bundle.
import { isOpenCtiTsError } from '../../errors/index.ts';
import { readStixBundle } from '../../stix/reader.ts';
import { createBundleValidator, formatStixProblem, type StixProblem } from '../../stix/validate.ts';
import { type Command, write } from '../command.ts';

const USAGE = `Usage: opencti-ts stix validate [--allow-warnings] FILE|-

Checks a STIX 2.1 bundle (a file, gzip allowed, or "-" for stdin): ids, spec_version,
required properties, timestamps, reference types, STIX patterns, and references to objects
the bundle does not contain (warnings). Prints one line per problem:
  <severity> <code> <object id> <JSON path>: <message>

Exit status: 0 clean, 1 problems found or unreadable input, 2 usage error.
  --allow-warnings   exit 0 when there are warnings but no errors`;

const ID = /^bundle--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$/;

export const stixValidateCommand: Command = {
  path: ['stix', 'validate'],
  summary: 'Check a STIX 2.1 bundle and list every problem',
  usage: USAGE,
  async run(args, io) {
    const allowWarnings = args.includes('--allow-warnings');
    const positional = args.filter((arg) => arg !== '--allow-warnings');
    const unknown = positional.filter((arg) => arg.startsWith('--'));
    if (positional.length !== 1 || unknown.length > 0) {
      await write(io.stderr, `${unknown.length > 0 ? `opencti-ts stix validate: unknown option ${unknown[0]}\n` : ''}${USAGE}\n`);
      return 2;
    }
    const target = positional[0] as string;
    const reader = readStixBundle(target === '-' ? io.stdin : target);
    const validator = createBundleValidator();
    let errors = 0;
    let warnings = 0;
    const emit = async (problems: readonly StixProblem[]) => {
      for (const problem of problems) {
        if (problem.severity === 'error') errors += 1;
        else warnings += 1;
        await write(io.stdout, `${formatStixProblem(problem)}\n`);
      }
    };
    try {
      for await (const obj of reader) await emit(validator.add(obj));
    } catch (error) {
      if (!isOpenCtiTsError(error)) throw error;
      await write(io.stderr, `opencti-ts stix validate: ${error.message}\n`);
      return 1;
    }
    if (reader.bundleId === undefined || !ID.test(reader.bundleId))
      await emit([{ severity: 'error', code: 'BAD_ID', objectId: reader.bundleId ?? null, path: '$.id', message: 'a bundle id is bundle--<uuid>' }]);
    await emit(validator.finish());
    await write(io.stderr, `${reader.objectCount} objects: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`);
    return errors > 0 || (warnings > 0 && !allowWarnings) ? 1 : 0;
  },
};
