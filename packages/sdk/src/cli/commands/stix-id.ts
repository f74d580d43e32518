// `opencti-ts stix id`: the deterministic id of each (partial) STIX object read as JSON
// lines on stdin, one output line per input line, so it can sit in a shell pipeline.
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { isOpenCtiTsError } from '../../errors/index.ts';
import { generateId, idCanonicalText, SCO_ID_PROPERTIES, type StixLike } from '../../stix/ids.ts';
import { type Command, write } from '../command.ts';

const USAGE = `Usage: opencti-ts stix id < objects.jsonl

Reads one JSON object per line on stdin, each a (partial) STIX object such as
  {"type": "malware", "name": "Emotet"}
or one of OpenCTI's embedded types: external-reference, kill-chain-phase, label,
vocabulary. Writes one line per input line: the id pycti (or stix2, for observables) gives
it, or "error: <reason>". Blank lines are skipped.

Exit status: 0 every line had an id, 1 some line is an error, 2 usage error.`;

/** The id of one input line, or the reason it has none. */
export function stixIdLine(line: string): { id: string } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { error: 'not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: 'not a JSON object' };
  const obj = value as Record<string, unknown>;
  if (typeof obj.type !== 'string') return { error: 'missing "type"' };
  try {
    const stix = obj as StixLike;
    // An observable with no contributing property gets a random id from stix2: not an answer.
    if (SCO_ID_PROPERTIES[stix.type] !== undefined && idCanonicalText(stix) === null)
      return { error: `no deterministic id: none of ${stix.type}'s id properties is set (${SCO_ID_PROPERTIES[stix.type]!.join(', ') || 'it has none'})` };
    const id = generateId(stix);
    return id === null ? { error: `no id: the identifying properties of this ${stix.type} are missing` } : { id };
  } catch (error) {
    if (isOpenCtiTsError(error)) return { error: error.message };
    throw error;
  }
}

/**
 * The lines of a stream split on "\n" only: JSON text may hold U+2028 and U+2029 raw,
 * which readline would take for line ends.
 */
async function* jsonLines(input: Readable): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  for await (const chunk of input) {
    pending += typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer);
    let end = pending.indexOf('\n');
    while (end !== -1) {
      yield pending.slice(0, end);
      pending = pending.slice(end + 1);
      end = pending.indexOf('\n');
    }
  }
  pending += decoder.end();
  if (pending !== '') yield pending;
}

export const stixIdCommand: Command = {
  path: ['stix', 'id'],
  summary: 'Print the deterministic STIX id of each JSON object on stdin',
  usage: USAGE,
  async run(args, io) {
    if (args.length > 0) {
      await write(io.stderr, `opencti-ts stix id: unexpected argument ${args[0]}\n${USAGE}\n`);
      return 2;
    }
    let failed = false;
    for await (const raw of jsonLines(io.stdin)) {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (line.trim() === '') continue;
      const result = stixIdLine(line);
      if ('error' in result) failed = true;
      await write(io.stdout, 'id' in result ? `${result.id}\n` : `error: ${result.error}\n`);
    }
    return failed ? 1 : 0;
  },
};
