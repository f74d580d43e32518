// The jobs the platform publishes to a connector's listen queue (sdk-protocol §c.6,
// platform-contract §5), parsed into typed events. Quirks kept on purpose: `stix_entity`
// and `stix_objects` arrive as JSON strings; `entity_id` may be a standard or an internal
// id; export messages of `query` scope have no `event_type`.
import { InputError } from '../errors/index.ts';

export type ConnectorKind = 'EXTERNAL_IMPORT' | 'INTERNAL_ENRICHMENT' | 'INTERNAL_IMPORT_FILE' | 'INTERNAL_EXPORT_FILE';

export interface JobInternal {
  workId: string | null;
  applicantId: string | null;
  /** "" when the key is absent (pycti's default), null when sent as null. */
  draftId: string | null;
  playbook: PlaybookContext | null;
  trigger: string | null;
  mode: string | null;
}

export interface PlaybookContext {
  event_id: string;
  execution_id: string;
  playbook_id: string;
  data_instance_id: string;
  step_id: string;
  previous_step_id: string | null;
}

export type StixObject = { id: string; type: string } & Record<string, unknown>;

export interface EnrichmentEvent {
  kind: 'INTERNAL_ENRICHMENT';
  entityId: string;
  entityType: string | null;
  stixEntity: StixObject | null;
  stixObjects: StixObject[] | null;
  /** The playbook's bundle when the job comes from a playbook step. */
  bundle: { objects: StixObject[] } | null;
  raw: Record<string, unknown>;
}

export interface ImportFileEvent {
  kind: 'INTERNAL_IMPORT_FILE';
  fileId: string;
  fileMime: string | null;
  fileMarkings: string[];
  fileFetch: string;
  entityId: string | null;
  validationMode: 'workbench' | 'draft';
  bypassValidation: boolean;
  forceValidation: boolean;
  raw: Record<string, unknown>;
}

export interface ExportFileEvent {
  kind: 'INTERNAL_EXPORT_FILE';
  exportScope: 'single' | 'selection' | 'query';
  exportType: 'simple' | 'full';
  fileName: string;
  format: string;
  entityId: string | null;
  entityName: string | null;
  entityType: string;
  fileMarkings: string[];
  mainFilter: unknown;
  accessFilter: unknown;
  listParams: ExportListParams | null;
  selectedIds: string[];
  raw: Record<string, unknown>;
}

export interface ExportListParams {
  search?: string | null;
  orderBy?: string | null;
  orderMode?: 'asc' | 'desc' | null;
  filters?: unknown;
  [key: string]: unknown;
}

export type JobEvent = EnrichmentEvent | ImportFileEvent | ExportFileEvent;

export interface Job<E extends JobEvent = JobEvent> {
  internal: JobInternal;
  event: E;
  configuration: string | null;
}

const fail = (message: string): never => {
  throw new InputError('JOB_MESSAGE_INVALID', `invalid job message: ${message}`);
};

const asRecord = (value: unknown, what: string): Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : fail(`${what} must be an object`);
const optString = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);

/** Parses a JSON string property (or passes an already-parsed value through). */
function jsonProperty(value: unknown, what: string): unknown {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return fail(`${what} is not valid JSON`);
  }
}

export function parseJob(kind: Exclude<ConnectorKind, 'EXTERNAL_IMPORT'>, body: unknown): Job {
  const message = asRecord(body, 'the message');
  const internalRaw = asRecord(message.internal, '"internal"');
  if (!('work_id' in internalRaw)) fail('"internal.work_id" is missing');
  const event = asRecord(message.event, '"event"');
  const internal: JobInternal = {
    workId: optString(internalRaw.work_id),
    applicantId: optString(internalRaw.applicant_id),
    draftId: 'draft_id' in internalRaw ? optString(internalRaw.draft_id) : '',
    playbook: internalRaw.playbook ? (asRecord(internalRaw.playbook, '"internal.playbook"') as unknown as PlaybookContext) : null,
    trigger: optString(internalRaw.trigger),
    mode: optString(internalRaw.mode),
  };
  const configuration = optString(message.configuration);
  switch (kind) {
    case 'INTERNAL_ENRICHMENT':
      return { internal, event: parseEnrichment(event), configuration };
    case 'INTERNAL_IMPORT_FILE':
      return { internal, event: parseImportFile(event), configuration };
    case 'INTERNAL_EXPORT_FILE':
      return { internal, event: parseExportFile(event), configuration };
  }
}

function parseEnrichment(event: Record<string, unknown>): EnrichmentEvent {
  const entityId = optString(event.entity_id) ?? fail('Internal enrichment must be based on a specific id ("event.entity_id")');
  const bundle = event.bundle ? (asRecord(event.bundle, '"event.bundle"') as unknown as { objects: StixObject[] }) : null;
  let stixObjects = jsonProperty(event.stix_objects, '"event.stix_objects"') as StixObject[] | null;
  let stixEntity = jsonProperty(event.stix_entity, '"event.stix_entity"') as StixObject | null;
  if (bundle) {
    // Playbook step: the entity and its neighbours come from the playbook's bundle.
    stixObjects = Array.isArray(bundle.objects) ? bundle.objects : [];
    stixEntity = stixObjects.find((object) => object.id === entityId) ?? stixEntity;
  }
  return { kind: 'INTERNAL_ENRICHMENT', entityId, entityType: optString(event.entity_type), stixEntity, stixObjects, bundle, raw: event };
}

function parseImportFile(event: Record<string, unknown>): ImportFileEvent {
  const fileId = optString(event.file_id) ?? fail('"event.file_id" is missing');
  return {
    kind: 'INTERNAL_IMPORT_FILE',
    fileId,
    fileMime: optString(event.file_mime),
    fileMarkings: strings(event.file_markings),
    fileFetch: optString(event.file_fetch) ?? `/storage/get/${fileId}`,
    entityId: optString(event.entity_id),
    validationMode: event.validation_mode === 'draft' ? 'draft' : 'workbench',
    bypassValidation: event.bypass_validation === true,
    forceValidation: event.force_validation === true,
    raw: event,
  };
}

function parseExportFile(event: Record<string, unknown>): ExportFileEvent {
  const scope = event.export_scope;
  if (scope !== 'single' && scope !== 'selection' && scope !== 'query')
    return fail(`"event.export_scope" must be single, selection or query (got ${JSON.stringify(scope)})`);
  const listParams =
    event.list_params === undefined || event.list_params === null ? null : (jsonProperty(event.list_params, '"event.list_params"') as ExportListParams);
  return {
    kind: 'INTERNAL_EXPORT_FILE',
    exportScope: scope,
    exportType: event.export_type === 'full' ? 'full' : 'simple',
    fileName: optString(event.file_name) ?? fail('"event.file_name" is missing'),
    format: optString(event.format) ?? fail('"event.format" is missing'),
    entityId: optString(event.entity_id),
    entityName: optString(event.entity_name),
    entityType: optString(event.entity_type) ?? fail('"event.entity_type" is missing'),
    fileMarkings: strings(event.file_markings),
    mainFilter: event.main_filter ?? null,
    accessFilter: event.access_filter ?? null,
    listParams,
    selectedIds: strings(event.selected_ids),
    raw: event,
  };
}
