import { mkdtemp, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { directoryFileName, writeDirectoryBundle } from './directory.ts';

const context = {
  applicantId: '88ec0c6a-13ce-5e39-b486-354fe4a7084f',
  connector: { id: 'c1', name: 'MITRE ATT&CK', type: 'EXTERNAL_IMPORT', scope: 'marking-definition,identity', auto: false, validate_before_import: false },
};

describe('send to directory', () => {
  it('names files like pycti', () => {
    expect(directoryFileName('MITRE ATT&CK', new Date(2025, 0, 1, 12, 0, 0, 123))).toMatch(/^mitre_att&ck-20250101-120000-\d{10}\.123000\.json$/);
  });

  it('writes the unsplit bundle with the DIRECTORY_BUNDLE envelope and prunes old files', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'send-to-dir-'));
    const old = path.join(directory, 'old.json');
    await writeFile(old, '{}');
    const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000);
    await utimes(old, tenDaysAgo, tenDaysAgo);
    const bundle = { type: 'bundle', id: 'bundle--1', objects: [{ type: 'malware', id: 'malware--1' }] };
    const file = await writeDirectoryBundle(bundle, context, { directory, retentionDays: 7, entitiesTypes: ['malware'], update: true });
    const names = await readdir(directory);
    expect(names).toEqual([path.basename(file)]);
    const content = JSON.parse(await readFile(file, 'utf8'));
    expect(Object.keys(content)).toEqual(['bundle_type', 'applicant_id', 'connector', 'entities_types', 'bundle', 'update']);
    expect(content).toMatchObject({ bundle_type: 'DIRECTORY_BUNDLE', connector: context.connector, bundle, update: true, entities_types: ['malware'] });
  });
});
