// Failure paths, end to end: the connector runs in-process against the platform stand-in and
// the real broker, importing real bundles from ../shared/data/stix21 uploaded through GraphQL.
// The stand-in serves files whole and at once, so the connector's OPENCTI_URL is a local HTTP
// proxy in front of it (startProxy of @opencti-ts/testing) that can stall a download (before
// or after the headers), stream it without a Content-Length, or hold it until the test lets
// it go; everything else is forwarded.
// Each failure must end its own work with a clear error and import nothing, while the
// connector goes on; a job interrupted by a stop is not lost.
// (Malformed JSON at the first bytes, a non-bundle, STIX 1.x, a declared oversize and invalid
// objects next to dangling references are proven by e2e.int.test.ts.)
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type E2ePlatform, PlatformClient, startPlatform, type WorkView } from '@opencti-ts/platform-sim';
import { type RunningConnector, startConnector } from '@opencti-ts/sdk/runtime';
import { rabbitMq, sharedPath, startProxy } from '@opencti-ts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFileStixConnector } from '../src/connector.ts';

const broker = await rabbitMq();
const data = sharedPath('data/stix21');
const read = (file: string) => readFileSync(path.join(data.available ? data.path : '', file), 'utf8');

interface Bundle {
  type: 'bundle';
  id: string;
  objects: { id: string; type: string; [key: string]: unknown }[];
}
const bundle = (file: string) => JSON.parse(read(file)) as Bundle;
const ids = (content: Bundle) => content.objects.map((object) => object.id);

const DOWNLOAD_TIMEOUT_S = 1;
const MAX_FILE_SIZE_MB = 1;

/** How the proxy serves a download, by a marker in the uploaded file's name. */
type Behaviour = 'stall-body' | 'stall-head' | 'chunked' | 'hold';
const behaviourOf = (url: string): Behaviour | undefined =>
  (/\/storage\/get\/.*?(stall-body|stall-head|chunked|hold)-/.exec(decodeURIComponent(url))?.[1] as Behaviour) ?? undefined;

/** The stand-in behind a proxy that serves each marked download its way; everything else passes unchanged. */
async function startStorageProxy(target: string) {
  const downloads: { behaviour: Behaviour | undefined; url: string }[] = [];
  let held: (() => void)[] = [];
  let holding = true;
  const proxy = await startProxy(target, {
    async intercept({ request, response, forward, reply }) {
      const behaviour = behaviourOf(request.url);
      if (request.url.startsWith('/storage/get/')) downloads.push({ behaviour, url: request.url });
      if (behaviour === 'stall-head') return true; // the platform never answers
      if (behaviour === 'hold' && holding) await new Promise<void>((resolve) => held.push(resolve));
      if (behaviour !== 'stall-body' && behaviour !== 'chunked') return false;
      const answer = await forward();
      const type = answer.headers.get('content-type') ?? 'application/octet-stream';
      if (!answer.ok) reply(answer);
      else if (behaviour === 'stall-body') {
        // Headers and the first half, then silence: a storage backend that hangs mid-file.
        response.writeHead(200, { 'content-type': type, 'content-length': String(answer.body.length) });
        response.write(answer.body.subarray(0, answer.body.length >> 1));
      } else {
        // No Content-Length: the size is only known while reading.
        response.writeHead(200, { 'content-type': type });
        for (let offset = 0; offset < answer.body.length && !response.destroyed; offset += 65_536) {
          response.write(answer.body.subarray(offset, offset + 65_536));
          await new Promise((resolve) => setImmediate(resolve));
        }
        response.end();
      }
      return true;
    },
  });
  return {
    ...proxy,
    downloads,
    release() {
      holding = false;
      for (const resume of held) resume();
      held = [];
    },
  };
}

describe.skipIf(!broker.available || !data.available)('import-file-stix failure paths end to end', () => {
  let platform: E2ePlatform;
  let client: PlatformClient;
  let proxy: Awaited<ReturnType<typeof startStorageProxy>>;
  const connectors: RunningConnector[] = [];
  const connectorId = randomUUID();
  const strictConnectorId = randomUUID();
  const logs: string[] = [];

  // The campaigns example without "Franistan Intelligence", which the platform already has:
  // relationship--4bd67b9e… then points outside the file, at an object the platform knows.
  const campaigns = bundle('examples/cti-documentation/defining-campaigns-threat-actors-intrusion-sets.json');
  const franistan = campaigns.objects.find((object) => object.id === 'identity--8c6af861-7b20-41ef-9b59-6344fd872a8f');
  const dangling = { ...campaigns, objects: campaigns.objects.filter((object) => object !== franistan) };
  const danglingRelationship = 'relationship--4bd67b9e-d112-4ea6-98bb-080a051667c7';

  const start = (id: string, env: Record<string, string> = {}) => {
    const connector = startConnector(importFileStixConnector, {
      env: {
        OPENCTI_URL: proxy.url,
        OPENCTI_TOKEN: platform.token,
        CONNECTOR_ID: id,
        CONNECTOR_LOG_LEVEL: 'info',
        IMPORT_FILE_STIX_MAX_FILE_SIZE_MB: String(MAX_FILE_SIZE_MB),
        IMPORT_FILE_STIX_DOWNLOAD_TIMEOUT_S: String(DOWNLOAD_TIMEOUT_S),
        ...env,
      },
      handleSignals: false,
      stopGraceMs: 1000,
      logSink: (line) => logs.push(line),
    });
    connectors.push(connector);
    return connector;
  };
  const context = () => logs.slice(-20).join('\n');
  const ask = async (name: string, content: string, connector = connectorId) =>
    client.askJobImport(await client.uploadImport(name, content, { mimeType: 'application/json' }), { connectorId: connector, bypassValidation: true });
  const importFile = async (name: string, content: string, connector = connectorId): Promise<WorkView> =>
    client.settledWork(await ask(name, content, connector), { context });
  const errorsOf = (work: WorkView) => work.errors.map((e) => e.message);
  const present = async (list: string[]) => (await Promise.all(list.map((id) => client.has(id)))).filter(Boolean).length;
  /** The connector still takes jobs: a real bundle imports cleanly. */
  const nextImportWorks = async () => {
    const next = await importFile(`after-${randomUUID()}.json`, read('examples/cti-documentation/indicator-for-malicious-url.json'));
    expect(next.errors).toEqual([]);
  };

  beforeAll(async () => {
    if (!broker.available || !data.available) return;
    platform = await startPlatform({ rabbitmqUrl: broker.url, bundle: { objects: franistan ? [franistan] : [] } });
    client = new PlatformClient(platform);
    proxy = await startStorageProxy(platform.url);
    start(connectorId);
    start(strictConnectorId, { IMPORT_FILE_STIX_STRICT: 'true' });
    await client.waitForConnector(connectorId, { context });
    await client.waitForConnector(strictConnectorId, { context });
  }, 120_000);

  afterAll(async () => {
    for (const connector of connectors) await connector.stop();
    await proxy?.close();
    await platform?.stop();
  });

  it('a download that stalls mid-file: the work fails naming the file and the timeout, nothing is imported; the next import works', async () => {
    const poisonIvy = bundle('examples/cti-documentation/poisonivy.json');
    const work = await importFile(`stall-body-${randomUUID()}.json`, read('examples/cti-documentation/poisonivy.json'));
    expect(errorsOf(work)).toEqual([
      expect.stringMatching(new RegExp(`^Download of import/global/stall-body-[-\\w]+\\.json stalled: the platform sent nothing for ${DOWNLOAD_TIMEOUT_S} s`)),
    ]);
    expect(Date.parse(work.processed_time ?? '') - Date.parse(work.received_time ?? '')).toBeLessThan(10_000);
    expect(await present(ids(poisonIvy))).toBe(0);
    await nextImportWorks();
  });

  it('a platform that never answers the download: the work fails with a clear message; the next import works', async () => {
    const work = await importFile(`stall-head-${randomUUID()}.json`, read('examples/cti-documentation/apt1.json'));
    expect(errorsOf(work)).toEqual([
      expect.stringMatching(new RegExp(`^Download of import/global/stall-head-[-\\w]+\\.json stalled: the platform sent nothing for ${DOWNLOAD_TIMEOUT_S} s`)),
    ]);
    // Two tries of 1 s (and a short backoff), not the SDK's default five.
    expect(Date.parse(work.processed_time ?? '') - Date.parse(work.received_time ?? '')).toBeLessThan(5 * DOWNLOAD_TIMEOUT_S * 1000);
    expect(await present(ids(bundle('examples/cti-documentation/apt1.json')))).toBe(0);
    await nextImportWorks();
  });

  it(`a file over IMPORT_FILE_STIX_MAX_FILE_SIZE_MB sent without a Content-Length: stopped while streaming with a clear error; the next import works`, async () => {
    const padded = `${read('examples/cti-documentation/identifying-a-threat-actor-profile.json')}${' '.repeat(MAX_FILE_SIZE_MB * 1_000_000)}`;
    const work = await importFile(`chunked-${randomUUID()}.json`, padded);
    expect(errorsOf(work)).toEqual([
      expect.stringMatching(/^import\/global\/chunked-[-\w]+\.json is larger than 1 MB \(IMPORT_FILE_STIX_MAX_FILE_SIZE_MB, 1000000 bytes\): not imported$/),
    ]);
    expect(proxy.downloads.some((download) => download.behaviour === 'chunked')).toBe(true);
    expect(await present(ids(bundle('examples/cti-documentation/identifying-a-threat-actor-profile.json')))).toBe(0);
    await nextImportWorks();
  });

  it('a file cut short after many valid objects (malformed JSON): nothing of it is imported, the error gives the offset; the next import works', async () => {
    const text = read('examples/opencti-client-python/sectors.json');
    const cut = text.slice(0, Math.floor(text.length * 0.8));
    const sent = ids(bundle('examples/opencti-client-python/sectors.json')).filter((id) => cut.includes(`"${id}"`));
    expect(sent.length).toBeGreaterThan(10);
    const work = await importFile(`cut-${randomUUID()}.json`, cut);
    expect(errorsOf(work)).toEqual([expect.stringMatching(/^Malformed STIX bundle JSON at byte offset \d+/)]);
    expect(await present(sent)).toBe(0);
    await nextImportWorks();
  });

  it('strict mode: a reference to an object absent from the file refuses the whole file, naming the reference; the next import works', async () => {
    const work = await importFile(`strict-${randomUUID()}.json`, JSON.stringify(dangling), strictConnectorId);
    expect(errorsOf(work)).toEqual([
      expect.stringMatching(
        /^File rejected \(strict mode\): 1 reference\(s\) to objects absent from the file \(relationship--4bd67b9e-d112-4ea6-98bb-080a051667c7: target_ref identity--8c6af861-7b20-41ef-9b59-6344fd872a8f is not in the file\)/,
      ),
    ]);
    expect(await present(ids(dangling))).toBe(0);
    const next = await importFile(
      `after-strict-${randomUUID()}.json`,
      read('examples/cti-documentation/malware-indicator-for-file-hash.json'),
      strictConnectorId,
    );
    expect(next.errors).toEqual([]);
  });

  it('default mode: the same file is imported, the reference to an object the platform has resolves, and the work still names it', async () => {
    const work = await importFile(`dangling-${randomUUID()}.json`, JSON.stringify(dangling));
    expect(errorsOf(work)).toEqual([
      expect.stringContaining(`${danglingRelationship}: target_ref identity--8c6af861-7b20-41ef-9b59-6344fd872a8f is not in the file`),
    ]);
    expect(await present(ids(dangling))).toBe(dangling.objects.length);
    expect(await client.stix(danglingRelationship)).toMatchObject({ target_ref: 'identity--8c6af861-7b20-41ef-9b59-6344fd872a8f' });
  });

  it('a job interrupted by a stop goes back to the queue: the restarted connector imports the file and completes the work', async () => {
    const file = bundle('examples/cti-documentation/sighting-of-observed-data.json');
    const before = proxy.downloads.length;
    const workId = await ask(`hold-${randomUUID()}.json`, read('examples/cti-documentation/sighting-of-observed-data.json'));
    for (let i = 0; i < 400 && !proxy.downloads.slice(before).some((download) => download.behaviour === 'hold'); i += 1)
      await new Promise((resolve) => setTimeout(resolve, 25));
    const first = connectors[0];
    await first?.stop();
    connectors.splice(0, 1);
    expect((await client.work(workId))?.status).not.toBe('complete');
    proxy.release();
    start(connectorId);
    const work = await client.settledWork(workId, { context });
    expect(work.errors).toEqual([]);
    expect(work.messages.map((m) => m.message)).toContainEqual(expect.stringMatching(/^\d+ generated bundle\(s\) for worker import$/));
    expect(await present(ids(file))).toBe(file.objects.length);
  });
});
