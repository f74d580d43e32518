// Work bookkeeping of platform-contract §6: the stored document plus the Redis counters
// (kept together here), with the completion rules of toProcessed / reportExpectation.
import { nowIso } from './model.ts';
import { type FilterGroup, matchesGroup, type Page, paginate } from './store.ts';

export type WorkStatus = 'wait' | 'progress' | 'complete' | 'timeout';

export interface WorkMessage {
  timestamp: string;
  message: string;
  sequence: number;
  source?: string;
}

export interface Work {
  id: string;
  name: string;
  event_type: string;
  event_source_id: string;
  user_id: string;
  connector_id: string;
  status: WorkStatus;
  timestamp: string;
  updated_at: string;
  received_time: string | null;
  processed_time: string | null;
  completed_time: string | null;
  completed_number: number | null;
  import_expected_number: number;
  messages: WorkMessage[];
  errors: WorkMessage[];
  draft_context: string | null;
  /** The Redis hash; undefined once removed. */
  redis: { import_expected_number: number; import_processed_number: number; import_last_processed: string | null } | undefined;
}

export interface NewWork {
  connectorId: string;
  name: string;
  eventType: string;
  sourceId: string;
  userId: string;
  status: 'wait' | 'progress';
  draftContext?: string | null;
}

const MAX_ERRORS = 100;

export class WorkStore {
  readonly #works = new Map<string, Work>();
  #lastStamp = 0;
  /** Called whenever a work changes (tests wait on it). */
  onChange: ((work: Work) => void) | undefined;

  /** `work_<connectorId>_<ISO time>`; two works of one millisecond get distinct times. */
  #newId(connectorId: string): { id: string; timestamp: string } {
    const stamp = Math.max(Date.now(), this.#lastStamp + 1);
    this.#lastStamp = stamp;
    const timestamp = new Date(stamp).toISOString();
    return { id: `work_${connectorId}_${timestamp}`, timestamp };
  }

  create(input: NewWork): Work {
    const { id, timestamp } = this.#newId(input.connectorId);
    const work: Work = {
      id,
      name: input.name,
      event_type: input.eventType,
      event_source_id: input.sourceId,
      user_id: input.userId,
      connector_id: input.connectorId,
      status: input.status,
      timestamp,
      updated_at: timestamp,
      received_time: input.status === 'progress' ? timestamp : null,
      processed_time: null,
      completed_time: null,
      completed_number: null,
      import_expected_number: 0,
      messages: [],
      errors: [],
      draft_context: input.draftContext ?? null,
      redis: { import_expected_number: 0, import_processed_number: 0, import_last_processed: null },
    };
    this.#works.set(id, work);
    this.#changed(work);
    return work;
  }

  get(id: string): Work | undefined {
    return this.#works.get(id);
  }

  isAlive(id: string): boolean {
    return this.#works.get(id)?.redis !== undefined;
  }

  toReceived(id: string, message: string | null | undefined): Work | undefined {
    return this.#edit(id, (work, now) => {
      work.status = 'progress';
      work.received_time = now;
      if (message) work.messages.push(entry(work.messages, now, message));
    });
  }

  addExpectations(id: string, expectations: number): Work | undefined {
    return this.#edit(id, (work) => {
      work.import_expected_number += expectations;
      if (work.redis) work.redis.import_expected_number += expectations;
    });
  }

  reportExpectation(id: string, error?: { error?: string | null; source?: string | null } | null): Work | undefined {
    const work = this.#works.get(id);
    if (!work) return undefined;
    const now = nowIso();
    work.redis ??= { import_expected_number: work.import_expected_number, import_processed_number: 0, import_last_processed: null };
    work.redis.import_processed_number += 1;
    work.redis.import_last_processed = now;
    work.updated_at = now;
    if (error) {
      work.errors.push(entry(work.errors, now, error.error ?? '', error.source ?? undefined));
      if (work.errors.length > MAX_ERRORS) work.errors.splice(0, work.errors.length - MAX_ERRORS);
    }
    if (work.redis.import_processed_number === work.redis.import_expected_number) {
      work.status = 'complete';
      work.completed_number = work.redis.import_processed_number;
      work.completed_time = now;
    }
    this.#changed(work);
    return work;
  }

  toProcessed(id: string, message: string | null | undefined, inError: boolean): Work | undefined {
    return this.#edit(id, (work, now) => {
      work.processed_time = now;
      const redis = work.redis;
      const countersMatch = redis !== undefined && redis.import_processed_number === redis.import_expected_number;
      if (work.import_expected_number === 0 || countersMatch) {
        const total = redis?.import_processed_number ?? 0;
        work.status = 'complete';
        work.completed_time = now;
        work.import_expected_number = total === 0 ? 1 : total;
        work.completed_number = work.import_expected_number;
      }
      if (message) (inError ? work.errors : work.messages).push(entry(inError ? work.errors : work.messages, now, message));
      if (countersMatch) work.redis = undefined;
    });
  }

  ping(id: string): Work | undefined {
    return this.#edit(id, () => {});
  }

  addDraftContext(id: string, draftContext: string | null | undefined): Work | undefined {
    return this.#edit(id, (work) => {
      work.draft_context = draftContext ?? null;
    });
  }

  delete(id: string): boolean {
    return this.#works.delete(id);
  }

  deleteForConnector(connectorId: string): void {
    for (const work of this.#works.values()) if (work.connector_id === connectorId) this.#works.delete(work.id);
  }

  forConnector(connectorId: string): Work[] {
    return [...this.#works.values()].filter((work) => work.connector_id === connectorId);
  }

  /** The platform's `works` query: filters on work attributes, newest first by default. */
  list(options: {
    filters?: FilterGroup | null;
    search?: string | null;
    first?: number | null;
    after?: string | null;
    orderBy?: string | null;
    orderMode?: string | null;
  }): Page<Work> {
    let items = [...this.#works.values()];
    if (options.filters) items = items.filter((work) => matchesGroup(work, options.filters as FilterGroup, workValues));
    if (options.search) items = items.filter((work) => work.name.toLowerCase().includes(String(options.search).toLowerCase()));
    const key = (options.orderBy ?? 'timestamp') as keyof Work;
    items.sort((a, b) => String(a[key] ?? '').localeCompare(String(b[key] ?? '')));
    if ((options.orderMode ?? 'desc') === 'desc') items.reverse();
    return paginate(items, options.first, options.after);
  }

  #edit(id: string, change: (work: Work, now: string) => void): Work | undefined {
    const work = this.#works.get(id);
    if (!work) return undefined;
    const now = nowIso();
    change(work, now);
    work.updated_at = now;
    this.#changed(work);
    return work;
  }

  #changed(work: Work): void {
    this.onChange?.(work);
  }
}

function workValues(work: Work, key: string): unknown[] {
  const value = (work as unknown as Record<string, unknown>)[key];
  return Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
}

function entry(list: WorkMessage[], timestamp: string, message: string, source?: string): WorkMessage {
  return { timestamp, message, sequence: list.length, ...(source === undefined ? {} : { source }) };
}
