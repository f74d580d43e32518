// Conformance on every real file in ../shared/data/stix21 (OASIS, python-stix2, OpenCTI and
// validator examples and edge cases): a bundle is read with its objects' ids unchanged,
// every kept object is valid STIX 2.1 (the SDK's validator and the OASIS schemas), every
// left-out object is reported; anything that is not a bundle fails with a clear error.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { isOpenCtiTsError } from '@opencti-ts/sdk/errors';
import { validateStixObject } from '@opencti-ts/sdk/stix';
import { sharedPath, validateStixWithOasis } from '@opencti-ts/testing';
import { describe, expect, it } from 'vitest';
import { planImport, type StixObject } from '../src/convert/bundle.ts';
import { readFileContent } from '../src/read.ts';

const root = sharedPath('data/stix21');

function jsonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return jsonFiles(full);
    return name.endsWith('.json') ? [full] : [];
  });
}

/**
 * Objects of OpenCTI's own test data that the OASIS schemas refuse but the platform imports:
 * passed through as they are (the connector checks with the SDK's validator, whose errors are
 * what the platform cannot take). Listed one by one so any other OASIS failure fails the test.
 */
const OASIS_DEVIATIONS: Readonly<Record<string, string>> = {
  'observed-data--7d258c31-9a26-4543-aecb-2abc5ed366be': 'both the deprecated `objects` and `object_refs`, which points at a malware',
  'relationship--c32d553c-e22f-40ce-93e6-eb62dd145f3b': 'an OpenCTI relationship whose target is another relationship',
  'relationship--8d2200a8-f9ef-4345-95d1-ba3ed49606f9': 'an OpenCTI relationship whose target is another relationship',
  'relationship--eedcea8f-a464-4977-955c-5113aa3c0896': 'an OpenCTI relationship whose target is another relationship',
};

const files = root.available ? ['examples', 'edge-cases'].flatMap((dir) => jsonFiles(path.join(root.path, dir))) : [];

/** What the file is, judged independently of the connector's reader. */
function shapeOf(file: string): 'bundle' | 'not-json' | 'other' {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return typeof parsed === 'object' && parsed !== null && (parsed as { type?: unknown }).type === 'bundle' ? 'bundle' : 'other';
  } catch {
    return 'not-json';
  }
}

describe.skipIf(files.length === 0)('real STIX files', () => {
  it('covers every kind of input', () => {
    const shapes = new Set(files.map(shapeOf));
    expect(shapes).toEqual(new Set(['bundle', 'not-json', 'other']));
  });

  it.each(files.map((file) => [path.relative(root.available ? root.path : '', file), file]))('%s', async (_name, file) => {
    const shape = shapeOf(file);
    if (shape !== 'bundle') {
      const error = await readFileContent(file).catch((caught: unknown) => caught);
      expect(isOpenCtiTsError(error) && error.kind).toBe('input');
      // Not JSON fails as malformed, or as "not a bundle" when its first byte is no `{`.
      const codes = shape === 'not-json' ? ['STIX_JSON_INVALID', 'STIX_BUNDLE_INVALID'] : ['STIX_BUNDLE_INVALID'];
      expect(codes).toContain(isOpenCtiTsError(error) && error.code);
      expect((error as Error).message).toMatch(/^(Malformed STIX bundle JSON at byte offset \d+|File data is not a valid bundle)/);
      return;
    }
    const input = (JSON.parse(readFileSync(file, 'utf8')) as { id: string; objects: StixObject[] }).objects;
    const content = await readFileContent(file);
    // Every object is either kept (same id, in order) or reported with its id.
    expect(content.objects.length + content.problems.length).toBe(input.length);
    const reported = new Set(content.problems.map((problem) => problem.objectId));
    expect(content.objects.map((object) => object.id)).toEqual(input.map((object) => object.id).filter((id) => !reported.has(id)));
    for (const object of content.objects) {
      const errors = validateStixObject(object).filter((problem) => problem.severity === 'error');
      expect(errors, `${object.id}: ${JSON.stringify(errors)}`).toEqual([]);
      if (!OASIS_DEVIATIONS[object.id]) expect(validateStixWithOasis(object), object.id).toEqual([]);
    }
    if (content.objects.length > 0) {
      const plan = planImport(content, { bundleId: content.bundleId });
      expect(plan.bundle.objects).toBe(content.objects);
      expect(plan.problems).toHaveLength(content.problems.length + content.dangling.length);
    }
  });

  it('reads the OASIS Poison Ivy report whole: 155 valid objects, nothing to report', async () => {
    const file = path.join(root.available ? root.path : '', 'examples/cti-documentation/poisonivy.json');
    const content = await readFileContent(file);
    expect(content.objects).toHaveLength(155);
    expect(content.problems).toEqual([]);
    expect(content.dangling).toEqual([]);
  });

  it('reports the dangling references of the pycti edge case with their object ids', async () => {
    const file = path.join(root.available ? root.path : '', 'edge-cases/opencti-client-python/bundle_ids_sample.json');
    const content = await readFileContent(file);
    expect(content.dangling.map((problem) => `${problem.objectId} ${problem.detail}`)).toContainEqual(
      expect.stringMatching(/^report--\S+ object_refs observed-data--\S+ (is not in the file|is invalid, not imported)$/),
    );
  });
});
