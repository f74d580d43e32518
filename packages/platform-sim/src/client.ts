// What an end-to-end test does to a platform, through its public GraphQL API only, so the
// same test runs against the stand-in, the Docker stack or a real OpenCTI: ask jobs as a
// user would (upload + import, enrichment, exports), wait for works, read results back.
// Every document below validates against the real OpenCTI schema (schema.test.ts).

/** The documents this client sends, by name. */
export const CLIENT_DOCUMENTS = {
  connectors: 'query ClientConnectors { connectors { id active } }',
  connectorState: 'query ClientConnectorState($id: String!) { connector(id: $id) { connector_state } }',
  works: 'query ClientWorks($filters: FilterGroup, $first: Int) { works(first: $first, filters: $filters) { edges { node { id } } } }',
  work: `query ClientWork($id: ID!) {
  work(id: $id) {
    id name status received_time processed_time
    messages { message } errors { message }
    tracking { import_expected_number import_processed_number }
  }
}`,
  stix: 'query ClientStix($id: String!) { stix(id: $id) }',
  uploadImport: 'mutation ClientUploadImport($file: Upload!, $fileMarkings: [String]) { uploadImport(file: $file, fileMarkings: $fileMarkings) { id } }',
  askJobImport: `mutation ClientAskJobImport($fileName: ID!, $connectorId: String, $bypassEntityId: String, $bypassValidation: Boolean) {
  askJobImport(fileName: $fileName, connectorId: $connectorId, bypassEntityId: $bypassEntityId, bypassValidation: $bypassValidation) { works { id } }
}`,
  askEnrichment: `mutation ClientAskEnrichment($id: ID!, $connectorId: ID!) {
  stixCoreObjectEdit(id: $id) { askEnrichment(connectorId: $connectorId) { id } }
}`,
  entityExportAsk: 'mutation ClientEntityExportAsk($id: ID!, $input: ExportAskInput!) { stixCoreObjectEdit(id: $id) { exportAsk(input: $input) { id name } } }',
  listExportAsk: 'mutation ClientListExportAsk($input: StixCoreObjectsExportAskInput!) { stixCoreObjectsExportAsk(input: $input) { id name } }',
  exportFiles: 'query ClientExportFiles($id: String!) { stixCoreObject(id: $id) { exportFiles(first: 50) { edges { node { id name } } } } }',
  pendingFiles: 'query ClientPendingFiles($first: Int) { pendingFiles(first: $first) { edges { node { id name } } } }',
} as const;

/** A work as tests read it. */
export interface WorkView {
  id: string;
  name: string;
  status: string;
  received_time: string | null;
  processed_time: string | null;
  messages: { message: string }[];
  errors: { message: string }[];
  tracking: { import_expected_number: number | null; import_processed_number: number | null } | null;
}

/** A file of the platform's storage as tests read it (an asked export's id is also its work's id). */
export interface FileView {
  id: string;
  name: string;
}

/** A filter group as the platform's list queries take it. */
export interface FilterGroup {
  mode: 'and' | 'or';
  filters: { key: string | string[]; values: unknown[]; operator?: string; mode?: 'and' | 'or' }[];
  filterGroups: FilterGroup[];
}

/** An export of one entity, as the UI's export dialog asks it. */
export interface ExportAskInput {
  format: string;
  exportType: 'simple' | 'full';
  contentMaxMarkings?: string[];
  fileMarkings?: string[];
}

/** An export of a list (a search, a filter or ticked rows) of `exportContext.entity_type`. */
export interface ListExportAskInput extends ExportAskInput {
  exportContext: { entity_type: string; entity_id?: string };
  search?: string;
  selectedIds?: string[];
  filters?: FilterGroup;
  orderBy?: string;
  orderMode?: 'asc' | 'desc';
}

/** The platform answered a GraphQL request with errors (or not with GraphQL at all). */
export class GraphqlRequestError extends Error {
  readonly code = 'GRAPHQL_REQUEST_FAILED';
  readonly status: number;
  readonly errors: unknown[];

  constructor(operation: string, status: number, errors: unknown[]) {
    super(`${operation}: HTTP ${status}, ${JSON.stringify(errors)}`);
    this.name = 'GraphqlRequestError';
    this.status = status;
    this.errors = errors;
  }
}

/** A storage download the platform refused or did not find. */
export class StorageRequestError extends Error {
  readonly code = 'STORAGE_REQUEST_FAILED';
  readonly status: number;

  constructor(fileId: string, status: number) {
    super(`GET /storage/get/${fileId}: HTTP ${status}`);
    this.name = 'StorageRequestError';
    this.status = status;
  }
}

/** What a test waited for did not happen in time. */
export class WaitTimeoutError extends Error {
  readonly code = 'WAIT_TIMED_OUT';

  constructor(message: string) {
    super(message);
    this.name = 'WaitTimeoutError';
  }
}

export interface WaitOptions {
  /** Give up after this long (default 60 s). */
  timeoutMs?: number;
  /** Appended to the timeout error, e.g. the connector's last log lines. */
  context?: () => string;
}

const POLL_MS = 50;
const DEFAULT_WAIT_MS = 60_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const operationName = (query: string): string => /^\s*(?:query|mutation)\s+(\w+)/.exec(query)?.[1] ?? 'anonymous operation';

export class PlatformClient {
  readonly url: string;
  private readonly token: string;

  constructor(target: { url: string; token: string }) {
    this.url = target.url.replace(/\/+$/, '');
    this.token = target.token;
  }

  /** Sends one GraphQL document; its data, or a GraphqlRequestError. */
  async gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const response = await fetch(`${this.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
      body: JSON.stringify({ query, variables }),
    });
    return this.dataOf<T>(operationName(query), response);
  }

  private async dataOf<T>(operation: string, response: Response): Promise<T> {
    const text = await response.text();
    let body: { data?: T | null; errors?: unknown[] };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new GraphqlRequestError(operation, response.status, [text.slice(0, 200)]);
    }
    if (body.errors?.length || body.data === undefined || body.data === null) throw new GraphqlRequestError(operation, response.status, body.errors ?? []);
    return body.data;
  }

  /** Resolves once the connector has registered (and had a moment to start consuming). */
  async waitForConnector(connectorId: string, options: WaitOptions = {}): Promise<void> {
    await this.poll(`connector ${connectorId} to register`, options, async () => {
      const { connectors } = await this.gql<{ connectors: { id: string }[] }>(CLIENT_DOCUMENTS.connectors);
      return connectors.some((connector) => connector.id === connectorId) ? true : undefined;
    });
    // Registration comes first; the queue consumer subscribes right after it.
    await sleep(300);
  }

  /** The connector's state, parsed (null when it has none). */
  async connectorState(connectorId: string): Promise<unknown> {
    const { connector } = await this.gql<{ connector: { connector_state: string | null } | null }>(CLIENT_DOCUMENTS.connectorState, { id: connectorId });
    return connector?.connector_state ? (JSON.parse(connector.connector_state) as unknown) : null;
  }

  /** The ids of the connector's works (newest first, at most 500). */
  async workIds(connectorId: string): Promise<string[]> {
    const filters: FilterGroup = { mode: 'and', filters: [{ key: 'connector_id', values: [connectorId] }], filterGroups: [] };
    const { works } = await this.gql<{ works: { edges: { node: { id: string } }[] } }>(CLIENT_DOCUMENTS.works, { first: 500, filters });
    return works.edges.map((edge) => edge.node.id);
  }

  async work(id: string): Promise<WorkView | null> {
    const { work } = await this.gql<{ work: WorkView | null }>(CLIENT_DOCUMENTS.work, { id });
    return work;
  }

  /**
   * The work once the platform has processed all of it: complete AND processed. The worker
   * may complete a work before the connector's toProcessed arrives (platform contract §6),
   * so waiting for `complete` alone races with the connector's last call.
   */
  async settledWork(id: string, options: WaitOptions = {}): Promise<WorkView> {
    return this.poll(`work ${id} to complete`, options, async () => {
      const work = await this.work(id);
      return work?.status === 'complete' && work.processed_time ? work : undefined;
    });
  }

  /** The works the connector opened since `before` (a list of ids taken earlier). */
  async newWorkIds(connectorId: string, before: Iterable<string>): Promise<string[]> {
    const known = new Set(before);
    return (await this.workIds(connectorId)).filter((id) => !known.has(id));
  }

  /** An object as the platform exports it in STIX, or null when it does not have it. */
  async stix(id: string): Promise<Record<string, unknown> | null> {
    const { stix } = await this.gql<{ stix: string | null }>(CLIENT_DOCUMENTS.stix, { id });
    return stix ? (JSON.parse(stix) as Record<string, unknown>) : null;
  }

  async has(id: string): Promise<boolean> {
    return (await this.stix(id)) !== null;
  }

  /** Uploads a file to the import area (GraphQL multipart); its file id. */
  async uploadImport(name: string, content: string | Uint8Array, options: { mimeType?: string; markings?: string[] } = {}): Promise<string> {
    const form = new FormData();
    form.append('operations', JSON.stringify({ query: CLIENT_DOCUMENTS.uploadImport, variables: { file: null, fileMarkings: options.markings ?? [] } }));
    form.append('map', JSON.stringify({ 0: ['variables.file'] }));
    const bytes = typeof content === 'string' ? content : new Uint8Array(content);
    form.append('0', new Blob([bytes], options.mimeType ? { type: options.mimeType } : {}), name);
    const response = await fetch(`${this.url}/graphql`, { method: 'POST', headers: { authorization: `Bearer ${this.token}` }, body: form });
    const data = await this.dataOf<{ uploadImport: { id: string } }>('ClientUploadImport', response);
    return data.uploadImport.id;
  }

  /** Asks a connector to import an uploaded file, as the UI's import dialog does; the work id. */
  async askJobImport(fileId: string, options: { connectorId: string; entityId?: string; bypassValidation?: boolean }): Promise<string> {
    const { askJobImport } = await this.gql<{ askJobImport: { works: { id: string }[] | null } }>(CLIENT_DOCUMENTS.askJobImport, {
      fileName: fileId,
      connectorId: options.connectorId,
      bypassEntityId: options.entityId ?? null,
      bypassValidation: options.bypassValidation ?? true,
    });
    const workId = askJobImport.works?.[0]?.id;
    if (!workId) throw new GraphqlRequestError('ClientAskJobImport', 200, [`no work for ${fileId}: is the connector registered for its MIME type?`]);
    return workId;
  }

  /** Asks an enrichment connector to enrich an entity, as the UI does; the work id. */
  async askEnrichment(entityId: string, connectorId: string): Promise<string> {
    const answer = await this.gql<{ stixCoreObjectEdit: { askEnrichment: { id: string } | null } | null }>(CLIENT_DOCUMENTS.askEnrichment, {
      id: entityId,
      connectorId,
    });
    const workId = answer.stixCoreObjectEdit?.askEnrichment?.id;
    if (!workId) throw new GraphqlRequestError('ClientAskEnrichment', 200, [`no work for ${entityId}`]);
    return workId;
  }

  /** Asks an export of one entity, as the UI does; the file to come (its id is the work id). */
  async exportAsk(entityId: string, input: ExportAskInput): Promise<FileView> {
    const answer = await this.gql<{ stixCoreObjectEdit: { exportAsk: FileView[] | null } | null }>(CLIENT_DOCUMENTS.entityExportAsk, { id: entityId, input });
    const file = answer.stixCoreObjectEdit?.exportAsk?.[0];
    if (!file)
      throw new GraphqlRequestError('ClientEntityExportAsk', 200, [`no export for ${entityId}: is an export connector registered for ${input.format}?`]);
    return file;
  }

  /** Asks an export of a list, as the UI does; the file to come (its id is the work id). */
  async listExportAsk(input: ListExportAskInput): Promise<FileView> {
    const { stixCoreObjectsExportAsk } = await this.gql<{ stixCoreObjectsExportAsk: FileView[] | null }>(CLIENT_DOCUMENTS.listExportAsk, { input });
    const file = stixCoreObjectsExportAsk?.[0];
    if (!file)
      throw new GraphqlRequestError('ClientListExportAsk', 200, [
        `no export of ${input.exportContext.entity_type}: is an export connector registered for ${input.format}?`,
      ]);
    return file;
  }

  /** The export files attached to an entity (at most 50). */
  async exportFiles(entityId: string): Promise<FileView[]> {
    const { stixCoreObject } = await this.gql<{ stixCoreObject: { exportFiles: { edges: { node: FileView }[] } | null } | null }>(
      CLIENT_DOCUMENTS.exportFiles,
      { id: entityId },
    );
    return stixCoreObject?.exportFiles?.edges.map((edge) => edge.node) ?? [];
  }

  /** The files waiting in a workbench for validation (at most 100). */
  async pendingFiles(): Promise<FileView[]> {
    const { pendingFiles } = await this.gql<{ pendingFiles: { edges: { node: FileView }[] } | null }>(CLIENT_DOCUMENTS.pendingFiles, { first: 100 });
    return pendingFiles?.edges.map((edge) => edge.node) ?? [];
  }

  /** A stored file's content, as the UI's download link gets it; a StorageRequestError unless HTTP 200. */
  async download(fileId: string): Promise<string> {
    const response = await fetch(`${this.url}/storage/get/${fileId}`, { headers: { authorization: `Bearer ${this.token}` } });
    const text = await response.text();
    if (response.status !== 200) throw new StorageRequestError(fileId, response.status);
    return text;
  }

  private async poll<T>(what: string, options: WaitOptions, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_WAIT_MS);
    for (;;) {
      const found = await probe();
      if (found !== undefined) return found;
      if (Date.now() >= deadline) {
        const context = options.context?.();
        throw new WaitTimeoutError(`timed out after ${options.timeoutMs ?? DEFAULT_WAIT_MS} ms waiting for ${what}${context ? `\n${context}` : ''}`);
      }
      await sleep(POLL_MS);
    }
  }
}
