// The GraphQL reads of the export (connectors.md §5.3). The CSV columns are the keys of
// pycti's rows, so these selections are the column universe: the fields pycti selects
// for each entity family (Choice of §5.3: fixed per family here, checked against the
// real exports in ../shared/data/opencti-csv by the conformance tests), not the SDK's
// smaller entity reads.
import type { Connection, GraphqlDocument, ListVariables } from '@opencti-ts/sdk/api';

const query = <TResult, TVariables>(operationName: string, text: string): GraphqlDocument<TResult, TVariables> => ({
  operationName,
  operationType: 'query',
  text: text.trim(),
  idempotent: true,
  impersonate: true,
});

const KILL_CHAIN = 'killChainPhases { id standard_id entity_type kill_chain_name phase_name x_opencti_order }';
const NAME_AND_DESCRIPTION = 'name description';

/** Attributes of each SDO type, beyond the ones every SDO has. */
const SDO_TYPES: Readonly<Record<string, string>> = {
  AttackPattern: `${NAME_AND_DESCRIPTION} aliases x_mitre_id x_mitre_platforms x_mitre_permissions_required x_mitre_detection ${KILL_CHAIN}`,
  Campaign: `${NAME_AND_DESCRIPTION} aliases first_seen last_seen objective`,
  Note: 'attribute_abstract content authors note_types likelihood',
  ObservedData: 'first_observed last_observed number_observed',
  Opinion: 'explanation authors opinion',
  Report: `${NAME_AND_DESCRIPTION} report_types published`,
  Grouping: `${NAME_AND_DESCRIPTION} context`,
  CaseIncident: NAME_AND_DESCRIPTION,
  CaseRfi: NAME_AND_DESCRIPTION,
  CaseRft: NAME_AND_DESCRIPTION,
  Feedback: NAME_AND_DESCRIPTION,
  CourseOfAction: `${NAME_AND_DESCRIPTION} x_opencti_aliases`,
  Individual: `${NAME_AND_DESCRIPTION} contact_information roles identity_class x_opencti_aliases x_opencti_firstname x_opencti_lastname`,
  Organization: `${NAME_AND_DESCRIPTION} contact_information roles identity_class x_opencti_aliases x_opencti_organization_type x_opencti_reliability`,
  Sector: `${NAME_AND_DESCRIPTION} contact_information roles identity_class x_opencti_aliases`,
  System: `${NAME_AND_DESCRIPTION} contact_information roles identity_class x_opencti_aliases`,
  Indicator: `${NAME_AND_DESCRIPTION} pattern_type pattern_version pattern valid_from valid_until x_opencti_score x_opencti_detection x_opencti_main_observable_type indicator_types`,
  Infrastructure: `${NAME_AND_DESCRIPTION} aliases infrastructure_types first_seen last_seen`,
  IntrusionSet: `${NAME_AND_DESCRIPTION} aliases first_seen last_seen goals resource_level primary_motivation secondary_motivations`,
  City: `${NAME_AND_DESCRIPTION} latitude longitude precision x_opencti_aliases`,
  Country: `${NAME_AND_DESCRIPTION} latitude longitude precision x_opencti_aliases`,
  Region: `${NAME_AND_DESCRIPTION} latitude longitude precision x_opencti_aliases`,
  Position: `${NAME_AND_DESCRIPTION} latitude longitude precision x_opencti_aliases street_address postal_code`,
  Malware: `${NAME_AND_DESCRIPTION} aliases malware_types is_family first_seen last_seen architecture_execution_envs implementation_languages capabilities ${KILL_CHAIN}`,
  MalwareAnalysis:
    'product version configuration_version modules analysis_engine_version analysis_definition_version submitted analysis_started analysis_ended result_name result',
  ThreatActorGroup: `${NAME_AND_DESCRIPTION} aliases threat_actor_types first_seen last_seen roles goals sophistication resource_level primary_motivation secondary_motivations personal_motivations`,
  ThreatActorIndividual: `${NAME_AND_DESCRIPTION} aliases threat_actor_types first_seen last_seen roles goals sophistication resource_level primary_motivation secondary_motivations personal_motivations`,
  Tool: `${NAME_AND_DESCRIPTION} aliases tool_types tool_version ${KILL_CHAIN}`,
  Vulnerability: `${NAME_AND_DESCRIPTION} x_opencti_aliases x_opencti_cvss_base_score x_opencti_cvss_base_severity x_opencti_cvss_attack_vector x_opencti_cvss_integrity_impact x_opencti_cvss_availability_impact x_opencti_cvss_confidentiality_impact x_opencti_cisa_kev x_opencti_epss_score x_opencti_epss_percentile x_opencti_score`,
  Incident: `${NAME_AND_DESCRIPTION} aliases first_seen last_seen objective`,
  Event: `${NAME_AND_DESCRIPTION} aliases event_types`,
  Channel: `${NAME_AND_DESCRIPTION} aliases channel_types`,
  Narrative: `${NAME_AND_DESCRIPTION} aliases narrative_types`,
  DataComponent: `${NAME_AND_DESCRIPTION} dataSource { id name }`,
  DataSource: `${NAME_AND_DESCRIPTION} x_mitre_platforms collection_layers`,
};

/** Observable types with a `value` attribute (the others have only `observable_value`). */
const VALUE_OBSERVABLES = [
  'DomainName',
  'EmailAddr',
  'Hostname',
  'IPv4Addr',
  'IPv6Addr',
  'MacAddr',
  'Text',
  'Url',
  'UserAgent',
  'PhoneNumber',
  'Credential',
  'TrackingNumber',
] as const;

const COMMON = `
  id
  standard_id
  entity_type
  parent_types
  spec_version
  created_at
  updated_at
  createdBy { ... on Identity { id standard_id entity_type name } }
  objectMarking { id standard_id entity_type definition_type definition x_opencti_order x_opencti_color }
  objectLabel { id value color }
  externalReferences { edges { node { id standard_id entity_type source_name description url hash external_id } } }`;

const SDO = `
  revoked
  confidence
  created
  modified
  importFiles { edges { node { id name size } } }
  ${Object.entries(SDO_TYPES)
    .map(([type, fields]) => `... on ${type} { ${fields} }`)
    .join('\n  ')}`;

const SCO = `
  observable_value
  x_opencti_description
  x_opencti_score
  creators { id name }
  objectOrganization { id name }
  indicators { edges { node { id } } }
  ... on StixFile { hashes { algorithm hash } }
  ... on Artifact { mime_type hashes { algorithm hash } }
  ... on X509Certificate { hashes { algorithm hash } }
  ${VALUE_OBSERVABLES.map((type) => `... on ${type} { value }`).join('\n  ')}`;

/** What is shown of a relationship's ends: enough for `_get_value` and `fromName`/`fromType`. */
const END = `{
    ... on BasicObject { id entity_type }
    ... on StixCoreObject { standard_id representative { main } }
    ... on StixCyberObservable { observable_value }
    ${Object.keys(SDO_TYPES)
      .filter((type) => SDO_TYPES[type]?.startsWith(NAME_AND_DESCRIPTION))
      .map((type) => `... on ${type} { name }`)
      .join('\n    ')}
  }`;

const RELATIONSHIP = `
  id
  standard_id
  entity_type
  parent_types
  created_at
  updated_at
  relationship_type
  description
  start_time
  stop_time
  confidence
  created
  modified
  createdBy { ... on Identity { id standard_id entity_type name } }
  objectMarking { id standard_id entity_type definition_type definition x_opencti_order x_opencti_color }
  objectLabel { id value color }
  from ${END}
  to ${END}`;

/** Containers also carry their contents' ids (for single exports). */
const CONTAINER_TYPES = ['Report', 'Grouping', 'Note', 'Opinion', 'ObservedData', 'CaseIncident', 'CaseRfi', 'CaseRft', 'Feedback'];
const CONTAINER = CONTAINER_TYPES.map(
  (type) => `\n  ... on ${type} { objects(all: true) { edges { node { ... on BasicObject { id } ... on BasicRelationship { id } } } } }`,
).join('');

export type GraphqlNode = Record<string, unknown>;

// The list variables are the SDK's (the same ones pycti's list readers send).
export type { ListVariables };

const PAGE_INFO = 'pageInfo { endCursor hasNextPage globalCount }';

const listQuery = (name: string, field: string, ordering: string, fields: string) =>
  query<Record<string, Connection<GraphqlNode> | null>, ListVariables>(
    name,
    `
query ${name}($types: [String], $filters: FilterGroup, $search: String, $first: Int, $after: ID, $orderBy: ${ordering}, $orderMode: OrderingMode) {
  ${field}(types: $types, filters: $filters, search: $search, first: $first, after: $after, orderBy: $orderBy, orderMode: $orderMode) {
    edges { node { ${fields} } }
    ${PAGE_INFO}
  }
}`,
  );

const CORE_FIELDS = `${COMMON}
  ... on StixDomainObject { ${SDO} }
  ... on StixCyberObservable { ${SCO} }`;

export const LIST_CORE_OBJECTS = listQuery('CsvExportStixCoreObjects', 'stixCoreObjects', 'StixCoreObjectsOrdering', CORE_FIELDS);
export const LIST_DOMAIN_OBJECTS = listQuery('CsvExportStixDomainObjects', 'stixDomainObjects', 'StixDomainObjectsOrdering', `${COMMON}${SDO}`);
export const LIST_CYBER_OBSERVABLES = listQuery('CsvExportStixCyberObservables', 'stixCyberObservables', 'StixCyberObservablesOrdering', `${COMMON}${SCO}`);

export const LIST_CORE_RELATIONSHIPS = query<{ stixCoreRelationships: Connection<GraphqlNode> | null }, ListVariables>(
  'CsvExportStixCoreRelationships',
  `
query CsvExportStixCoreRelationships($filters: FilterGroup, $search: String, $first: Int, $after: ID, $orderBy: StixCoreRelationshipsOrdering, $orderMode: OrderingMode) {
  stixCoreRelationships(filters: $filters, search: $search, first: $first, after: $after, orderBy: $orderBy, orderMode: $orderMode) {
    edges { node { ${RELATIONSHIP} } }
    ${PAGE_INFO}
  }
}`,
);

/** The exported entity of a single export, with its contents' ids when it is a container. */
export const READ_ENTITY = query<{ stixCoreObject: GraphqlNode | null }, { id: string }>(
  'CsvExportStixCoreObject',
  `
query CsvExportStixCoreObject($id: String!) {
  stixCoreObject(id: $id) { ${CORE_FIELDS}${CONTAINER} }
}`,
);

/** The official connector reports failed rows as an expectation error on the work (§5.5). */
export const REPORT_EXPECTATION = {
  operationName: 'ReportExpectation',
  operationType: 'mutation',
  text: `mutation ReportExpectation($id: ID!, $error: WorkErrorInput) {
  workEdit(id: $id) {
    reportExpectation(error: $error)
  }
}`,
  idempotent: false,
  impersonate: false,
} as const satisfies GraphqlDocument<{ workEdit: { reportExpectation: string | null } | null }, { id: string; error: { error: string; source: string } }>;

export const DOCUMENTS = [LIST_CORE_OBJECTS, LIST_DOMAIN_OBJECTS, LIST_CYBER_OBSERVABLES, LIST_CORE_RELATIONSHIPS, READ_ENTITY, REPORT_EXPECTATION] as const;
