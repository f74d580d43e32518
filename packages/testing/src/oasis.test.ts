import { describe, expect, it } from 'vitest';
import { oasisSchemasAvailable, validateStixWithOasis } from './oasis.ts';

const T = '2024-01-15T10:00:00.000Z';
const identity = { type: 'identity', spec_version: '2.1', id: 'identity--8ce3f695-d5a4-4dc8-9e93-a65af453a31a', created: T, modified: T, name: 'ACME' };

describe.skipIf(!oasisSchemasAvailable())('validateStixWithOasis', () => {
  it('accepts valid standard and custom objects', () => {
    expect(validateStixWithOasis(identity)).toEqual([]);
    expect(validateStixWithOasis({ ...identity, x_opencti_reliability: 'A' })).toEqual([]);
    // Custom SCO (OpenCTI hostname) against cyber-observable-core; custom SDO against core.
    expect(
      validateStixWithOasis({ type: 'hostname', spec_version: '2.1', id: 'hostname--8ce3f695-d5a4-5dc8-9e93-a65af453a31a', value: 'x', x_opencti_score: 5 }),
    ).toEqual([]);
    expect(
      validateStixWithOasis({
        type: 'x-mitre-tactic',
        spec_version: '2.1',
        id: 'x-mitre-tactic--8ce3f695-d5a4-4dc8-9e93-a65af453a31a',
        created: T,
        modified: T,
      }),
    ).toEqual([]);
  });

  it.each([
    ['a missing required property', { ...identity, name: undefined }, "must have required property 'name'"],
    ['a timestamp without milliseconds on created', { ...identity, created: '2024-01-15T10:00:00Z' }, '/created'],
    ['a null custom property', { ...identity, x_opencti_score: null }, '/x_opencti_score'],
    ['an id that is not a uuid', { ...identity, id: 'identity--x' }, '/id'],
    ['a custom SDO without modified', { type: 'x-foo', spec_version: '2.1', id: 'x-foo--8ce3f695-d5a4-4dc8-9e93-a65af453a31a', created: T }, "'modified'"],
  ])('reports %s', (_name, obj, fragment) => {
    const problems = validateStixWithOasis(JSON.parse(JSON.stringify(obj)));
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).toContain(fragment);
  });

  it('checks a bundle envelope and names the failing object', () => {
    const problems = validateStixWithOasis({ type: 'bundle', id: 'bundle--x', objects: [identity, { ...identity, name: 5 }] });
    expect(problems.some((line) => line.startsWith('bundle /id'))).toBe(true);
    expect(problems.some((line) => line.startsWith('objects[1] identity--8ce3f695-d5a4-4dc8-9e93-a65af453a31a /name'))).toBe(true);
    expect(problems.some((line) => line.startsWith('objects[0]'))).toBe(false);
  });
});
