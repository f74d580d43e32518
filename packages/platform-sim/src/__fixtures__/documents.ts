// The GraphQL documents the stand-in's tests send (validated against the real 6.9.17
// schema by schema.test.ts) and a tiny client for them.

export const DOCUMENTS = {
  register: `mutation RegisterConnector($input: RegisterConnectorInput) {
  registerConnector(input: $input) {
    id connector_state connector_user_id active connector_scope
    config { connection { host vhost use_ssl port user pass } listen listen_routing listen_exchange push push_routing push_exchange listen_callback_uri dead_letter_routing }
  }
}`,
  ping: `mutation PingConnector($id: ID!, $state: String, $connectorInfo: ConnectorInfoInput) {
  pingConnector(id: $id, state: $state, connectorInfo: $connectorInfo) { id connector_state connector_info { queue_threshold } }
}`,
  reset: `mutation ResetStateConnector($id: ID!) { resetStateConnector(id: $id) { id connector_state connector_state_reset } }`,
  connectors: `query Connectors { connectors { id name active connector_type connector_state connector_user { api_token } } }`,
  me: `query Me { me { id name capabilities { name } } }`,
  about: `query About { about { version } }`,
  workAdd: `mutation WorkAdd($connectorId: String!, $friendlyName: String) { workAdd(connectorId: $connectorId, friendlyName: $friendlyName) { id } }`,
  work: `query Work($id: ID!) {
  work(id: $id) {
    id name status event_source_id received_time processed_time completed_time completed_number
    user { name } tracking { import_expected_number import_processed_number }
    messages { message } errors { message source }
  }
}`,
  works: `query Works($filters: FilterGroup, $first: Int) { works(first: $first, filters: $filters) { edges { node { id name status event_source_id } } } }`,
  toReceived: `mutation ToReceived($id: ID!, $message: String) { workEdit(id: $id) { toReceived(message: $message) } }`,
  toProcessed: `mutation ToProcessed($id: ID!, $message: String, $inError: Boolean) { workEdit(id: $id) { toProcessed(message: $message, inError: $inError) } }`,
  addExpectations: `mutation AddExpectations($id: ID!, $expectations: Int) { workEdit(id: $id) { addExpectations(expectations: $expectations) } }`,
  isWorkAlive: `query Alive($id: ID!) { isWorkAlive(id: $id) }`,
  stix: `query Stix($id: String!) { stix(id: $id) }`,
  observable: `query Observable($id: String!) {
  stixCyberObservable(id: $id) { id standard_id entity_type observable_value objectMarking { definition } objectLabel { value } ... on IPv4Addr { value } }
}`,
  coreObjects: `query List($types: [String], $filters: FilterGroup, $search: String, $first: Int, $after: ID, $orderBy: StixCoreObjectsOrdering, $orderMode: OrderingMode) {
  stixCoreObjects(types: $types, filters: $filters, search: $search, first: $first, after: $after, orderBy: $orderBy, orderMode: $orderMode) {
    edges { cursor node { id standard_id entity_type ... on StixDomainObject { created } ... on Report { name } ... on Malware { name } } }
    pageInfo { endCursor hasNextPage globalCount }
  }
}`,
  relationships: `query Rels($fromId: [String], $first: Int) {
  stixCoreRelationships(fromId: $fromId, first: $first) {
    edges { node { id relationship_type from { ... on BasicObject { standard_id } } to { ... on BasicObject { standard_id } } } }
  }
}`,
  askEnrichment: `mutation AskEnrichment($id: ID!, $connectorId: ID!) { stixCoreObjectEdit(id: $id) { askEnrichment(connectorId: $connectorId) { id } } }`,
  uploadImport: `mutation UploadImport($file: Upload!, $fileMarkings: [String]) { uploadImport(file: $file, fileMarkings: $fileMarkings) { id name metaData { mimetype } } }`,
  askJobImport: `mutation AskJobImport($fileName: ID!, $connectorId: String, $bypassValidation: Boolean, $validationMode: ValidationMode, $configuration: String) {
  askJobImport(fileName: $fileName, connectorId: $connectorId, bypassValidation: $bypassValidation, validationMode: $validationMode, configuration: $configuration) { id works { id } }
}`,
  importPush: `mutation ImportPush($id: ID!, $file: Upload!, $noTriggerImport: Boolean) {
  stixDomainObjectEdit(id: $id) { importPush(file: $file, noTriggerImport: $noTriggerImport) { id name } }
}`,
  entityExportAsk: `mutation EntityExportAsk($id: ID!, $input: ExportAskInput!) { stixCoreObjectEdit(id: $id) { exportAsk(input: $input) { id name uploadStatus } } }`,
  listExportAsk: `mutation ListExportAsk($input: StixCoreObjectsExportAskInput!) { stixCoreObjectsExportAsk(input: $input) { id name uploadStatus } }`,
  exportPush: `mutation ExportPush($id: ID!, $file: Upload!, $file_markings: [String]!) { stixDomainObjectEdit(id: $id) { exportPush(file: $file, file_markings: $file_markings) } }`,
  listExportPush: `mutation ListExportPush($entity_type: String!, $file: Upload!, $file_markings: [String]!, $listFilters: String) {
  stixCoreObjectsExportPush(entity_type: $entity_type, file: $file, file_markings: $file_markings, listFilters: $listFilters)
}`,
  exportFiles: `query ExportFiles($id: String!) { stixCoreObject(id: $id) { exportFiles(first: 50) { edges { node { id name metaData { mimetype file_markings } } } } } }`,
  importFiles: `query ImportFiles($first: Int) { importFiles(first: $first) { edges { node { id name metaData { mimetype } } } } }`,
  markings: `query Markings($id: String!) { stixCoreObject(id: $id) { id objectMarking { standard_id definition_type definition x_opencti_order } } }`,
  playbookStep: `mutation PlaybookStep($execution_id: ID!, $event_id: ID!, $execution_start: DateTime!, $data_instance_id: ID!, $playbook_id: ID!, $previous_step_id: ID!, $step_id: ID!, $previous_bundle: String!, $bundle: String!) {
  playbookStepExecution(execution_id: $execution_id, event_id: $event_id, execution_start: $execution_start, data_instance_id: $data_instance_id, playbook_id: $playbook_id, previous_step_id: $previous_step_id, step_id: $step_id, previous_bundle: $previous_bundle, bundle: $bundle)
}`,
  bundlePush: `mutation BundlePush($connectorId: String!, $bundle: String!, $work_id: String) { stixBundlePush(connectorId: $connectorId, bundle: $bundle, work_id: $work_id) }`,
} as const;

export interface GraphqlAnswer {
  status: number;
  body: { data?: Record<string, unknown> | null; errors?: { name: string; message: string }[] };
}

export async function gql(
  url: string,
  token: string | undefined,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphqlAnswer> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as GraphqlAnswer['body'] };
}

/** A GraphQL multipart request with one file bound to `variables.file`. */
export async function gqlUpload(
  url: string,
  token: string,
  query: string,
  variables: Record<string, unknown>,
  file: { name: string; content: string; type?: string },
): Promise<GraphqlAnswer> {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query, variables: { ...variables, file: null } }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', new Blob([file.content], { type: file.type ?? 'application/octet-stream' }), file.name);
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  return { status: response.status, body: (await response.json()) as GraphqlAnswer['body'] };
}

/** The data of a successful answer; fails loudly on errors. */
export function dataOf(answer: GraphqlAnswer): Record<string, unknown> {
  if (answer.body.errors) throw new RangeError(JSON.stringify(answer.body.errors));
  return answer.body.data ?? {};
}
