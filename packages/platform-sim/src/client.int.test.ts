// The e2e client against the stand-in on the real broker: what connector e2e tests rely on.
import { randomUUID } from 'node:crypto';
import { requireId } from '@opencti-ts/sdk/stix';
import { rabbitMq } from '@opencti-ts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCUMENTS as D, dataOf, gql, gqlUpload } from './__fixtures__/documents.ts';
import { GraphqlRequestError, PlatformClient, StorageRequestError, WaitTimeoutError } from './client.ts';
import { type PlatformSim, startPlatformSim } from './sim.ts';

const broker = await rabbitMq();

const IP = { type: 'ipv4-addr', id: requireId({ type: 'ipv4-addr', value: '203.0.113.9' }), spec_version: '2.1', value: '203.0.113.9' };
const T = '2026-01-01T00:00:00.000Z';
const MALWARE = {
  type: 'malware',
  id: requireId({ type: 'malware', name: 'Client test' }),
  spec_version: '2.1',
  created: T,
  modified: T,
  name: 'Client test',
  is_family: false,
};

describe.skipIf(!broker.available)('PlatformClient against the stand-in', () => {
  let sim: PlatformSim;
  let client: PlatformClient;
  const connectorId = randomUUID();

  beforeAll(async () => {
    if (!broker.available) return;
    sim = await startPlatformSim({ rabbitmqUrl: broker.url, bundle: { objects: [IP, MALWARE] } });
    client = new PlatformClient(sim);
    dataOf(
      await gql(sim.url, sim.token, D.register, {
        input: { id: connectorId, name: 'client test', type: 'INTERNAL_IMPORT_FILE', scope: ['text/plain'], auto: false },
      }),
    );
  });
  afterAll(async () => sim?.stop());

  it('reads an object back in STIX, and null for one the platform does not have', async () => {
    expect(await client.stix(IP.id)).toMatchObject({ id: IP.id, value: '203.0.113.9' });
    expect(await client.has(requireId({ type: 'ipv4-addr', value: '203.0.113.10' }))).toBe(false);
  });

  it('sees a registered connector at once and times out, with the caller context, on one that never registers', async () => {
    await client.waitForConnector(connectorId, { timeoutMs: 2_000 });
    const never = client.waitForConnector(randomUUID(), { timeoutMs: 200, context: () => 'last log: nothing' });
    await expect(never).rejects.toBeInstanceOf(WaitTimeoutError);
    await expect(never).rejects.toThrow(/timed out after 200 ms waiting for connector .* to register\nlast log: nothing/);
  });

  it('uploads a file and asks an import: the work is listed for the connector and settles only once processed', async () => {
    const before = await client.workIds(connectorId);
    const fileId = await client.uploadImport('notes.txt', 'hello', { mimeType: 'text/plain' });
    const workId = await client.askJobImport(fileId, { connectorId });
    expect(await client.newWorkIds(connectorId, before)).toEqual([workId]);
    expect((await client.work(workId))?.status).not.toBe('complete');
    await expect(client.settledWork(workId, { timeoutMs: 300 })).rejects.toThrow(/waiting for work/);
    // The connector's side: received, no expectations, processed.
    for (const [document, variables] of [
      [D.toReceived, { id: workId, message: 'Connector ready to process the operation' }],
      [D.toProcessed, { id: workId, message: 'done', inError: false }],
    ] as const)
      dataOf(await gql(sim.url, sim.token, document, variables));
    const work = await client.settledWork(workId, { timeoutMs: 10_000 });
    expect(work).toMatchObject({ id: workId, status: 'complete', errors: [] });
    expect(work.processed_time).toBeTruthy();
  });

  it('turns GraphQL errors into a GraphqlRequestError naming the operation', async () => {
    const failure = client.gql('query Broken { noSuchField }');
    await expect(failure).rejects.toBeInstanceOf(GraphqlRequestError);
    await expect(failure).rejects.toThrow(/^Broken: HTTP \d+, /);
    await expect(new PlatformClient({ url: sim.url, token: 'wrong-token' }).workIds(connectorId)).rejects.toBeInstanceOf(GraphqlRequestError);
  });

  it('reads the connector state it was given, parsed', async () => {
    expect(await client.connectorState(connectorId)).toBeNull();
    dataOf(await gql(sim.url, sim.token, D.ping, { id: connectorId, state: '{"last_run":1}' }));
    expect(await client.connectorState(connectorId)).toEqual({ last_run: 1 });
  });

  it('asks entity and list exports (their works are listed for the export connector), lists and downloads the entity export', async () => {
    const exporterId = randomUUID();
    dataOf(
      await gql(sim.url, sim.token, D.register, {
        input: { id: exporterId, name: 'client export test', type: 'INTERNAL_EXPORT_FILE', scope: ['text/csv'], auto: false },
      }),
    );
    const file = await client.exportAsk(MALWARE.id, { format: 'text/csv', exportType: 'simple', contentMaxMarkings: [], fileMarkings: [] });
    const list = await client.listExportAsk({ format: 'text/csv', exportType: 'simple', exportContext: { entity_type: 'Malware' }, search: 'client' });
    expect((await client.workIds(exporterId)).sort()).toEqual([file.id, list.id].sort());
    expect(file.name).toMatch(/\.csv$/);
    await expect(client.exportAsk(MALWARE.id, { format: 'application/x-nobody-exports-this', exportType: 'simple' })).rejects.toBeInstanceOf(
      GraphqlRequestError,
    );
    // The connector's side: the file it produced, pushed to the entity.
    dataOf(await gqlUpload(sim.url, sim.token, D.exportPush, { id: MALWARE.id, file_markings: [] }, { name: file.name, content: '"a";"b"\r\n' }));
    const stored = (await client.exportFiles(MALWARE.id)).find((candidate) => candidate.name === file.name);
    expect(stored).toBeDefined();
    expect(await client.download(stored?.id ?? '')).toBe('"a";"b"\r\n');
    const missing = client.download('export/Malware/nothing.csv');
    await expect(missing).rejects.toBeInstanceOf(StorageRequestError);
    await expect(missing).rejects.toMatchObject({ code: 'STORAGE_REQUEST_FAILED', status: 503 });
  });

  it('lists the files waiting in a workbench', async () => {
    expect(await client.pendingFiles()).toEqual([]);
    // The connector's side: a bundle sent for validation lands in import/pending.
    await sim.platform.upload(
      { folder: 'import/pending', filename: 'to-validate.json', data: Buffer.from('{}'), creatorId: sim.platform.admin.id },
      sim.platform.admin,
    );
    expect(await client.pendingFiles()).toEqual([{ id: 'import/pending/to-validate.json', name: 'to-validate.json' }]);
  });
});
