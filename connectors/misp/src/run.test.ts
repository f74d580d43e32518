// The run algorithm's pure pieces (connectors.md §1.3–1.4): the restSearch body, the start
// date, dedupe against the state, client filters and chunking.
import { describe, expect, it } from 'vitest';
import { alreadySent, chunk, clientFilterReason, importStart, isoUtc, type MispSettings, searchBody } from './run.ts';

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
