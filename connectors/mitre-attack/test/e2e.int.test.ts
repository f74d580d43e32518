// End to end: the connector, pointed at a local HTTP server serving real ICS and Mobile
// ATT&CK files, imports them into the platform (the stand-in unless OPENCTI_URL names a
// real one) through the real broker. Read back through the public GraphQL API only.
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type E2ePlatform, PlatformClient, startPlatform } from '@opencti-ts/platform-sim';
import { startConnector } from '@opencti-ts/sdk/runtime';
import { readStixBundle } from '@opencti-ts/sdk/stix';
import { rabbitMq, sharedPath } from '@opencti-ts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mitreConnector } from '../src/connector.ts';
import { convertCollection, type StixObject } from '../src/convert/collection.ts';

const broker = await rabbitMq();
const data = sharedPath('data/mitre-attack/stix21');
const FILES = { ics: 'ics-attack/ics-attack-17.1.json', mobile: 'mobile-attack/mobile-attack-17.1.json' };
/** Types the platform imports from these collections (x-mitre-tactic/matrix/collection/asset are not OpenCTI types). */
const IMPORTED = new Set([
  'attack-pattern',
  'malware',
  'tool',
  'intrusion-set',
  'campaign',
  'course-of-action',
  'identity',
  'x-mitre-data-source',
  'x-mitre-data-component',
]);

describe.skipIf(!broker.available || !data.available)('MITRE ATT&CK end to end', () => {
  let platform: E2ePlatform;
  let client: PlatformClient;
  let server: http.Server;
  let baseUrl: string;
  const requests: string[] = [];

  beforeAll(async () => {
    if (!broker.available || !data.available) return;
    platform = await startPlatform({ rabbitmqUrl: broker.url });
    client = new PlatformClient(platform);
    server = http.createServer((request, response) => {
      requests.push(request.url ?? '');
      const file = Object.values(FILES).find((name) => request.url === `/${name}`);
      if (!file) return void response.writeHead(404).end();
      response.writeHead(200, { 'content-type': 'application/json', etag: `"${file}"` });
      createReadStream(path.join(data.available ? data.path : '', file)).pipe(response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await platform?.stop();
  });

  it('imports ICS + Mobile: every expected object is on the platform and the work completes', { timeout: 240_000 }, async () => {
    const logs: string[] = [];
    const env = {
      OPENCTI_URL: platform.url,
      OPENCTI_TOKEN: platform.token,
      CONNECTOR_ID: randomUUID(),
      CONNECTOR_RUN_AND_TERMINATE: 'true',
      CONNECTOR_LOG_LEVEL: 'info',
      MITRE_ENTERPRISE_FILE_URL: 'false',
      MITRE_CAPEC_FILE_URL: 'FALSE',
      MITRE_ICS_ATTACK_FILE_URL: `${baseUrl}/${FILES.ics}`,
      MITRE_MOBILE_ATTACK_FILE_URL: `${baseUrl}/${FILES.mobile}`,
    };
    const running = startConnector(mitreConnector, { env, handleSignals: false, logSink: (line) => logs.push(line) });
    expect(await running.done, logs.join('\n')).toBe(0);
    expect(requests).toEqual([`/${FILES.mobile}`, `/${FILES.ics}`]);

    const expected: StixObject[] = [];
    for (const [name, file] of Object.entries(FILES)) {
      const objects: StixObject[] = [];
      for await (const object of readStixBundle(path.join(data.available ? data.path : '', file))) objects.push(object as StixObject);
      const converted = convertCollection(objects, { sourceUrl: name, removeStatementMarking: false }).objects;
      const importable = (ref: unknown) => IMPORTED.has(String(ref).split('--')[0] ?? '');
      expected.push(...converted.filter((o) => IMPORTED.has(o.type) || (o.type === 'relationship' && importable(o.source_ref) && importable(o.target_ref))));
    }
    expect(expected.length).toBeGreaterThan(2000);

    const works = await Promise.all((await client.workIds(env.CONNECTOR_ID)).map((id) => client.work(id)));
    const work = works.find((node) => node?.name.startsWith('MITRE ATT&CK run @'));
    expect(work).toBeDefined();
    const final = await client.settledWork(work?.id ?? '', { timeoutMs: 120_000, context: () => logs.slice(-20).join('\n') });
    expect(final.status).toBe('complete');

    const missing: string[] = [];
    for (const object of expected) if (!(await client.has(object.id))) missing.push(object.id);
    expect(missing).toEqual([]);
  });
});
