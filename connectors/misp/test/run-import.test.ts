// The run algorithm over real HTTP (test/misp-server.ts playing MISP, the connector's own
// client) on recorded real events from ../shared/data/misp, with the run's seams played by
// the test: the state, the sent bundles, the queue check ("buffering"), the platform's threat
// lookup and its "event known" answer. What a user relies on: a run cut short by buffering
// resumes at the right object and sends every object once; guessing asks the platform once
// per distinct tag value; attribute-timestamp filtering resends only what changed of events
// OpenCTI already has, and moves its high-water mark.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { silentLogger } from '@opencti-ts/sdk/log';
import { sharedPath } from '@opencti-ts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMispClient } from '../src/client.ts';
import { convertEvent, type StixObject } from '../src/convert/event.ts';
import { eventsOf, type MispEvent } from '../src/convert/model.ts';
import type { ThreatGuess } from '../src/convert/tags.ts';
import {
  convertOptions,
  filterAttributesSince,
  guessValues,
  isoUtc,
  type MispSettings,
  type MispState,
  maxAttributeTimestamp,
  type RunSummary,
  runImport,
} from '../src/run.ts';
import { type MispServer, startMispServer } from './misp-server.ts';

const data = sharedPath('data/misp');
const KEY = 'run-import-test-key';
const load = (file: string): MispEvent => {
  if (!data.available) throw new TypeError(data.reason);
  const [event] = eventsOf(JSON.parse(readFileSync(path.join(data.path, 'events', file), 'utf8')) as unknown);
  if (!event) throw new TypeError(`${file} holds no event`);
  return event;
};

const SETTINGS: MispSettings = {
  url: 'https://misp.example.org',
  create_reports: true,
  create_indicators: true,
  create_observables: true,
  create_object_observables: false,
  datetime_attribute: 'timestamp',
  date_filter_field: 'timestamp',
  report_description_attribute_filter: '',
  create_tags_as_labels: true,
  guess_threat_from_tags: false,
  author_from_tags: false,
  markings_from_tags: false,
  keep_original_tags_as_label: [],
  enforce_warning_list: false,
  report_type: 'misp-event',
  import_from_date: '2000-01-01',
  import_tags: [],
  import_tags_not: [],
  import_creator_orgs: [],
  import_creator_orgs_not: [],
  import_owner_orgs: [],
  import_owner_orgs_not: [],
  import_distribution_levels: [],
  import_threat_levels: [],
  threat_level_score_mapping: '1:90;2:60;3:30;4:50',
  import_only_published: false,
  import_with_attachments: false,
  import_unsupported_observables_as_text: false,
  import_unsupported_observables_as_text_transparent: true,
  propagate_labels: false,
  attribute_timestamp_filtering: false,
  batch_count: 20,
  search_limit: 2,
};

interface Run {
  summary: RunSummary;
  bundles: StixObject[][];
  state: MispState;
}

describe.skipIf(!data.available)('runImport against a MISP over HTTP', () => {
  let misp: MispServer;
  let events: MispEvent[] = [];

  beforeAll(async () => {
    misp = await startMispServer({ key: KEY, events: () => events });
  });
  afterAll(async () => {
    await misp?.close();
  });

  const run = async (
    settings: Partial<MispSettings>,
    state: MispState,
    seams: { buffering?: () => boolean; guessThreat?: (value: string) => ThreatGuess | undefined; isKnownEvent?: (uuid: string) => boolean } = {},
  ): Promise<Run> => {
    let current: MispState = { ...state };
    const bundles: StixObject[][] = [];
    const summary = await runImport({
      client: createMispClient({ baseUrl: misp.url, key: KEY, sslVerify: false, timeoutMs: 10_000, maxBytes: 50_000_000 }),
      settings: { ...SETTINGS, ...settings },
      logger: silentLogger,
      state: { get: () => current, set: (next) => (current = next) },
      send: async (objects) => void bundles.push(objects),
      ...(seams.buffering ? { buffering: async () => (seams.buffering as () => boolean)() } : {}),
      ...(seams.guessThreat ? { guessThreat: async (value: string) => seams.guessThreat?.(value) } : {}),
      ...(seams.isKnownEvent ? { isKnownEvent: async (uuid: string) => (seams.isKnownEvent as (u: string) => boolean)(uuid) } : {}),
    });
    return { summary, bundles, state: current };
  };
  /** Buffering from the n-th check on (1-based), as a queue that fills up. */
  const bufferingFrom = (n: number) => {
    let checks = 0;
    return () => {
      checks += 1;
      return checks >= n;
    };
  };
  const converted = (event: MispEvent, settings: Partial<MispSettings> = {}) => convertEvent(event, convertOptions({ ...SETTINGS, ...settings }));
  const sentOf = (bundles: StixObject[][], event: MispEvent) => {
    const ids = new Set(converted(event).objects.map((o) => o.id));
    return bundles.flatMap((bundle) => bundle.filter((o) => ids.has(o.id)).map((o) => o.id));
  };

  it('buffering mid-event saves the resume point and ends the run; the next run sends the rest, each object once', async () => {
    // Ascending timestamps: 57c4445b (small), to_delete1 (75 attributes), galaxy_1.
    const [small, big, last] = [
      load('pymisp-misc/57c4445b-c548-4654-af0b-4be3950d210f.json'),
      load('pymisp-reportlab/to_delete1.json'),
      load('pymisp-reportlab/galaxy_1.json'),
    ];
    events = [big, last, small];
    const bigObjects = converted(big).objects.map((o) => o.id);
    const smallChunks = Math.ceil(converted(small).objects.length / 20);
    expect(bigObjects.length).toBeGreaterThan(60);

    // The queue fills while the second chunk of the big event is about to go.
    misp.bodies.length = 0;
    const first = await run({}, {}, { buffering: bufferingFrom(smallChunks + 2) });
    expect(first.summary.bufferingAt).toContain(String(big.uuid));
    expect(sentOf(first.bundles, small)).toEqual(converted(small).objects.map((o) => o.id));
    expect(sentOf(first.bundles, big)).toEqual(bigObjects.slice(0, 20));
    expect(first.state).toEqual({
      last_event_date: isoUtc(new Date(Number(big.timestamp) * 1000)),
      remaining_objects_count: bigObjects.length - 20,
    });
    // The run ended at once: no further page was asked.
    expect(misp.bodies.map((body) => body.page)).toEqual([1]);

    const second = await run({}, first.state);
    expect(second.summary.bufferingAt).toBeUndefined();
    // Starts at the first unsent object of the big event, never resends the small one.
    expect(second.bundles[0]?.slice(0, 2).map((o) => o.type)).toEqual(['identity', 'marking-definition']);
    expect(sentOf(second.bundles, big)).toEqual(bigObjects.slice(20));
    // (Objects shared with the other events, such as the "Ransomware" malware, aside.)
    const others = new Set([...bigObjects, ...converted(last).objects.map((o) => o.id)]);
    expect(sentOf(second.bundles, small).filter((id) => !others.has(id))).toEqual([]);
    expect(sentOf(second.bundles, last)).toEqual(converted(last).objects.map((o) => o.id));
    expect(second.state).toEqual({ last_event_date: isoUtc(new Date((Number(last.timestamp) + 1) * 1000)), remaining_objects_count: 0 });
  });

  it('in date mode the resume point is the event id (current_event_id)', async () => {
    const withId = (event: MispEvent, id: string): MispEvent => ({ ...event, id });
    const a = withId(load('pymisp-misc/57c4445b-c548-4654-af0b-4be3950d210f.json'), '101');
    const b = withId(load('pymisp-reportlab/to_delete1.json'), '102');
    events = [b, a];
    const dateMode: Partial<MispSettings> = { datetime_attribute: 'date', date_filter_field: 'date_from' };
    const bObjects = converted(b).objects.map((o) => o.id);
    const first = await run(dateMode, {}, { buffering: bufferingFrom(Math.ceil(converted(a).objects.length / 20) + 3) });
    expect(first.state).toEqual({
      last_event_date: isoUtc(new Date(`${String(b.date)}T00:00:00Z`)),
      remaining_objects_count: bObjects.length - 40,
      current_event_id: '102',
    });
    const second = await run(dateMode, first.state);
    expect(sentOf(second.bundles, a)).toEqual([]);
    expect(sentOf(second.bundles, b)).toEqual(bObjects.slice(40));
    expect(second.state).toMatchObject({ current_event_id: '102', remaining_objects_count: 0 });
  });

  it('guessing asks the platform once per distinct tag value of the run, and uses its answers', async () => {
    events = [load('pymisp-misc/57c4445b-c548-4654-af0b-4be3950d210f.json'), load('pymisp-reportlab/galaxy_1.json'), load('pymisp-reportlab/to_delete1.json')];
    const asked: string[] = [];
    const { summary, bundles } = await run(
      { guess_threat_from_tags: true },
      {},
      {
        guessThreat: (value) => {
          asked.push(value);
          return value === 'Ransomware' ? { kind: 'malware', name: 'WannaCry' } : undefined;
        },
      },
    );
    const distinct = [...new Set(events.flatMap(guessValues))];
    // Tags such as tlp:white and malware_classification:malware-category="Ransomware" repeat across events and attributes.
    expect(events.flatMap(guessValues).length).toBeGreaterThan(distinct.length);
    expect(asked.toSorted()).toEqual(distinct.toSorted());
    expect(summary.guessLookups).toBe(distinct.length);
    const malware = bundles.flat().filter((o) => o.type === 'malware' && o.name === 'WannaCry');
    expect(malware.length).toBeGreaterThan(0);
  });

  describe('attribute-timestamp filtering', () => {
    const event = () => load('pymisp-reportlab/to_delete3.json');
    const threshold = 1510922403;

    it('sends only the attributes changed since the threshold of an event OpenCTI has, and raises the high-water mark', async () => {
      events = [event()];
      const asked: string[] = [];
      const state = { last_attribute_timestamp: threshold, last_event_date: '2017-11-01T00:00:00+00:00' };
      const {
        summary,
        bundles,
        state: after,
      } = await run({ attribute_timestamp_filtering: true }, state, {
        isKnownEvent: (uuid) => {
          asked.push(uuid);
          return true;
        },
      });
      expect(asked).toEqual([event().uuid]);
      const filtered = filterAttributesSince(event(), threshold);
      expect(filtered.kept).toBeGreaterThan(0);
      expect(filtered.kept).toBeLessThan(filtered.before);
      const sent = bundles.flatMap((bundle) => bundle.slice(2).map((o) => o.id));
      expect(sent).toEqual(converted(filtered.event).objects.map((o) => o.id));
      expect(sent.length).toBeLessThan(converted(event()).objects.length);
      // The report and the event's galaxies/tags entities are always sent.
      expect(bundles.flat().some((o) => o.type === 'report')).toBe(true);
      expect(summary.filteredAttributes).toBe(filtered.before - filtered.kept);
      expect(after.last_attribute_timestamp).toBe((maxAttributeTimestamp(event()) as number) + 1);
    });

    it('imports an event OpenCTI does not have in full, and never lowers the high-water mark', async () => {
      events = [event()];
      const high = (maxAttributeTimestamp(event()) as number) + 1000;
      const { bundles, state } = await run({ attribute_timestamp_filtering: true }, { last_attribute_timestamp: high }, { isKnownEvent: () => false });
      expect(bundles.flatMap((bundle) => bundle.slice(2).map((o) => o.id))).toEqual(converted(event()).objects.map((o) => o.id));
      expect(state.last_attribute_timestamp).toBe(high);
    });

    it('on the first run (no threshold yet) nothing is filtered nor asked, and the high-water mark is written', async () => {
      events = [event()];
      const asked: string[] = [];
      const { bundles, state } = await run(
        { attribute_timestamp_filtering: true, import_from_date: '2017-01-01' },
        {},
        {
          isKnownEvent: (uuid) => {
            asked.push(uuid);
            return true;
          },
        },
      );
      expect(asked).toEqual([]);
      expect(bundles.flatMap((bundle) => bundle.slice(2))).toHaveLength(converted(event()).objects.length);
      expect(state.last_attribute_timestamp).toBe((maxAttributeTimestamp(event()) as number) + 1);
    });

    it('an event interrupted by buffering is resent from its first object (the filter may decide otherwise next run)', async () => {
      events = [event()];
      const settings = { attribute_timestamp_filtering: true };
      const state = { last_attribute_timestamp: threshold, last_event_date: '2017-11-01T00:00:00+00:00' };
      const first = await run(settings, state, { isKnownEvent: () => false, buffering: bufferingFrom(2) });
      expect(first.state.remaining_objects_count).toBe(converted(event()).objects.length - 20);
      expect(first.state.last_attribute_timestamp).toBe(threshold);
      const second = await run(settings, first.state, { isKnownEvent: () => true });
      const filtered = converted(filterAttributesSince(event(), threshold).event).objects.map((o) => o.id);
      expect(second.bundles.flatMap((bundle) => bundle.slice(2).map((o) => o.id))).toEqual(filtered);
    });
  });
});
