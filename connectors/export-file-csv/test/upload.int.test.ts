// The SDK's streamed upload (`{ path }`) against the platform stand-in's real multipart parser:
// a file of several MB pushed as an export comes back byte for byte. (Here rather than in the
// SDK because the SDK cannot depend on the stand-in, which depends on it.)
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PlatformClient, type PlatformSim, startPlatformSim } from '@opencti-ts/platform-sim';
import { createApiClient, EXPORT_PUSH_ENTITY } from '@opencti-ts/sdk/api';
import { stixBuilders as b } from '@opencti-ts/sdk/stix';
import { rabbitMq } from '@opencti-ts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const broker = await rabbitMq();
const malware = b.malware({ name: 'CSV upload malware' });
const report = b.report({ name: 'CSV upload report', published: '2026-01-01T00:00:00.000Z', object_refs: [malware.id] });

describe.skipIf(!broker.available)('streamed export upload to the platform stand-in', () => {
  let sim: PlatformSim;
  let client: PlatformClient;
  let dir: string;

  beforeAll(async () => {
    if (!broker.available) return;
    sim = await startPlatformSim({ rabbitmqUrl: broker.url, bundle: { objects: [malware, report] } });
    client = new PlatformClient(sim);
    dir = await mkdtemp(path.join(tmpdir(), 'export-file-csv-upload-'));
  });
  afterAll(async () => {
    await sim?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a 12 MB file on disk is stored and downloaded back identical', async () => {
    // Valid UTF-8 (the download is read as text) with multi-byte characters and CRLFs.
    const lines: string[] = [];
    let size = 0;
    while (size < 12 * 1024 * 1024) {
      const line = `"${randomBytes(24).toString('hex')}";"é ☃ 🧪";"${size}"\r\n`;
      lines.push(line);
      size += Buffer.byteLength(line);
    }
    const content = Buffer.from(lines.join(''), 'utf8');
    const file = path.join(dir, 'export.csv');
    await writeFile(file, content);

    const api = createApiClient({ url: sim.url, token: sim.token, env: false });
    const answer = await api.upload(
      EXPORT_PUSH_ENTITY,
      { id: report.id, file: null, file_markings: [] },
      { file: { name: 'Large export.csv', data: { path: file }, mimeType: 'text/csv' } },
    );
    expect(answer.stixDomainObjectEdit?.exportPush).toBe(true);

    const stored = (await client.exportFiles(report.id)).find((candidate) => candidate.name === 'Large export.csv');
    expect(stored).toBeDefined();
    const downloaded = Buffer.from(await client.download(stored?.id as string), 'utf8');
    expect(downloaded.length).toBe(content.length);
    expect(downloaded.equals(content)).toBe(true);
  });
});
