// The listen-queue envelopes of platform-contract §5, as pure functions. Keys the
// platform leaves `undefined` are left undefined here too, so JSON drops them.
import { OPENCTI_SCO_EXTENSION, OPENCTI_SDO_EXTENSION } from '@opencti-ts/sdk/stix';
import type { Entity, FilterGroup } from './store.ts';

/** The STIX 2.1 representation the platform hands out (`toStix`, `stix(id)`, `stix_entity`). */
export function toStix(entity: Entity): Record<string, unknown> {
  const { stix } = entity;
  const extensionId = entity.type.category === 'sco' ? OPENCTI_SCO_EXTENSION : OPENCTI_SDO_EXTENSION;
  const existing = (stix.extensions ?? {}) as Record<string, Record<string, unknown>>;
  const opencti = {
    ...(existing[extensionId] ?? {}),
    extension_type: 'property-extension',
    id: entity.internal_id,
    type: entity.type.entityType,
    created_at: entity.created_at,
    updated_at: entity.updated_at,
    is_inferred: false,
    creator_ids: [entity.creator_id],
    ...(entity.stix_ids.length > 0 ? { stix_ids: entity.stix_ids } : {}),
  };
  return { ...stix, id: entity.standard_id, spec_version: '2.1', extensions: { ...existing, [extensionId]: opencti } };
}

export interface EnrichmentJob {
  workId: string;
  mode: 'manual' | 'auto';
  trigger: 'create' | 'update';
  entity: Entity;
  /** JSON string of a bundle-like list, only for `stix_bundle` resolution of types that have one. */
  stixObjects?: string | null;
  draftId?: string | null;
}

export function enrichmentMessage(job: EnrichmentJob): Record<string, unknown> {
  return {
    internal: { work_id: job.workId, applicant_id: null, draft_id: job.draftId ?? null, mode: job.mode, trigger: job.trigger },
    event: {
      event_type: 'INTERNAL_ENRICHMENT',
      entity_id: job.entity.standard_id,
      entity_type: job.entity.type.entityType,
      stix_entity: JSON.stringify(toStix(job.entity)),
      stix_objects: job.stixObjects ?? null,
    },
  };
}

export interface ImportJob {
  workId: string;
  applicantId: string;
  fileId: string;
  fileMime: string;
  fileMarkings: string[];
  /** Internal id of the context entity; undefined for a global import. */
  entityId: string | undefined;
  validationMode: string;
  bypassValidation: boolean;
  forceValidation: boolean;
  configuration: string | null;
  draftId?: string | null;
}

export function importMessage(job: ImportJob): Record<string, unknown> {
  return {
    internal: { work_id: job.workId, applicant_id: job.applicantId, draft_id: job.draftId ?? null, trigger: 'update', mode: 'auto' },
    event: {
      file_id: job.fileId,
      file_mime: job.fileMime,
      file_markings: job.fileMarkings,
      file_fetch: `/storage/get/${job.fileId}`,
      entity_id: job.entityId,
      validation_mode: job.draftId ? 'draft' : job.validationMode,
      bypass_validation: job.draftId ? true : job.bypassValidation,
      force_validation: job.forceValidation,
    },
    configuration: job.configuration,
  };
}

export const emptyFilterGroup = (): FilterGroup => ({ mode: 'and', filters: [], filterGroups: [] });

/** `main_filter`: the access filters plus the ids filter when ids are known. */
export function mainFilter(ids: string[] | undefined): FilterGroup {
  const filters = ids && ids.length > 0 ? [{ key: 'ids', values: ids, mode: 'or', operator: 'eq' }] : [];
  return { mode: 'and', filters, filterGroups: [] };
}

/** `<now>_<markings>_(<connector>)_<subject>_<exportType>.<ext>` */
export function exportFileName(
  now: string,
  markingDefinitions: string[],
  connectorName: string,
  subject: string,
  exportType: string,
  extension: string,
): string {
  const markings = markingDefinitions.length > 0 ? markingDefinitions.join('_') : 'TLP:ALL';
  return `${now}_${markings}_(${connectorName})_${subject}_${exportType}.${extension}`;
}

export interface SingleExportJob {
  workId: string;
  applicantId: string;
  fileName: string;
  format: string;
  entity: Entity;
  entityName: string;
  exportType: string;
  fileMarkings: string[];
}

export function singleExportMessage(job: SingleExportJob): Record<string, unknown> {
  return {
    internal: { work_id: job.workId, applicant_id: job.applicantId, trigger: null, mode: 'manual' },
    event: {
      event_type: 'INTERNAL_EXPORT_FILE',
      file_name: job.fileName,
      format: job.format,
      export_scope: 'single',
      entity_id: job.entity.internal_id,
      entity_name: job.entityName,
      entity_type: job.entity.type.entityType,
      export_type: job.exportType,
      file_markings: job.fileMarkings,
      main_filter: mainFilter([job.entity.internal_id]),
      access_filter: emptyFilterGroup(),
    },
  };
}

export interface ListExportJob {
  workId: string;
  applicantId: string;
  fileName: string;
  format: string;
  exportType: string;
  contextEntityId: string | undefined;
  contextEntityName: string | undefined;
  entityType: string;
  fileMarkings: string[];
  selectedIds: string[] | undefined;
  listParams: { search?: string | null; orderBy?: string | null; orderMode?: string | null; filters?: FilterGroup | null };
}

export function listExportMessage(job: ListExportJob): Record<string, unknown> {
  const selection = job.selectedIds !== undefined && job.selectedIds.length > 0;
  const common = {
    file_name: job.fileName,
    format: job.format,
    export_type: job.exportType,
    entity_id: job.contextEntityId,
    entity_name: job.contextEntityName ?? 'global',
    entity_type: job.entityType,
    file_markings: job.fileMarkings,
    access_filter: emptyFilterGroup(),
  };
  const event = selection
    ? { event_type: 'INTERNAL_EXPORT_FILE', ...common, export_scope: 'selection', selected_ids: job.selectedIds, main_filter: mainFilter(job.selectedIds) }
    : {
        ...common,
        export_scope: 'query',
        main_filter: mainFilter(undefined),
        list_params: {
          search: job.listParams.search ?? undefined,
          orderBy: job.listParams.orderBy ?? undefined,
          orderMode: job.listParams.orderMode ?? undefined,
          filters: job.listParams.filters ?? undefined,
        },
      };
  return { internal: { work_id: job.workId, applicant_id: job.applicantId }, event };
}
