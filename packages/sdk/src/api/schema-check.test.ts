import { sharedPath } from '@opencti-ts/testing';
import { describe, expect, it } from 'vitest';
import { storedSchemaSdl } from './__fixtures__/platform-schema.ts';
import { DOCUMENTS, type GraphqlDocument } from './documents.ts';
import { schemaFromSdl, validateDocuments } from './schema-check.ts';

const schemaDir = sharedPath('opencti/schema');

describe.skipIf(!schemaDir.available)('SDK documents against the stored OpenCTI 6.9.17 schema (in process)', () => {
  const schema = schemaDir.available ? schemaFromSdl(storedSchemaSdl(schemaDir.path)) : undefined;

  it('finds no problem in any document', () => {
    if (!schema) return;
    expect(validateDocuments(schema)).toEqual([]);
  });

  it.each([
    ['unknown field', 'query Broken { about { version codename } }', 'Cannot query field "codename"'],
    [
      'two workEdit in one mutation',
      'mutation Twice($id: ID!) { a: workEdit(id: $id) { ping } b: workEdit(id: $id) { ping } }',
      'Mutation.workEdit is selected 2 times',
    ],
    ['three about in one query', 'query Thrice { a: about { version } b: about { version } c: about { version } }', 'Query.about is selected 3 times'],
    ['bad variable type', 'query Bad($id: Int!) { connector(id: $id) { id } }', 'Variable "$id" of type "Int!"'],
  ])('reports %s', (_label, text, message) => {
    if (!schema) return;
    const document: GraphqlDocument = { operationName: 'x', operationType: 'query', text, idempotent: true, impersonate: true };
    const problems = validateDocuments(schema, [document]);
    expect(problems.map((problem) => problem.message).join('\n')).toContain(message);
  });

  it('names every document after a pycti operation, once', () => {
    const names = Object.values(DOCUMENTS).map((document) => document.operationName);
    expect(new Set(names).size).toBe(names.length);
  });
});
