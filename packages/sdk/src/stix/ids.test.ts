// Every vector of ../shared/data/vectors/stix-ids.json, computed by pycti 6.8.10 itself.
import { readFileSync } from 'node:fs';
import { sharedPath } from '@opencti-ts/testing';
import { describe, expect, it } from 'vitest';
import { fixedFakeReportId, generateId, idCanonicalText, type StixLike } from './ids.ts';

interface Vector {
  type: string;
  function: string;
  input: Record<string, unknown>;
  id: string | null;
  canonical: string | null;
  note?: string;
}

const vectorsFile = sharedPath('data/vectors/stix-ids.json');
const vectors: Vector[] = vectorsFile.available ? JSON.parse(readFileSync(vectorsFile.path, 'utf8')) : [];

/** `{"$datetime": text}` stands for a Python datetime, which pycti turns into `text`. */
function unwrapDatetimes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapDatetimes);
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record.$datetime === 'string' && Object.keys(record).length === 1) return record.$datetime;
    return Object.fromEntries(Object.entries(record).map(([key, inner]) => [key, unwrapDatetimes(inner)]));
  }
  return value;
}

/** Turns pycti's keyword arguments into the STIX-shaped object `generateId` reads. */
function asStixObject(vector: Vector): StixLike {
  const input = unwrapDatetimes(vector.input) as Record<string, unknown>;
  if (vector.function.endsWith('_from_data')) return { ...(input.data as Record<string, unknown>), type: vector.type };
  const { opencti_type, object_ids, ...rest } = input;
  const obj: StixLike = { ...rest, type: vector.type };
  if (vector.function.startsWith('ThreatActorGroup.')) obj.x_opencti_type = 'Threat-Actor-Group';
  if (vector.function.startsWith('ThreatActorIndividual.')) obj.x_opencti_type = 'Threat-Actor-Individual';
  if (opencti_type !== undefined) obj.x_opencti_type = opencti_type;
  if (object_ids !== undefined) obj.object_refs = object_ids;
  // The keyword form hashes any non-None x_mitre_id, even ''; the data form falls back to
  // x_opencti_external_id on a falsy one. Passing both says "exactly this x_mitre_id".
  if (vector.function === 'AttackPattern.generate_id' && rest.x_mitre_id !== undefined) obj.x_opencti_external_id = rest.x_mitre_id;
  return obj;
}

describe.skipIf(!vectorsFile.available)('deterministic ids match pycti', () => {
  it('has all 286 vectors', () => {
    expect(vectors).toHaveLength(286);
  });

  it.each(vectors.map((vector, index) => [index, vector.function, vector] as const))('#%i %s', (_index, _fn, vector) => {
    if (vector.function === 'Report.generate_fixed_fake_id') {
      const input = vector.input as { name: string; published?: string };
      expect(fixedFakeReportId(input.name, input.published)).toBe(vector.id);
      return;
    }
    const obj = asStixObject(vector);
    expect(generateId(obj)).toBe(vector.id);
    if (vector.canonical !== null) expect(idCanonicalText(obj)).toBe(vector.canonical);
  });
});

describe('ids beyond the vectors', () => {
  it.each([
    ['random v4 for an observable without contributing property', { type: 'process', pid: 4 }, /^process--[0-9a-f-]{36}$/],
    ['an alias type keeps the generator prefix', { type: 'x-opencti-task', name: 'T', created: null }, /^task--/],
  ])('%s', (_title, obj, pattern) => {
    expect(generateId(obj)).toMatch(pattern);
  });

  it('rejects a type without an id generator with a typed error', () => {
    expect(() => generateId({ type: 'x-mitre-tactic', name: 'x' })).toThrowError(expect.objectContaining({ code: 'STIX_ID_UNSUPPORTED_TYPE' }));
  });

  it('names the missing property', () => {
    expect(() => generateId({ type: 'malware' })).toThrowError(/"name"/);
  });
});
