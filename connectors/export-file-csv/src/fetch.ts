// Reading what an export contains (connectors.md §5.3), page by page: single (the entity
// read as the connector, its contents as the applicant), selection (`main_filter`) and
// query (the list's filters AND the access filter, search and order).
import type { ApiClient, FilterGroup } from '@opencti-ts/sdk/api';
import { InputError } from '@opencti-ts/sdk/errors';
import type { ExportFileEvent } from '@opencti-ts/sdk/runtime';
import type { Row } from './convert/csv.ts';
import { forSingleExport, toRow } from './convert/rows.ts';
import {
  type GraphqlNode,
  LIST_CORE_OBJECTS,
  LIST_CORE_RELATIONSHIPS,
  LIST_CYBER_OBSERVABLES,
  LIST_DOMAIN_OBJECTS,
  type ListVariables,
  READ_ENTITY,
} from './documents.ts';

const OBSERVABLE_TYPES = new Set(
  'Artifact Autonomous-System Bank-Account Credential Cryptocurrency-Wallet Cryptographic-Key Directory Domain-Name Email-Addr Email-Message Email-Mime-Part-Type Hostname ICCID IMEI IMSI IPv4-Addr IPv6-Addr Mac-Addr Media-Content Mutex Network-Traffic Payment-Card Persona Phone-Number Process SSH-Key Software StixFile Text Tracking-Number Url User-Account User-Agent Windows-Registry-Key Windows-Registry-Value-Type X509-Certificate'.split(
    ' ',
  ),
);

type Lister = { kind: 'core' | 'domain' | 'observable' | 'relationship'; types: string[] | null; relationshipType: string | null };

/** The official type mapping of the list reader (identity / location subtypes, Container, Threat-Actor). */
export function listerFor(entityType: string): Lister {
  if (entityType === 'Stix-Core-Object') return { kind: 'core', types: null, relationshipType: null };
  if (entityType === 'Stix-Cyber-Observable') return { kind: 'observable', types: null, relationshipType: null };
  if (OBSERVABLE_TYPES.has(entityType)) return { kind: 'observable', types: [entityType], relationshipType: null };
  if (entityType.toLowerCase() === 'stix-core-relationship') return { kind: 'relationship', types: null, relationshipType: null };
  if (/^[a-z]/.test(entityType)) return { kind: 'relationship', types: null, relationshipType: entityType };
  if (entityType === 'Stix-Domain-Object') return { kind: 'domain', types: null, relationshipType: null };
  if (entityType === 'Threat-Actor') return { kind: 'domain', types: ['Threat-Actor-Group'], relationshipType: null };
  return { kind: 'domain', types: [entityType], relationshipType: null };
}

/** AND of groups, null members omitted (a null inside `filterGroups` is a GraphQL error). */
export function andGroups(...groups: unknown[]): FilterGroup {
  return { mode: 'and', filters: [], filterGroups: groups.filter((group): group is FilterGroup => typeof group === 'object' && group !== null) };
}

export interface FetchOptions {
  pageSize: number;
  signal?: AbortSignal;
}

const DOCUMENTS = {
  core: [LIST_CORE_OBJECTS, 'stixCoreObjects'],
  domain: [LIST_DOMAIN_OBJECTS, 'stixDomainObjects'],
  observable: [LIST_CYBER_OBSERVABLES, 'stixCyberObservables'],
  relationship: [LIST_CORE_RELATIONSHIPS, 'stixCoreRelationships'],
} as const;

/** pycti's get-all: `after = endCursor` while `hasNextPage`, one page at a time. */
export async function* listPages(api: ApiClient, lister: Lister, variables: ListVariables, options: FetchOptions): AsyncGenerator<Row[]> {
  const [document, field] = DOCUMENTS[lister.kind];
  let filters = variables.filters ?? null;
  if (lister.relationshipType)
    filters = andGroups(filters, { mode: 'and', filters: [{ key: 'relationship_type', values: [lister.relationshipType] }], filterGroups: [] });
  let after: string | null = null;
  for (;;) {
    const page: ListVariables = { ...variables, filters, first: options.pageSize, after };
    if (lister.kind !== 'relationship') page.types = lister.types;
    const result = (await api.query(document, page, options.signal ? { signal: options.signal } : {})) as Record<string, unknown>;
    const connection = result[field] as { edges: { node: GraphqlNode }[]; pageInfo: { endCursor: string | null; hasNextPage: boolean } } | null;
    if (!connection) return;
    yield connection.edges.map((edge) => toRow(edge.node));
    if (!connection.pageInfo.hasNextPage || !connection.pageInfo.endCursor || connection.pageInfo.endCursor === after) return;
    after = connection.pageInfo.endCursor;
  }
}

const ORDER_DEFAULT = 'created_at';

/** The official order rule: no or `_score` orderBy → created_at; orderMode desc only when none was given. */
export function exportOrder(orderBy: unknown, orderMode: unknown): { orderBy: string; orderMode: 'asc' | 'desc' } {
  const by = typeof orderBy === 'string' && orderBy !== '' && orderBy !== '_score' ? orderBy : ORDER_DEFAULT;
  const mode = orderMode === 'asc' || orderMode === 'desc' ? orderMode : 'desc';
  return { orderBy: by, orderMode: mode };
}

/** Every row of the export, in the official order, one page at a time. */
// `api` acts as the applicant (list reads are impersonated); the single entity is read as
// the connector itself, without impersonation, as the official connector does.
export async function* exportPages(event: ExportFileEvent, api: ApiClient, options: FetchOptions): AsyncGenerator<Row[]> {
  if (event.exportScope === 'single') {
    if (!event.entityId) throw new InputError('EXPORT_WITHOUT_ENTITY', 'a single export message has no entity_id');
    const read = await api.query(READ_ENTITY, { id: event.entityId }, { impersonate: false, ...(options.signal ? { signal: options.signal } : {}) });
    if (!read.stixCoreObject)
      throw new InputError('ENTITY_NOT_FOUND', `the exported entity ${event.entityId} no longer exists or cannot be read by the connector`);
    const entity = toRow(read.stixCoreObject);
    const ids = Array.isArray(entity.objectsIds) ? entity.objectsIds.filter((id): id is string => typeof id === 'string') : [];
    // Without contents the official ids filter would be empty, i.e. match everything: skip it.
    if (ids.length > 0) {
      const filters = andGroups({ mode: 'or', filters: [{ key: 'ids', values: ids }], filterGroups: [] }, event.accessFilter);
      for (const lister of [listerFor('Stix-Core-Object'), listerFor('stix-core-relationship')])
        for await (const page of listPages(api, lister, { filters }, options)) yield page.map((row) => forSingleExport(row, 'content'));
    }
    yield [forSingleExport(entity, 'entity')];
    return;
  }
  if (event.exportScope === 'selection') {
    const filters = (event.mainFilter ?? null) as FilterGroup | null;
    for (const lister of [listerFor('Stix-Core-Object'), listerFor('stix-core-relationship')]) yield* listPages(api, lister, { filters }, options);
    return;
  }
  const params = event.listParams ?? {};
  const order = exportOrder(params.orderBy, params.orderMode);
  yield* listPages(
    api,
    listerFor(event.entityType),
    {
      search: typeof params.search === 'string' && params.search !== '' ? params.search : null,
      filters: andGroups(params.filters, event.accessFilter),
      ...order,
    },
    options,
  );
}

/** `visible_columns` of newer platforms (absent at 6.9.17: all columns). */
export function visibleColumnsOf(event: ExportFileEvent): string[] | null {
  const columns = event.listParams?.visible_columns;
  return Array.isArray(columns) ? columns.filter((column): column is string => typeof column === 'string') : null;
}
