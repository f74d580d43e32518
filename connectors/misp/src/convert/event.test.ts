// Table-driven tests of the pure mapping on test/fixtures/event.json (an event written for
// these tests: every attribute shape of connectors.md §1.6.8, galaxies, tags, markings,
// an invalid hash, a wrong arity and an unknown type), plus the tag rules one by one.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { generateId, TLP_MARKING_IDS, validateStixObject } from '@opencti-ts/sdk/stix';
import { oasisSchemasAvailable, validateStixWithOasis } from '@opencti-ts/testing';
import { describe, expect, it } from 'vitest';
import { convertEvent, DEFAULT_CONVERT_OPTIONS, isIPv4Network, rewriteMentions, type StixObject } from './event.ts';
import { eventsOf } from './model.ts';
import { creatorName, customMarking, tagEntity, tagLabel } from './tags.ts';

const [event] = eventsOf(JSON.parse(readFileSync(path.join(import.meta.dirname, '../../test/fixtures/event.json'), 'utf8')) as unknown);
if (!event) throw new TypeError('fixture has no event');
const options = { ...DEFAULT_CONVERT_OPTIONS, referenceUrl: 'https://misp.example.org/', now: () => new Date('2025-01-01T00:00:00Z') };
const converted = convertEvent(event, options);
const all = [converted.author, ...converted.markings, ...converted.objects];
const byId = new Map(all.map((o) => [o.id, o]));
const ofType = (type: string) => converted.objects.filter((o) => o.type === type);
const patterns = ofType('indicator').map((o) => o.pattern);
const PAP_GREEN = generateId({ type: 'marking-definition', definition_type: 'PAP', definition: 'PAP:GREEN' }) as string;

describe('convertEvent on test/fixtures/event.json', () => {
  it('attributes everything to the Orgc organization and marks the event TLP:AMBER + PAP:GREEN', () => {
    expect(converted.author).toMatchObject({
      type: 'identity',
      identity_class: 'organization',
      name: 'CIRCL',
      id: generateId({ type: 'identity', name: 'CIRCL', identity_class: 'organization' }),
    });
    expect(converted.markings.map((m) => m.id)).toEqual([TLP_MARKING_IDS['TLP:AMBER'], PAP_GREEN]);
    expect(converted.markings[1]).toMatchObject({ definition_type: 'statement', x_opencti_definition_type: 'PAP', x_opencti_definition: 'PAP:GREEN' });
  });

  it.each([
    ['ip-dst', "[ipv4-addr:value = '198.51.100.7']"],
    ['domain|ip', "[domain-name:value = 'bad.example' AND ipv4-addr:value = '192.0.2.1']"],
    ['filename|sha256', "[file:name = 'a.exe' AND file:hashes.'SHA-256' = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08']"],
    ['regkey (backslashes escaped)', "[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\Software\\\\Run']"],
    ['url (quote escaped)', "[url:value = 'http://bad.example/it\\'s']"],
    ['object attribute filename', "[file:name = 'invoice.doc']"],
  ])('%s gives the indicator pattern %s', (_type, pattern) => {
    expect(patterns).toContain(pattern);
  });

  it('gives observables stix2 ids, the score of threat level 2 and the event external references', () => {
    const ip = byId.get(generateId({ type: 'ipv4-addr', value: '198.51.100.7' }) as string);
    expect(ip).toMatchObject({ x_opencti_score: 60, x_opencti_description: 'C2 server', x_opencti_created_by_ref: converted.author.id });
    expect(ip?.external_references).toEqual([
      {
        source_name: 'MISP',
        description: 'Phishing wave delivering Emotet',
        external_id: event.uuid,
        url: `https://misp.example.org/events/view/${String(event.uuid)}`,
      },
      { source_name: 'External analysis', external_id: 'a0000000-0000-4000-8000-000000000007', url: 'https://blog.example/emotet' },
    ]);
  });

  it('builds indicators with the attribute timestamp, detection flag and OpenCTI main type', () => {
    const indicator = ofType('indicator').find((o) => String(o.pattern).startsWith('[file:name'));
    expect(indicator).toMatchObject({
      name: 'a.exe|9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      valid_from: '2024-03-01T10:46:42Z',
      x_opencti_detection: false,
      x_opencti_main_observable_type: 'StixFile',
      x_opencti_score: 60,
      id: generateId({ type: 'indicator', pattern: String(indicator?.pattern) }),
    });
  });

  it('gives an attribute its own TLP (replacing the event markings) and its own labels', () => {
    const key = ofType('windows-registry-key')[0];
    expect(key?.object_marking_refs).toEqual([TLP_MARKING_IDS['TLP:RED']]);
    expect(key?.labels).toEqual(['Installation']);
    expect(converted.objects.some((o) => o.id === TLP_MARKING_IDS['TLP:RED'])).toBe(true);
  });

  it('maps galaxies and tags to entities with the name cleanups', () => {
    expect(ofType('malware')).toMatchObject([
      { name: 'Emotet', is_family: true, aliases: ['Geodo'], labels: ['Malware'], description: 'Emotet is a modular banking trojan.' },
    ]);
    expect(ofType('location')).toMatchObject([{ name: 'Germany', country: 'DE', x_opencti_location_type: 'Country' }]);
    expect(ofType('attack-pattern')).toMatchObject([{ name: 'Phishing', id: generateId({ type: 'attack-pattern', name: 'Phishing' }) }]);
  });

  it('links observables and indicators to the event threats (related-to, indicates, uses)', () => {
    const rel = (type: string, source: string, target: string) =>
      ofType('relationship').some((r) => r.relationship_type === type && String(r.source_ref).startsWith(source) && String(r.target_ref).startsWith(target));
    expect(rel('uses', 'malware--', 'attack-pattern--')).toBe(true);
    expect(rel('related-to', 'ipv4-addr--', 'malware--')).toBe(true);
    expect(rel('related-to', 'ipv4-addr--', 'location--')).toBe(true);
    expect(rel('indicates', 'indicator--', 'malware--')).toBe(true);
    expect(rel('based-on', 'indicator--', 'ipv4-addr--')).toBe(true);
  });

  it('skips the bad attributes with a warning each and converts the rest', () => {
    expect(converted.warnings).toEqual([
      expect.stringContaining('attribute a0000000-0000-4000-8000-000000000005 (md5) skipped: file.hashes.MD5: must be 32 hexadecimal digits'),
      expect.stringContaining('attribute a0000000-0000-4000-8000-000000000009 (ip-src|port) skipped'),
    ]);
    expect([...converted.unsupported]).toEqual([['brand-new-type', 1]]);
  });

  it('builds the report (pycti id from name + midnight +00:00) and one note per non-deleted event report', () => {
    const [report] = ofType('report');
    expect(report).toMatchObject({
      id: generateId({ type: 'report', name: event.info, published: '2024-03-01T00:00:00+00:00' }),
      published: '2024-03-01T00:00:00Z',
      report_types: ['misp-event'],
      labels: ['blog-post'],
      object_marking_refs: converted.markings.map((m) => m.id),
    });
    expect(report?.object_refs).toEqual(converted.objects.filter((o) => !['report', 'note', 'marking-definition'].includes(o.type)).map((o) => o.id));
    expect(ofType('note')).toMatchObject([
      {
        abstract: 'Analysis',
        object_refs: [report?.id],
        content: expect.stringContaining('[attribute:a0000000-0000-4000-8000-000000000001](/dashboard/search/'),
      },
    ]);
  });

  it('with MISP_IMPORT_UNSUPPORTED_OBSERVABLES_AS_TEXT an unknown type becomes a Text observable and indicator', () => {
    const withText = convertEvent(event, { ...options, unsupportedAsText: true });
    expect(withText.objects.filter((o) => o.type === 'text').map((o) => o.value)).toContain('something (type=brand-new-type)');
    expect(withText.unsupported.size).toBe(0);
  });

  it('without observables there are no indicators either (parity, §1.6.9)', () => {
    const none = convertEvent(event, { ...options, createObservables: false });
    expect(none.objects.filter((o) => o.type === 'indicator' || o.type === 'ipv4-addr')).toEqual([]);
  });

  it('an event without Orgc and creator tag is skipped with a reason; a creator tag replaces the author', () => {
    expect(() => convertEvent({ ...event, Orgc: null }, options)).toThrow(/no creator organisation/);
    const tagged = convertEvent({ ...event, Tag: [{ name: 'creator=ACME' }] }, { ...options, authorFromTags: true });
    expect(tagged.author).toMatchObject({ name: 'ACME' });
    expect(tagged.markings.map((m) => m.id)).toEqual([TLP_MARKING_IDS['TLP:CLEAR']]);
  });

  it('produces objects the SDK validator and the OASIS schemas accept, with no dangling reference', () => {
    const errors = all.flatMap((object) => validateStixObject(object).filter((p) => p.severity === 'error'));
    expect(errors).toEqual([]);
    if (oasisSchemasAvailable())
      expect(validateStixWithOasis({ type: 'bundle', id: 'bundle--8b0d5d3c-4f3e-4e0a-9d5e-6f0e3c1d2a4b', objects: all })).toEqual([]);
    const refs = (o: StixObject) => Object.entries(o).flatMap(([k, v]) => (k.endsWith('_ref') ? [v] : k.endsWith('_refs') && Array.isArray(v) ? v : []));
    for (const object of all) for (const ref of refs(object)) expect(byId.has(String(ref)), `${object.id} → ${String(ref)}`).toBe(true);
  });

  it('is deterministic: the same event gives the same ids in the same order (resumption relies on it)', () => {
    expect(convertEvent(event, options).objects.map((o) => o.id)).toEqual(converted.objects.map((o) => o.id));
  });
});

describe('tag rules', () => {
  it.each([
    ['osint:source-type="blog-post"', 'blog-post'],
    ['type:OSINT', 'OSINT'],
    ['foo', 'foo'],
    ['score="5"', 'score-5'],
    ['tlp:amber', undefined],
    ['misp-galaxy:mitre-malware="Emotet - S0367"', undefined],
    ['circl:incident-classification="malware"', 'malware'],
  ])('label of %s is %s', (tag, label) => {
    expect(tagLabel(tag, [])).toBe(label);
  });

  it('keeps tags with a configured prefix verbatim', () => {
    expect(tagLabel('admiralty-scale:source-reliability="a"', ['admiralty'])).toBe('admiralty-scale:source-reliability="a"');
  });

  it.each([
    ['misp-galaxy:threat-actor="APT 28"', { kind: 'intrusion-set', name: 'APT28' }],
    ['misp-galaxy:mitre-intrusion-set="APT29 - G0016"', { kind: 'intrusion-set', name: 'APT29' }],
    ['misp-galaxy:mitre-tool="Mimikatz - S0002"', { kind: 'tool', name: 'Mimikatz' }],
    ['malware_classification:malware-category="Ransomware"', { kind: 'malware', name: 'Ransomware' }],
    ['misp-galaxy:sector="Finance"', { kind: 'sector', name: 'Finance' }],
    ['misp-galaxy:sector:Finance', undefined],
    ['tlp:red', undefined],
  ])('entity of %s', (tag, entity) => {
    expect(tagEntity(tag)).toEqual(entity);
  });

  it.each([
    ['marking:PAP=PAP:RED', { kind: 'custom', type: 'PAP', value: 'PAP:RED' }],
    ['marking:CUSTOM=Internal', { kind: 'custom', type: 'CUSTOM', value: 'Internal' }],
    ['marking-broken', undefined],
    ['marking:novalue', undefined],
  ])('custom marking of %s', (tag, marking) => {
    expect(customMarking(tag)).toEqual(marking);
  });

  it('creator tags keep the text between the first two "=" (quotes kept, parity)', () => {
    expect(creatorName('creator="ACME"')).toBe('"ACME"');
    expect(creatorName('creator=ACME=x')).toBe('ACME');
  });

  it.each([
    ['198.51.100.7', true],
    ['10.0.0.0/8', true],
    ['10.0.0.1/33', false],
    ['2001:db8::1', false],
    ['garbage', false],
  ])('isIPv4Network(%s) = %s', (value, expected) => {
    expect(isIPv4Network(value)).toBe(expected);
  });

  it('rewrites event-report mentions', () => {
    expect(rewriteMentions('@[object](0aa2e6a4-1111-4a4a-8b8b-0242ac120002) @[tag](tlp:red) @[tag](a b)')).toBe(
      '[object:0aa2e6a4-1111-4a4a-8b8b-0242ac120002](/dashboard/search/0aa2e6a4-1111-4a4a-8b8b-0242ac120002) tag:tlp:red @[tag](a b)',
    );
  });
});
