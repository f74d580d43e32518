// The GraphQL API: the subset schema of schema.graphql, capability checks driven by its
// `@auth` directives, the platform's document limits, and the resolvers.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PlatformError } from '@opencti-ts/sdk/errors';
import { externalReferenceId, labelId } from '@opencti-ts/sdk/stix';
import {
  buildSchema,
  type DocumentNode,
  type ExecutionResult,
  execute,
  type GraphQLError,
  GraphQLError as GraphQLErrorClass,
  type GraphQLFieldResolver,
  type GraphQLSchema,
  type GraphQLTypeResolver,
  isObjectType,
  NoSchemaIntrospectionCustomRule,
  parse,
  specifiedRules,
  type ValidationContext,
  type ValidationRule,
  validate,
  valueFromASTUntyped,
} from 'graphql';
import type { StoredFile } from './files.ts';
import { toStix } from './jobs.ts';
import { grants, observableValue, type User } from './model.ts';
import { type ConnectorRecord, entityLabel, type Platform } from './platform.ts';
import { type Entity, type FilterGroup, matchesGroup, type Page, paginate } from './store.ts';
import type { Work } from './works.ts';

export const SCHEMA_SDL = readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8');

export interface Context {
  platform: Platform;
  /** The effective user (after impersonation), undefined when anonymous. */
  user: User | undefined;
}

export interface Upload {
  filename: string;
  mimetype: string;
  data: Buffer;
}

// ---------------------------------------------------------------- document limits

/** The platform's batching limit: each Query root field ≤ 2 (`subTypes` 4), each Mutation root field once. */
export const rootFieldLimitRule: ValidationRule = (context: ValidationContext) => {
  const counts = new Map<string, number>();
  return {
    OperationDefinition(node) {
      const root = node.operation === 'mutation' ? 'Mutation' : node.operation === 'query' ? 'Query' : undefined;
      if (!root) return;
      for (const selection of node.selectionSet.selections) {
        if (selection.kind !== 'Field') continue;
        const name = selection.name.value;
        const max = root === 'Mutation' ? 1 : name === 'subTypes' ? 4 : 2;
        const key = `${root}.${name}`;
        const count = (counts.get(key) ?? 0) + 1;
        counts.set(key, count);
        if (count === max + 1)
          context.reportError(new GraphQLErrorClass(`Root field ${name} can be used at most ${max} time(s) per document`, { nodes: [selection] }));
      }
    },
  };
};

// ---------------------------------------------------------------- views

const BASIC_OBJECT = ['Basic-Object'];

function connectorView(platform: Platform, connector: ConnectorRecord) {
  return {
    ...connector,
    standard_id: `connector--${connector.id}`,
    entity_type: 'Connector',
    parent_types: [...BASIC_OBJECT, 'Internal-Object'],
    active: platform.isActive(connector),
    config: platform.connectorConfig(connector),
    connector_queue_details: () => platform.broker.queueDetails(connector.id),
    connector_user: (_args: unknown, context: Context) => {
      if (!context.user || !grants(context.user.capabilities, 'SETTINGS_SETACCESSES')) return null;
      const user = platform.userById(connector.connector_user_id);
      return user ? userView(user) : null;
    },
    works: (args: { status?: string | null }) =>
      platform.works
        .forConnector(connector.id)
        .filter((work) => !args.status || work.status === args.status)
        .map((work) => workView(platform, work)),
  };
}

function userView(user: User) {
  return {
    ...user,
    standard_id: `user--${user.id}`,
    entity_type: 'User',
    parent_types: [...BASIC_OBJECT, 'Internal-Object'],
    capabilities: user.capabilities.map((name) => ({
      id: name,
      name,
      description: name,
      standard_id: `capability--${name}`,
      entity_type: 'Capability',
      parent_types: [...BASIC_OBJECT, 'Internal-Object'],
    })),
    individual_id: null,
    firstname: null,
    lastname: null,
    description: null,
    theme: 'default',
    language: 'auto',
    unit_system: null,
    submenu_show_icons: false,
    submenu_auto_collapse: false,
    administrated_organizations: [],
    objectOrganization: { edges: [] },
    groups: { edges: [] },
    effective_confidence_level: { max_confidence: 100, overrides: [], source: null },
  };
}

function workView(platform: Platform, work: Work) {
  const user = platform.userById(work.user_id);
  const connector = platform.connectors.get(work.connector_id);
  return {
    ...work,
    user: user ? { id: user.id, name: user.name } : null,
    connector: connector ? connectorView(platform, connector) : null,
    tracking: work.redis
      ? { ...work.redis }
      : { import_expected_number: work.import_expected_number, import_processed_number: work.completed_number, import_last_processed: null },
  };
}

function fileView(platform: Platform, file: StoredFile) {
  return {
    ...file,
    lastModifiedSinceMin: Math.floor((Date.now() - Date.parse(file.lastModified)) / 60_000),
    uploadStatus: 'complete',
    works: () =>
      platform.works
        .list({ filters: { mode: 'and', filters: [{ key: 'event_source_id', values: [file.id] }], filterGroups: [] }, first: 500 })
        .edges.map((edge) => workView(platform, edge.node)),
  };
}

function pageOf<T, V>(page: Page<T>, view: (item: T) => V): Page<V> {
  return { edges: page.edges.map((edge) => ({ cursor: edge.cursor, node: view(edge.node) })), pageInfo: page.pageInfo };
}

const emptyPage = () => paginate([], 0, null);

function isEntity(value: unknown): value is Entity {
  return typeof value === 'object' && value !== null && 'internal_id' in value && 'stix' in value && 'standard_id' in value;
}

function metaObject(entityType: string, parentTypes: string[], id: string, fields: Record<string, unknown>) {
  return { id, standard_id: id, entity_type: entityType, parent_types: parentTypes, __typename: entityType.replace(/-/g, ''), ...fields };
}

const META_PARENTS = ['Basic-Object', 'Stix-Object', 'Stix-Meta-Object'];

/** Resolves a field of a stored entity: OpenCTI attributes first, then STIX properties. */
function entityField(platform: Platform, entity: Entity, field: string, args: Record<string, unknown>): unknown {
  const stix = entity.stix;
  const resolveMany = (value: unknown) => (Array.isArray(value) ? value : []).map((id) => platform.store.resolve(String(id))).filter((e) => e !== undefined);
  switch (field) {
    case 'id':
      return entity.internal_id;
    case 'standard_id':
      return entity.standard_id;
    case 'entity_type':
      return entity.type.entityType;
    case 'parent_types':
      return entity.type.parentTypes;
    case 'spec_version':
      return '2.1';
    case 'created_at':
    case 'updated_at':
      return entity[field];
    case 'representative':
      return { main: entityLabel(entity), secondary: null };
    case 'observable_value':
      return observableValue(stix);
    case 'creators': {
      const user = platform.userById(entity.creator_id);
      return [{ id: entity.creator_id, name: user?.name ?? 'unknown' }];
    }
    case 'createdBy':
      return typeof stix.created_by_ref === 'string' ? (platform.store.resolve(stix.created_by_ref) ?? null) : null;
    case 'objectMarking':
      return resolveMany(stix.object_marking_refs);
    case 'objectLabel':
      return (Array.isArray(stix.labels) ? stix.labels : []).map((value) =>
        metaObject('Label', META_PARENTS, labelId(String(value)), { value: String(value), color: '#000000' }),
      );
    case 'objectOrganization':
      return [];
    case 'externalReferences': {
      const refs = Array.isArray(stix.external_references) ? (stix.external_references as Record<string, unknown>[]) : [];
      const nodes = refs.map((ref, index) =>
        metaObject('External-Reference', META_PARENTS, `external-reference--${entity.internal_id}-${index}`, {
          source_name: ref.source_name ?? null,
          description: ref.description ?? null,
          url: ref.url ?? null,
          hash: ref.hash ?? null,
          external_id: ref.external_id ?? null,
          created: entity.created_at,
          modified: entity.updated_at,
          importFiles: emptyPage(),
        }),
      );
      return paginate(nodes, null, null);
    }
    case 'killChainPhases':
      return (Array.isArray(stix.kill_chain_phases) ? (stix.kill_chain_phases as Record<string, unknown>[]) : []).map((phase) =>
        metaObject('Kill-Chain-Phase', META_PARENTS, `kill-chain-phase--${String(phase.kill_chain_name)}-${String(phase.phase_name)}`, {
          kill_chain_name: phase.kill_chain_name,
          phase_name: phase.phase_name,
          x_opencti_order: phase.x_opencti_order ?? 0,
          created: entity.created_at,
          modified: entity.updated_at,
        }),
      );
    case 'objects':
      return paginate(resolveMany(stix.object_refs), (args.first as number | undefined) ?? null, (args.after as string | undefined) ?? null);
    case 'importFiles':
      return pageOf(platform.files.list(`import/${entity.type.entityType}/${entity.internal_id}`, args), (file) => fileView(platform, file));
    case 'exportFiles':
      return pageOf(platform.files.list(`export/${entity.type.entityType}/${entity.internal_id}`, args), (file) => fileView(platform, file));
    case 'toStix':
      return JSON.stringify(toStix(entity));
    case 'hashes': {
      const hashes = stix.hashes;
      return hashes && typeof hashes === 'object' ? Object.entries(hashes).map(([algorithm, hash]) => ({ algorithm, hash })) : [];
    }
    case 'from':
      return platform.store.resolve(String(stix.source_ref ?? stix.sighting_of_ref ?? '')) ?? null;
    case 'to':
      return platform.store.resolve(String(stix.target_ref ?? '')) ?? null;
    case 'indicators':
      return emptyPage();
    case 'x_opencti_order':
      return stix.x_opencti_order ?? 0;
    case 'confidence':
      return stix.confidence ?? null;
    // Non-null in the schema; the platform stores false when the STIX object omits it.
    case 'revoked':
      return stix.revoked ?? false;
    default: {
      if (field in stix) return stix[field];
      const extensions = (stix.extensions ?? {}) as Record<string, Record<string, unknown>>;
      for (const extension of Object.values(extensions)) if (extension && field in extension) return extension[field];
      return null;
    }
  }
}

/**
 * The platform's external references: meta objects shared by the entities citing them. The
 * stand-in keeps them inside each STIX object, so the list gathers them from every stored
 * entity, one per pycti id (url, else source_name + external_id), then filters and pages.
 */
function externalReferenceList(platform: Platform, args: Record<string, unknown>): Page<Record<string, unknown>> {
  const byId = new Map<string, Record<string, unknown>>();
  for (const entity of platform.store.all()) {
    const refs = Array.isArray(entity.stix.external_references) ? (entity.stix.external_references as Record<string, unknown>[]) : [];
    for (const ref of refs) {
      const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);
      const id = externalReferenceId({ url: text(ref.url), source_name: text(ref.source_name), external_id: text(ref.external_id) });
      if (!id || byId.has(id)) continue;
      byId.set(
        id,
        metaObject('External-Reference', META_PARENTS, id, {
          source_name: text(ref.source_name) ?? '',
          description: text(ref.description),
          url: text(ref.url),
          hash: text(ref.hash),
          external_id: text(ref.external_id),
          created: entity.created_at,
          modified: entity.updated_at,
          importFiles: emptyPage(),
        }),
      );
    }
  }
  let nodes = [...byId.values()];
  if (args.filters) nodes = nodes.filter((node) => matchesGroup(node, args.filters as FilterGroup, (item, key) => refValues(item[key])));
  if (typeof args.search === 'string' && args.search !== '') {
    const needle = args.search.toLowerCase();
    nodes = nodes.filter((node) =>
      ['source_name', 'external_id', 'url', 'description'].some((key) =>
        String(node[key] ?? '')
          .toLowerCase()
          .includes(needle),
      ),
    );
  }
  return paginate(nodes, (args.first as number | null | undefined) ?? null, (args.after as string | null | undefined) ?? null);
}

const refValues = (value: unknown): unknown[] => (value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]);

// ---------------------------------------------------------------- resolvers

function requireUser(context: Context): User {
  if (!context.user) throw new PlatformError('AUTH_REQUIRED', 'You must be logged in to do this.');
  return context.user;
}

function entityOf(platform: Platform, id: string, categories: string[]): Entity | null {
  const entity = platform.store.resolve(id);
  return entity && categories.includes(entity.type.category) ? entity : null;
}

function editTarget(platform: Platform, id: string, categories: string[]): Entity {
  const entity = entityOf(platform, id, categories);
  if (!entity) throw new PlatformError('FUNCTIONAL_ERROR', 'Cannot edit the element, Stix-Core-Object cannot be found.');
  return entity;
}

function exportPseudoFiles(results: { work: Work; fileName: string }[]) {
  return results.map(({ work, fileName }) => ({
    id: work.id,
    name: fileName,
    size: 0,
    lastModified: work.timestamp,
    lastModifiedSinceMin: 0,
    uploadStatus: work.status,
    metaData: null,
    works: [],
  }));
}

function relationshipFilters(args: Record<string, unknown>): FilterGroup {
  const filters: { key: string; values: unknown[]; operator: string; mode: string }[] = [];
  const add = (key: string, value: unknown) => {
    const values = (Array.isArray(value) ? value : value ? [value] : []).filter((v) => v !== null);
    if (values.length > 0) filters.push({ key, values, operator: 'eq', mode: 'or' });
  };
  add('fromId', args.fromId);
  add('toId', args.toId);
  add('relationship_type', args.relationship_type);
  const groups: FilterGroup[] = args.filters ? [args.filters as FilterGroup] : [];
  const fromOrTo = (Array.isArray(args.fromOrToId) ? args.fromOrToId : args.fromOrToId ? [args.fromOrToId] : []).filter((v) => v !== null);
  if (fromOrTo.length > 0)
    groups.push({
      mode: 'or',
      filters: [
        { key: 'fromId', values: fromOrTo, operator: 'eq', mode: 'or' },
        { key: 'toId', values: fromOrTo, operator: 'eq', mode: 'or' },
      ],
      filterGroups: [],
    });
  return { mode: 'and', filters, filterGroups: groups };
}

type Args = Record<string, unknown>;
type Resolver = (args: Args, context: Context) => unknown;

function rootResolvers(platform: Platform): { Query: Record<string, Resolver>; Mutation: Record<string, Resolver> } {
  const connectorsView = (list: ConnectorRecord[]) => list.map((connector) => connectorView(platform, connector));
  const upload = (args: Args) => args.file as Upload;
  const strings = (value: unknown) => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

  const entityEdit = (id: string, categories: string[]) => ({
    askEnrichment: async ({ connectorId }: Args, context: Context) =>
      workView(platform, await platform.askEnrichment(editTarget(platform, id, categories), String(connectorId), requireUser(context))),
    askEnrichments: async ({ connectorIds }: Args, context: Context) => {
      const entity = editTarget(platform, id, categories);
      const works = [];
      for (const connectorId of strings(connectorIds)) works.push(workView(platform, await platform.askEnrichment(entity, connectorId, requireUser(context))));
      return works;
    },
    exportAsk: async (args: Args, context: Context) => {
      const input = (args.input ?? {
        format: args.format,
        exportType: args.exportType,
        contentMaxMarkings: args.maxMarkingDefinition ? [args.maxMarkingDefinition] : [],
      }) as {
        format: string;
        exportType: string;
      };
      return exportPseudoFiles(await platform.askEntityExport(editTarget(platform, id, categories), input, requireUser(context)));
    },
    exportPush: async (args: Args, context: Context) => {
      const entity = editTarget(platform, id, categories);
      const file = upload(args);
      platform.files.upload({
        folder: `export/${entity.type.entityType}/${entity.internal_id}`,
        filename: file.filename,
        data: file.data,
        creatorId: requireUser(context).id,
        entityId: entity.internal_id,
        fileMarkings: strings(args.file_markings),
      });
      return true;
    },
    importPush: async (args: Args, context: Context) => {
      const entity = editTarget(platform, id, categories);
      const file = upload(args);
      const folder = args.embedded ? `embedded/${entity.type.entityType}/${entity.internal_id}` : `import/${entity.type.entityType}/${entity.internal_id}`;
      const stored = await platform.upload(
        {
          folder,
          filename: file.filename,
          data: file.data,
          creatorId: requireUser(context).id,
          entityId: entity.internal_id,
          fileMarkings: strings(args.fileMarkings),
          version: (args.version as string | null) ?? null,
          noTriggerImport: Boolean(args.noTriggerImport) || Boolean(args.embedded),
        },
        requireUser(context),
      );
      return fileView(platform, stored);
    },
  });

  const listExportAsk = (defaultType: string) => async (args: Args, context: Context) => {
    const input = (args.input ?? args) as Parameters<Platform['askListExport']>[0];
    return exportPseudoFiles(await platform.askListExport(input, defaultType, requireUser(context)));
  };
  const listExportPush = async (args: Args, context: Context) => {
    const file = upload(args);
    const folder = args.entity_id ? `export/${String(args.entity_type)}/${String(args.entity_id)}` : `export/${String(args.entity_type)}`;
    platform.files.upload({
      folder,
      filename: file.filename,
      data: file.data,
      creatorId: requireUser(context).id,
      entityId: (args.entity_id as string | null) ?? null,
      fileMarkings: strings(args.file_markings),
      listFilters: (args.listFilters as string | null) ?? null,
    });
    return true;
  };

  return {
    Query: {
      about: () => ({ version: platform.version }),
      me: (_args, context) => userView(requireUser(context)),
      connector: ({ id }) => {
        const connector = platform.connectors.get(String(id));
        return connector ? connectorView(platform, connector) : null;
      },
      connectors: () => connectorsView([...platform.connectors.values()]),
      connectorsForWorker: () => connectorsView([...platform.connectors.values()]),
      connectorsForExport: () => connectorsView(platform.connectorsOfType('INTERNAL_EXPORT_FILE')),
      connectorsForImport: () => connectorsView(platform.connectorsOfType('INTERNAL_IMPORT_FILE')),
      work: ({ id }) => {
        const work = platform.works.get(String(id));
        return work ? workView(platform, work) : null;
      },
      works: (args) => pageOf(platform.works.list(args as Parameters<Platform['works']['list']>[0]), (work) => workView(platform, work)),
      isWorkAlive: ({ id }) => platform.works.isAlive(String(id)),
      stix: ({ id }) => {
        const entity = platform.store.resolve(String(id));
        return entity ? JSON.stringify(toStix(entity)) : null;
      },
      externalReferences: (args) => externalReferenceList(platform, args),
      stixCoreObject: ({ id }) => entityOf(platform, String(id), ['sdo', 'sco']),
      stixDomainObject: ({ id }) => entityOf(platform, String(id), ['sdo']),
      stixCyberObservable: ({ id }) => entityOf(platform, String(id), ['sco']),
      stixCoreRelationship: ({ id }) => entityOf(platform, String(id ?? ''), ['relationship']),
      stixCoreObjects: (args) => platform.store.list(['sdo', 'sco'], args),
      stixDomainObjects: (args) => platform.store.list(['sdo'], args),
      stixCyberObservables: (args) => platform.store.list(['sco'], args),
      stixCoreRelationships: (args) => platform.store.list(['relationship'], { ...args, filters: relationshipFilters(args) }),
      stixNestedRefRelationships: () => emptyPage(),
      importFiles: (args) => pageOf(platform.files.list('import/global', args), (file) => fileView(platform, file)),
      pendingFiles: (args) => pageOf(platform.files.list('import/pending', args), (file) => fileView(platform, file)),
      file: ({ id }) => {
        const file = platform.files.get(String(id));
        return file ? fileView(platform, file) : null;
      },
    },
    Mutation: {
      registerConnector: async ({ input }, context) =>
        connectorView(platform, await platform.registerConnector(input as Parameters<Platform['registerConnector']>[0], requireUser(context))),
      pingConnector: async ({ id, state, connectorInfo }) =>
        connectorView(platform, await platform.pingConnector(String(id), state as string | null, connectorInfo as Parameters<Platform['pingConnector']>[2])),
      resetStateConnector: async ({ id }) => connectorView(platform, await platform.resetConnectorState(String(id))),
      deleteConnector: ({ id }) => platform.deleteConnector(String(id)),
      workAdd: ({ connectorId, friendlyName }, context) =>
        workView(platform, platform.workAdd(String(connectorId), friendlyName as string | null, requireUser(context))),
      workEdit: ({ id }) => {
        const workId = String(id);
        // Every edit answers the work id, whatever happened to the work.
        const then = (edit: () => unknown) => () => {
          edit();
          return workId;
        };
        return {
          toReceived: (args: Args) => then(() => platform.works.toReceived(workId, args.message as string | null))(),
          toProcessed: (args: Args) => then(() => platform.works.toProcessed(workId, args.message as string | null, Boolean(args.inError)))(),
          addExpectations: (args: Args) => then(() => platform.works.addExpectations(workId, Number(args.expectations ?? 0)))(),
          reportExpectation: (args: Args) => then(() => platform.works.reportExpectation(workId, args.error as { error?: string; source?: string } | null))(),
          ping: then(() => platform.works.ping(workId)),
          addDraftContext: (args: Args) => then(() => platform.works.addDraftContext(workId, args.draftContext as string | null))(),
          delete: then(() => platform.works.delete(workId)),
        };
      },
      stixBundlePush: ({ connectorId, bundle, work_id }, context) =>
        platform.stixBundlePush(String(connectorId), String(bundle), work_id as string | null, requireUser(context)),
      stixCoreObjectEdit: ({ id }) => entityEdit(String(id), ['sdo', 'sco']),
      // exportPush through stixDomainObjectEdit works for any core object id (platform-contract §8).
      stixDomainObjectEdit: ({ id }) => entityEdit(String(id), ['sdo', 'sco']),
      stixCyberObservableEdit: ({ id }) => entityEdit(String(id), ['sco']),
      stixCoreObjectsExportAsk: listExportAsk('Stix-Core-Object'),
      stixDomainObjectsExportAsk: listExportAsk('Stix-Domain-Object'),
      stixCyberObservablesExportAsk: listExportAsk('Stix-Cyber-Observable'),
      stixCoreRelationshipsExportAsk: listExportAsk('stix-core-relationship'),
      stixCoreObjectsExportPush: listExportPush,
      stixDomainObjectsExportPush: listExportPush,
      stixCyberObservablesExportPush: listExportPush,
      stixCoreRelationshipsExportPush: listExportPush,
      uploadImport: async (args, context) => {
        const file = upload(args);
        const user = requireUser(context);
        return fileView(
          platform,
          await platform.upload(
            { folder: 'import/global', filename: file.filename, data: file.data, creatorId: user.id, fileMarkings: strings(args.fileMarkings) },
            user,
          ),
        );
      },
      uploadPending: async (args, context) => {
        const file = upload(args);
        const user = requireUser(context);
        const entity = args.entityId ? platform.store.resolve(String(args.entityId)) : undefined;
        const stored = await platform.upload(
          {
            folder: 'import/pending',
            filename: file.filename,
            data: file.data,
            creatorId: user.id,
            entityId: entity?.internal_id ?? ((args.entityId as string | null) || null),
            fileMarkings: strings(args.file_markings),
            labels: strings(args.labels),
          },
          user,
        );
        return fileView(platform, stored);
      },
      askJobImport: async (args, context) => {
        const file = platform.files.get(String(args.fileName));
        if (!file) throw new PlatformError('FUNCTIONAL_ERROR', 'File not found');
        return fileView(platform, await platform.askJobImport(file, args as Parameters<Platform['askJobImport']>[1], requireUser(context)));
      },
      uploadAndAskJobImport: async (args, context) => {
        const file = upload(args);
        const user = requireUser(context);
        const stored = await platform.upload(
          {
            folder: 'import/global',
            filename: file.filename,
            data: file.data,
            creatorId: user.id,
            fileMarkings: strings(args.fileMarkings),
            noTriggerImport: Boolean(args.noTriggerImport),
          },
          user,
        );
        const connectors = (Array.isArray(args.connectors) ? args.connectors : []) as { connectorId: string; configuration?: string | null }[];
        for (const { connectorId, configuration } of connectors) {
          await platform.askJobImport(
            stored,
            { connectorId, configuration: configuration ?? null, validationMode: args.validationMode as string | null },
            user,
          );
        }
        return fileView(platform, stored);
      },
      playbookStepExecution: (args, context) =>
        platform.playbooks.execute(
          {
            execution_id: String(args.execution_id),
            event_id: String(args.event_id),
            execution_start: String(args.execution_start),
            data_instance_id: String(args.data_instance_id),
            playbook_id: String(args.playbook_id),
            previous_step_id: String(args.previous_step_id),
            step_id: String(args.step_id),
            previous_bundle: String(args.previous_bundle),
            bundle: String(args.bundle),
          },
          requireUser(context).id,
        ),
      draftWorkspaceAdd: () => {
        const id = randomUUID();
        return { id, standard_id: `draftworkspace--${id}`, entity_type: 'DraftWorkspace', parent_types: ['Basic-Object', 'Internal-Object'] };
      },
    },
  };
}

// ---------------------------------------------------------------- schema assembly

function authRequirement(directives: readonly { name: { value: string }; arguments?: readonly { name: { value: string }; value: unknown }[] }[] | undefined) {
  const auth = directives?.find((directive) => directive.name.value === 'auth');
  if (!auth) return undefined;
  const forArg = auth.arguments?.find((arg) => arg.name.value === 'for');
  const andArg = auth.arguments?.find((arg) => arg.name.value === 'and');
  const required = forArg ? (valueFromASTUntyped(forArg.value as Parameters<typeof valueFromASTUntyped>[0]) as string[]) : [];
  const all = andArg ? Boolean(valueFromASTUntyped(andArg.value as Parameters<typeof valueFromASTUntyped>[0])) : false;
  return { required, all };
}

/** Builds the executable schema bound to a platform. */
export function createSchema(platform: Platform): GraphQLSchema {
  const schema = buildSchema(SCHEMA_SDL);
  const roots = rootResolvers(platform);
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    const typeAuth = authRequirement(type.astNode?.directives as Parameters<typeof authRequirement>[0]);
    const rootMap = type.name === 'Query' ? roots.Query : type.name === 'Mutation' ? roots.Mutation : undefined;
    for (const field of Object.values(type.getFields())) {
      const root = rootMap?.[field.name];
      const base: GraphQLFieldResolver<unknown, Context> | undefined = root ? (_source, args, context) => root(args, context) : field.resolve;
      const auth = authRequirement(field.astNode?.directives as Parameters<typeof authRequirement>[0]) ?? typeAuth;
      if (!auth) {
        if (base) field.resolve = base;
        continue;
      }
      field.resolve = (source, args, context: Context, info) => {
        const user = context.user;
        if (!user) throw new PlatformError('AUTH_REQUIRED', 'You must be logged in to do this.');
        if (auth.required.length > 0) {
          const ok = auth.all ? auth.required.every((cap) => grants(user.capabilities, cap)) : auth.required.some((cap) => grants(user.capabilities, cap));
          if (!ok) throw new PlatformError('FORBIDDEN_ACCESS', 'You are not allowed to do this.');
        }
        return (base ?? fieldResolver)(source, args, context, info);
      };
    }
  }
  return schema;
}

/** Entities resolve through entityField; everything else by property (functions are called). */
export const fieldResolver: GraphQLFieldResolver<unknown, Context> = (source, args, context, info) => {
  if (isEntity(source)) return entityField(context.platform, source, info.fieldName, args);
  if (typeof source !== 'object' || source === null) return undefined;
  const value = (source as Record<string, unknown>)[info.fieldName];
  return typeof value === 'function' ? (value as Resolver)(args, context) : value;
};

export const typeResolver: GraphQLTypeResolver<unknown, Context> = (value) => {
  if (isEntity(value)) return value.type.graphqlType;
  return (value as { __typename?: string }).__typename;
};

export interface GraphqlRequest {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

/** Runs one request the way the platform does: validation errors and execution errors alike come back as `errors`. */
export async function runGraphql(schema: GraphQLSchema, request: GraphqlRequest, context: Context): Promise<ExecutionResult> {
  let document: DocumentNode;
  try {
    document = parse(request.query);
  } catch (error) {
    return { errors: [error as GraphQLError] };
  }
  const errors = validate(schema, document, [...specifiedRules, NoSchemaIntrospectionCustomRule, rootFieldLimitRule]);
  if (errors.length > 0) return { errors };
  return execute({
    schema,
    document,
    variableValues: request.variables ?? {},
    operationName: request.operationName ?? undefined,
    contextValue: context,
    fieldResolver,
    typeResolver,
  });
}

/** The platform's error shape: `name` (the code) and `message`, plus `extensions.code`. */
export function formatError(error: GraphQLError): Record<string, unknown> {
  const original = error.originalError as { code?: unknown } | undefined;
  const name = typeof original?.code === 'string' ? original.code : original ? 'UNKNOWN_ERROR' : 'GRAPHQL_VALIDATION_FAILED';
  return {
    name,
    message: error.message,
    ...(error.locations ? { locations: error.locations } : {}),
    ...(error.path ? { path: error.path } : {}),
    extensions: { code: name },
  };
}
