// Every GraphQL document the SDK sends, in one place. Operation names and variable names are
// pycti 6.8.10's (sdk-protocol §b–§d) so the platform sees the same traffic; selections are
// pycti's for the lifecycle calls and deliberately smaller for entity reads (platform-contract
// §12: select only what we use). `documents.int.test.ts` validates all of them against the
// stored 6.9.17 schema; `opencti-ts check-schema` validates them against a live platform.
import { Kind, parse } from 'graphql';
import { BugError } from '../errors/index.ts';

export type OperationType = 'query' | 'mutation';

/** A GraphQL document with its wire name and how the client may treat it. */
export interface GraphqlDocument<TResult = unknown, TVariables = Record<string, unknown>> {
  readonly operationName: string;
  readonly operationType: OperationType;
  readonly text: string;
  /** Safe to send again after an ambiguous failure (queries always; some mutations). */
  readonly idempotent: boolean;
  /** false: sent without `opencti-applicant-id` (pycti's "disable impersonation", all work mutations). */
  readonly impersonate: boolean;
  /** Phantom members carrying the types; never set at run time. */
  readonly __result?: TResult;
  readonly __variables?: TVariables;
}

export type ResultOf<D> = D extends GraphqlDocument<infer R, infer _V> ? R : never;
export type VariablesOf<D> = D extends GraphqlDocument<infer _R, infer V> ? V : never;

interface DocumentFlags {
  idempotent?: boolean;
  impersonate?: boolean;
}

function defineDocument<TResult, TVariables = Record<string, never>>(text: string, flags: DocumentFlags = {}): GraphqlDocument<TResult, TVariables> {
  const operations = parse(text).definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  const operation = operations[0];
  if (operations.length !== 1 || !operation?.name || operation.operation === 'subscription') {
    throw new BugError('GRAPHQL_DOCUMENT_INVALID', 'every SDK document holds exactly one named query or mutation');
  }
  const operationType = operation.operation;
  return {
    operationName: operation.name.value,
    operationType,
    text: text.trim(),
    idempotent: flags.idempotent ?? operationType === 'query',
    impersonate: flags.impersonate ?? true,
  };
}

// ------------------------------------------------------------------ shared result shapes

export interface PageInfo {
  startCursor: string | null;
  endCursor: string | null;
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  globalCount: number;
}

export interface Connection<TNode> {
  edges: Array<{ node: TNode }>;
  pageInfo: PageInfo;
}

/** OpenCTI FilterGroup (sdk-protocol §d.5). */
export interface FilterGroup {
  mode: 'and' | 'or';
  filters: Array<{ key: string | string[]; values: unknown[]; operator?: string; mode?: 'and' | 'or' }>;
  filterGroups: FilterGroup[];
}

export interface ImportFileNode {
  id: string;
  name: string;
  size: number | null;
  metaData: { mimetype: string | null; version: string | null } | null;
}

// ------------------------------------------------------------------ platform

export const HEALTH_CHECK = defineDocument<{ about: { version: string } | null }>(`
query healthCheck {
  about {
    version
  }
}`);

// ------------------------------------------------------------------ connector lifecycle

export type RegisterConnectorType =
  | 'EXTERNAL_IMPORT'
  | 'INTERNAL_IMPORT_FILE'
  | 'INTERNAL_ENRICHMENT'
  | 'INTERNAL_ANALYSIS'
  | 'INTERNAL_EXPORT_FILE'
  | 'STREAM';

export interface RegisterConnectorInput {
  id: string;
  name: string;
  type: RegisterConnectorType;
  scope: string[];
  auto: boolean;
  auto_update: boolean;
  enrichment_resolution: 'none' | 'stix_bundle';
  only_contextual: boolean;
  playbook_compatible: boolean;
  listen_callback_uri: string | null;
}

export interface ConnectorConnection {
  host: string;
  vhost: string;
  use_ssl: boolean;
  port: number;
  user: string;
  pass: string;
}

export interface RegisteredConnector {
  id: string;
  connector_state: string | null;
  config: {
    connection: ConnectorConnection;
    listen: string;
    listen_routing: string;
    listen_exchange: string;
    push: string;
    push_routing: string;
    push_exchange: string;
  };
  connector_user_id: string | null;
}

export const REGISTER_CONNECTOR = defineDocument<{ registerConnector: RegisteredConnector | null }, { input: RegisterConnectorInput }>(
  `
mutation RegisterConnector($input: RegisterConnectorInput) {
  registerConnector(input: $input) {
    id
    connector_state
    config {
      connection {
        host
        vhost
        use_ssl
        port
        user
        pass
      }
      listen
      listen_routing
      listen_exchange
      push
      push_routing
      push_exchange
    }
    connector_user_id
  }
}`,
  // Registration is an upsert on the connector id.
  { idempotent: true },
);

/** `ConnectorInfoInput`: exactly the six fields pycti sends (sdk-protocol §b.2). */
export interface ConnectorInfoInput {
  run_and_terminate: boolean;
  buffering: boolean;
  queue_threshold: number;
  queue_messages_size: number;
  next_run_datetime: string | null;
  last_run_datetime: string | null;
}

export interface PingConnectorResult {
  pingConnector: { id: string; connector_state: string | null; connector_info: ConnectorInfoInput | null } | null;
}

export const PING_CONNECTOR = defineDocument<PingConnectorResult, { id: string; state: string | null; connectorInfo: ConnectorInfoInput }>(
  `
mutation PingConnector($id: ID!, $state: String, $connectorInfo: ConnectorInfoInput) {
  pingConnector(id: $id, state: $state, connectorInfo: $connectorInfo) {
    id
    connector_state
    connector_info {
      run_and_terminate
      buffering
      queue_threshold
      queue_messages_size
      next_run_datetime
      last_run_datetime
    }
  }
}`,
  { idempotent: true },
);

export interface ConnectorDetails {
  id: string;
  name: string;
  active: boolean | null;
  auto: boolean | null;
  only_contextual: boolean | null;
  connector_type: string | null;
  connector_scope: string[] | null;
  connector_state: string | null;
  connector_queue_details: { messages_number: number; messages_size: number } | null;
  updated_at: string | null;
  created_at: string | null;
  config: { listen: string; listen_exchange: string; push: string; push_exchange: string; push_routing: string } | null;
  built_in: boolean | null;
}

export const GET_CONNECTOR = defineDocument<{ connector: ConnectorDetails | null }, { id: string }>(`
query GetConnector($id: String!) {
  connector(id: $id) {
    id
    name
    active
    auto
    only_contextual
    connector_type
    connector_scope
    connector_state
    connector_queue_details {
      messages_number
      messages_size
    }
    updated_at
    created_at
    config {
      listen
      listen_exchange
      push
      push_exchange
      push_routing
    }
    built_in
  }
}`);

export const DELETE_CONNECTOR = defineDocument<{ deleteConnector: string | null }, { id: string }>(`
mutation ConnectorDeletionMutation($id: ID!) {
  deleteConnector(id: $id)
}`);

// ------------------------------------------------------------------ works (sent without the applicant header)

export const WORK_ADD = defineDocument<{ workAdd: { id: string } | null }, { connectorId: string; friendlyName: string | null }>(
  `
mutation workAdd($connectorId: String!, $friendlyName: String) {
  workAdd(connectorId: $connectorId, friendlyName: $friendlyName) {
    id
  }
}`,
  { impersonate: false },
);

export const WORK_TO_RECEIVED = defineDocument<{ workEdit: { toReceived: string | null } | null }, { id: string; message: string | null }>(
  `
mutation workToReceived($id: ID!, $message: String) {
  workEdit(id: $id) {
    toReceived(message: $message)
  }
}`,
  // Sets a status; a repeat only appends the message again.
  { impersonate: false, idempotent: true },
);

export const WORK_TO_PROCESSED = defineDocument<{ workEdit: { toProcessed: string | null } | null }, { id: string; message: string | null; inError: boolean }>(
  `
mutation workToProcessed($id: ID!, $message: String, $inError: Boolean) {
  workEdit(id: $id) {
    toProcessed(message: $message, inError: $inError)
  }
}`,
  // A lost toProcessed leaves the work open forever; a repeated one only duplicates a message.
  { impersonate: false, idempotent: true },
);

export const WORK_ADD_EXPECTATIONS = defineDocument<{ workEdit: { addExpectations: string | null } | null }, { id: string; expectations: number }>(
  `
mutation addExpectations($id: ID!, $expectations: Int) {
  workEdit(id: $id) {
    addExpectations(expectations: $expectations)
  }
}`,
  // Not idempotent: a double count would keep the work from ever completing.
  { impersonate: false },
);

export const WORK_PING = defineDocument<{ workEdit: { ping: string | null } | null }, { id: string }>(
  `
mutation pingWork($id: ID!) {
  workEdit(id: $id) {
    ping
  }
}`,
  { impersonate: false, idempotent: true },
);

export const WORK_ADD_DRAFT_CONTEXT = defineDocument<{ workEdit: { addDraftContext: string | null } | null }, { id: string; draftContext: string }>(
  `
mutation addDraftContext($id: ID!, $draftContext: String) {
  workEdit(id: $id) {
    addDraftContext(draftContext: $draftContext)
  }
}`,
  { impersonate: false, idempotent: true },
);

// ------------------------------------------------------------------ pushing data

export const STIX_BUNDLE_PUSH = defineDocument<{ stixBundlePush: boolean | null }, { connectorId: string; bundle: string; work_id: string | null }>(`
mutation StixBundlePush($connectorId: String!, $bundle: String!, $work_id: String) {
  stixBundlePush(connectorId: $connectorId, bundle: $bundle, work_id: $work_id)
}`);

/** Answers a playbook step (sdk-protocol §c.1 step 2): the bundle goes back to the playbook, not to the queue. */
export const PLAYBOOK_STEP_EXECUTION = defineDocument<
  { playbookStepExecution: boolean | null },
  {
    execution_id: string;
    event_id: string;
    execution_start: string;
    data_instance_id: string;
    playbook_id: string;
    previous_step_id: string | null;
    step_id: string;
    previous_bundle: string;
    bundle: string;
  }
>(`
mutation PlaybookStepExecution($execution_id: ID!, $event_id: ID!, $execution_start: DateTime!, $data_instance_id: ID!, $playbook_id: ID!, $previous_step_id: ID!, $step_id: ID!, $previous_bundle: String!, $bundle: String!) {
  playbookStepExecution(execution_id: $execution_id, event_id: $event_id, execution_start: $execution_start, data_instance_id: $data_instance_id, playbook_id: $playbook_id, previous_step_id: $previous_step_id, step_id: $step_id, previous_bundle: $previous_bundle, bundle: $bundle)
}`);

export const DRAFT_WORKSPACE_ADD = defineDocument<{ draftWorkspaceAdd: { id: string } | null }, { input: { name: string; entity_id: string | null } }>(`
mutation draftWorkspaceAdd($input: DraftWorkspaceAddInput!) {
  draftWorkspaceAdd(input: $input) {
    id
  }
}`);

// ------------------------------------------------------------------ file uploads (multipart, `file` is the Upload variable)

export const UPLOAD_PENDING = defineDocument<
  { uploadPending: { id: string; name: string } | null },
  { file: null; entityId: string | null; file_markings: string[] | null }
>(
  `
mutation UploadPending($file: Upload!, $entityId: String, $file_markings: [String!]) {
  uploadPending(file: $file, entityId: $entityId, file_markings: $file_markings) {
    id
    name
  }
}`,
  // Sent as the connector, as pycti does (its plain client, transcript "uploadPending").
  { impersonate: false },
);

export const UPLOAD_IMPORT = defineDocument<{ uploadImport: { id: string; name: string } | null }, { file: null; fileMarkings: string[] | null }>(`
mutation UploadImport($file: Upload!, $fileMarkings: [String]) {
  uploadImport(file: $file, fileMarkings: $fileMarkings) {
    id
    name
  }
}`);

/** Single-entity export (`export_scope: "single"`), any core object id. */
export const EXPORT_PUSH_ENTITY = defineDocument<
  { stixDomainObjectEdit: { exportPush: boolean | null } | null },
  { id: string; file: null; file_markings: string[] }
>(
  `
mutation StixDomainObjectEdit($id: ID!, $file: Upload!, $file_markings: [String]!) {
  stixDomainObjectEdit(id: $id) {
    exportPush(file: $file, file_markings: $file_markings)
  }
}`,
  // Same file name → the platform keeps one file. Sent as the connector, never the applicant:
  // exportPush needs CONNECTORAPI, which the requesting user usually lacks (pycti uses its
  // plain client, transcript "export-file").
  { idempotent: true, impersonate: false },
);

export interface ListExportPushVariables {
  entity_id: string | null;
  entity_type: string;
  file: null;
  file_markings: string[];
  /** JSON text of `list_params` for query exports, `"selected_ids"` for selections (sdk-protocol §d.4). */
  listFilters: string | null;
}

export const EXPORT_PUSH_CORE_OBJECTS = defineDocument<{ stixCoreObjectsExportPush: boolean | null }, ListExportPushVariables>(
  `
mutation StixCoreObjectsExportPush($entity_id: String, $entity_type: String!, $file: Upload!, $file_markings: [String]!, $listFilters: String) {
  stixCoreObjectsExportPush(entity_id: $entity_id, entity_type: $entity_type, file: $file, file_markings: $file_markings, listFilters: $listFilters)
}`,
  { idempotent: true, impersonate: false },
);

export const EXPORT_PUSH_DOMAIN_OBJECTS = defineDocument<{ stixDomainObjectsExportPush: boolean | null }, ListExportPushVariables>(
  `
mutation StixDomainObjectsExportPush($entity_id: String, $entity_type: String!, $file: Upload!, $file_markings: [String]!, $listFilters: String) {
  stixDomainObjectsExportPush(entity_id: $entity_id, entity_type: $entity_type, file: $file, file_markings: $file_markings, listFilters: $listFilters)
}`,
  { idempotent: true, impersonate: false },
);

export const EXPORT_PUSH_CYBER_OBSERVABLES = defineDocument<{ stixCyberObservablesExportPush: boolean | null }, ListExportPushVariables>(
  `
mutation StixCyberObservablesExportPush($entity_id: String, $entity_type: String!, $file: Upload!, $file_markings: [String]!, $listFilters: String) {
  stixCyberObservablesExportPush(entity_id: $entity_id, entity_type: $entity_type, file: $file, file_markings: $file_markings, listFilters: $listFilters)
}`,
  { idempotent: true, impersonate: false },
);

// ------------------------------------------------------------------ reading data

/** Platform-side STIX 2.1 JSON of one object (pycti `get_stix_content`). */
export const STIX_CONTENT = defineDocument<{ stix: string | null }, { id: string }>(`
query StixQuery($id: String!) {
  stix(id: $id)
}`);

/**
 * What the SDK reads of any core object: identity, the usual OpenCTI context, the platform's
 * STIX serialisation (`toStix`, the source of truth for exports and enrichment) and files.
 */
export interface StixCoreObjectNode {
  id: string;
  standard_id: string;
  entity_type: string;
  parent_types: string[];
  spec_version: string | null;
  created_at: string;
  updated_at: string;
  representative: { main: string; secondary: string | null };
  x_opencti_stix_ids: string[] | null;
  createdBy: { id: string; standard_id: string; entity_type: string; name: string } | null;
  objectMarking: Array<{ id: string; standard_id: string; definition_type: string | null; definition: string | null; x_opencti_order: number | null }> | null;
  objectLabel: Array<{ id: string; value: string | null; color: string | null }> | null;
  /** SDOs only. */
  created?: string | null;
  modified?: string | null;
  confidence?: number | null;
  revoked?: boolean;
  /** Observables only. */
  observable_value?: string;
  x_opencti_score?: number | null;
  x_opencti_description?: string | null;
  toStix: string | null;
}

export interface StixCoreObjectWithFiles extends StixCoreObjectNode {
  importFiles: Connection<ImportFileNode> | { edges: Array<{ node: ImportFileNode }> } | null;
}

const BASE_FIELDS = `
    id
    standard_id
    entity_type
    parent_types
    spec_version
    created_at
    updated_at
    representative {
      main
      secondary
    }
    x_opencti_stix_ids
    createdBy {
      ... on Identity {
        id
        standard_id
        entity_type
        name
      }
    }
    objectMarking {
      id
      standard_id
      definition_type
      definition
      x_opencti_order
    }
    objectLabel {
      id
      value
      color
    }`;

const SDO_FIELDS = `
    created
    modified
    confidence
    revoked`;

const SCO_FIELDS = `
    observable_value
    x_opencti_score
    x_opencti_description`;

const indent = (fields: string) => fields.replaceAll('\n    ', '\n      ');

/** Selection by root type: interface fragments only where the type is not already known. */
const FIELDS = {
  core: `${BASE_FIELDS}
    ... on StixDomainObject {${indent(SDO_FIELDS)}
    }
    ... on StixCyberObservable {${indent(SCO_FIELDS)}
    }
    toStix`,
  domain: `${BASE_FIELDS}${SDO_FIELDS}
    toStix`,
  observable: `${BASE_FIELDS}${SCO_FIELDS}
    toStix`,
} as const;

const IMPORT_FILES = `
    importFiles {
      edges {
        node {
          id
          name
          size
          metaData {
            mimetype
            version
          }
        }
      }
    }`;

export const STIX_CORE_OBJECT = defineDocument<{ stixCoreObject: StixCoreObjectWithFiles | null }, { id: string }>(`
query StixCoreObject($id: String!) {
  stixCoreObject(id: $id) {${FIELDS.core}${IMPORT_FILES}
  }
}`);

export const STIX_CYBER_OBSERVABLE = defineDocument<{ stixCyberObservable: StixCoreObjectWithFiles | null }, { id: string }>(`
query StixCyberObservable($id: String!) {
  stixCyberObservable(id: $id) {${FIELDS.observable}${IMPORT_FILES}
  }
}`);

export interface ListVariables {
  types?: string[] | null;
  filters?: FilterGroup | null;
  search?: string | null;
  first?: number | null;
  after?: string | null;
  orderBy?: string | null;
  orderMode?: 'asc' | 'desc' | null;
}

const PAGE_INFO = `
    pageInfo {
      startCursor
      endCursor
      hasNextPage
      hasPreviousPage
      globalCount
    }`;

const listDocument = <TField extends string>(operationName: string, field: TField, orderingType: string, fields: string) =>
  defineDocument<Record<TField, Connection<StixCoreObjectNode> | null>, ListVariables>(`
query ${operationName}($types: [String], $filters: FilterGroup, $search: String, $first: Int, $after: ID, $orderBy: ${orderingType}, $orderMode: OrderingMode) {
  ${field}(types: $types, filters: $filters, search: $search, first: $first, after: $after, orderBy: $orderBy, orderMode: $orderMode) {
    edges {
      node {${fields.replaceAll('\n    ', '\n        ')}
      }
    }${PAGE_INFO}
  }
}`);

export const STIX_CORE_OBJECTS = listDocument('StixCoreObjects', 'stixCoreObjects', 'StixCoreObjectsOrdering', FIELDS.core);
export const STIX_DOMAIN_OBJECTS = listDocument('StixDomainObjects', 'stixDomainObjects', 'StixDomainObjectsOrdering', FIELDS.domain);
export const STIX_CYBER_OBSERVABLES = listDocument('StixCyberObservables', 'stixCyberObservables', 'StixCyberObservablesOrdering', FIELDS.observable);

/** A domain object by type and name only (e.g. a threat a MISP tag names). */
export interface NamedDomainObject {
  id: string;
  standard_id: string;
  entity_type: string;
  /** Set for the types the document selects it on (Attack-Pattern, Intrusion-Set, Malware, Tool). */
  name?: string | null;
}

/**
 * Threat-like domain objects with only their type and canonical name: pycti's
 * `stix_domain_object.list` lookups (MISP's threat guessing) without the whole entity.
 */
export const STIX_DOMAIN_OBJECT_NAMES = defineDocument<
  { stixDomainObjects: { edges: Array<{ node: NamedDomainObject }> } | null },
  { types: string[] | null; filters: FilterGroup | null; first: number | null }
>(`
query StixDomainObjectNames($types: [String], $filters: FilterGroup, $first: Int) {
  stixDomainObjects(types: $types, filters: $filters, first: $first) {
    edges {
      node {
        id
        standard_id
        entity_type
        ... on AttackPattern {
          name
        }
        ... on IntrusionSet {
          name
        }
        ... on Malware {
          name
        }
        ... on Tool {
          name
        }
      }
    }
  }
}`);

export interface ExternalReferenceNode {
  id: string;
  source_name: string;
  external_id: string | null;
  url: string | null;
}

/** External references by filter (pycti `external_reference.list`/`read`), e.g. source_name + external_id. */
export const EXTERNAL_REFERENCES = defineDocument<
  { externalReferences: { edges: Array<{ node: ExternalReferenceNode }> } | null },
  { filters: FilterGroup | null; first: number | null }
>(`
query ExternalReferences($filters: FilterGroup, $first: Int) {
  externalReferences(filters: $filters, first: $first) {
    edges {
      node {
        id
        source_name
        external_id
        url
      }
    }
  }
}`);

/** Every document the SDK sends, by operation constant name; validated as a set. */
export const DOCUMENTS = {
  HEALTH_CHECK,
  REGISTER_CONNECTOR,
  PING_CONNECTOR,
  GET_CONNECTOR,
  DELETE_CONNECTOR,
  WORK_ADD,
  WORK_TO_RECEIVED,
  WORK_TO_PROCESSED,
  WORK_ADD_EXPECTATIONS,
  WORK_PING,
  WORK_ADD_DRAFT_CONTEXT,
  STIX_BUNDLE_PUSH,
  PLAYBOOK_STEP_EXECUTION,
  DRAFT_WORKSPACE_ADD,
  UPLOAD_PENDING,
  UPLOAD_IMPORT,
  EXPORT_PUSH_ENTITY,
  EXPORT_PUSH_CORE_OBJECTS,
  EXPORT_PUSH_DOMAIN_OBJECTS,
  EXPORT_PUSH_CYBER_OBSERVABLES,
  STIX_CONTENT,
  STIX_CORE_OBJECT,
  STIX_CYBER_OBSERVABLE,
  STIX_CORE_OBJECTS,
  STIX_DOMAIN_OBJECTS,
  STIX_CYBER_OBSERVABLES,
  STIX_DOMAIN_OBJECT_NAMES,
  EXTERNAL_REFERENCES,
} as const satisfies Record<string, GraphqlDocument<unknown, unknown>>;
