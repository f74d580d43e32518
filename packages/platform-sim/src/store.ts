// The knowledge store: STIX objects applied by the worker, keyed by standard id, with
// upsert, and the list semantics (filter groups, search, ordering, cursor pagination)
// that export connectors and pycti use.
import { randomUUID } from 'node:crypto';
import { InputError } from '@opencti-ts/sdk/errors';
import { generateId, TLP_MARKING_IDS, type TlpLevel } from '@opencti-ts/sdk/stix';
import { entityTypeOf, nowIso, type TypeInfo } from './model.ts';

export interface Entity {
  internal_id: string;
  standard_id: string;
  /** Every id the object was received under (x_opencti_stix_ids in the platform). */
  stix_ids: string[];
  type: TypeInfo;
  /** The STIX object as last applied (its `id` is the standard id). */
  stix: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  creator_id: string;
}

export interface UpsertResult {
  entity: Entity;
  created: boolean;
  /** True when an update changed at least one property. */
  changed: boolean;
}

export interface Filter {
  key: string | string[];
  values: unknown[];
  operator?: string | null;
  mode?: string | null;
}
export interface FilterGroup {
  mode?: string | null;
  filters?: Filter[] | null;
  filterGroups?: FilterGroup[] | null;
}

export interface ListOptions {
  types?: string[] | null;
  filters?: FilterGroup | null;
  search?: string | null;
  first?: number | null;
  after?: string | null;
  orderBy?: string | null;
  orderMode?: string | null;
}

export interface Page<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { startCursor: string; endCursor: string; hasNextPage: boolean; hasPreviousPage: boolean; globalCount: number };
}

const SYSTEM_ID = '6a4b11e1-90ca-4e42-ba42-db7bc7f7d505';

/** OpenCTI's built-in TLP markings (TLP:WHITE is the old name of TLP:CLEAR, same id). */
const BUILT_IN_TLP: readonly { definition: Exclude<TlpLevel, 'TLP:WHITE'>; order: number; color: string }[] = [
  { definition: 'TLP:CLEAR', order: 1, color: '#ffffff' },
  { definition: 'TLP:GREEN', order: 2, color: '#2e7d32' },
  { definition: 'TLP:AMBER', order: 3, color: '#d84315' },
  { definition: 'TLP:AMBER+STRICT', order: 3, color: '#d84315' },
  { definition: 'TLP:RED', order: 4, color: '#c62828' },
];

export class KnowledgeStore {
  readonly #byStandardId = new Map<string, Entity>();
  readonly #alias = new Map<string, string>();
  /** Standard ids of the built-in markings, which imports never change. */
  readonly #builtIn = new Set<string>();
  #sequence = 0;

  constructor() {
    for (const { definition, order, color } of BUILT_IN_TLP) {
      const { entity } = this.upsert(
        {
          type: 'marking-definition',
          id: TLP_MARKING_IDS[definition],
          spec_version: '2.1',
          definition_type: 'TLP',
          definition,
          name: definition,
          x_opencti_order: order,
          x_opencti_color: color,
        },
        SYSTEM_ID,
      );
      this.#builtIn.add(entity.standard_id);
    }
  }

  get size(): number {
    return this.#byStandardId.size;
  }

  /** Finds an entity by internal id, standard id or any STIX id it was received under. */
  resolve(id: string | null | undefined): Entity | undefined {
    if (!id) return undefined;
    const standard = this.#alias.get(id);
    return standard === undefined ? undefined : this.#byStandardId.get(standard);
  }

  all(): Entity[] {
    return [...this.#byStandardId.values()];
  }

  /** Creates or merges an object (the platform's upsert); unknown types are refused. */
  upsert(received: Record<string, unknown>, creatorId: string): UpsertResult {
    const stixObject = received.type === 'marking-definition' ? openctiMarking(received) : received;
    const type = entityTypeOf(stixObject);
    if (!type) throw new InputError('UNSUPPORTED_TYPE', `Unsupported STIX type "${String(stixObject.type)}"`);
    const givenId = typeof stixObject.id === 'string' ? stixObject.id : undefined;
    const standardId = standardIdOf(stixObject) ?? givenId ?? `${String(stixObject.type)}--${randomUUID()}`;
    const existing = this.resolve(standardId) ?? this.resolve(givenId);
    const now = nowIso();
    if (existing && this.#builtIn.has(existing.standard_id)) {
      // A bundle's marking never replaces a built-in one, even under its id: references keep resolving to it.
      return { entity: existing, created: false, changed: false };
    }
    if (existing) {
      const merged = { ...existing.stix, ...stixObject, id: existing.standard_id };
      const changed = JSON.stringify(merged) !== JSON.stringify(existing.stix);
      existing.stix = merged;
      if (givenId && !existing.stix_ids.includes(givenId)) {
        existing.stix_ids.push(givenId);
        this.#alias.set(givenId, existing.standard_id);
      }
      if (changed) existing.updated_at = now;
      return { entity: existing, created: false, changed };
    }
    // Strictly increasing creation times keep the default order stable.
    this.#sequence += 1;
    const entity: Entity = {
      internal_id: randomUUID(),
      standard_id: standardId,
      stix_ids: givenId && givenId !== standardId ? [givenId] : [],
      type,
      stix: { ...stixObject, id: standardId, spec_version: stixObject.spec_version ?? '2.1' },
      created_at: now,
      updated_at: now,
      creator_id: creatorId,
    };
    this.#byStandardId.set(standardId, entity);
    for (const id of [entity.internal_id, standardId, ...entity.stix_ids]) this.#alias.set(id, standardId);
    return { entity, created: true, changed: true };
  }

  /** Lists entities of one of `categories` with the platform's list arguments. */
  list(categories: readonly string[], options: ListOptions): Page<Entity> {
    let items = this.all().filter((entity) => categories.includes(entity.type.category));
    const types = (options.types ?? []).filter((type): type is string => typeof type === 'string');
    if (types.length > 0) items = items.filter((entity) => types.some((type) => matchesType(entity, type)));
    if (options.filters) items = items.filter((entity) => matchesGroup(entity, options.filters as FilterGroup, (e, key) => entityValues(this, e, key)));
    if (options.search) {
      const needle = options.search.toLowerCase();
      items = items.filter((entity) =>
        ['name', 'value', 'description', 'pattern', 'x_mitre_id'].some((key) =>
          String(entity.stix[key] ?? '')
            .toLowerCase()
            .includes(needle),
        ),
      );
    }
    if (options.orderBy) {
      const key = options.orderBy;
      items.sort((a, b) => compare(orderValue(a, key), orderValue(b, key)));
    }
    if (options.orderMode === 'desc') items.reverse();
    return paginate(items, options.first, options.after);
  }
}

/**
 * A marking-definition as the platform stores it (pycti's MarkingDefinition.import_from_stix2):
 * `definition_type` and `definition` are strings (STIX 2.1's `{"tlp": "green"}` becomes
 * "TLP:GREEN", a statement its text), and TLP:WHITE is TLP:CLEAR.
 */
export function openctiMarking(stix: Record<string, unknown>): Record<string, unknown> {
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const name = text(stix.name);
  let definitionType = text(stix.x_opencti_definition_type);
  let definition = definitionType === undefined ? undefined : text(stix.x_opencti_definition);
  if (definition === undefined) {
    definitionType = text(stix.definition_type);
    const given = stix.definition;
    if (definitionType === 'tlp') {
      definitionType = 'TLP';
      const level = given && typeof given === 'object' ? text((given as Record<string, unknown>).tlp) : undefined;
      definition = level ? `TLP:${level.toUpperCase()}` : name;
    } else if (definitionType !== undefined) {
      const nested = given && typeof given === 'object' ? text((given as Record<string, unknown>)[definitionType]) : undefined;
      definition = text(given) ?? nested ?? name;
    } else if (name !== undefined) {
      definitionType = name.includes(':') ? name.split(':')[0] : 'statement';
      definition = name;
    }
  }
  if (definition === 'TLP:WHITE') definition = 'TLP:CLEAR';
  return { ...stix, ...(definitionType === undefined ? {} : { definition_type: definitionType }), ...(definition === undefined ? {} : { definition }) };
}

export function standardIdOf(stixObject: Record<string, unknown>): string | undefined {
  try {
    return generateId(stixObject as { type: string }) ?? undefined;
  } catch {
    return undefined;
  }
}

function matchesType(entity: Entity, type: string): boolean {
  const wanted = type.toLowerCase();
  return entity.type.entityType.toLowerCase() === wanted || entity.type.parentTypes.some((parent) => parent.toLowerCase() === wanted);
}

function orderValue(entity: Entity, key: string): unknown {
  if (key === 'created_at' || key === 'updated_at') return entity[key];
  if (key === '_score') return 0;
  if (key === 'entity_type') return entity.type.entityType;
  return entity.stix[key];
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === undefined || a === null) return -1;
  if (b === undefined || b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b));
}

/** The values a filter key reads on an entity (lists for multi-valued keys). */
function entityValues(store: KnowledgeStore, entity: Entity, key: string): unknown[] {
  const stix = entity.stix;
  const refs = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]);
  // Reference filters match any id form of the referenced entity.
  const expand = (ids: unknown[]) =>
    ids.flatMap((id) => {
      const target = typeof id === 'string' ? store.resolve(id) : undefined;
      return target ? [target.internal_id, target.standard_id, ...target.stix_ids] : [id];
    });
  switch (key) {
    case 'ids':
    case 'id':
      return [entity.internal_id, entity.standard_id, ...entity.stix_ids];
    case 'entity_type':
      return [entity.type.entityType, ...entity.type.parentTypes];
    case 'objectMarking':
      return expand(refs(stix.object_marking_refs));
    case 'objectLabel':
      return refs(stix.labels);
    case 'createdBy':
      return expand(refs(stix.created_by_ref));
    case 'objects':
      return expand(refs(stix.object_refs));
    case 'fromId':
      return expand(refs(stix.source_ref ?? stix.sighting_of_ref));
    case 'toId':
      return expand(refs(stix.target_ref ?? stix.where_sighted_refs));
    case 'relationship_type':
      return refs(stix.relationship_type);
    case 'created_at':
    case 'updated_at':
      return [entity[key]];
    case 'creator_id':
      return [entity.creator_id];
    case 'standard_id':
      return [entity.standard_id];
    case 'x_opencti_score':
      return refs(stix.x_opencti_score);
    default: {
      if (key in stix) return refs(stix[key]);
      // OpenCTI attributes sent inside the OpenCTI extension (x_opencti_aliases...) filter alike.
      const extensions = (stix.extensions ?? {}) as Record<string, Record<string, unknown> | null>;
      for (const extension of Object.values(extensions)) if (extension && key in extension) return refs(extension[key]);
      return [];
    }
  }
}

type ValuesOf<T> = (item: T, key: string) => unknown[];

/** Evaluates a FilterGroup (filters and nested groups combined with the group's mode). */
export function matchesGroup<T>(item: T, group: FilterGroup, valuesOf: ValuesOf<T>): boolean {
  const results = [
    ...(group.filters ?? []).map((filter) => matchesFilter(item, filter, valuesOf)),
    ...(group.filterGroups ?? []).map((inner) => matchesGroup(item, inner, valuesOf)),
  ];
  if (results.length === 0) return true;
  return group.mode === 'or' ? results.some(Boolean) : results.every(Boolean);
}

function matchesFilter<T>(item: T, filter: Filter, valuesOf: ValuesOf<T>): boolean {
  const keys = Array.isArray(filter.key) ? filter.key : [filter.key];
  const operator = filter.operator ?? 'eq';
  const actual = keys.flatMap((key) => valuesOf(item, key));
  if (operator === 'nil') return actual.length === 0 || actual.every((value) => value === null || value === '');
  if (operator === 'not_nil') return actual.some((value) => value !== null && value !== undefined && value !== '');
  const negated = operator.startsWith('not_');
  const base = negated ? operator.slice(4) : operator;
  const test = (expected: unknown): boolean => {
    const hit = actual.some((value) => compareOne(value, expected, base));
    return negated ? !hit : hit;
  };
  const values = filter.values ?? [];
  // Negations of a multi-valued attribute hold when none of the values is present.
  const mode = filter.mode ?? (negated ? 'and' : 'or');
  return mode === 'and' ? values.every(test) : values.some(test);
}

function compareOne(value: unknown, expected: unknown, operator: string): boolean {
  const a = String(value);
  const b = String(expected);
  switch (operator) {
    case 'eq':
      return a.toLowerCase() === b.toLowerCase();
    case 'gt':
      return compare(value, expected) > 0;
    case 'gte':
      return compare(value, expected) >= 0;
    case 'lt':
      return compare(value, expected) < 0;
    case 'lte':
      return compare(value, expected) <= 0;
    case 'contains':
    case 'match':
    case 'wildcard':
      return a.toLowerCase().includes(b.toLowerCase());
    case 'starts_with':
      return a.toLowerCase().startsWith(b.toLowerCase());
    case 'ends_with':
      return a.toLowerCase().endsWith(b.toLowerCase());
    default:
      return false;
  }
}

/** Cursor pagination: the cursor is the base64 of the item's offset in the ordered list. */
export function paginate<T>(items: readonly T[], first: number | null | undefined, after: string | null | undefined): Page<T> {
  const start = after ? Number(Buffer.from(after, 'base64').toString('utf8')) + 1 : 0;
  const offset = Number.isFinite(start) && start > 0 ? start : 0;
  const size = first ?? 500;
  const slice = items.slice(offset, offset + size);
  const edges = slice.map((node, index) => ({ cursor: Buffer.from(String(offset + index)).toString('base64'), node }));
  return {
    edges,
    pageInfo: {
      startCursor: edges[0]?.cursor ?? '',
      endCursor: edges.at(-1)?.cursor ?? '',
      hasNextPage: offset + size < items.length,
      hasPreviousPage: offset > 0,
      globalCount: items.length,
    },
  };
}
