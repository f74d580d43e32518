// MISP_GUESS_THREAT_FROM_TAGS in the pure mapping (connectors.md §1.6.7 Guessing): which
// value a tag is looked up by, and what the converter does with the platform's answers it is
// given (a minimal object of the found type under its canonical name, before the prefix rules,
// never twice under one name, never for a UUID name).
import { generateId } from '@opencti-ts/sdk/stix';
import { describe, expect, it } from 'vitest';
import { convertEvent, DEFAULT_CONVERT_OPTIONS } from './event.ts';
import type { MispEvent } from './model.ts';
import { guessValue, type ThreatGuess } from './tags.ts';

describe('guessValue', () => {
  it.each([
    ['misp-galaxy:threat-actor="APT 28"', 'APT 28'],
    ['Sofacy', 'Sofacy'],
    ['tlp:green', 'green'],
    ['mitre-attack:attack-pattern="T1566.001"', 'T1566.001'],
    ['misp-galaxy:mitre-attack-pattern="Spearphishing Attachment - T1566.001"', 'Spearphishing Attachment - T1566.001'],
    ['osint:source-type="blog-post"', 'blog-post'],
    ['country:"France"', 'France'],
    ['a=b:c', 'c'],
    ['ns: padded ', 'padded'],
    ['empty:', undefined],
    ['key=""', undefined],
  ])('%s is looked up as %s', (tag, value) => {
    expect(guessValue(tag)).toBe(value);
  });
});

const event: MispEvent = {
  uuid: '5e6b1a2c-0000-4000-8000-00000000c0de',
  info: 'Guessing',
  date: '2025-03-01',
  timestamp: '1740787200',
  threat_level_id: '2',
  Orgc: { name: 'CIRCL' },
  Tag: [{ name: 'Sofacy' }, { name: 'misp-galaxy:threat-actor="Fancy Bear"' }, { name: 'T1566.001' }, { name: 'tool:mimikatz' }],
  Attribute: [
    {
      uuid: '5e6b1a2c-0000-4000-8000-000000000001',
      type: 'ip-dst',
      category: 'Network activity',
      value: '198.51.100.23',
      to_ids: true,
      timestamp: '1740787200',
      Tag: [{ name: 'misp-galaxy:mitre-malware="X-Agent"' }],
    },
  ],
};

const guesses = new Map<string, ThreatGuess>([
  ['Sofacy', { kind: 'intrusion-set', name: 'APT28' }],
  ['Fancy Bear', { kind: 'intrusion-set', name: 'APT28' }],
  ['T1566.001', { kind: 'attack-pattern', name: 'Spearphishing Attachment' }],
  ['mimikatz', { kind: 'tool', name: 'mimikatz' }],
  ['X-Agent', { kind: 'malware', name: 'CHOPSTICK' }],
]);
const idOf = (type: string, name: string) => generateId({ type, name, ...(type === 'malware' ? { is_family: true } : {}) }) as string;
const convert = (threatGuesses?: ReadonlyMap<string, ThreatGuess>) =>
  convertEvent(event, { ...DEFAULT_CONVERT_OPTIONS, now: () => new Date('2025-03-01T00:00:00Z'), ...(threatGuesses ? { threatGuesses } : {}) });
const names = (objects: { type: string; name?: unknown }[], type: string) => objects.filter((o) => o.type === type).map((o) => o.name);

describe('convertEvent with the platform answers of MISP_GUESS_THREAT_FROM_TAGS', () => {
  const guessed = convert(guesses).objects;
  const report = guessed.find((o) => o.type === 'report');

  it('adds the threat the platform knows under its canonical name, with pycti ids, linked from the report', () => {
    const apt28 = guessed.find((o) => o.id === idOf('intrusion-set', 'APT28'));
    expect(apt28).toMatchObject({ name: 'APT28', created_by_ref: expect.stringMatching(/^identity--/) });
    // Minimal objects: no description, labels or aliases (parity).
    expect(apt28).not.toHaveProperty('x_opencti_aliases');
    expect(guessed.find((o) => o.id === idOf('attack-pattern', 'Spearphishing Attachment'))).toMatchObject({ name: 'Spearphishing Attachment' });
    expect(report?.object_refs).toEqual(expect.arrayContaining([idOf('intrusion-set', 'APT28'), idOf('attack-pattern', 'Spearphishing Attachment')]));
  });

  it('keeps the prefix rules, but not twice under the name the guess gave', () => {
    // "Fancy Bear" (prefix rule) and "APT28" (guess) differ: both, as the official connector.
    expect(names(guessed, 'intrusion-set')).toEqual(['APT28', 'Fancy Bear']);
    // tool:mimikatz gives "mimikatz" by both routes: one tool.
    expect(names(guessed, 'tool')).toEqual(['mimikatz']);
  });

  it('guesses attribute tags too, and links the attribute indicator to the guessed threats', () => {
    expect(names(guessed, 'malware')).toEqual(['CHOPSTICK', 'X-Agent']);
    const indicator = guessed.find((o) => o.type === 'indicator');
    const indicates = guessed.filter((o) => o.type === 'relationship' && o.relationship_type === 'indicates' && o.source_ref === indicator?.id);
    expect(indicates.map((o) => o.target_ref)).toEqual(expect.arrayContaining([idOf('malware', 'CHOPSTICK'), idOf('intrusion-set', 'APT28')]));
  });

  it('without answers (guessing off, or nothing found) only the prefix rules apply', () => {
    for (const objects of [convert().objects, convert(new Map()).objects]) {
      expect(names(objects, 'intrusion-set')).toEqual(['Fancy Bear']);
      expect(names(objects, 'attack-pattern')).toEqual([]);
      expect(names(objects, 'malware')).toEqual(['X-Agent']);
    }
  });

  it('ignores a platform name that is a UUID', () => {
    const objects = convert(new Map([['Sofacy', { kind: 'intrusion-set', name: '0d9e6c1a-3b6e-4c3c-9a51-2b7d0f0e9a11' }]])).objects;
    expect(names(objects, 'intrusion-set')).toEqual(['Fancy Bear']);
  });
});
