// End to end: the connector runs in-process against the platform (the stand-in unless
// OPENCTI_URL names a real one) and the real broker. RDAP and port-43 servers are local
// servers on 127.0.0.1 serving recorded real answers from ../shared/data/whois-rdap; a
// hanging RDAP server, a huge answer and a TLP:RED entity must each fail their own work
// while the connector goes on. Results are read back through the public GraphQL API.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { type E2ePlatform, PlatformClient, startPlatform } from '@opencti-ts/platform-sim';
import { type RunningConnector, startConnector } from '@opencti-ts/sdk/runtime';
import { createStixBuilders } from '@opencti-ts/sdk/stix';
import { rabbitMq, sharedPath } from '@opencti-ts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWhoisConnector } from '../src/connector.ts';

const broker = await rabbitMq();
const data = sharedPath('data/whois-rdap');
const b = createStixBuilders();
const read = (file: string) => readFileSync(path.join(data.available ? data.path : '', file), 'utf8');

const lemonde = b.domainName('www.lemonde.fr');
const arinIp = b.ipv4Addr('192.198.1.1');
const apnicIp = b.ipv4Addr('171.0.5.5');
const slow = b.domainName('example.slow');
const big = b.domainName('example.big');
const secret = b.domainName('secret.fr', { object_marking_refs: [b.tlpMarking('TLP:RED').id] });

describe.skipIf(!broker.available || !data.available)('whois connector end to end', () => {
  let platform: E2ePlatform;
  let client: PlatformClient;
  let rdap: http.Server;
  const whoisServers: net.Server[] = [];
  const hanging: http.ServerResponse[] = [];
  const requests: string[] = [];
  const whoisPorts = new Map<string, number>();
  let connector: RunningConnector;
  const connectorId = randomUUID();
  const logs: string[] = [];

  const stix = (id: string) => client.stix(id);
  // Within the tests' 60 s, two enrichments each: time out with the connector's last lines first.
  const enrich = async (id: string) =>
    client.settledWork(await client.askEnrichment(id, connectorId), { timeoutMs: 25_000, context: () => logs.slice(-20).join('\n') });

  beforeAll(async () => {
    if (!broker.available || !data.available) return;
    platform = await startPlatform({ rabbitmqUrl: broker.url, bundle: { objects: [lemonde, arinIp, apnicIp, slow, big, b.tlpMarking('TLP:RED'), secret] } });
    client = new PlatformClient(platform);
    rdap = http.createServer((request, response) => {
      const url = request.url ?? '';
      requests.push(url);
      const base = `http://127.0.0.1:${(rdap.address() as AddressInfo).port}`;
      const json = (body: unknown) =>
        response.writeHead(200, { 'content-type': 'application/rdap+json' }).end(typeof body === 'string' ? body : JSON.stringify(body));
      if (url === '/bootstrap/dns.json')
        return json({
          services: [
            [['fr'], [`${base}/afnic/`]],
            [['slow'], [`${base}/hang/`]],
            [['big'], [`${base}/big/`]],
          ],
        });
      if (url === '/bootstrap/ipv4.json') return json({ services: [[['192.198.0.0/16'], [`${base}/arin/`]]] });
      if (url === '/afnic/domain/lemonde.fr') return json(read('rdap/icann-rdap/responses/lemonde.fr.json'));
      if (url === '/arin/ip/192.198.1.1') return json(read('rdap/icann-rdap/responses/network_192_198_0_0.json'));
      if (url.startsWith('/hang/')) return void hanging.push(response); // accepts, never answers
      if (url.startsWith('/big/')) return json(`{"objectClassName":"domain","pad":"${'x'.repeat(300_000)}"}`);
      return void response.writeHead(404, { 'content-type': 'application/rdap+json' }).end('{"errorCode":404}');
    });
    await new Promise<void>((resolve) => rdap.listen(0, '127.0.0.1', resolve));
    // Port 43: IANA refers 171/8 to APNIC, which answers with its recorded text.
    for (const [name, file] of [
      ['whois.iana.org', 'whois/ip-registries/likexian-whois/whois_iana_org_171.txt'],
      ['whois.apnic.net', 'whois/ip-registries/likexian-whois/whois_apnic_net_171.txt'],
    ] as const) {
      const server = net.createServer((socket) => {
        socket.once('data', (query) => {
          requests.push(`whois://${name}/${query.toString().trim()}`);
          socket.end(read(file));
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      whoisServers.push(server);
      whoisPorts.set(name, (server.address() as AddressInfo).port);
    }
    const definition = createWhoisConnector({ dial: ({ host }) => ({ host: '127.0.0.1', port: whoisPorts.get(host) ?? 9 }) });
    connector = startConnector(definition, {
      env: {
        OPENCTI_URL: platform.url,
        OPENCTI_TOKEN: platform.token,
        CONNECTOR_ID: connectorId,
        CONNECTOR_NAME: 'WHOIS e2e',
        CONNECTOR_LOG_LEVEL: 'info',
        WHOIS_RDAP_BOOTSTRAP_URL: `http://127.0.0.1:${(rdap.address() as AddressInfo).port}/bootstrap/`,
        WHOIS_TIMEOUT: 'PT1S',
        WHOIS_MAX_RESPONSE_BYTES: '200000',
        WHOIS_RATE_LIMIT: '100',
      },
      handleSignals: false,
      logSink: (line) => logs.push(line),
    });
    await client.waitForConnector(connectorId, { context: () => logs.slice(-20).join('\n') });
  }, 120_000);

  afterAll(async () => {
    for (const response of hanging) response.destroy();
    await connector?.stop();
    await new Promise((resolve) => rdap?.close(resolve));
    for (const server of whoisServers) await new Promise((resolve) => server.close(resolve));
    await platform?.stop();
  });

  it('enriches a hostname over RDAP: registrable domain, registrar, name servers, Note; the work completes', { timeout: 60_000 }, async () => {
    const work = await enrich(lemonde.id);
    expect(work.errors).toEqual([]);
    expect(work.messages.map((m) => m.message).join('\n')).toMatch(/RDAP record of lemonde\.fr/);
    expect(requests).toContain('/afnic/domain/lemonde.fr');
    expect(await stix(b.domainName('lemonde.fr').id)).toMatchObject({ value: 'lemonde.fr' });
    expect(await stix(b.organization({ name: 'WHOIS / RDAP' }).id)).toMatchObject({ identity_class: 'organization' });
    const json = JSON.parse(read('rdap/icann-rdap/responses/lemonde.fr.json')) as { nameservers: { ldhName: string }[] };
    for (const ns of json.nameservers) expect(await stix(b.domainName(ns.ldhName.toLowerCase().replace(/\.$/, '')).id), ns.ldhName).not.toBeNull();
  });

  it('enriches an IP over RDAP: network in CIDR form and origin AS', { timeout: 60_000 }, async () => {
    const work = await enrich(arinIp.id);
    expect(work.errors).toEqual([]);
    expect(await stix(b.ipv4Addr('192.198.0.0/22').id)).toMatchObject({ value: '192.198.0.0/22' });
    expect(await stix(b.autonomousSystem(53301).id)).toMatchObject({ number: 53301 });
    expect(await stix(b.organization({ name: 'Radio Link Internet' }).id)).not.toBeNull();
  });

  it('falls back to port 43 when there is no RDAP service: IANA referral, then the RIR', { timeout: 60_000 }, async () => {
    const work = await enrich(apnicIp.id);
    expect(work.errors).toEqual([]);
    expect(requests).toEqual(expect.arrayContaining(['whois://whois.iana.org/171.0.5.5', 'whois://whois.apnic.net/171.0.5.5']));
    expect(await stix(b.emailAddr('abuse@starhub.com').id)).not.toBeNull();
    expect(await stix(b.country({ name: 'Singapore', country: 'SG' }).id)).not.toBeNull();
  });

  it('a server that accepts and never answers: the work fails naming the server, the connector goes on', { timeout: 60_000 }, async () => {
    const work = await enrich(slow.id);
    expect(work.errors.map((e) => e.message).join('\n')).toMatch(/RDAP server 127\.0\.0\.1:\d+ did not answer within 1000 ms/);
    const next = await enrich(arinIp.id);
    expect(next.errors).toEqual([]);
  });

  it('an answer beyond WHOIS_MAX_RESPONSE_BYTES fails its work; the next job succeeds', { timeout: 60_000 }, async () => {
    const work = await enrich(big.id);
    expect(work.errors.length).toBeGreaterThan(0);
    expect(work.errors.map((e) => e.message).join('\n')).toMatch(/200000|too large|bytes/i);
    expect((await enrich(lemonde.id)).errors).toEqual([]);
  });

  it('a TLP:RED entity is refused before any external call', { timeout: 60_000 }, async () => {
    const before = requests.length;
    const work = await enrich(secret.id);
    expect(work.errors.map((e) => e.message).join('\n')).toContain('TLP of the entity (TLP:RED) is greater than MAX TLP (TLP:AMBER)');
    expect(requests.slice(before)).toEqual([]);
  });

  it('never writes the token into a log line', () => {
    expect(logs.join('\n')).not.toContain(platform.token);
  });
});
