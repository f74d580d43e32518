// The run algorithm of connectors.md §1.4 as small pure pieces (search body, event date,
// client filters, dedupe against state, chunking) plus `runImport`, which wires them to the
// MISP client and the SDK's send/state. One work per run; the state is written after every
// chunk so a killed process resumes inside the event it was sending.
import { parseDuration } from '@opencti-ts/sdk/config';
import { InputError, isOpenCtiTsError } from '@opencti-ts/sdk/errors';
import type { Logger } from '@opencti-ts/sdk/log';
import type { MispClient, SearchBody } from './client.ts';
import { parseSizeLimit, parseThreatLevelScores } from './config.ts';
import { type ConvertOptions, convertEvent, type StixObject } from './convert/event.ts';
import { dayDate, type MispEvent, text, truthy, unixDate } from './convert/model.ts';

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

export interface RunDeps {
  client: MispClient;
  settings: MispSettings;
  logger: Logger;
  state: { get(): MispState | undefined; set(state: MispState): void };
  send(objects: StixObject[]): Promise<void>;
  now?: () => Date;
  signal?: AbortSignal;
}

export interface RunSummary {
  events: number;
  skipped: number;
  objects: number;
  warnings: number;
  unsupported: Map<string, number>;
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
  const summary: RunSummary = { events: 0, skipped: 0, objects: 0, warnings: 0, unsupported: new Map() };
  const update = (changes: MispState) => deps.state.set({ ...(deps.state.get() ?? {}), ...changes });
  let lastSeen: Date | undefined;
  let resumeAvailable = (initial.remaining_objects_count ?? 0) > 0;
  logger.info('MISP search', { since: isoUtc(since), filter: s.date_filter_field });

  for (let page = 1; ; page += 1) {
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
      let converted: ReturnType<typeof convertEvent>;
      try {
        converted = convertEvent(event, options);
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
      // Resume inside the event the previous run was sending (same datetime / id).
      let offset = 0;
      const sameEvent = dateMode ? text(event.id) === initial.current_event_id : isoUtc(datetime) === initial.last_event_date;
      if (resumeAvailable && sameEvent) {
        offset = Math.max(0, objects.length - (initial.remaining_objects_count ?? 0));
        resumeAvailable = false;
      }
      const headBytes = head.reduce((total, object) => total + Buffer.byteLength(JSON.stringify(object)) + 1, 0);
      let sent = offset;
      for (const part of chunk(objects.slice(offset), s.batch_count, maxBytes, headBytes)) {
        await deps.send([...head, ...part]);
        sent += part.length;
        summary.objects += part.length;
        update({
          last_event_date: isoUtc(datetime),
          remaining_objects_count: objects.length - sent,
          ...(dateMode ? { current_event_id: text(event.id) ?? '' } : {}),
        });
      }
      if (objects.length === 0) update({ remaining_objects_count: 0 });
      summary.events += 1;
    }
  }
  if (!dateMode && lastSeen) {
    // +1 s: the search is inclusive, so without it the last event comes back every run (#4117).
    update({ last_event_date: isoUtc(new Date(lastSeen.getTime() + 1000)), remaining_objects_count: 0 });
  }
  return summary;
}
