import { describe, expect, it } from 'vitest';
import { parseJob } from './messages.ts';

const internal = { work_id: 'work_1', applicant_id: 'user-1', draft_id: null, trigger: 'update', mode: 'manual' };

describe('listen queue messages', () => {
  it('reads an import-file job as the platform sends it', () => {
    const job = parseJob('INTERNAL_IMPORT_FILE', {
      internal,
      event: {
        file_id: 'import/global/report.json',
        file_mime: 'application/json',
        file_markings: [],
        file_fetch: '/storage/get/import/global/report.json',
        entity_id: null,
        validation_mode: 'workbench',
        bypass_validation: false,
        force_validation: false,
      },
      configuration: null,
    });
    expect(job.internal).toMatchObject({ workId: 'work_1', applicantId: 'user-1', draftId: null });
    expect(job.event).toMatchObject({
      kind: 'INTERNAL_IMPORT_FILE',
      fileId: 'import/global/report.json',
      fileFetch: '/storage/get/import/global/report.json',
      validationMode: 'workbench',
    });
  });

  it('parses stix_entity sent as a JSON string, and defaults an absent draft_id to ""', () => {
    const entity = { id: 'domain-name--1', type: 'domain-name', value: 'example.com' };
    const job = parseJob('INTERNAL_ENRICHMENT', {
      internal: { work_id: 'w', applicant_id: null },
      event: {
        event_type: 'INTERNAL_ENRICHMENT',
        entity_id: 'domain-name--1',
        entity_type: 'Domain-Name',
        stix_entity: JSON.stringify(entity),
        stix_objects: null,
      },
    });
    expect(job.internal.draftId).toBe('');
    expect(job.event).toMatchObject({ kind: 'INTERNAL_ENRICHMENT', stixEntity: entity, stixObjects: null });
  });

  it('takes the entity from the playbook bundle', () => {
    const entity = { id: 'ipv4-addr--1', type: 'ipv4-addr', value: '1.2.3.4' };
    const job = parseJob('INTERNAL_ENRICHMENT', {
      internal: { work_id: 'w', applicant_id: null, playbook: { playbook_id: 'p' } },
      event: { entity_id: 'ipv4-addr--1', bundle: { objects: [entity] } },
    });
    expect(job.internal.playbook).toEqual({ playbook_id: 'p' });
    expect(job.event).toMatchObject({ stixEntity: entity, stixObjects: [entity] });
  });

  it('reads a query-scope export without event_type', () => {
    const job = parseJob('INTERNAL_EXPORT_FILE', {
      internal,
      event: {
        export_scope: 'query',
        export_type: 'simple',
        file_name: 'x.csv',
        format: 'text/csv',
        entity_type: 'Malware',
        file_markings: [],
        list_params: { orderBy: 'name' },
      },
    });
    expect(job.event).toMatchObject({ kind: 'INTERNAL_EXPORT_FILE', exportScope: 'query', listParams: { orderBy: 'name' }, selectedIds: [] });
  });

  it.each([
    ['not an object', 'nope', /the message must be an object/],
    ['no work id', { internal: {}, event: {} }, /internal.work_id/],
    ['enrichment without entity', { internal, event: {} }, /specific id/],
    ['bad stix_entity', { internal, event: { entity_id: 'x', stix_entity: '{' } }, /stix_entity/],
  ])('rejects %s with a typed error', (_title, body, message) => {
    expect(() => parseJob('INTERNAL_ENRICHMENT', body)).toThrowError(
      expect.objectContaining({ code: 'JOB_MESSAGE_INVALID', message: expect.stringMatching(message) }),
    );
  });
});
