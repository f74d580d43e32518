import { PassThrough, type Writable } from 'node:stream';
import { text as readText } from 'node:stream/consumers';

/** Runs a writer against an in-memory stream and returns what it wrote. */
export async function collect<T>(write: (out: Writable) => Promise<T>): Promise<{ text: string; result: T }> {
  const out = new PassThrough();
  const reading = readText(out);
  const result = await write(out);
  out.end();
  return { text: await reading, result };
}
