// One benchmark measurement, run in a fresh process by run.ts: read + split (+ the JSON
// texts a publisher sends) of one shared bundle; prints a JSON line with times and the
// process's peak RSS.
import { readStixBundle } from '../src/stix/reader.ts';
import { serializeSplitBundle, splitObjects } from '../src/stix/splitter.ts';

export interface Measurement {
  readMs: number;
  splitMs: number;
  serializeMs: number;
  totalMs: number;
  /** Whole-process peak RSS once read + split are done (the goal's scope). */
  peakMiB: number;
  /** Whole-process peak RSS after serializing every bundle too. */
  peakSerializedMiB: number;
  objects: number;
  bundles: number;
  outputMiB: number;
}

export async function measure(file: string): Promise<Measurement> {
  const start = performance.now();
  const reader = readStixBundle(file);
  const objects: unknown[] = [];
  for await (const object of reader) objects.push(object);
  const read = performance.now();
  const result = splitObjects(objects, { bundleId: reader.bundleId });
  const split = performance.now();
  const peakMiB = process.resourceUsage().maxRSS / 1024;
  // What pycti's split also produces: one JSON text per bundle (sent one by one, so not kept).
  let outputBytes = 0;
  for (const bundle of result.bundles) outputBytes += serializeSplitBundle(bundle).length;
  const serialized = performance.now();
  return {
    readMs: read - start,
    splitMs: split - read,
    serializeMs: serialized - split,
    totalMs: serialized - start,
    peakMiB,
    peakSerializedMiB: process.resourceUsage().maxRSS / 1024,
    objects: objects.length,
    bundles: result.expectations,
    outputMiB: outputBytes / 1024 / 1024,
  };
}

const file = process.argv[2];
if (file !== undefined) process.stdout.write(`${JSON.stringify(await measure(file))}\n`);
