import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { sharedPath } from '@opencti-ts/testing';
import { describe, expect, it } from 'vitest';
import { type StixProblem, validateStixBundle, validateStixObject } from './validate.ts';

const IDENTITY = 'identity--8ce3f695-d5a4-4dc8-9e93-a65af453a31a';
const MALWARE = 'malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b';
const GREEN = 'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da';
const T = '2024-01-15T10:00:00.000Z';

const malware = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  type: 'malware',
  spec_version: '2.1',
  id: MALWARE,
  created: T,
  modified: T,
  name: 'Emotet',
  is_family: true,
  ...extra,
});
const codes = (problems: readonly StixProblem[]) => problems.map((problem) => `${problem.severity} ${problem.code} ${problem.path}`);

function loadJson(...segments: string[]): unknown {
  const located = sharedPath(...segments);
  return located.available ? JSON.parse(readFileSync(located.path, 'utf8')) : undefined;
}

describe('validateStixObject', () => {
  it('accepts a well-formed object', () => {
    expect(validateStixObject(malware({ created_by_ref: IDENTITY, object_marking_refs: [GREEN], labels: ['trojan'], confidence: 80 }))).toEqual([]);
  });

  it.each([
    ['id of another type', { id: IDENTITY }, 'error ID_TYPE_MISMATCH $.id'],
    ['id without uuid', { id: 'malware--emotet' }, 'error BAD_ID $.id'],
    ['missing id', { id: undefined }, 'error REQUIRED $.id'],
    ['STIX 2.0 (no spec_version)', { spec_version: undefined }, 'error REQUIRED $.spec_version'],
    ['wrong spec_version', { spec_version: '2.0' }, 'error BAD_SPEC_VERSION $.spec_version'],
    ['missing modified', { modified: undefined }, 'error REQUIRED $.modified'],
    ['missing is_family', { is_family: undefined }, 'error REQUIRED $.is_family'],
    ['timestamp with offset', { modified: '2024-01-15T10:00:00.000+01:00' }, 'error BAD_TIMESTAMP $.modified'],
    ['timestamp without time', { created: '2024-01-15', modified: '2024-01-15' }, 'error BAD_TIMESTAMP $.created'],
    ['impossible date', { first_seen: '2024-02-31T00:00:00Z' }, 'error BAD_TIMESTAMP $.first_seen'],
    ['created without milliseconds', { created: '2024-01-15T10:00:00Z' }, 'warning TIMESTAMP_PRECISION $.created'],
    ['modified before created', { modified: '2023-01-15T10:00:00.000Z' }, 'error BAD_TIME_ORDER $.modified'],
    ['created_by_ref to a malware', { created_by_ref: MALWARE }, 'error BAD_REF_TYPE $.created_by_ref'],
    ['created_by_ref not an id', { created_by_ref: 'identity--not-available' }, 'error BAD_REF $.created_by_ref'],
    ['marking ref to an identity', { object_marking_refs: [GREEN, IDENTITY] }, 'error BAD_REF_TYPE $.object_marking_refs[1]'],
    [
      'granular marking to an identity',
      { granular_markings: [{ marking_ref: IDENTITY, selectors: ['name'] }] },
      'error BAD_REF_TYPE $.granular_markings[0].marking_ref',
    ],
    ['confidence out of range', { confidence: 101 }, 'error BAD_VALUE $.confidence'],
    ['score not an integer', { x_opencti_score: 5.5 }, 'error BAD_VALUE $.x_opencti_score'],
    ['null property', { description: null }, 'error NULL_VALUE $.description'],
    ['empty list', { aliases: [] }, 'warning EMPTY_LIST $.aliases'],
    ['external reference without source', { external_references: [{ url: 'https://x.example' }] }, 'error REQUIRED $.external_references[0].source_name'],
    ['kill chain phase without phase', { kill_chain_phases: [{ kill_chain_name: 'mitre-attack' }] }, 'error REQUIRED $.kill_chain_phases[0].phase_name'],
    ['bad property name', { 'x-opencti-foo': 1 }, "warning BAD_PROPERTY_NAME $['x-opencti-foo']"],
  ])('reports %s', (_name, change, expected) => {
    const obj = malware(change);
    for (const [key, value] of Object.entries(change)) if (value === undefined) delete obj[key];
    expect(codes(validateStixObject(obj))).toContain(expected);
  });

  it.each([
    [
      'relationship to a marking',
      { type: 'relationship', id: 'relationship--e8b3b9e6-2c1c-4d2b-8c1a-5f0b5a6f2d11', relationship_type: 'uses', source_ref: MALWARE, target_ref: GREEN },
      'error BAD_REF_TYPE $.target_ref',
    ],
    [
      'relationship without target',
      { type: 'relationship', id: 'relationship--e8b3b9e6-2c1c-4d2b-8c1a-5f0b5a6f2d11', relationship_type: 'uses', source_ref: MALWARE },
      'error REQUIRED $.target_ref',
    ],
    [
      'stop_time before start_time',
      {
        type: 'relationship',
        id: 'relationship--e8b3b9e6-2c1c-4d2b-8c1a-5f0b5a6f2d11',
        relationship_type: 'uses',
        source_ref: MALWARE,
        target_ref: IDENTITY,
        start_time: '2024-01-02T00:00:00Z',
        stop_time: '2024-01-01T00:00:00Z',
      },
      'error BAD_TIME_ORDER $.stop_time',
    ],
    [
      'sighting where_sighted_refs to a malware',
      { type: 'sighting', id: 'sighting--e8b3b9e6-2c1c-4d2b-8c1a-5f0b5a6f2d11', sighting_of_ref: MALWARE, where_sighted_refs: [MALWARE] },
      'error BAD_REF_TYPE $.where_sighted_refs[0]',
    ],
    [
      'indicator with a broken STIX pattern',
      { type: 'indicator', id: 'indicator--e8b3b9e6-2c1c-4d2b-8c1a-5f0b5a6f2d11', pattern: "[file:name = 'x'", pattern_type: 'stix', valid_from: T },
      'error BAD_PATTERN $.pattern',
    ],
    [
      'indicator without valid_from',
      { type: 'indicator', id: 'indicator--e8b3b9e6-2c1c-4d2b-8c1a-5f0b5a6f2d11', pattern: 'rule x {}', pattern_type: 'yara' },
      'error REQUIRED $.valid_from',
    ],
    ['location without place', { type: 'location', id: 'location--e8b3b9e6-2c1c-4d2b-8c1a-5f0b5a6f2d11', name: 'Paris' }, 'error REQUIRED $.region'],
    [
      'report without object_refs',
      { type: 'report', id: 'report--e8b3b9e6-2c1c-4d2b-8c1a-5f0b5a6f2d11', name: 'r', published: T },
      'error REQUIRED $.object_refs',
    ],
  ])('reports %s', (_name, obj, expected) => {
    expect(codes(validateStixObject({ spec_version: '2.1', created: T, modified: T, ...obj }))).toContain(expected);
  });

  it.each([
    [
      'network-traffic src_ref to a file',
      {
        type: 'network-traffic',
        id: 'network-traffic--e8b3b9e6-2c1c-4d2b-8c1a-5f0b5a6f2d11',
        protocols: ['tcp'],
        src_ref: 'file--e8b3b9e6-2c1c-4d2b-8c1a-5f0b5a6f2d11',
      },
      'error BAD_REF_TYPE $.src_ref',
    ],
    [
      'email-message from_ref to a url',
      {
        type: 'email-message',
        id: 'email-message--e8b3b9e6-2c1c-4d2b-8c1a-5f0b5a6f2d11',
        is_multipart: false,
        from_ref: 'url--e8b3b9e6-2c1c-4d2b-8c1a-5f0b5a6f2d11',
      },
      'error BAD_REF_TYPE $.from_ref',
    ],
    [
      'abbreviated registry hive',
      { type: 'windows-registry-key', id: 'windows-registry-key--e8b3b9e6-2c1c-4d2b-8c1a-5f0b5a6f2d11', key: 'HKLM\\Run' },
      'warning ABBREVIATED_HIVE $.key',
    ],
    ['hostname without value', { type: 'hostname', id: 'hostname--e8b3b9e6-2c1c-4d2b-8c1a-5f0b5a6f2d11' }, 'error REQUIRED $.value'],
    ['file without name or hashes', { type: 'file', id: 'file--e8b3b9e6-2c1c-4d2b-8c1a-5f0b5a6f2d11', size: 3 }, 'error REQUIRED $.hashes'],
    [
      'observable author not an identity',
      { type: 'url', id: 'url--e8b3b9e6-2c1c-4d2b-8c1a-5f0b5a6f2d11', value: 'http://x/', x_opencti_created_by_ref: MALWARE },
      'error BAD_REF_TYPE $.x_opencti_created_by_ref',
    ],
  ])('reports %s on observables', (_name, obj, expected) => {
    expect(codes(validateStixObject(obj))).toContain(expected);
  });

  it('needs no spec_version, created or modified on an observable', () => {
    expect(validateStixObject({ type: 'ipv4-addr', id: 'ipv4-addr--e8b3b9e6-2c1c-4d2b-8c1a-5f0b5a6f2d11', value: '192.0.2.1' })).toEqual([]);
  });

  it('names the object id and a path under the given prefix', () => {
    expect(validateStixObject(malware({ created_by_ref: MALWARE }), { path: '$.objects[7]' })).toEqual([
      {
        severity: 'error',
        code: 'BAD_REF_TYPE',
        objectId: MALWARE,
        path: '$.objects[7].created_by_ref',
        message: 'created_by_ref must reference identity, not malware',
      },
    ]);
  });
});

describe('validateStixBundle', () => {
  const bundle = (objects: unknown[]) => ({ type: 'bundle', id: 'bundle--5d0092c5-5f74-4287-9642-33f4c354e56d', objects });

  it('warns about references to objects the bundle lacks, but not about the predefined TLP markings', () => {
    const problems = validateStixBundle(bundle([malware({ created_by_ref: IDENTITY, object_marking_refs: [GREEN] })]));
    expect(problems).toEqual([
      {
        severity: 'warning',
        code: 'DANGLING_REF',
        objectId: MALWARE,
        path: '$.objects[0].created_by_ref',
        message: `created_by_ref ${IDENTITY} is not in the bundle`,
      },
    ]);
  });

  it('warns about the same object version twice', () => {
    expect(codes(validateStixBundle(bundle([malware(), malware()])))).toEqual(['warning DUPLICATE $.objects[1].id']);
    expect(validateStixBundle(bundle([malware(), malware({ modified: '2024-02-01T00:00:00.000Z' })]))).toEqual([]);
  });

  it.each([
    ['not a bundle', { type: 'report', id: 'bundle--5d0092c5-5f74-4287-9642-33f4c354e56d', objects: [] }, 'error BAD_TYPE $.type'],
    ['bad id', { type: 'bundle', id: 'bundle--x', objects: [] }, 'error BAD_ID $.id'],
    ['objects not a list', { type: 'bundle', id: 'bundle--5d0092c5-5f74-4287-9642-33f4c354e56d', objects: {} }, 'error BAD_VALUE $.objects'],
  ])('checks the envelope: %s', (_name, value, expected) => {
    expect(codes(validateStixBundle(value))).toContain(expected);
  });
});

/** The files of a shared folder, recursively. */
function jsonFiles(...segments: string[]): string[] {
  const located = sharedPath(...segments);
  if (!located.available) return [];
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? walk(full) : name.endsWith('.json') ? [full] : [];
    });
  return walk(located.path);
}

function problemsOf(data: unknown): StixProblem[] {
  if (Array.isArray(data)) return data.flatMap((obj, index) => validateStixObject(obj, { path: `$[${index}]` }));
  return (data as { type?: unknown }).type === 'bundle' ? validateStixBundle(data) : validateStixObject(data);
}

describe('conformance with the OASIS and python-stix2 examples', () => {
  const conformant = [
    ...jsonFiles('data/stix21/examples/cti-documentation'),
    ...jsonFiles('data/stix21/examples/oasis-json-schemas'),
    ...jsonFiles('data/stix21/examples/python-stix2'),
  ];
  it.skipIf(conformant.length === 0).each(conformant.map((file) => [path.relative(path.dirname(path.dirname(path.dirname(file))), file), file]))(
    '%s has no errors',
    (_name, file) => {
      const errors = problemsOf(JSON.parse(readFileSync(file, 'utf8'))).filter((problem) => problem.severity === 'error');
      expect(errors).toEqual([]);
    },
  );

  it.skipIf(conformant.length === 0)('the complete OASIS example bundles are self-contained (no warnings at all)', () => {
    for (const name of ['apt1.json', 'poisonivy.json', 'sighting-of-observed-data.json', 'using-marking-definitions.json'])
      expect(validateStixBundle(loadJson('data/stix21/examples/cti-documentation', name))).toEqual([]);
  });
});

describe('edge cases the validator must catch', () => {
  const cases: [string, string[], string[]][] = [
    ['stix-validator/v21/invalid_identity.json', ['error REQUIRED $.modified'], []],
    ['stix-validator/v21/invalid_timestamp.json', ['error BAD_TIME_ORDER $.modified'], []],
    ['stix-validator/v20/identity_custom.json', ['error REQUIRED $.objects[0].spec_version'], []],
    ['stix-validator/v21/identity.json', [], []],
    ['stix-validator/v21/identity_unicode.json', [], []],
    ['stix-validator/v21/tool.json', [], []],
    [
      'opencti-client-python/missing_refs.json',
      ['error BAD_REF $.objects[2].created_by_ref', 'error BAD_REF $.objects[3].created_by_ref'],
      ['warning DANGLING_REF $.objects[3].target_ref'],
    ],
    [
      'opencti-client-python/cyclic-bundle.json',
      ['error BAD_REF_TYPE $.objects[0].created_by_ref'],
      ['warning DUPLICATE $.objects[1].id', 'warning DANGLING_REF $.objects[4].target_ref'],
    ],
    ['opencti-client-python/bundle_ids_sample.json', ['error BAD_REF_TYPE $.objects[2].created_by_ref'], ['warning DANGLING_REF $.objects[3].object_refs[0]']],
  ];
  const available = sharedPath('data/stix21/edge-cases').available;
  it.skipIf(!available).each(cases)('%s', (file, errors, warnings) => {
    const found = codes(problemsOf(loadJson('data/stix21/edge-cases', file)));
    for (const expected of [...errors, ...warnings]) expect(found).toContain(expected);
    if (errors.length === 0) expect(found.filter((line) => line.startsWith('error'))).toEqual([]);
  });
});
