import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError, isOpenCtiTsError } from '@opencti-ts/sdk/errors';
import { validateStixObject } from '@opencti-ts/sdk/stix';
import { validateStixWithOasis } from '@opencti-ts/testing';
import { describe, expect, it } from 'vitest';
import { readFileContent } from '../read.ts';
import { contextContainer, planImport, type StixObject, summariseProblems, upgradeTo21 } from './bundle.ts';

const fixture = (name: string) => path.join(import.meta.dirname, '../../test/fixtures', name);
const objectsOf = (name: string) => (JSON.parse(readFileSync(fixture(name), 'utf8')) as { objects: StixObject[] }).objects;
const entityReport = JSON.parse(readFileSync(fixture('entity-report.json'), 'utf8')) as StixObject;

function expectValid(objects: readonly StixObject[]) {
  for (const object of objects) {
    expect(
      validateStixObject(object).filter((problem) => problem.severity === 'error'),
      object.id,
    ).toEqual([]);
    expect(validateStixWithOasis(object), object.id).toEqual([]);
  }
}

describe('reading a file: what is kept, what is reported', () => {
  it.each([
    { file: 'valid-21.json', kept: 5, upgraded: 0, rejected: [] as string[], dangling: [] as string[] },
    { file: 'stix20.json', kept: 4, upgraded: 4, rejected: [], dangling: [] },
    { file: 'containers.json', kept: 5, upgraded: 0, rejected: [], dangling: [] },
    {
      file: 'invalid-and-dangling.json',
      kept: 3,
      upgraded: 0,
      rejected: ['identity--0d1e2f3a-4b5c-4d6e-9f7a-8b9c0d1e2f01', 'indicator--4b5c6d7e-8f9a-4b0c-9d1e-2f3a4b5c6d01'],
      dangling: ['relationship--1e2f3a4b-5c6d-4e7f-8a8b-9c0d1e2f3a01', 'relationship--3a4b5c6d-7e8f-4a9b-8c0d-1e2f3a4b5c01'],
    },
  ])('$file', async ({ file, kept, upgraded, rejected, dangling }) => {
    const input = objectsOf(file);
    const content = await readFileContent(fixture(file));
    expect(content.objects).toHaveLength(kept);
    expect(content.upgraded).toBe(upgraded);
    expect(content.problems.map((problem) => problem.objectId)).toEqual(rejected);
    expect(content.dangling.map((problem) => problem.objectId)).toEqual(dangling);
    // Passed through: same ids, in file order, and nothing but 2.0 → 2.1 changed.
    const inputIds = input.map((object) => object.id).filter((id) => !rejected.includes(id));
    expect(content.objects.map((object) => object.id)).toEqual(inputIds);
    if (upgraded === 0) expect(content.objects).toEqual(input.filter((object) => !rejected.includes(object.id)));
    expectValid(content.objects);
  });

  it('names why each object was rejected, with its JSON path', async () => {
    const content = await readFileContent(fixture('invalid-and-dangling.json'));
    expect(content.problems[0]?.detail).toBe('REQUIRED $.objects[1].name: name is required for identity');
    expect(content.problems[1]?.detail).toMatch(/^BAD_PATTERN \$\.objects\[4\]\.pattern: STIX pattern: /);
    expect(content.dangling.map((problem) => problem.detail)).toEqual([
      'target_ref intrusion-set--2f3a4b5c-6d7e-4f8a-9b9c-0d1e2f3a4b01 is not in the file',
      'target_ref identity--0d1e2f3a-4b5c-4d6e-9f7a-8b9c0d1e2f01 is invalid, not imported',
    ]);
  });

  it.each([
    { file: 'truncated.json', code: 'STIX_JSON_INVALID', message: /^Malformed STIX bundle JSON at byte offset \d+: unexpected end of input/ },
    { file: 'entity-report.json', code: 'STIX_BUNDLE_INVALID', message: /^File data is not a valid bundle/ },
  ])('$file fails with $code', async ({ file, code, message }) => {
    const error = await readFileContent(fixture(file)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InputError);
    expect(isOpenCtiTsError(error) && error.code).toBe(code);
    expect((error as Error).message).toMatch(message);
  });
});

describe('STIX 2.0 → 2.1', () => {
  it.each([
    { name: 'malware gets is_family', input: { type: 'malware', id: 'malware--x', created: 't' }, added: { spec_version: '2.1', is_family: true } },
    {
      name: 'indicator gets the stix pattern type',
      input: { type: 'indicator', id: 'indicator--x', created: 't' },
      added: { spec_version: '2.1', pattern_type: 'stix' },
    },
    { name: 'an explicit is_family is kept', input: { type: 'malware', id: 'malware--x', created: 't', is_family: false }, added: { spec_version: '2.1' } },
    { name: 'other types only get spec_version', input: { type: 'identity', id: 'identity--x', created: 't' }, added: { spec_version: '2.1' } },
  ])('$name', ({ input, added }) => {
    expect(upgradeTo21(input)).toEqual({ ...input, ...added });
  });

  it.each([
    { name: 'a 2.1 object', input: { type: 'tool', id: 'tool--x', created: 't', spec_version: '2.1' } },
    { name: 'an SCO (no created)', input: { type: 'ipv4-addr', id: 'ipv4-addr--x', value: '198.51.100.1' } },
  ])('leaves $name alone', ({ input }) => {
    expect(upgradeTo21(input)).toBeNull();
  });
});

describe('the entity the file was imported on', () => {
  const plain = objectsOf('valid-21.json');
  const withContainers = objectsOf('containers.json');

  it.each([
    { name: 'report, no container in the file: every object', entity: entityReport, objects: plain, refs: plain.map((o) => o.id) },
    {
      name: 'report, containers in the file: each container then its refs',
      entity: entityReport,
      objects: withContainers,
      refs: [
        'report--8f9a0b1c-2d3e-4f4a-9b5c-6d7e8f9a0b01',
        'tool--5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e01',
        'grouping--9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c01',
        'attack-pattern--6d7e8f9a-0b1c-4d2e-9f3a-4b5c6d7e8f01',
      ],
    },
    {
      name: 'case-incident (new spelling)',
      entity: { ...entityReport, type: 'case-incident', id: 'case-incident--0b1c2d3e-4f5a-4b6c-9d7e-8f9a0b1c2d01' },
      objects: plain,
      refs: plain.map((o) => o.id),
    },
    {
      name: 'x-opencti-case-rfi (old spelling)',
      entity: { ...entityReport, type: 'x-opencti-case-rfi', id: 'x-opencti-case-rfi--0b1c2d3e-4f5a-4b6c-9d7e-8f9a0b1c2d01' },
      objects: plain,
      refs: plain.map((o) => o.id),
    },
  ])('$name', ({ entity, objects, refs }) => {
    const container = contextContainer(objects, entity);
    expect(container).toEqual({ ...entity, object_refs: refs });
  });

  it.each([
    { name: 'a non-container SDO', entity: { ...objectsOf('valid-21.json')[1] } as StixObject },
    { name: 'an observable', entity: { type: 'ipv4-addr', id: 'ipv4-addr--12592121-be4c-5a93-a813-5a5af16e50db', value: '198.51.100.7' } as StixObject },
    { name: 'an entity that could not be read', entity: null },
  ])('$name adds nothing', ({ entity }) => {
    expect(contextContainer(plain, entity)).toBeNull();
  });
});

describe('planning the import', () => {
  const content = (name: string) => readFileContent(fixture(name));

  it('keeps the file bundle id without context, and sends a new one with the context container', async () => {
    const file = await content('valid-21.json');
    const direct = planImport(file, { bundleId: file.bundleId });
    expect(direct.bundle).toEqual({ type: 'bundle', id: 'bundle--6f9b1b0e-2f0c-4c57-9a3d-1d5b2c3a4e01', objects: file.objects });
    const contextual = planImport(file, { bundleId: file.bundleId, entity: entityReport });
    expect(contextual.bundle.id).toMatch(/^bundle--[0-9a-f-]{36}$/);
    expect(contextual.bundle.id).not.toBe(file.bundleId);
    expect(contextual.bundle.objects.at(-1)).toMatchObject({ id: entityReport.id, object_refs: file.objects.map((o) => o.id) });
    expectValid(contextual.bundle.objects);
  });

  it('sends the valid objects and returns the problems; strict mode refuses the file', async () => {
    const file = await content('invalid-and-dangling.json');
    const plan = planImport(file, { bundleId: file.bundleId });
    expect(plan.bundle.objects).toHaveLength(3);
    expect(plan.problems).toHaveLength(4);
    expect(() => planImport(file, { bundleId: file.bundleId, strict: true })).toThrow(/^File rejected \(strict mode\): 2 invalid object\(s\) not imported/);
  });

  it('refuses a file with nothing valid', async () => {
    const file = { objects: [], problems: [{ objectId: 'identity--x', kind: 'rejected' as const, detail: 'REQUIRED name' }], dangling: [] };
    expect(() => planImport(file, {})).toThrow('Nothing to import: 1 invalid object(s) not imported (identity--x: REQUIRED name)');
    expect(() => planImport({ objects: [], problems: [], dangling: [] }, {})).toThrow('Nothing to import: the bundle is empty');
  });

  it('summarises at most 20 problems, with the count of the others', () => {
    const problems = Array.from({ length: 25 }, (_, index) => ({
      objectId: `tool--${index}`,
      kind: 'dangling' as const,
      detail: 'created_by_ref x is not in the file',
    }));
    const summary = summariseProblems(problems);
    expect(summary).toMatch(/^25 reference\(s\) to objects absent from the file \(tool--0: /);
    expect(summary).toContain('tool--19:');
    expect(summary).not.toContain('tool--20:');
    expect(summary).toMatch(/… and 5 more\)$/);
  });
});
