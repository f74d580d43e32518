// End to end: the connector runs in-process against the platform (the stand-in unless
// OPENCTI_URL names a real one) and the real broker; files are uploaded and import jobs
// asked through GraphQL, and every assertion reads the result back through GraphQL.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type E2ePlatform, PlatformClient, startPlatform } from '@opencti-ts/platform-sim';
import { type RunningConnector, startConnector } from '@opencti-ts/sdk/runtime';
import { rabbitMq } from '@opencti-ts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFileStixConnector } from '../src/connector.ts';

const broker = await rabbitMq();
const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, 'fixtures', name), 'utf8');
const entityReport = JSON.parse(fixture('entity-report.json')) as { id: string };

describe.skipIf(!broker.available)('import-file-stix end to end', () => {
  let platform: E2ePlatform;
  let client: PlatformClient;
  let connector: RunningConnector;
  const connectorId = randomUUID();
  const logs: string[] = [];

  /** Uploads a file and asks this connector to import it; the work id. */
  const importFile = async (name: string, content: string, options: { entityId?: string; bypassValidation?: boolean } = {}) =>
    client.askJobImport(await client.uploadImport(name, content), { connectorId, ...options });
  const completed = (workId: string) => client.settledWork(workId, { context: () => logs.slice(-5).join('\n') });
  const stixOf = (id: string) => client.stix(id);

  beforeAll(async () => {
    if (!broker.available) return;
    platform = await startPlatform({ rabbitmqUrl: broker.url, bundle: { objects: [entityReport] } });
    client = new PlatformClient(platform);
    connector = startConnector(importFileStixConnector, {
      env: {
        OPENCTI_URL: platform.url,
        OPENCTI_TOKEN: platform.token,
        CONNECTOR_ID: connectorId,
        CONNECTOR_LOG_LEVEL: 'info',
        // application/xml: the stand-in's type for .xml uploads, so the XML refusal is reached.
        CONNECTOR_SCOPE: 'application/json,text/xml,application/xml',
        IMPORT_FILE_STIX_MAX_FILE_SIZE_MB: '1',
      },
      handleSignals: false,
      logSink: (line) => logs.push(line),
    });
    await client.waitForConnector(connectorId, { context: () => logs.slice(-5).join('\n') });
  }, 60_000);

  afterAll(async () => {
    await connector?.stop();
    await platform?.stop();
  });

  it('imports a valid file directly: every object present with its id, the work completed without error', async () => {
    const work = await completed(await importFile('valid.json', fixture('valid-21.json')));
    expect(work.errors).toEqual([]);
    expect(work.messages.map((m) => m.message)).toContainEqual(expect.stringMatching(/^\d+ generated bundle\(s\) for worker import$/));
    for (const object of (JSON.parse(fixture('valid-21.json')) as { objects: { id: string }[] }).objects)
      expect(await stixOf(object.id), object.id).not.toBeNull();
  });

  it('imports a STIX 2.0 file (upgraded, ids unchanged)', async () => {
    const work = await completed(await importFile('old.json', fixture('stix20.json')));
    expect(work.errors).toEqual([]);
    expect(await stixOf('malware--5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c01')).toMatchObject({ name: 'Legacy RAT' });
  });

  it('without bypass, validation applies: the bundle becomes a workbench and nothing is imported', async () => {
    const work = await completed(await importFile('to-validate.json', fixture('containers.json'), { bypassValidation: false }));
    expect(work.messages.map((m) => m.message)).toContain('Generated bundle sent for validation');
    const pending = await client.pendingFiles();
    expect(pending.map((file) => file.name).some((name) => name.includes('to-validate.json'))).toBe(true);
    expect(await stixOf('campaign--7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a01')).toBeNull();
  });

  it('imported on a report: the report gets the file objects in its object_refs', async () => {
    const work = await completed(await importFile('on-report.json', fixture('containers.json'), { entityId: entityReport.id }));
    expect(work.errors).toEqual([]);
    const report = await stixOf(entityReport.id);
    expect(report?.object_refs).toEqual(
      expect.arrayContaining([
        'report--8f9a0b1c-2d3e-4f4a-9b5c-6d7e8f9a0b01',
        'tool--5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e01',
        'grouping--9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c01',
        'attack-pattern--6d7e8f9a-0b1c-4d2e-9f3a-4b5c6d7e8f01',
      ]),
    );
  });

  it('a file with invalid objects: the valid ones are imported, the work ends in error naming the others', async () => {
    const work = await completed(await importFile('partial.json', fixture('invalid-and-dangling.json')));
    const errors = work.errors.map((e) => e.message).join('\n');
    expect(errors).toContain('identity--0d1e2f3a-4b5c-4d6e-9f7a-8b9c0d1e2f01: REQUIRED $.objects[1].name');
    expect(errors).toContain('indicator--4b5c6d7e-8f9a-4b0c-9d1e-2f3a4b5c6d01: BAD_PATTERN');
    expect(errors).toContain('target_ref intrusion-set--2f3a4b5c-6d7e-4f8a-9b9c-0d1e2f3a4b01 is not in the file');
    expect(await stixOf('malware--9c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e01')).toMatchObject({ name: 'Kept Malware' });
    expect(await stixOf('identity--0d1e2f3a-4b5c-4d6e-9f7a-8b9c0d1e2f01')).toBeNull();
  });

  it.each([
    { name: 'malformed JSON', file: 'broken.json', content: () => fixture('truncated.json'), error: /^Malformed STIX bundle JSON at byte offset \d+/ },
    { name: 'a JSON file that is no bundle', file: 'object.json', content: () => fixture('entity-report.json'), error: /^File data is not a valid bundle/ },
    { name: 'STIX 1.x XML', file: 'stix1.xml', content: () => '<stix:STIX_Package/>', error: /^STIX 1\.x \(XML\) is not supported/ },
    {
      name: 'a file above IMPORT_FILE_STIX_MAX_FILE_SIZE_MB',
      file: 'huge.json',
      content: () => `{"type": "bundle", "id": "bundle--${randomUUID()}", "objects": []}${' '.repeat(1_100_000)}`,
      error: /1000000/,
    },
  ])('$name: the work ends in error with a clear message, and the connector takes the next job', async ({ file, content, error }) => {
    const work = await completed(await importFile(file, content()));
    expect(work.errors.map((e) => e.message)).toEqual([expect.stringMatching(error)]);
    const next = await completed(await importFile(`after-${file}.json`, fixture('valid-21.json')));
    expect(next.errors).toEqual([]);
  });

  it('never writes the token into a log line', () => {
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.join('\n')).not.toContain(platform.token);
  });
});
