// The run algorithm's pure pieces (connectors.md §1.3–1.4): the restSearch body, the start
// date, dedupe against the state, client filters, chunking, and attribute-timestamp
// filtering (§1.4.6) with its threshold and high-water mark.
import { describe, expect, it } from 'vitest';
import type { MispAttribute, MispEvent, MispObject } from './convert/model.ts';
import {
  alreadySent,
  attributeThreshold,
  chunk,
  clientFilterReason,
  filterAttributesSince,
  guessValues,
  importStart,
  isoUtc,
  type MispSettings,
  maxAttributeTimestamp,
  searchBody,
} from './run.ts';

const settings = {
  url: 'https://misp.example.org',
  datetime_attribute: 'timestamp',
  date_filter_field: 'timestamp',
  import_tags: ['tlp:green'],
  import_tags_not: [],
  import_creator_orgs: [],
  import_creator_orgs_not: ['Spammers'],
  import_owner_orgs: [],
  import_owner_orgs_not: [],
  import_distribution_levels: [],
  import_threat_levels: ['1', '2'],
  import_only_published: true,
  enforce_warning_list: false,
  import_with_attachments: true,
  search_limit: 10,
} as unknown as MispSettings;
const now = new Date('2025-06-01T12:00:00Z');

describe('run pieces', () => {
  it('builds the restSearch body of §1.3', () => {
    expect(searchBody({ ...settings, import_keyword: 'emotet' }, new Date('2025-01-01T00:00:00Z'))).toMatchObject({
      returnFormat: 'json',
      limit: 10,
      value: 'emotet',
      searchall: true,
      tags: { OR: ['tlp:green'] },
      org: { NOT: ['Spammers'] },
      enforceWarninglist: 0,
      withAttachments: 1,
      order: 'Event.timestamp ASC',
      timestamp: 1735689600,
      includeSightings: 0,
    });
    const byDate = searchBody({ ...settings, date_filter_field: 'date_from', import_tags: [] }, new Date('2025-01-01T00:00:00Z'));
    expect(byDate).toMatchObject({ order: 'Event.id ASC', from: 1735689600 });
    expect(byDate).not.toHaveProperty('tags');
  });

  it.each([
    [undefined, '2025-05-22T12:00:00+00:00'],
    ['2024-02-03', '2024-02-03T00:00:00+00:00'],
    ['2024-02-03T04:05:06', '2024-02-03T04:05:06+00:00'],
    ['2024-02-03T04:05:06+02:00', '2024-02-03T02:05:06+00:00'],
    ['P30D', '2025-05-02T12:00:00+00:00'],
  ])('MISP_IMPORT_FROM_DATE %s starts at %s', (value, expected) => {
    expect(isoUtc(importStart(value, now))).toBe(expected);
  });

  it('refuses an unreadable MISP_IMPORT_FROM_DATE', () => {
    expect(() => importStart('yesterday', now)).toThrow(/MISP_IMPORT_FROM_DATE/);
  });

  it('dedupes on the datetime (strictly earlier) or, in date mode, on the event id', () => {
    const state = { last_event_date: '2025-01-01T00:00:01+00:00' };
    expect(alreadySent({}, new Date('2025-01-01T00:00:00Z'), state, false)).toBe(true);
    expect(alreadySent({}, new Date('2025-01-01T00:00:01Z'), state, false)).toBe(false);
    expect(alreadySent({ id: '9' }, now, { current_event_id: '10' }, true)).toBe(true);
    expect(alreadySent({ id: '10' }, now, { current_event_id: '10', remaining_objects_count: 0 }, true)).toBe(true);
    expect(alreadySent({ id: '10' }, now, { current_event_id: '10', remaining_objects_count: 5 }, true)).toBe(false);
  });

  it.each([
    [{ threat_level_id: '3', published: true }, 'threat level 3 not imported'],
    [{ threat_level_id: '1', published: false }, 'not published'],
    [{ threat_level_id: '1', published: '1' }, undefined],
  ])('client filters on %o → %s', (event, reason) => {
    expect(clientFilterReason(event, settings)).toBe(reason);
  });

  it('cuts chunks by count and by serialized size (a big object alone)', () => {
    const objects = Array.from({ length: 5 }, (_, i) => ({ id: `x--${i}`, type: 'x', pad: 'a'.repeat(i === 2 ? 500 : 10) }));
    expect(chunk(objects, 2, undefined).map((c) => c.length)).toEqual([2, 2, 1]);
    expect(chunk(objects, 10, 200).map((c) => c.map((o) => o.id))).toEqual([['x--0', 'x--1'], ['x--2'], ['x--3', 'x--4']]);
  });
});

const attribute = (id: string, timestamp?: string | number, tags: string[] = []): MispAttribute => ({
  uuid: id,
  type: 'ip-dst',
  category: 'Network activity',
  value: `198.51.100.${id}`,
  ...(timestamp === undefined ? {} : { timestamp }),
  Tag: tags.map((name) => ({ name })),
});
const object = (id: string, attributes: MispAttribute[]): MispObject => ({ uuid: `object-${id}`, name: 'ip-port', Attribute: attributes });
const uuidsOf = (event: MispEvent) => ({
  top: ((event.Attribute as MispAttribute[]) ?? []).map((a) => a.uuid),
  objects: ((event.Object as MispObject[]) ?? []).map((o) => [o.uuid, ((o.Attribute as MispAttribute[]) ?? []).map((a) => a.uuid)]),
});

describe('attribute-timestamp filtering (§1.4.6)', () => {
  it.each([
    [
      'keeps the attributes at or after the threshold',
      { Attribute: [attribute('1', '100'), attribute('2', '200'), attribute('3', '300')] },
      200,
      { top: ['2', '3'], objects: [] },
      3,
      2,
    ],
    ['keeps every attribute when all are newer', { Attribute: [attribute('1', '500'), attribute('2', '600')] }, 500, { top: ['1', '2'], objects: [] }, 2, 2],
    [
      'falls back to the first original attribute when none is newer',
      { Attribute: [attribute('1', '100'), attribute('2', '200')] },
      300,
      { top: ['1'], objects: [] },
      2,
      0,
    ],
    [
      'filters object attributes and drops the objects left empty',
      { Object: [object('a', [attribute('1', '300')]), object('b', [attribute('2', '100')])] },
      200,
      { top: [], objects: [['object-a', ['1']]] },
      2,
      1,
    ],
    [
      'promotes the first object attribute when nothing is newer and there is no top-level attribute',
      { Object: [object('a', [attribute('1', '100'), attribute('2', '200')])] },
      500,
      { top: ['1'], objects: [] },
      2,
      0,
    ],
    [
      'mixes top-level and object attributes',
      { Attribute: [attribute('1', '100'), attribute('2', '500')], Object: [object('a', [attribute('3', '400'), attribute('4', '100')])] },
      300,
      { top: ['2'], objects: [['object-a', ['3']]] },
      4,
      2,
    ],
    ['keeps an attribute without a readable timestamp', { Attribute: [attribute('1'), attribute('2', '100')] }, 300, { top: ['1'], objects: [] }, 2, 1],
    ['handles an event without attributes', {}, 300, { top: [], objects: [] }, 0, 0],
  ] as const)('%s', (_name, event, threshold, expected, before, kept) => {
    const result = filterAttributesSince({ uuid: 'e', Tag: [{ name: 'tlp:green' }], ...event } as MispEvent, threshold);
    expect(uuidsOf(result.event)).toEqual(expected);
    expect([result.before, result.kept]).toEqual([before, kept]);
    // Event-level content is untouched.
    expect(result.event.Tag).toEqual([{ name: 'tlp:green' }]);
  });

  it.each([
    [
      'top-level and object attributes, not object timestamps',
      { Attribute: [attribute('1', '100')], Object: [{ ...object('a', [attribute('2', '500')]), timestamp: '999' }] },
      500,
    ],
    ['numbers and numeric strings alike', { Attribute: [attribute('1', 300), attribute('2', '200')] }, 300],
    ['none without attributes', { Object: [{ ...object('a', []), timestamp: '999' }] }, undefined],
  ] as const)('the high-water mark counts %s', (_name, event, expected) => {
    expect(maxAttributeTimestamp(event as MispEvent)).toBe(expected);
  });

  it.each([
    ['last_attribute_timestamp first', { last_attribute_timestamp: 1500, last_event_date: '1970-01-01T00:16:40+00:00' }, 1500],
    ['else the epoch of last_event_date (the option turned on later)', { last_event_date: '1970-01-01T00:25:00+00:00' }, 1500],
    ['else no filtering', {}, undefined],
  ])('the threshold is %s', (_name, state, expected) => {
    expect(attributeThreshold(state)).toBe(expected);
  });
});

describe('guessValues', () => {
  it('lists each tag value of the event, its attributes and object attributes once', () => {
    const event: MispEvent = {
      Tag: [{ name: 'Sofacy' }, { name: 'tlp:green' }],
      Attribute: [attribute('1', '1', ['Sofacy', 'misp-galaxy:threat-actor="APT 28"'])],
      Object: [object('a', [attribute('2', '1', ['tlp:green', 'T1566.001'])])],
    };
    expect(guessValues(event)).toEqual(['Sofacy', 'green', 'APT 28', 'T1566.001']);
  });
});
