// Conformance on the real MISP events in ../shared/data/misp (CIRCL OSINT events, PyMISP and
// MISP test events, misp-stix collections): every event converts, every object validates with
// the SDK validator and the OASIS schemas, and no reference dangles.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { validateStixObject } from '@opencti-ts/sdk/stix';
import { oasisSchemasAvailable, sharedPath, validateStixWithOasis } from '@opencti-ts/testing';
import { describe, expect, it } from 'vitest';
import { convertEvent, DEFAULT_CONVERT_OPTIONS, type StixObject } from '../src/convert/event.ts';
import { eventsOf } from '../src/convert/model.ts';

const root = sharedPath('data/misp');
const rootPath = root.available ? root.path : '';

function jsonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return jsonFiles(full);
    return name.endsWith('.json') ? [full] : [];
  });
}

const files = root.available ? [...jsonFiles(path.join(root.path, 'events')), ...jsonFiles(path.join(root.path, 'pairs'))] : [];
const eventFiles = files.flatMap((file) => {
  const events = eventsOf(JSON.parse(readFileSync(file, 'utf8')) as unknown);
  return events.map((event, index) => ({ name: `${path.relative(root.available ? root.path : '', file)}#${index}`, event }));
});

const options = { ...DEFAULT_CONVERT_OPTIONS, createObjectObservables: true, unsupportedAsText: true, now: () => new Date('2025-01-01T00:00:00Z') };

/**
 * Values MISP users really store that the OASIS schemas refuse, passed on verbatim as the
 * official connector does (ids depend on them): URLs without a scheme ("107.183.86",
 * "Data/dtl.dat") and registry keys with abbreviated hives ("HKCU\\Software...").
 */
const KNOWN_INPUT_QUIRKS = [/ url--\S+ \/value: must match format "uri"/, / windows-registry-key--\S+ \/key: must NOT be valid/];

/** Every id an object points to (refs and ref lists, top level). */
function refsOf(object: StixObject): string[] {
  return Object.entries(object).flatMap(([key, value]) => {
    if (key.endsWith('_ref') && typeof value === 'string') return [value];
    if (key.endsWith('_refs') && Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
    return [];
  });
}

describe.skipIf(!root.available)('real MISP events', () => {
  it('finds the events of the shared data', () => {
    expect(eventFiles.length).toBeGreaterThanOrEqual(20);
  });

  it.each(eventFiles.map(({ name, event }) => [name, event]))('%s converts into valid STIX without dangling refs', (_name, event) => {
    if (!event.uuid || !event.Orgc) {
      // PyMISP fragments without uuid or creator org: skipped with a reason, never a crash.
      expect(() => convertEvent(event, options)).toThrow(expect.objectContaining({ code: 'MISP_EVENT_SKIPPED' }));
      return;
    }
    const converted = convertEvent(event, options);
    const objects = [converted.author, ...converted.markings, ...converted.objects];
    expect(converted.warnings).toEqual([]);
    const problems = objects.flatMap((object) => validateStixObject(object).filter((problem) => problem.severity === 'error'));
    expect(problems).toEqual([]);
    if (oasisSchemasAvailable()) {
      const oasis = validateStixWithOasis({ type: 'bundle', id: 'bundle--8b0d5d3c-4f3e-4e0a-9d5e-6f0e3c1d2a4b', objects });
      expect(oasis.filter((problem) => !KNOWN_INPUT_QUIRKS.some((quirk) => quirk.test(problem)))).toEqual([]);
    }
    const ids = new Set(objects.map((object) => object.id));
    expect(ids.size).toBe(objects.length);
    for (const object of objects) for (const ref of refsOf(object)) expect(ids.has(ref), `${object.id} → ${ref}`).toBe(true);
    // A report whenever the event produced something; it lists every object but the author and markings.
    const content = converted.objects.filter((object) => object.type !== 'report' && object.type !== 'note' && object.type !== 'marking-definition');
    const report = converted.objects.find((object) => object.type === 'report');
    if (content.length > 0) expect(report?.object_refs).toEqual(content.map((object) => object.id));
    else expect(report).toBeUndefined();
  });
});

// misp-stix pairs: STIX ids there reuse MISP uuids (not comparable with pycti/stix2 ids), but
// for the attribute types whose STIX path is the same in both mappings, the indicator pattern
// OpenCTI's connector builds is the one misp-stix expects, up to the hash names that OpenCTI
// normalises (md5 → MD5, sha1 → 'SHA-1', sha256 → 'SHA-256').
const PAIRS = [
  ['pairs/misp-core-stixtest/indicators/misp_indicators_test.json', 'pairs/misp-core-stixtest/indicators/stix2_indicators_test.json'],
  ['pairs/misp-stix-collections/events/test_events_collection_1.json', 'pairs/misp-stix-collections/events/test_event1_stix21.json'],
  ['pairs/misp-stix-collections/events/test_events_collection_2.json', 'pairs/misp-stix-collections/events/test_event2_stix21.json'],
] as const;
const SAME_PATH_TYPES = new Set([
  'domain',
  'url',
  'email-subject',
  'regkey',
  'filename',
  'md5',
  'sha1',
  'sha256',
  'filename|md5',
  'filename|sha1',
  'filename|sha256',
]);
const normaliseHashNames = (pattern: string) =>
  pattern.replaceAll("hashes.'md5'", 'hashes.MD5').replaceAll("hashes.'sha1'", "hashes.'SHA-1'").replaceAll("hashes.'sha256'", "hashes.'SHA-256'");

describe.skipIf(!root.available)('misp-stix pairs', () => {
  it.each(PAIRS.map(([input, expected]) => [input, expected]))('%s: indicator patterns match %s', (input, expected) => {
    const events = eventsOf(JSON.parse(readFileSync(path.join(rootPath, input), 'utf8')) as unknown);
    const bundle = JSON.parse(readFileSync(path.join(rootPath, expected), 'utf8')) as { objects: StixObject[] };
    const attributes = new Map(
      events.flatMap((event) => (Array.isArray(event.Attribute) ? (event.Attribute as { uuid: string; type: string }[]) : [])).map((a) => [a.uuid, a.type]),
    );
    const ours = new Set(
      events.flatMap((event) =>
        convertEvent(event, options)
          .objects.filter((o) => o.type === 'indicator')
          .map((o) => normaliseHashNames(String(o.pattern))),
      ),
    );
    const comparable = bundle.objects.filter((o) => o.type === 'indicator' && SAME_PATH_TYPES.has(attributes.get(o.id.slice('indicator--'.length)) ?? ''));
    expect(comparable.length).toBeGreaterThan(0);
    for (const indicator of comparable) expect(ours).toContain(normaliseHashNames(String(indicator.pattern)));
  });
});
