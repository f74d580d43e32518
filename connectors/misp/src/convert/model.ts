// The MISP event model as this connector reads it: every field optional and loosely typed,
// because MISP versions differ (numbers as strings, boolean user_id, types added after the
// official model was written). Unknown values are tolerated here and decided on later,
// per attribute (connectors.md §1.5 Fix), instead of rejecting the whole event.

export interface MispTag {
  name?: unknown;
}

export interface MispCluster {
  value?: unknown;
  description?: unknown;
  meta?: Record<string, unknown> | null;
}

export interface MispGalaxy {
  name?: unknown;
  namespace?: unknown;
  type?: unknown;
  GalaxyCluster?: unknown;
}

export interface MispAttribute {
  uuid?: unknown;
  type?: unknown;
  category?: unknown;
  value?: unknown;
  comment?: unknown;
  to_ids?: unknown;
  timestamp?: unknown;
  data?: unknown;
  deleted?: unknown;
  Tag?: unknown;
  Galaxy?: unknown;
}

export interface MispObject {
  uuid?: unknown;
  name?: unknown;
  description?: unknown;
  Attribute?: unknown;
}

export interface MispEventReport {
  name?: unknown;
  content?: unknown;
  timestamp?: unknown;
  deleted?: unknown;
}

export interface MispEvent {
  id?: unknown;
  uuid?: unknown;
  info?: unknown;
  date?: unknown;
  timestamp?: unknown;
  publish_timestamp?: unknown;
  sighting_timestamp?: unknown;
  published?: unknown;
  distribution?: unknown;
  threat_level_id?: unknown;
  Org?: { name?: unknown } | null;
  Orgc?: { name?: unknown } | null;
  Attribute?: unknown;
  Object?: unknown;
  Tag?: unknown;
  Galaxy?: unknown;
  EventReport?: unknown;
}

export const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined);

export const list = <T>(value: unknown): T[] => (Array.isArray(value) ? (value.filter((item) => item !== null && typeof item === 'object') as T[]) : []);

export const tagNames = (tags: unknown): string[] => list<MispTag>(tags).flatMap((tag) => (typeof tag.name === 'string' ? [tag.name] : []));

/** MISP booleans arrive as true/false, 0/1 or "0"/"1". */
export const truthy = (value: unknown): boolean => value === true || value === 1 || value === '1' || value === 'true';

/** Unix seconds (number or numeric string) → Date, or undefined. */
export function unixDate(value: unknown): Date | undefined {
  const seconds = typeof value === 'number' ? value : typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
  return Number.isFinite(seconds) ? new Date(Math.floor(seconds) * 1000) : undefined;
}

/** `YYYY-MM-DD` → midnight UTC, or undefined. */
export function dayDate(value: unknown): Date | undefined {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const date = new Date(`${value}T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * Every event found in a MISP JSON document: `{"Event": {...}}`, a bare event dict,
 * `{"response": [...]}` (restSearch), or a list of either. Other documents yield nothing.
 */
export function eventsOf(document: unknown): MispEvent[] {
  if (Array.isArray(document)) return document.flatMap(eventsOf);
  if (document === null || typeof document !== 'object') return [];
  const record = document as Record<string, unknown>;
  if (Array.isArray(record.response)) return record.response.flatMap(eventsOf);
  if (record.Event && typeof record.Event === 'object' && !Array.isArray(record.Event)) return [record.Event as MispEvent];
  if (typeof record.info === 'string' && ('Attribute' in record || 'uuid' in record || 'Orgc' in record)) return [record as MispEvent];
  return [];
}
