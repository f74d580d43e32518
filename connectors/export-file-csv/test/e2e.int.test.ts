// End to end: the connector runs in-process against the platform stand-in and the real
// RabbitMQ; exports are asked through GraphQL as a user would, and the uploaded files and
// the works are read back through the public API.
import { randomUUID } from 'node:crypto';
import { type ListExportAskInput, PlatformClient, type PlatformSim, startPlatformSim } from '@opencti-ts/platform-sim';
import { startConnector } from '@opencti-ts/sdk/runtime';
import { stixBuilders as b, TLP_MARKING_IDS } from '@opencti-ts/sdk/stix';
import { rabbitMq } from '@opencti-ts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvConnector } from '../src/connector.ts';

const broker = await rabbitMq();

const author = b.organization({ name: 'CSV e2e author' });
const ip = b.ipv4Addr('198.51.100.7');
const url = b.url('http://csv-e2e.example/a;b"c');
const malware = b.malware({ name: 'CSV e2e malware', created_by_ref: author.id, object_marking_refs: [TLP_MARKING_IDS['TLP:GREEN']], labels: ['apt', 'csv'] });
const rel = b.relationship({ relationship_type: 'related-to', source_ref: malware.id, target_ref: ip.id });
const report = b.report({ name: 'CSV e2e report', published: '2026-01-01T00:00:00.000Z', object_refs: [malware.id, ip.id, rel.id], created_by_ref: author.id });

describe.skipIf(!broker.available)('export-file-csv against the platform stand-in', () => {
  let sim: PlatformSim;
  let client: PlatformClient;
  let stop: () => Promise<void> = async () => {};
  const connectorId = randomUUID();
  const logs: string[] = [];

  const settled = (workId: string) => client.settledWork(workId, { context: () => logs.slice(-10).join('\n') });
  const listExport = async (input: Omit<ListExportAskInput, 'format' | 'exportType'>) => {
    const file = await client.listExportAsk({ format: 'text/csv', exportType: 'simple', ...input });
    const work = await settled(file.id);
    return { work, file, fileId: `export/${input.exportContext.entity_type}/${file.name.toLowerCase()}` };
  };

  beforeAll(async () => {
    if (!broker.available) return;
    sim = await startPlatformSim({ rabbitmqUrl: broker.url, bundle: { objects: [author, ip, url, malware, rel, report] } });
    client = new PlatformClient(sim);
    const running = startConnector(csvConnector, {
      env: { OPENCTI_URL: sim.url, OPENCTI_TOKEN: sim.token, CONNECTOR_ID: connectorId, CONNECTOR_LOG_LEVEL: 'info', EXPORT_FILE_CSV_DELIMITER: ';' },
      handleSignals: false,
      logSink: (line) => logs.push(line),
    });
    stop = () => running.stop();
    await client.waitForConnector(connectorId, { context: () => logs.slice(-10).join('\n') });
  });
  afterAll(async () => {
    await stop();
    await sim?.stop();
  });

  it('single: a report exports its contents, then itself, to a CSV attached to the report', async () => {
    const file = await client.exportAsk(report.id, { format: 'text/csv', exportType: 'full', contentMaxMarkings: [], fileMarkings: [] });
    const work = await settled(file.id);
    expect(work.errors).toEqual([]);
    expect(work.messages.map((m) => m.message)).toContain('Export done');
    const stored = (await client.exportFiles(report.id)).find((candidate) => candidate.name === file.name);
    expect(stored).toBeDefined();
    const csv = await client.download(stored?.id as string);
    const lines = csv.split('\r\n');
    expect(lines.at(-1)).toBe('');
    const header = (lines[0] ?? '').split(';').map((cell) => cell.slice(1, -1));
    expect(header).toEqual([...header].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(header).not.toContain('objectLabelIds');
    expect(header).toEqual(expect.arrayContaining(['createdBy', 'createdById', 'objectMarking', 'observable_value', 'relationship_type', 'standard_id']));
    const cell = (line: string, key: string) => line.split(';')[header.indexOf(key)]?.slice(1, -1);
    const rows = lines.slice(1, -1);
    // Contents (objects, then relationships), the report itself last.
    const ids = rows.map((line) => cell(line, 'standard_id'));
    expect(new Set(ids.slice(0, 2))).toEqual(new Set([malware.id, ip.id]));
    expect(ids[2]).toBe(rel.id);
    expect(rows.map((line) => cell(line, 'entity_type'))[3]).toBe('Report');
    expect(cell(rows[3] as string, 'name')).toBe('CSV e2e report');
    const malwareRow = rows.find((line) => cell(line, 'standard_id') === malware.id) as string;
    expect(cell(malwareRow, 'objectMarking')).toBe('TLP:GREEN');
    expect(cell(malwareRow, 'objectLabel')).toBe('apt,csv');
    expect(cell(malwareRow, 'createdBy')).toBe('CSV e2e author');
    expect(cell(malwareRow, 'revoked')).toBe('False');
    expect(cell(rows[2] as string, 'from')).toBe('CSV e2e malware');
  });

  it('query: an observable list with its search, quoted values and the access filter; then a broken job errors its work and the next one works', async () => {
    const ok = await listExport({ exportContext: { entity_type: 'Stix-Cyber-Observable' }, search: 'csv-e2e' });
    expect(ok.work.messages.map((m) => m.message)).toContain('Export done');
    const csv = await client.download(ok.fileId);
    const [header = '', ...rows] = csv.split('\r\n');
    expect(header.startsWith('"createdBy";"createdById";"created_at";"creators";"entity_type"')).toBe(true);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain('"http://csv-e2e.example/a;b""c"');

    const broken = await listExport({ exportContext: { entity_type: 'Stix-Cyber-Observable' }, orderBy: 'name' });
    expect(broken.work.errors.length).toBeGreaterThan(0);
    expect(broken.work.errors[0]?.message).toMatch(/orderBy|StixCyberObservablesOrdering/);

    const after = await listExport({ exportContext: { entity_type: 'Malware' } });
    expect(after.work.errors).toEqual([]);
    const malwareCsv = await client.download(after.fileId);
    expect(malwareCsv.split('\r\n')).toHaveLength(3);
    expect(malwareCsv).toContain('"CSV e2e malware"');
  });

  it('selection: the ticked rows only; an empty list gives a single empty line', async () => {
    const picked = await listExport({ exportContext: { entity_type: 'Stix-Core-Object' }, selectedIds: [ip.id, malware.id] });
    const csv = await client.download(picked.fileId);
    const rows = csv.split('\r\n').slice(1, -1);
    expect(rows).toHaveLength(2);
    const empty = await listExport({ exportContext: { entity_type: 'Stix-Domain-Object' }, search: 'nothing matches this' });
    expect(empty.work.messages.map((m) => m.message)).toContain('Export done');
    expect(await client.download(empty.fileId)).toBe('\r\n');
  });

  it('never writes the token into a log line', () => {
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.join('\n')).not.toContain(sim.token);
  });
});
