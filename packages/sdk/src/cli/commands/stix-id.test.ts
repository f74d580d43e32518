// `opencti-ts stix id` against every pycti id vector, fed as JSON lines on stdin.
import { readFileSync } from 'node:fs';
import { runInProcess, sharedPath } from '@opencti-ts/testing';
import { describe, expect, it } from 'vitest';
import { runCli } from '../main.ts';

const stixId = (stdinText: string, args: string[] = []) => runInProcess(runCli, ['stix', 'id', ...args], { stdin: stdinText });

interface Vector {
  type: string;
  function: string;
  input: Record<string, unknown>;
  id: string | null;
}

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

/** The STIX-shaped line a user would write for pycti's keyword arguments. */
function asLine(vector: Vector): Record<string, unknown> {
  const input = unwrapDatetimes(vector.input) as Record<string, unknown>;
  if (vector.function.endsWith('_from_data')) return { ...(input.data as Record<string, unknown>), type: vector.type };
  const { opencti_type, object_ids, ...rest } = input;
  const obj: Record<string, unknown> = { ...rest, type: vector.type };
  if (vector.function.startsWith('ThreatActorGroup.')) obj.x_opencti_type = 'Threat-Actor-Group';
  if (vector.function.startsWith('ThreatActorIndividual.')) obj.x_opencti_type = 'Threat-Actor-Individual';
  if (opencti_type !== undefined) obj.x_opencti_type = opencti_type;
  if (object_ids !== undefined) obj.object_refs = object_ids;
  if (vector.function === 'AttackPattern.generate_id' && rest.x_mitre_id !== undefined) obj.x_opencti_external_id = rest.x_mitre_id;
  return obj;
}

const vectorsFile = sharedPath('data/vectors/stix-ids.json');
const vectors: Vector[] = vectorsFile.available
  ? (JSON.parse(readFileSync(vectorsFile.path, 'utf8')) as Vector[]).filter((vector) => vector.function !== 'Report.generate_fixed_fake_id')
  : [];

describe.skipIf(!vectorsFile.available)('opencti-ts stix id on the pycti vectors', () => {
  it('prints every vector id in input order, and an error line for the one without id', async () => {
    expect(vectors.length).toBeGreaterThan(280);
    const { code, stdout } = await stixId(`${vectors.map((vector) => JSON.stringify(asLine(vector))).join('\n')}\n`);
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(vectors.length);
    lines.forEach((line, index) => {
      const expected = vectors[index]!.id;
      if (expected === null) expect(line).toMatch(/^error: /);
      else expect(line, `${vectors[index]!.function} ${JSON.stringify(vectors[index]!.input)}`).toBe(expected);
    });
    expect(code).toBe(1); // the external reference with only a source_name
  });
});

describe('opencti-ts stix id', () => {
  it('handles the pseudo types and CRLF input, skipping blank lines', async () => {
    const input = [
      '{"type":"malware","name":"Emotet"}',
      '',
      '{"type":"external-reference","url":"https://attack.mitre.org/techniques/T1059"}',
      '{"type":"kill-chain-phase","kill_chain_name":"mitre-attack","phase_name":"execution"}',
      '{"type":"label","value":"apt"}',
      '{"type":"vocabulary","name":"Ransomware","category":"malware_type_ov"}',
    ].join('\r\n');
    const { code, stdout } = await stixId(input);
    expect(code).toBe(0);
    expect(stdout.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^malware--[0-9a-f-]{36}$/),
      expect.stringMatching(/^external-reference--/),
      expect.stringMatching(/^kill-chain-phase--/),
      expect.stringMatching(/^label--/),
      expect.stringMatching(/^vocabulary--/),
    ]);
    expect(stdout.split('\n')[0]).toBe((await stixId('{"type": "malware", "name": "  EMOTET "}')).stdout.trimEnd());
  });

  it.each([
    ['not JSON', '{"type": ', 'error: not valid JSON'],
    ['an array', '[1]', 'error: not a JSON object'],
    ['no type', '{"name": "x"}', 'error: missing "type"'],
    ['an unknown type', '{"type": "x-mitre-tactic", "name": "x"}', 'error: no deterministic id is defined for type "x-mitre-tactic"'],
    ['a missing property', '{"type": "malware"}', 'error: malware: property "name" must be a string to compute the id'],
    ['an observable without id property', '{"type": "process", "pid": 4}', "error: no deterministic id: none of process's id properties is set (it has none)"],
    [
      'an external reference without url or external id',
      '{"type": "external-reference", "source_name": "x"}',
      'error: no id: the identifying properties of this external-reference are missing',
    ],
  ])('answers %s with an error line and exit 1', async (_title, line, expected) => {
    const { code, stdout } = await stixId(`{"type":"tool","name":"ok"}\n${line}\n`);
    expect(stdout.split('\n').slice(1, 2)).toEqual([expected]);
    expect(code).toBe(1);
  });

  it('rejects arguments', async () => {
    expect((await stixId('', ['extra'])).code).toBe(2);
  });
});
