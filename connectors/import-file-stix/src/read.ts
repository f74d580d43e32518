// Reading an uploaded file: streamed through the SDK's bundle reader (the text is never held
// whole, so a 500 MB file is not in memory twice), each object checked as it arrives.
import { type BundleSource, type ReadBundleOptions, readStixBundle } from '@opencti-ts/sdk/stix';
import { ImportCollector, type ImportProblem, type StixObject } from './convert/bundle.ts';

export interface FileContent {
  bundleId: string | undefined;
  /** The objects that passed validation (STIX 2.0 ones upgraded), in file order. */
  objects: StixObject[];
  /** Objects left out, with the reasons. */
  problems: ImportProblem[];
  /** References from the kept objects to objects the file does not contain. */
  dangling: ImportProblem[];
  read: number;
  upgraded: number;
}

/** Reads a STIX bundle; malformed JSON or a non-bundle fails with an InputError naming the byte offset. */
export async function readFileContent(source: BundleSource, options: ReadBundleOptions = {}): Promise<FileContent> {
  const reader = readStixBundle(source, options);
  const collector = new ImportCollector();
  let index = 0;
  for await (const object of reader) {
    collector.add(object, index);
    index += 1;
  }
  return {
    bundleId: reader.bundleId,
    objects: collector.objects,
    problems: collector.problems,
    dangling: collector.danglingReferences(),
    read: collector.read,
    upgraded: collector.upgraded,
  };
}
