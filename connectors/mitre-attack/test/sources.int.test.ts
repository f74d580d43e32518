// Where collections come from: conditional requests (ETag / Last-Modified, and file
// validators for `file://` mirrors) so an unchanged collection is not sent again while a
// changed one is; gzipped mirrors; HTTP_PROXY / NO_PROXY. Each run is a run-and-terminate
// start against the platform (the stand-in unless OPENCTI_URL names a real one).
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type E2ePlatform, PlatformClient, startPlatform } from '@opencti-ts/platform-sim';
import { splitObjects } from '@opencti-ts/sdk/stix';
import { rabbitMq } from '@opencti-ts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertCollection, type StixObject } from '../src/convert/collection.ts';
import { collectionEnv, fixtureBundle, type LocalServer, newTechnique, runOnce, serve } from './support.ts';

const broker = await rabbitMq();

/** Split bundles (= work expectations) the connector sends for a collection file. */
const expectationsOf = (objects: StixObject[]) =>
  splitObjects(convertCollection(objects, { sourceUrl: 'test', removeStatementMarking: false }).objects).expectations;
const NOTHING_SENT = /^Connector successfully run \(0 bundles\), storing last_run as \d+$/;

describe.skipIf(!broker.available)('MITRE ATT&CK: collection sources', () => {
  let platform: E2ePlatform;
  let client: PlatformClient;
  let dir: string;
  const servers: LocalServer[] = [];

  beforeAll(async () => {
    if (!broker.available) return;
    platform = await startPlatform({ rabbitmqUrl: broker.url });
    client = new PlatformClient(platform);
    dir = await mkdtemp(path.join(tmpdir(), 'mitre-sources-'));
  });
  afterAll(async () => {
    for (const server of servers) await server.close();
    await platform?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('sends an unchanged collection once (ETag, Last-Modified, file:// .json.gz) and a changed one again', { timeout: 120_000 }, async () => {
    // Enterprise: a server with ETags; Mobile: one with Last-Modified only; ICS: a gzipped mirror file.
    let enterprise = { etag: '"v1"', objects: fixtureBundle().objects };
    const enterpriseServer = await serve((request, response) => {
      if (request.headers['if-none-match'] === enterprise.etag) return void response.writeHead(304, { etag: enterprise.etag }).end();
      response
        .writeHead(200, { 'content-type': 'application/json', etag: enterprise.etag })
        .end(JSON.stringify({ type: 'bundle', objects: enterprise.objects }));
    });
    let mobile = { modified: new Date('2025-10-28T14:00:00Z'), objects: fixtureBundle().objects };
    const mobileServer = await serve((request, response) => {
      const since = Date.parse(request.headers['if-modified-since'] ?? '');
      if (since >= mobile.modified.getTime()) return void response.writeHead(304).end();
      response
        .writeHead(200, { 'content-type': 'application/json', 'last-modified': mobile.modified.toUTCString() })
        .end(JSON.stringify({ type: 'bundle', objects: mobile.objects }));
    });
    servers.push(enterpriseServer, mobileServer);
    const icsFile = path.join(dir, 'ics-attack.json.gz');
    const writeIcs = (objects: StixObject[]) => writeFile(icsFile, gzipSync(JSON.stringify({ type: 'bundle', objects })));
    await writeIcs(fixtureBundle().objects);

    const env = {
      CONNECTOR_ID: randomUUID(),
      ...collectionEnv({
        enterprise: `${enterpriseServer.url}/enterprise-attack.json`,
        mobile: `${mobileServer.url}/mobile-attack.json`,
        ics: pathToFileURL(icsFile).href,
      }),
    };
    const requestsSince = (server: LocalServer, from: number) => server.requests.slice(from).map((request) => request.headers);

    // Run 1: everything is new, sent; the validators are kept in the connector's state.
    const first = await runOnce(platform, env);
    expect(first.work.errors, first.logs.join('\n')).toEqual([]);
    expect(first.work.tracking?.import_expected_number).toBe(3 * expectationsOf(fixtureBundle().objects));
    expect(requestsSince(enterpriseServer, 0)).toEqual([expect.not.objectContaining({ 'if-none-match': expect.anything() })]);
    expect(requestsSince(mobileServer, 0)).toEqual([expect.not.objectContaining({ 'if-modified-since': expect.anything() })]);
    expect(await client.connectorState(env.CONNECTOR_ID)).toEqual({
      last_run: expect.any(Number),
      collections: {
        enterprise: { etag: '"v1"' },
        mobile: { last_modified: 'Tue, 28 Oct 2025 14:00:00 GMT' },
        ics: { etag: expect.stringMatching(/^W\/"/), last_modified: expect.any(String) },
      },
    });

    // Run 2: nothing changed; the sources are asked conditionally and nothing is sent.
    let from = { enterprise: enterpriseServer.requests.length, mobile: mobileServer.requests.length };
    const second = await runOnce(platform, env);
    expect(second.work.errors).toEqual([]);
    expect(second.work.messages.map((entry) => entry.message)).toEqual([expect.stringMatching(NOTHING_SENT)]);
    expect(requestsSince(enterpriseServer, from.enterprise)).toEqual([expect.objectContaining({ 'if-none-match': '"v1"' })]);
    expect(requestsSince(mobileServer, from.mobile)).toEqual([expect.objectContaining({ 'if-modified-since': 'Tue, 28 Oct 2025 14:00:00 GMT' })]);

    // Run 3: a new Enterprise release (new ETag) is sent, and only it.
    const enterpriseTechnique = newTechnique('New in Enterprise');
    enterprise = { etag: '"v2"', objects: fixtureBundle([enterpriseTechnique]).objects };
    const third = await runOnce(platform, env);
    expect(third.work.errors).toEqual([]);
    expect(third.work.tracking?.import_expected_number).toBe(expectationsOf(enterprise.objects));
    expect(await client.has(enterpriseTechnique.id)).toBe(true);

    // Run 4: a new Mobile file (later Last-Modified) and a new ICS mirror file are sent, Enterprise is not.
    const mobileTechnique = newTechnique('New in Mobile');
    const icsTechnique = newTechnique('New in ICS');
    mobile = { modified: new Date('2026-04-28T14:00:00Z'), objects: fixtureBundle([mobileTechnique]).objects };
    await writeIcs(fixtureBundle([icsTechnique]).objects);
    from = { enterprise: enterpriseServer.requests.length, mobile: mobileServer.requests.length };
    const fourth = await runOnce(platform, env);
    expect(fourth.work.errors).toEqual([]);
    expect(fourth.work.tracking?.import_expected_number).toBe(2 * expectationsOf(mobile.objects));
    expect(requestsSince(enterpriseServer, from.enterprise)).toEqual([expect.objectContaining({ 'if-none-match': '"v2"' })]);
    expect(await client.has(mobileTechnique.id)).toBe(true);
    expect(await client.has(icsTechnique.id)).toBe(true);
  });

  it('downloads through HTTP_PROXY, and straight from hosts in NO_PROXY', async () => {
    // The origin stands for the Internet; the proxy forwards every request to it, as a corporate proxy would.
    const origin = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(fixtureBundle()));
    });
    const proxied: string[] = [];
    const proxy = await serve((request, response) => {
      proxied.push(request.url ?? '');
      const target = new URL(request.url ?? '/');
      const upstream = http.request(
        { host: '127.0.0.1', port: origin.port, path: target.pathname, headers: { ...request.headers, via: '1.1 test-proxy' } },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        },
      );
      upstream.on('error', () => response.writeHead(502).end());
      request.pipe(upstream);
    });
    servers.push(origin, proxy);

    const run = await runOnce(platform, {
      CONNECTOR_ID: randomUUID(),
      HTTP_PROXY: proxy.url,
      NO_PROXY: '127.0.0.1,localhost',
      // attack-mirror.invalid cannot resolve: only the proxy can fetch it.
      ...collectionEnv({ enterprise: 'http://attack-mirror.invalid/enterprise-attack.json', ics: `${origin.url}/ics-attack.json` }),
    });
    expect(run.work.errors, run.logs.join('\n')).toEqual([]);
    expect(proxied).toEqual(['http://attack-mirror.invalid/enterprise-attack.json']);
    expect(origin.requests.map((request) => [request.url, request.headers.via])).toEqual([
      ['/enterprise-attack.json', '1.1 test-proxy'],
      ['/ics-attack.json', undefined],
    ]);
    expect(run.work.tracking?.import_expected_number).toBe(2 * expectationsOf(fixtureBundle().objects));
  });
});
