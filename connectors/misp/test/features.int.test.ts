// End to end, the connector's gaps closed: it runs in-process against the platform stand-in
// (or a real OpenCTI named by OPENCTI_URL) and the real RabbitMQ, with test/misp-server.ts
// playing MISP over HTTP or HTTPS (recorded real events from ../shared/data/misp). Results are
// read back through the platform's GraphQL API (PlatformClient).
// - start-up probes: a refused key or an unreachable MISP stops the process (exit 1) before
//   any search, naming the MISP URL and never the key;
// - MISP_CLIENT_CERT: mutual TLS against a MISP that requires a client certificate;
// - MISP_GUESS_THREAT_FROM_TAGS: tags resolved to the threats the platform already has;
// - MISP_ATTRIBUTE_TIMESTAMP_FILTERING: a known event's unchanged attributes are not resent;
// - buffering: a scheduled run above CONNECTOR_QUEUE_THRESHOLD stops early, keeps its resume
//   point, and the next run imports everything.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type E2ePlatform, PlatformClient, startPlatform, type WorkView } from '@opencti-ts/platform-sim';
import { startConnector } from '@opencti-ts/sdk/runtime';
import { generateId, stixBuilders } from '@opencti-ts/sdk/stix';
import { makeTestCerts, opensslAvailable, rabbitMq, sharedPath, type TestCerts } from '@opencti-ts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mispConnector } from '../src/connector.ts';
import { convertEvent, DEFAULT_CONVERT_OPTIONS, type StixObject } from '../src/convert/event.ts';
import { eventsOf, type MispAttribute, type MispEvent } from '../src/convert/model.ts';
import { closedUrl, type MispServer, startMispServer } from './misp-server.ts';

const broker = await rabbitMq();
const data = sharedPath('data/misp');
const KEY = `misp-key-${randomUUID()}`;
const load = (file: string): MispEvent => {
  if (!data.available) throw new TypeError(data.reason);
  const [event] = eventsOf(JSON.parse(readFileSync(path.join(data.path, 'events', file), 'utf8')) as unknown);
  if (!event) throw new TypeError(`${file} holds no event`);
  return event;
};
const b = stixBuilders;
// Threats the platform already has, under other names than the MISP tags use.
const APT28 = b.intrusionSet({ name: 'APT28', aliases: ['Sofacy', 'Fancy Bear'] });
const SPEARPHISHING = b.attackPattern({ name: 'Spearphishing Attachment', x_mitre_id: 'T1566.001' });

interface Outcome {
  code: number;
  logs: string;
  /** The run's work once settled (runs that reached the schedule). */
  work?: WorkView;
}

describe.skipIf(!broker.available || !data.available)('MISP connector features end to end', () => {
  let platform: E2ePlatform;
  let client: PlatformClient;
  const servers: MispServer[] = [];

  beforeAll(async () => {
    platform = await startPlatform({ rabbitmqUrl: broker.available ? broker.url : '', bundle: { objects: [APT28, SPEARPHISHING] } });
    client = new PlatformClient(platform);
  });
  afterAll(async () => {
    for (const server of servers) await server.close();
    await platform?.stop();
  });

  const misp = async (events: () => MispEvent[], tls?: TestCerts) => {
    const server = await startMispServer({ key: KEY, events, ...(tls ? { tls: { key: tls.serverKey, cert: tls.serverCert, ca: tls.ca } } : {}) });
    servers.push(server);
    return server;
  };
  const env = (connectorId: string, url: string, extra: Record<string, string> = {}) => ({
    OPENCTI_URL: platform.url,
    OPENCTI_TOKEN: platform.token,
    CONNECTOR_ID: connectorId,
    CONNECTOR_RUN_AND_TERMINATE: 'true',
    CONNECTOR_LOG_LEVEL: 'info',
    MISP_URL: url,
    MISP_KEY: KEY,
    MISP_IMPORT_FROM_DATE: '2000-01-01',
    MISP_SEARCH_LIMIT: '2',
    MISP_REQUEST_TIMEOUT: '5',
    ...extra,
  });

  /** One run-and-terminate process; its exit code, logs, and its work when it opened one. */
  async function runOnce(connectorId: string, url: string, extra: Record<string, string> = {}): Promise<Outcome> {
    const before = await client.workIds(connectorId).catch(() => []);
    const logs: string[] = [];
    const code = await startConnector(mispConnector, { env: env(connectorId, url, extra), handleSignals: false, logSink: (line) => logs.push(line) }).done;
    const text = logs.join('\n');
    expect(text).not.toContain(KEY);
    const opened = await client.newWorkIds(connectorId, before);
    expect(opened.length, text).toBeLessThanOrEqual(1);
    return { code, logs: text, ...(opened[0] ? { work: await client.settledWork(opened[0], { context: () => text }) } : {}) };
  }
  const messages = (work: WorkView | undefined) => (work?.messages ?? []).map((m) => m.message).join('\n');

  describe('start-up probes', () => {
    it('servers/getVersion and users/view/me are asked before the first search', async () => {
      const server = await misp(() => [load('pymisp-reportlab/galaxy_1.json')]);
      const { code, work, logs } = await runOnce(randomUUID(), server.url);
      expect(code, logs).toBe(0);
      expect(server.requests.slice(0, 3).map((r) => `${r.method} ${r.path}`)).toEqual([
        'GET /servers/getVersion',
        'GET /users/view/me',
        'POST /events/restSearch',
      ]);
      expect(messages(work)).toContain('1 event(s) imported');
    });

    it('a refused key stops a scheduled connector at start-up (exit 1): no work, no search, the URL named, the key not', async () => {
      const server = await misp(() => [load('pymisp-reportlab/galaxy_1.json')]);
      const { code, work, logs } = await runOnce(randomUUID(), server.url, {
        CONNECTOR_RUN_AND_TERMINATE: 'false',
        CONNECTOR_DURATION_PERIOD: 'PT1H',
        MISP_KEY: 'wrong-key-7d1c',
      });
      expect(code).toBe(1);
      expect(work).toBeUndefined();
      expect(server.requests.map((r) => r.path)).toEqual(['/servers/getVersion', '/users/view/me']);
      expect(logs).toContain('MISP_KEY_REFUSED');
      expect(logs).toContain(`MISP at ${server.url} refused the key`);
      expect(logs).not.toContain('wrong-key-7d1c');
    });

    it('an unreachable MISP stops a scheduled connector at start-up (exit 1), naming the URL', async () => {
      const url = await closedUrl();
      const { code, work, logs } = await runOnce(randomUUID(), url, { CONNECTOR_RUN_AND_TERMINATE: 'false', CONNECTOR_DURATION_PERIOD: 'PT1H' });
      expect(code).toBe(1);
      expect(work).toBeUndefined();
      expect(logs).toContain('MISP_UNREACHABLE');
      expect(logs).toContain(`MISP at ${url} cannot be used (servers/getVersion)`);
    });
  });

  describe.skipIf(!opensslAvailable())('MISP_CLIENT_CERT (mutual TLS)', () => {
    let certs: TestCerts;
    let server: MispServer;
    beforeAll(async () => {
      certs = makeTestCerts();
      server = await misp(() => [load('pymisp-misc/57c4445b-c548-4654-af0b-4be3950d210f.json')], certs);
    });
    afterAll(() => certs?.remove());

    it('imports from a MISP that requires a client certificate', async () => {
      const { code, work, logs } = await runOnce(randomUUID(), server.url, { MISP_CLIENT_CERT: certs.clientPemPath });
      expect(code, logs).toBe(0);
      expect(work?.errors).toEqual([]);
      expect(messages(work)).toContain('1 event(s) imported');
    });

    it.each([
      ['without a certificate', {}],
      ['with a certificate from another CA', { stranger: true }],
    ])('the TLS handshake fails %s: exit 1 at start-up', async (_name, options) => {
      const { code, work, logs } = await runOnce(randomUUID(), server.url, 'stranger' in options ? { MISP_CLIENT_CERT: certs.strangerPemPath } : {});
      expect(code).toBe(1);
      expect(work).toBeUndefined();
      expect(logs).toContain(`MISP at ${server.url} cannot be used`);
    });

    it('an unreadable MISP_CLIENT_CERT is a configuration error (exit 2) naming the variable', async () => {
      const { code, logs } = await runOnce(randomUUID(), server.url, { MISP_CLIENT_CERT: path.join(certs.dir, 'missing.pem') });
      expect(code).toBe(2);
      expect(logs).toMatch(/MISP_CLIENT_CERT: cannot read .*missing\.pem \(ENOENT\)/);
    });
  });

  it('MISP_GUESS_THREAT_FROM_TAGS links the threats the platform has, found by alias and MITRE id, under their names', async () => {
    const original = load('pymisp-misc/57c4445b-c548-4654-af0b-4be3950d210f.json');
    const attributes = (original.Attribute as MispAttribute[]).map((attribute, index) =>
      index === 0 ? { ...attribute, Tag: [...((attribute.Tag as { name: string }[]) ?? []), { name: 'Sofacy' }] } : attribute,
    );
    const event: MispEvent = {
      ...original,
      uuid: randomUUID(),
      info: 'Guessing threats from tags',
      Tag: [...(original.Tag as { name: string }[]), { name: 'misp-galaxy:threat-actor="Sofacy"' }, { name: 'T1566.001' }],
      Attribute: attributes,
    };
    const server = await misp(() => [event]);
    const { code, work, logs } = await runOnce(randomUUID(), server.url, { MISP_GUESS_THREAT_FROM_TAGS: 'true' });
    expect(code, logs).toBe(0);
    expect(work?.errors).toEqual([]);
    const reportId = convertEvent(event, { ...DEFAULT_CONVERT_OPTIONS, referenceUrl: server.url }).objects.find((o) => o.type === 'report')?.id ?? '';
    const report = await client.stix(reportId);
    // The platform's names: APT28 (from the alias Sofacy), the attack pattern of T1566.001 (id from its name, as pycti).
    const guessedPattern = generateId({ type: 'attack-pattern', name: 'Spearphishing Attachment' }) as string;
    expect(report?.object_refs).toEqual(expect.arrayContaining([APT28.id, guessedPattern]));
    expect(await client.stix(guessedPattern)).toMatchObject({ name: 'Spearphishing Attachment' });
    // The prefix rule still gives its own "Sofacy" (another name than the guess's), as the official connector.
    expect(report?.object_refs).toContain(generateId({ type: 'intrusion-set', name: 'Sofacy' }));
  });

  it('MISP_ATTRIBUTE_TIMESTAMP_FILTERING resends only what changed of an event OpenCTI has; a new event comes in full', async () => {
    const connectorId = randomUUID();
    const base = load('pymisp-reportlab/to_delete1.json');
    const event: MispEvent = { ...base, uuid: randomUUID(), info: 'Long-lived event' };
    let held: MispEvent[] = [event];
    const server = await misp(() => held);
    const extra = { MISP_ATTRIBUTE_TIMESTAMP_FILTERING: 'true', MISP_IMPORT_FROM_DATE: '2017-01-01' };
    const options = { ...DEFAULT_CONVERT_OPTIONS, referenceUrl: server.url };

    const first = await runOnce(connectorId, server.url, extra);
    expect(first.code, first.logs).toBe(0);
    const full = convertEvent(event, options).objects.length;
    expect(messages(first.work)).toContain(`${full} object(s) sent`);
    const latest = Math.max(...(event.Attribute as MispAttribute[]).map((a) => Number(a.timestamp)));
    expect(await client.connectorState(connectorId)).toMatchObject({ last_attribute_timestamp: latest + 1 });

    // MISP: one attribute added to the event, and a new event whose attributes are old.
    const added: MispAttribute = {
      uuid: randomUUID(),
      type: 'domain',
      category: 'Network activity',
      value: 'late-addition.example',
      to_ids: true,
      timestamp: String(Number(event.timestamp) + 100),
    };
    const changed: MispEvent = { ...event, timestamp: String(Number(event.timestamp) + 100), Attribute: [...(event.Attribute as MispAttribute[]), added] };
    const newcomer: MispEvent = {
      ...load('pymisp-misc/57c4445b-c548-4654-af0b-4be3950d210f.json'),
      uuid: randomUUID(),
      timestamp: String(Number(event.timestamp) + 200),
    };
    held = [changed, newcomer];
    const second = await runOnce(connectorId, server.url, extra);
    expect(second.code, second.logs).toBe(0);
    const message = messages(second.work);
    expect(message).toContain('2 event(s) imported');
    expect(message).toContain(`${(event.Attribute as MispAttribute[]).length} unchanged attribute(s) of known events not resent`);
    const domain = generateId({ type: 'domain-name', value: 'late-addition.example' }) as string;
    expect(await client.has(domain)).toBe(true);
    // The newcomer is not known to OpenCTI: all of it, although its attributes are older than the threshold.
    for (const object of convertEvent(newcomer, options).objects.filter((o: StixObject) => o.type === 'file' || o.type === 'indicator'))
      expect(await client.has(object.id), object.id).toBe(true);
    expect(await client.connectorState(connectorId)).toMatchObject({ last_attribute_timestamp: Number(added.timestamp) + 1 });
  });

  it('buffering: a scheduled run above CONNECTOR_QUEUE_THRESHOLD stops before sending and keeps its resume point; the next run imports all', async () => {
    const connectorId = randomUUID();
    const held = [load('pymisp-reportlab/galaxy_1.json'), load('pymisp-misc/57c4445b-c548-4654-af0b-4be3950d210f.json')];
    const server = await misp(() => held);
    const first = held.toSorted((x, y) => Number(x.timestamp) - Number(y.timestamp))[0] as MispEvent;
    const logs: string[] = [];
    // Scheduled (not run-and-terminate): the stand-in's queue (0 MB) is at a threshold of 0 MB.
    const running = startConnector(mispConnector, {
      env: env(connectorId, server.url, { CONNECTOR_RUN_AND_TERMINATE: 'false', CONNECTOR_DURATION_PERIOD: 'PT1H', CONNECTOR_QUEUE_THRESHOLD: '0' }),
      handleSignals: false,
      logSink: (line) => logs.push(line),
    });
    let work: WorkView | undefined;
    try {
      await client.waitForConnector(connectorId);
      for (let i = 0; i < 600 && !work; i += 1) {
        const [id] = await client.workIds(connectorId);
        const candidate = id ? await client.work(id) : null;
        if (candidate?.processed_time) work = candidate;
        else await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await running.stop();
    }
    expect(await running.done).toBe(0);
    expect(messages(work)).toContain('0 object(s) sent');
    expect(messages(work)).toContain(
      `stopped early: the push queue is above CONNECTOR_QUEUE_THRESHOLD, the next run resumes at event ${String(first.id ?? '?')} (${String(first.uuid)})`,
    );
    const total = convertEvent(first, { ...DEFAULT_CONVERT_OPTIONS, referenceUrl: server.url }).objects.length;
    expect(await client.connectorState(connectorId)).toEqual({
      last_event_date: `${new Date(Number(first.timestamp) * 1000).toISOString().slice(0, 19)}+00:00`,
      remaining_objects_count: total,
    });

    const next = await runOnce(connectorId, server.url);
    expect(next.code, next.logs).toBe(0);
    expect(messages(next.work)).toContain('2 event(s) imported');
    const latest = Math.max(...held.map((e) => Number(e.timestamp)));
    expect(await client.connectorState(connectorId)).toMatchObject({
      remaining_objects_count: 0,
      last_event_date: `${new Date((latest + 1) * 1000).toISOString().slice(0, 19)}+00:00`,
    });
  });
});
