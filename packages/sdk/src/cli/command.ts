// The `opencti-ts` command line: each command is one file under ./commands exporting a
// `Command`; main.ts routes argv to it. Commands write to the given streams and return an
// exit code (0 ok, 1 bad input, 2 bad configuration or usage) so tests can run them in-process.
import type { Readable, Writable } from 'node:stream';

export interface CommandIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
}

export interface Command {
  /** Words that select the command, e.g. ['stix', 'id']. */
  path: readonly string[];
  summary: string;
  usage: string;
  run(args: readonly string[], io: CommandIo): Promise<number>;
}

/** Writes a whole text to a stream and waits until it is flushed (back-pressure aware). */
export function write(stream: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (stream.write(text)) resolve();
    else {
      stream.once('drain', resolve);
      stream.once('error', reject);
    }
  });
}
