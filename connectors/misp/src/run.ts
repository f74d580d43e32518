// The run algorithm of connectors.md §1.4 as small pure pieces (search body, event date,
// client filters, dedupe against state, chunking, attribute-timestamp filtering) plus
// `runImport`, which wires them to the MISP client, the platform lookups and the SDK's
// send/state. One work per run; the state is written after every chunk so a killed (or
// buffering) process resumes inside the event it was sending.
import { parseDuration } from '@opencti-ts/sdk/config';
import { InputError, isOpenCtiTsError } from '@opencti-ts/sdk/errors';
import type { Logger } from '@opencti-ts/sdk/log';
import type { MispClient, SearchBody } from './client.ts';
import { parseSizeLimit, parseThreatLevelScores } from './config.ts';
import { type ConvertOptions, convertEvent, type StixObject } from './convert/event.ts';
import { dayDate, list, type MispAttribute, type MispEvent, type MispObject, tagNames, text, truthy, unixDate } from './convert/model.ts';
import { guessValue, type ThreatGuess } from './convert/tags.ts';

export interface MispSettings {
  url: string;
  reference_url?: string | undefined;
  create_reports: boolean;
  create_indicators: boolean;
  create_observables: boolean;
  create_object_observables: boolean;
  datetime_attribute: 'date' | 'timestamp' | 'publish_timestamp' | 'sighting_timestamp';
  date_filter_field: 'date_from' | 'timestamp' | 'publish_timestamp';
  report_description_attribute_filter: string;
  create_tags_as_labels: boolean;
  guess_threat_from_tags: boolean;
  author_from_tags: boolean;
  markings_from_tags: boolean;
  keep_original_tags_as_label: readonly string[];
  enforce_warning_list: boolean;
  report_type: string;
  import_from_date?: string | undefined;
  import_tags: readonly string[];
  import_tags_not: readonly string[];
  import_creator_orgs: readonly string[];
  import_creator_orgs_not: readonly string[];
  import_owner_orgs: readonly string[];
  import_owner_orgs_not: readonly string[];
  import_keyword?: string | undefined;
  import_distribution_levels: readonly string[];
  import_threat_levels: readonly string[];
  threat_level_score_mapping: string;
  import_only_published: boolean;
  import_with_attachments: boolean;
  import_to_ids_no_score?: number | undefined;
  import_unsupported_observables_as_text: boolean;
  import_unsupported_observables_as_text_transparent: boolean;
  propagate_labels: boolean;
  attribute_timestamp_filtering: boolean;
  batch_count: number;
  batch_size_limit?: string | undefined;
  search_limit: number;
}

/** The connector state (§1.4.1). */
export interface MispState {
  last_event_date?: string;
  remaining_objects_count?: number;
  current_event_id?: string;
  last_attribute_timestamp?: number;
}

/** The converter options a configuration gives. */
export function convertOptions(s: MispSettings): ConvertOptions {
  const scores = parseThreatLevelScores(s.threat_level_score_mapping);
  return {
    referenceUrl: s.reference_url?.trim() ? s.reference_url : s.url,
    createReports: s.create_reports,
    createIndicators: s.create_indicators,
    createObservables: s.create_observables,
    createObjectObservables: s.create_object_observables,
    createTagsAsLabels: s.create_tags_as_labels,
    authorFromTags: s.author_from_tags,
    markingsFromTags: s.markings_from_tags,
    keepOriginalTagsAsLabel: s.keep_original_tags_as_label,
    reportType: s.report_type,
    reportDescriptionAttributeFilter: s.report_description_attribute_filter,
    threatLevelScores: typeof scores === 'string' ? new Map([[4, 50]]) : scores,
    importToIdsNoScore: s.import_to_ids_no_score,
    unsupportedAsText: s.import_unsupported_observables_as_text,
    unsupportedAsTextTransparent: s.import_unsupported_observables_as_text_transparent,
    propagateLabels: s.propagate_labels,
    importWithAttachments: s.import_with_attachments,
  };
}

/** Python's `datetime.isoformat()` of a UTC datetime (whole seconds): `2025-01-01T12:00:00+00:00`. */
export const isoUtc = (date: Date) => `${date.toISOString().slice(0, 19)}+00:00`;

/** Start of the first run: MISP_IMPORT_FROM_DATE (date, datetime, naive = UTC, or duration back from now), else now − 10 days. */
export function importStart(value: string | undefined, now: Date): Date {
  const fallback = new Date(now.getTime() - 10 * 86_400_000);
  if (!value?.trim()) return fallback;
  const trimmed = value.trim();
  if (/^P/i.test(trimmed)) {
    const parsed = parseDuration(trimmed);
    if (!parsed.ok) throw new InputError('MISP_IMPORT_FROM_DATE', `MISP_IMPORT_FROM_DATE "${trimmed}": ${parsed.message}`);
    return new Date(now.getTime() - parsed.value);
  }
  const naive = /^\d{4}-\d{2}-\d{2}$/.test(trimmed) ? `${trimmed}T00:00:00Z` : /(Z|[+-]\d{2}:?\d{2})$/i.test(trimmed) ? trimmed : `${trimmed}Z`;
  const date = new Date(naive);
  if (Number.isNaN(date.getTime()))
    throw new InputError('MISP_IMPORT_FROM_DATE', `MISP_IMPORT_FROM_DATE "${trimmed}" is not an ISO date, datetime or duration`);
  return date;
}

/** Lower bound of this run's search. */
export function runStart(state: MispState | undefined, importFromDate: string | undefined, now: Date): Date {
  const last = state?.last_event_date ? new Date(state.last_event_date) : undefined;
  return last && !Number.isNaN(last.getTime()) ? last : importStart(importFromDate, now);
}

/** The restSearch body without `page` (§1.3). */
export function searchBody(s: MispSettings, since: Date): SearchBody {
  const orNot = (or: readonly string[], not: readonly string[]) => {
    const value: Record<string, readonly string[]> = {};
    if (or.length > 0) value.OR = or;
    if (not.length > 0) value.NOT = not;
    return Object.keys(value).length > 0 ? value : undefined;
  };
  const body: SearchBody = { returnFormat: 'json', limit: s.search_limit };
  if (s.import_keyword) {
    body.value = s.import_keyword;
    body.searchall = true;
  }
  const tags = orNot(s.import_tags, s.import_tags_not);
  if (tags) body.tags = tags;
  const org = orNot(s.import_creator_orgs, s.import_creator_orgs_not);
  if (org) body.org = org;
  body.enforceWarninglist = s.enforce_warning_list ? 1 : 0;
  body.withAttachments = s.import_with_attachments ? 1 : 0;
  body.order = s.date_filter_field === 'date_from' ? 'Event.id ASC' : `Event.${s.datetime_attribute} ASC`;
  body[s.date_filter_field === 'date_from' ? 'from' : s.date_filter_field] = since.getTime() / 1000;
  for (const flag of [
    'metadata',
    'includeEventUuid',
    'includeEventTags',
    'sgReferenceOnly',
    'includeContext',
    'headerless',
    'includeSightings',
    'includeDecayScore',
    'includeCorrelations',
    'excludeDecayed',
  ])
    body[flag] = 0;
  return body;
}

/** The event's datetime per MISP_DATETIME_ATTRIBUTE, or undefined when the field is missing. */
export function eventDatetime(event: MispEvent, attribute: MispSettings['datetime_attribute']): Date | undefined {
  return attribute === 'date' ? dayDate(event.date) : unixDate(event[attribute]);
}

/** Why the client-side filters drop an event, or undefined to keep it. */
export function clientFilterReason(event: MispEvent, s: MispSettings): string | undefined {
  const owner = text(event.Org?.name) ?? '';
  if (s.import_owner_orgs.length > 0 && !s.import_owner_orgs.includes(owner)) return `owner org "${owner}" not in MISP_IMPORT_OWNER_ORGS`;
  if (s.import_owner_orgs_not.includes(owner)) return `owner org "${owner}" in MISP_IMPORT_OWNER_ORGS_NOT`;
  const distribution = text(event.distribution) ?? '';
  if (s.import_distribution_levels.length > 0 && !s.import_distribution_levels.includes(distribution)) return `distribution ${distribution} not imported`;
  const threat = text(event.threat_level_id) ?? '';
  if (s.import_threat_levels.length > 0 && !s.import_threat_levels.includes(threat)) return `threat level ${threat} not imported`;
  if (s.import_only_published && !truthy(event.published)) return 'not published';
  return undefined;
}

/** Whether the state says the event was already sent (§1.4.2 step 3.2). */
export function alreadySent(event: MispEvent, datetime: Date, state: MispState, dateMode: boolean): boolean {
  if (dateMode) {
    const current = Number(state.current_event_id);
    const id = Number(text(event.id));
    if (!Number.isFinite(current) || !Number.isFinite(id)) return false;
    return id < current || (id === current && (state.remaining_objects_count ?? 0) === 0);
  }
  if (!state.last_event_date) return false;
  const last = new Date(state.last_event_date);
  return !Number.isNaN(last.getTime()) && datetime.getTime() < last.getTime();
}

/** Chunks of at most `count` objects, each split further so author + markings + chunk stays under `maxBytes`. */
export function chunk(objects: readonly StixObject[], count: number, maxBytes: number | undefined, overhead = 0): StixObject[][] {
  const chunks: StixObject[][] = [];
  for (let start = 0; start < objects.length; start += count) {
    const slice = objects.slice(start, start + count);
    if (maxBytes === undefined) {
      chunks.push(slice);
      continue;
    }
    let current: StixObject[] = [];
    let size = overhead;
    for (const object of slice) {
      const bytes = Buffer.byteLength(JSON.stringify(object)) + 1;
      if (current.length > 0 && size + bytes > maxBytes) {
        chunks.push(current);
        current = [];
        size = overhead;
      }
      current.push(object);
      size += bytes;
    }
    if (current.length > 0) chunks.push(current);
  }
  return chunks;
}

/** Unix seconds of an attribute's `timestamp`, or undefined. */
const attributeSeconds = (attribute: MispAttribute): number | undefined => {
  const date = unixDate(attribute.timestamp);
  return date ? date.getTime() / 1000 : undefined;
};

const objectAttributes = (object: MispObject) => list<MispAttribute>(object.Attribute);

/**
 * Threshold of attribute-timestamp filtering for a run (§1.4.6): `last_attribute_timestamp`,
 * else the epoch seconds of `last_event_date` (the option turned on for a running connector),
 * else undefined (no filtering this run).
 */
export function attributeThreshold(state: MispState): number | undefined {
  if (typeof state.last_attribute_timestamp === 'number' && Number.isFinite(state.last_attribute_timestamp)) return state.last_attribute_timestamp;
  const last = state.last_event_date ? Date.parse(state.last_event_date) : Number.NaN;
  return Number.isNaN(last) ? undefined : Math.floor(last / 1000);
}

export interface FilteredEvent {
  event: MispEvent;
  /** Attributes (top-level and in objects) before filtering. */
  before: number;
  /** Attributes at or after the threshold (0: only the fallback attribute is left). */
  kept: number;
}

/**
 * Drops the attributes (top-level and inside objects) older than `threshold` and the objects
 * left empty (§1.4.6). When nothing is left, the event's first original attribute is kept as a
 * top-level one, so the report still lists a real object (its upsert changes nothing). An
 * attribute without a readable timestamp is kept. Tags, galaxies and reports are untouched.
 */
export function filterAttributesSince(event: MispEvent, threshold: number): FilteredEvent {
  const recent = (attribute: MispAttribute) => {
    const seconds = attributeSeconds(attribute);
    return seconds === undefined || seconds >= threshold;
  };
  const attributes = list<MispAttribute>(event.Attribute);
  const objects = list<MispObject>(event.Object);
  const before = attributes.length + objects.reduce((total, object) => total + objectAttributes(object).length, 0);
  const keptAttributes = attributes.filter(recent);
  const keptObjects = objects.flatMap((object) => {
    const kept = objectAttributes(object).filter(recent);
    return kept.length > 0 ? [{ ...object, Attribute: kept }] : [];
  });
  const kept = keptAttributes.length + keptObjects.reduce((total, object) => total + object.Attribute.length, 0);
  if (kept > 0) return { event: { ...event, Attribute: keptAttributes, Object: keptObjects }, before, kept };
  const first = attributes[0] ?? objects.flatMap(objectAttributes)[0];
  return { event: { ...event, Attribute: first ? [first] : [], Object: [] }, before, kept: 0 };
}

/** Highest attribute timestamp of an event (top-level and object attributes, not object timestamps). */
export function maxAttributeTimestamp(event: MispEvent): number | undefined {
  const seconds = [...list<MispAttribute>(event.Attribute), ...list<MispObject>(event.Object).flatMap(objectAttributes)]
    .map(attributeSeconds)
    .filter((value): value is number => value !== undefined);
  return seconds.length > 0 ? Math.max(...seconds) : undefined;
}

/** The distinct values the tags of an event (and of its attributes) are looked up by when guessing threats. */
export function guessValues(event: MispEvent): string[] {
  const attributes = [...list<MispAttribute>(event.Attribute), ...list<MispObject>(event.Object).flatMap(objectAttributes)];
  const tags = [...tagNames(event.Tag), ...attributes.flatMap((attribute) => tagNames(attribute.Tag))];
  return [...new Set(tags.flatMap((tag) => guessValue(tag) ?? []))];
}

export interface RunDeps {
  client: MispClient;
  settings: MispSettings;
  logger: Logger;
  state: { get(): MispState | undefined; set(state: MispState): void };
  send(objects: StixObject[]): Promise<void>;
  /** Whether to stop the run early, the push queue being above the threshold (checked before every chunk). */
  buffering?: () => Promise<boolean>;
  /** MISP_GUESS_THREAT_FROM_TAGS: the platform's threat named by a tag value, if any (asked once per value per run). */
  guessThreat?: (value: string) => Promise<ThreatGuess | undefined>;
  /** MISP_ATTRIBUTE_TIMESTAMP_FILTERING: whether OpenCTI already has the event (an external reference MISP / its uuid). */
  isKnownEvent?: (uuid: string) => Promise<boolean>;
  now?: () => Date;
  signal?: AbortSignal;
}

export interface RunSummary {
  events: number;
  skipped: number;
  objects: number;
  warnings: number;
  unsupported: Map<string, number>;
  /** Platform lookups made for MISP_GUESS_THREAT_FROM_TAGS (one per distinct tag value). */
  guessLookups: number;
  /** Attributes left out by MISP_ATTRIBUTE_TIMESTAMP_FILTERING (unchanged since the last run). */
  filteredAttributes: number;
  /** Set when the run stopped early because the push queue is above the threshold: the event to resume at. */
  bufferingAt?: string;
}

/** One run: search page by page, filter, convert and send each event; returns what happened. */
export async function runImport(deps: RunDeps): Promise<RunSummary> {
  const { client, settings: s, logger } = deps;
  const now = deps.now?.() ?? new Date();
  const initial: MispState = deps.state.get() ?? {};
  const dateMode = s.datetime_attribute === 'date';
  const since = runStart(initial, s.import_from_date, now);
  const body = searchBody(s, since);
  const options = convertOptions(s);
  const sizeLimit = s.batch_size_limit ? parseSizeLimit(s.batch_size_limit) : undefined;
  const maxBytes = typeof sizeLimit === 'number' ? sizeLimit : undefined;
  const summary: RunSummary = { events: 0, skipped: 0, objects: 0, warnings: 0, unsupported: new Map(), guessLookups: 0, filteredAttributes: 0 };
  const update = (changes: MispState) => deps.state.set({ ...(deps.state.get() ?? {}), ...changes });
  const threshold = s.attribute_timestamp_filtering && deps.isKnownEvent ? attributeThreshold(initial) : undefined;
  // One platform lookup per distinct tag value per run (the official connector asks per tag per attribute).
  const guesses = new Map<string, ThreatGuess | undefined>();
  let highWater: number | undefined;
  let lastSeen: Date | undefined;
  let resumeAvailable = (initial.remaining_objects_count ?? 0) > 0;
  logger.info('MISP search', { since: isoUtc(since), filter: s.date_filter_field, ...(threshold !== undefined ? { attribute_threshold: threshold } : {}) });

  pages: for (let page = 1; ; page += 1) {
    if (deps.signal?.aborted) break;
    const events = await client.searchPage(body, page);
    if (events.length === 0) break;
    for (const event of events) {
      const label = `${text(event.id) ?? '?'} (${text(event.uuid) ?? 'no uuid'})`;
      const filtered = clientFilterReason(event, s);
      if (filtered) {
        logger.info('MISP event skipped by the client filters', { event: label, reason: filtered });
        continue;
      }
      const datetime = eventDatetime(event, s.datetime_attribute);
      if (!datetime) {
        summary.skipped += 1;
        logger.warn('MISP event skipped: no usable datetime', { event: label, field: s.datetime_attribute });
        continue;
      }
      if (alreadySent(event, datetime, initial, dateMode)) continue;
      lastSeen = datetime;
      // Resume inside the event the previous run was sending (same datetime / id).
      const sameEvent = dateMode ? text(event.id) === initial.current_event_id : isoUtc(datetime) === initial.last_event_date;
      const resuming = resumeAvailable && sameEvent;
      if (resuming) resumeAvailable = false;

      let source = event;
      let contributes = true;
      const uuid = text(event.uuid);
      if (threshold !== undefined && uuid && (await deps.isKnownEvent?.(uuid))) {
        const result = filterAttributesSince(event, threshold);
        source = result.event;
        contributes = result.kept > 0;
        summary.filteredAttributes += result.before - result.kept;
        logger.info('MISP event already in OpenCTI: only its attributes changed since the last run are sent', {
          event: label,
          attributes: result.before,
          kept: result.kept,
        });
      }
      // High-water mark over the events whose filter kept a real attribute (or that were not filtered).
      const latest = contributes ? maxAttributeTimestamp(event) : undefined;
      if (latest !== undefined) highWater = Math.max(highWater ?? latest, latest);

      let threatGuesses: Map<string, ThreatGuess> | undefined;
      if (s.guess_threat_from_tags && deps.guessThreat) {
        threatGuesses = new Map();
        for (const value of guessValues(source)) {
          if (!guesses.has(value)) {
            guesses.set(value, await deps.guessThreat(value));
            summary.guessLookups += 1;
          }
          const guess = guesses.get(value);
          if (guess) threatGuesses.set(value, guess);
        }
      }

      let converted: ReturnType<typeof convertEvent>;
      try {
        converted = convertEvent(source, threatGuesses ? { ...options, threatGuesses } : options);
      } catch (error) {
        // Fix (§1.4.2): a poison event is logged and skipped instead of blocking every run.
        summary.skipped += 1;
        logger.error('MISP event skipped: it could not be converted', { event: label, error: isOpenCtiTsError(error) ? error.message : String(error) });
        continue;
      }
      for (const warning of converted.warnings) logger.warn(warning);
      summary.warnings += converted.warnings.length;
      for (const [type, n] of converted.unsupported) summary.unsupported.set(type, (summary.unsupported.get(type) ?? 0) + n);
      const head = [converted.author, ...converted.markings];
      const objects = converted.objects;
      let offset = 0;
      if (resuming) {
        // With attribute filtering the converted list can differ from the interrupted run's
        // (the event may have become known meanwhile): resend it whole rather than skip objects.
        if (threshold !== undefined) logger.info('MISP event resumed from its first object (attribute filtering is on)', { event: label });
        else offset = Math.max(0, objects.length - (initial.remaining_objects_count ?? 0));
      }
      const headBytes = head.reduce((total, object) => total + Buffer.byteLength(JSON.stringify(object)) + 1, 0);
      const position = (sent: number): MispState => ({
        last_event_date: isoUtc(datetime),
        remaining_objects_count: objects.length - sent,
        ...(dateMode ? { current_event_id: text(event.id) ?? '' } : {}),
      });
      let sent = offset;
      for (const part of chunk(objects.slice(offset), s.batch_count, maxBytes, headBytes)) {
        if (await deps.buffering?.()) {
          // §1.4.2 step 3.6: keep the resume point, drop the rest of the run; the next run
          // fetches this event again and starts at its first unsent object.
          update(position(sent));
          summary.bufferingAt = label;
          logger.info('Connector is buffering: this event is resumed at the next run', { event: label, remaining_objects_count: objects.length - sent });
          break pages;
        }
        await deps.send([...head, ...part]);
        sent += part.length;
        summary.objects += part.length;
        update(position(sent));
      }
      if (objects.length === 0) update({ remaining_objects_count: 0 });
      summary.events += 1;
    }
  }
  if (summary.bufferingAt) return summary;
  // Never lowered: an unfiltered new event may carry attributes older than the threshold.
  if (s.attribute_timestamp_filtering && highWater !== undefined) update({ last_attribute_timestamp: Math.max(threshold ?? 0, highWater + 1) });
  if (!dateMode && lastSeen) {
    // +1 s: the search is inclusive, so without it the last event comes back every run (#4117).
    update({ last_event_date: isoUtc(new Date(lastSeen.getTime() + 1000)), remaining_objects_count: 0 });
  }
  return summary;
}
