// Failure paths, end to end: the connector runs in-process against the platform stand-in and
// the real broker; RDAP and port-43 servers are local servers on 127.0.0.1 that fail the way
// real ones do (port closed, invalid JSON, an HTML page, HTTP 500, a socket that never answers,
// garbage, an oversized answer), serving recorded real answers from ../shared/data/whois-rdap
// otherwise. Each failure must end its own work with a clear error naming the server (or fall
// back where that is the design) while the connector goes on. Playbook steps are published
// and their playbookStepExecution answers read through the stand-in's playbook driver (a
// real platform would need a playbook: there those tests are skipped).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { type E2ePlatform, PlatformClient, type PlaybookExecution, startPlatform, type WorkView } from '@opencti-ts/platform-sim';
import { type RunningConnector, startConnector } from '@opencti-ts/sdk/runtime';
import { createStixBuilders } from '@opencti-ts/sdk/stix';
import { rabbitMq, sharedPath, TEST_SECRETS } from '@opencti-ts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWhoisConnector } from '../src/connector.ts';

const broker = await rabbitMq();
const data = sharedPath('data/whois-rdap');
const b = createStixBuilders();
const read = (file: string) => readFileSync(path.join(data.available ? data.path : '', file), 'utf8');

const TIMEOUT_MS = 1000;
const MAX_BYTES = 200_000;

// RDAP (domains: the bootstrap names a server per TLD).
const lemonde = b.domainName('lemonde.fr');
const rdapDown = b.domainName('example.down');
const rdapBadJson = b.domainName('example.badjson');
const rdapHtml = b.domainName('example.html');
const rdap500 = b.domainName('example.fail');
const rdapFlaky = b.domainName('example.flaky');
// RDAP (IPs): 171/8 points at a closed port, so port 43 answers (IANA → APNIC).
const apnicIp = b.ipv4Addr('171.0.5.5');
const arinIp = b.ipv4Addr('192.198.1.1');
// Port 43 (.com has no RDAP service in this bootstrap): IANA → the registry → the registrar.
const google = b.domainName('google.com');
const whoisHang = b.domainName('example-hang.com');
const whoisHttp = b.domainName('example-http.com');
const whoisNoise = b.domainName('example-noise.com');
const whoisEmpty = b.domainName('example-empty.com');
const whoisHuge = b.domainName('example-huge.com');
const unregistered = b.domainName('likexian-have-no-money-to-register.com');
// Playbook-only entities.
const red = b.tlpMarking('TLP:RED');
const secret = b.domainName('secret.fr', { object_marking_refs: [red.id] });
const url = b.url('https://example.org/login');

/** Bytes no whois server sends: deterministic noise with NULs and invalid UTF-8. */
const noise = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) % 256));

/** A TCP port nothing listens on right now. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe.skipIf(!broker.available || !data.available)('whois connector failure paths end to end', () => {
  let platform: E2ePlatform;
  let client: PlatformClient;
  let rdap: http.Server;
  let connector: RunningConnector;
  const whoisServers: net.Server[] = [];
  const openSockets: net.Socket[] = [];
  const requests: string[] = [];
  const apiKeysSeen: string[] = [];
  const whoisPorts = new Map<string, number>();
  const connectorId = randomUUID();
  const logs: string[] = [];
  let flakyCalls = 0;

  const context = () => logs.slice(-20).join('\n');
  const enrich = async (id: string): Promise<WorkView> => client.settledWork(await client.askEnrichment(id, connectorId), { context });
  const errorsOf = (work: WorkView) => work.errors.map((e) => e.message).join('\n');
  const expectWorks = async (entity: { id: string }) => {
    const work = await enrich(entity.id);
    expect(work.errors, errorsOf(work)).toEqual([]);
    return work;
  };
  /** A playbook step on `objects` for `entityId`, published as the platform's playbook manager does; the connector's answer. */
  const publishStep = async (entityId: string, objects: Record<string, unknown>[]): Promise<PlaybookExecution> => {
    if (!platform.playbooks) throw new RangeError('only the stand-in publishes playbook steps');
    const bundle = { type: 'bundle' as const, id: `bundle--${randomUUID()}`, objects };
    const step = await platform.playbooks.publishStep({ connectorId, entityId, bundle });
    return platform.playbooks.waitForExecution(step.step_id, { context });
  };

  beforeAll(async () => {
    if (!broker.available || !data.available) return;
    platform = await startPlatform({
      rabbitmqUrl: broker.url,
      bundle: {
        objects: [
          lemonde,
          rdapDown,
          rdapBadJson,
          rdapHtml,
          rdap500,
          rdapFlaky,
          apnicIp,
          arinIp,
          google,
          whoisHang,
          whoisHttp,
          whoisNoise,
          whoisEmpty,
          whoisHuge,
          unregistered,
        ],
      },
    });
    client = new PlatformClient(platform);
    const down = await closedPort();
    rdap = http.createServer((request, response) => {
      const path = request.url ?? '';
      requests.push(path);
      const key = request.headers['x-api-key'];
      if (typeof key === 'string') apiKeysSeen.push(key);
      const base = `http://127.0.0.1:${(rdap.address() as AddressInfo).port}`;
      const json = (body: unknown) =>
        response.writeHead(200, { 'content-type': 'application/rdap+json' }).end(typeof body === 'string' ? body : JSON.stringify(body));
      if (path === '/bootstrap/dns.json')
        return json({
          services: [
            [['fr'], [`${base}/afnic/`]],
            [['down'], [`http://127.0.0.1:${down}/`]],
            [['badjson'], [`${base}/badjson/`]],
            [['html'], [`${base}/html/`]],
            [['fail'], [`${base}/fail/`]],
            [['flaky'], [`${base}/flaky/`]],
          ],
        });
      if (path === '/bootstrap/ipv4.json')
        return json({
          services: [
            [['192.198.0.0/16'], [`${base}/arin/`]],
            [['171.0.0.0/8'], [`http://127.0.0.1:${down}/`]],
          ],
        });
      if (path === '/afnic/domain/lemonde.fr') return json(read('rdap/icann-rdap/responses/lemonde.fr.json'));
      if (path === '/arin/ip/192.198.1.1') return json(read('rdap/icann-rdap/responses/network_192_198_0_0.json'));
      // A real malformed RDAP answer (openrdap's test data: not JSON).
      if (path.startsWith('/badjson/')) return json(read('rdap/openrdap/misc/malformed.json'));
      // A load balancer's maintenance page in place of the RDAP service.
      if (path.startsWith('/html/'))
        return void response.writeHead(200, { 'content-type': 'text/html' }).end('<html><body><h1>Service temporarily unavailable</h1></body></html>');
      if (path.startsWith('/fail/')) return void response.writeHead(500, { 'content-type': 'text/plain' }).end('Internal Server Error');
      // One 503 with Retry-After, then the answer.
      if (path.startsWith('/flaky/')) {
        flakyCalls += 1;
        if (flakyCalls === 1) return void response.writeHead(503, { 'retry-after': '0' }).end();
        return json(read('rdap/icann-rdap/responses/lemonde.fr.json'));
      }
      return void response.writeHead(404, { 'content-type': 'application/rdap+json' }).end('{"errorCode":404}');
    });
    await new Promise<void>((resolve) => rdap.listen(0, '127.0.0.1', resolve));

    // Port 43. IANA answers with its recorded referrals: .com → Verisign, 171/8 → APNIC.
    const iana = (query: string) =>
      /^\d/.test(query) ? read('whois/ip-registries/likexian-whois/whois_iana_org_171.txt') : read('whois/likexian-whois-parser/noterror/com_com/com_com');
    // The .com registry: the recorded answer for google.com, and one way of failing per test domain.
    const verisign = (query: string, socket: net.Socket) => {
      if (query === 'google.com') return void socket.end(read('whois/likexian-whois-parser/noterror/com_google.com/com_google.com'));
      if (query === 'example-hang.com') return void openSockets.push(socket); // accepts, never answers
      if (query === 'example-http.com')
        return void socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\nContent-Length: 11\r\nConnection: close\r\n\r\nBad Request');
      if (query === 'example-noise.com') return void socket.end(noise);
      if (query === 'example-empty.com') return void socket.end();
      if (query === 'example-huge.com') return void socket.end(`Domain Name: EXAMPLE-HUGE.COM\r\n${'Remarks: padding\r\n'.repeat(20_000)}`);
      socket.end(read('whois/likexian-whois-parser/notfound/com_likexian-have-no-money-to-register.com'));
    };
    const servers: [string, (query: string, socket: net.Socket) => void][] = [
      ['whois.iana.org', (query, socket) => void socket.end(iana(query))],
      ['whois.apnic.net', (_query, socket) => void socket.end(read('whois/ip-registries/likexian-whois/whois_apnic_net_171.txt'))],
      ['whois.verisign-grs.com', verisign],
    ];
    for (const [name, answer] of servers) {
      const server = net.createServer((socket) => {
        socket.on('error', () => {});
        socket.once('data', (query) => {
          const text = query.toString().trim();
          requests.push(`whois://${name}/${text}`);
          answer(text, socket);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      whoisServers.push(server);
      whoisPorts.set(name, (server.address() as AddressInfo).port);
    }
    // The registrar's server (whois.markmonitor.com, referred to by Verisign) is down.
    const definition = createWhoisConnector({ dial: ({ host }) => ({ host: '127.0.0.1', port: whoisPorts.get(host) ?? down }) });
    connector = startConnector(definition, {
      env: {
        OPENCTI_URL: platform.url,
        OPENCTI_TOKEN: platform.token,
        CONNECTOR_ID: connectorId,
        CONNECTOR_NAME: 'WHOIS failures e2e',
        CONNECTOR_LOG_LEVEL: 'debug',
        WHOIS_RDAP_BOOTSTRAP_URL: `http://127.0.0.1:${(rdap.address() as AddressInfo).port}/bootstrap/`,
        WHOIS_RDAP_HEADERS: JSON.stringify({ '127.0.0.1': { 'X-Api-Key': TEST_SECRETS.apiKey } }),
        WHOIS_TIMEOUT: `PT${TIMEOUT_MS / 1000}S`,
        WHOIS_MAX_RESPONSE_BYTES: String(MAX_BYTES),
        WHOIS_RATE_LIMIT: '100',
        // Every job does its lookups: a cached answer would not prove the connector still works.
        WHOIS_CACHE_TTL: 'PT0S',
      },
      handleSignals: false,
      logSink: (line) => logs.push(line),
    });
    await client.waitForConnector(connectorId, { context });
  }, 120_000);

  afterAll(async () => {
    for (const socket of openSockets) socket.destroy();
    await connector?.stop();
    await new Promise((resolve) => rdap?.close(resolve));
    for (const server of whoisServers) await new Promise((resolve) => server.close(resolve));
    await platform?.stop();
  });

  describe('RDAP', () => {
    it('a domain whose RDAP server is down (port closed): the work fails naming the server, no silent port-43 fall back; the next job works', async () => {
      const before = requests.length;
      const work = await enrich(rdapDown.id);
      expect(errorsOf(work)).toMatch(/RDAP server 127\.0\.0\.1:\d+ .*(?:ECONNREFUSED|refused)/i);
      expect(requests.slice(before).filter((r) => r.startsWith('whois://'))).toEqual([]);
      await expectWorks(lemonde);
    });

    it('an IP whose RDAP server is down falls back to port 43 (IANA referral, then APNIC) and is enriched', async () => {
      const before = requests.length;
      await expectWorks(apnicIp);
      expect(requests.slice(before)).toEqual(expect.arrayContaining(['whois://whois.iana.org/171.0.5.5', 'whois://whois.apnic.net/171.0.5.5']));
      expect(await client.has(b.emailAddr('abuse@starhub.com').id)).toBe(true);
    });

    it.each([
      { name: 'invalid JSON (recorded malformed answer)', entity: rdapBadJson, error: /RDAP server 127\.0\.0\.1:\d+ did not return JSON/ },
      { name: 'an HTML page', entity: rdapHtml, error: /RDAP server 127\.0\.0\.1:\d+ did not return JSON/ },
      { name: 'HTTP 500', entity: rdap500, error: /RDAP server 127\.0\.0\.1:\d+ .*HTTP 500/ },
    ])('an RDAP server answering $name: the work fails naming the server; the next job works', async ({ entity, error }) => {
      const work = await enrich(entity.id);
      expect(work.errors).toHaveLength(1);
      expect(errorsOf(work)).toMatch(error);
      await expectWorks(lemonde);
    });

    it('an RDAP server answering 503 with Retry-After once is asked again, and the work completes', async () => {
      const work = await expectWorks(rdapFlaky);
      expect(flakyCalls).toBe(2);
      expect(work.messages.map((m) => m.message).join('\n')).toMatch(/RDAP record of example\.flaky/);
    });
  });

  describe('port 43', () => {
    it('the registry answers and the referred registrar server is down: the registry record is kept, the work completes', async () => {
      const before = requests.length;
      await expectWorks(google);
      expect(requests.slice(before)).toEqual(['whois://whois.iana.org/google.com', 'whois://whois.verisign-grs.com/google.com']);
      expect(await client.has(b.domainName('ns1.google.com').id)).toBe(true);
      expect(await client.has(b.organization({ name: 'MarkMonitor, Inc.' }).id)).toBe(true);
    });

    it('a server that accepts and never answers: the work fails within WHOIS_TIMEOUT naming the server; the next job works', async () => {
      const work = await enrich(whoisHang.id);
      expect(errorsOf(work)).toMatch(new RegExp(`whois server whois\\.verisign-grs\\.com did not answer within ${TIMEOUT_MS} ms`));
      // From received to processed: the configured 1 s, not the 10 s default nor a hang.
      expect(Date.parse(work.processed_time ?? '') - Date.parse(work.received_time ?? '')).toBeLessThan(5 * TIMEOUT_MS);
      await expectWorks(google);
    });

    it.each([
      { name: 'an HTTP error page', entity: whoisHttp, what: 'an HTTP answer or a web page' },
      { name: 'binary noise', entity: whoisNoise, what: 'binary data' },
    ])('a server answering $name: the work fails naming the server instead of passing noise off as a record; the next job works', async ({ entity, what }) => {
      const work = await enrich(entity.id);
      expect(work.errors.map((e) => e.message)).toEqual([`whois server whois.verisign-grs.com sent ${what}, not a whois answer, for ${entity.value}`]);
      expect(work.messages.map((m) => m.message).join('\n')).not.toMatch(/record of/);
      await expectWorks(google);
    });

    it('a server closing without a word (how gandi.net and nic.lk answer for a free name): no registration data, the work completes', async () => {
      const work = await expectWorks(whoisEmpty);
      expect(work.messages.map((m) => m.message).join('\n')).toContain(
        'No registration data for example-empty.com (whois://whois.verisign-grs.com (empty answer))',
      );
    });

    it('a "no match" answer is no registration data: the work completes with that message and creates nothing', async () => {
      const work = await expectWorks(unregistered);
      expect(work.messages.map((m) => m.message).join('\n')).toMatch(
        /No registration data for likexian-have-no-money-to-register\.com \(whois:\/\/whois\.verisign-grs\.com\)/,
      );
    });

    it(`an answer above WHOIS_MAX_RESPONSE_BYTES (${MAX_BYTES}): the work fails naming the server and the cap; the next job works`, async () => {
      const work = await enrich(whoisHuge.id);
      expect(errorsOf(work)).toMatch(new RegExp(`whois server whois\\.verisign-grs\\.com sent more than ${MAX_BYTES} bytes`));
      await expectWorks(google);
    });
  });

  describe('playbook steps', () => {
    it('an enriched entity: the step is answered with the incoming bundle plus the new objects, nothing goes to the worker queue', async (ctx) => {
      if (!platform.playbooks) return ctx.skip();
      const incoming = [arinIp];
      const step = await publishStep(arinIp.id, incoming);
      const answered = JSON.parse(step.bundle) as { type: string; objects: { id: string }[] };
      const ids = answered.objects.map((object) => object.id);
      expect(answered.type).toBe('bundle');
      expect(ids[0]).toBe(arinIp.id);
      expect(ids).toEqual(expect.arrayContaining([b.ipv4Addr('192.198.0.0/22').id, b.autonomousSystem(53301).id, b.organization({ name: 'WHOIS / RDAP' }).id]));
      expect(step.previous_bundle).toContain(arinIp.id);
      // Answered to the playbook only: the worker queue never got it.
      expect(await client.has(b.autonomousSystem(53301).id)).toBe(false);
    });

    it('a failed lookup does not break the chain: the step gets its bundle back unchanged', async (ctx) => {
      if (!platform.playbooks) return ctx.skip();
      const incoming = [rdapDown];
      const step = await publishStep(rdapDown.id, incoming);
      expect(JSON.parse(step.bundle)).toEqual(JSON.parse(step.previous_bundle));
      expect(logs.join('\n')).toMatch(/Lookup failed in a playbook step, bundle passed on/);
    });

    it('an entity above WHOIS_MAX_TLP: the bundle is passed on unchanged and no registry is asked', async (ctx) => {
      if (!platform.playbooks) return ctx.skip();
      const before = requests.length;
      const step = await publishStep(secret.id, [red, secret]);
      expect(JSON.parse(step.bundle)).toEqual(JSON.parse(step.previous_bundle));
      expect(requests.slice(before)).toEqual([]);
    });

    it('an entity out of the connector scope: the bundle is passed on unchanged', async (ctx) => {
      if (!platform.playbooks) return ctx.skip();
      const step = await publishStep(url.id, [url]);
      expect(JSON.parse(step.bundle)).toEqual(JSON.parse(step.previous_bundle));
    });
  });

  it('sends the WHOIS_RDAP_HEADERS key to the RDAP server, and never writes it or the token into a log line or a work', async () => {
    expect(apiKeysSeen.length).toBeGreaterThan(0);
    expect(new Set(apiKeysSeen)).toEqual(new Set([TEST_SECRETS.apiKey]));
    const works = await Promise.all((await client.workIds(connectorId)).map((id) => client.work(id)));
    const text = [...logs, JSON.stringify(works)].join('\n');
    expect(text).not.toContain(TEST_SECRETS.apiKey);
    expect(text).not.toContain(platform.token);
  });
});
