// End to end: the connector runs in-process against the platform stand-in (or a real OpenCTI
// named by OPENCTI_URL) and the real RabbitMQ, with a local HTTP server playing MISP's
// `POST /events/restSearch` over recorded real events from ../shared/data/misp (timestamp
// filter, ascending order, limit/page). Assertions read the result back through GraphQL.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type E2ePlatform, PlatformClient, startPlatform, type WorkView } from '@opencti-ts/platform-sim';
import { startConnector } from '@opencti-ts/sdk/runtime';
import { rabbitMq, sharedPath } from '@opencti-ts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mispConnector } from '../src/connector.ts';
import { convertEvent, DEFAULT_CONVERT_OPTIONS } from '../src/convert/event.ts';
import { eventsOf, type MispEvent } from '../src/convert/model.ts';
import { type MispServer, startMispServer } from './misp-server.ts';

const broker = await rabbitMq();
const data = sharedPath('data/misp');
const KEY = `misp-key-${randomUUID()}`;
const EVENT_FILES = [
  'events/pymisp-reportlab/galaxy_1.json',
  'events/pymisp-reportlab/to_delete3.json',
  'events/pymisp-misc/57c4445b-c548-4654-af0b-4be3950d210f.json',
];
const events: MispEvent[] = data.available
  ? EVENT_FILES.flatMap((file) => eventsOf(JSON.parse(readFileSync(path.join(data.path, file), 'utf8')) as unknown))
  : [];
const UNKNOWN_TYPES_EVENT: MispEvent = JSON.parse(readFileSync(path.join(import.meta.dirname, 'fixtures/event.json'), 'utf8')).Event as MispEvent;

describe.skipIf(!broker.available || !data.available)('MISP end to end', () => {
  let platform: E2ePlatform;
  let client: PlatformClient;
  let misp: MispServer;

  /** One run-and-terminate run; its (single) work once settled, and the logs. */
  async function runOnce(connectorId: string, env: Record<string, string>): Promise<{ work: WorkView; logs: string[] }> {
    const before = await client.workIds(connectorId);
    const logs: string[] = [];
    const running = startConnector(mispConnector, {
      env: {
        OPENCTI_URL: platform.url,
        OPENCTI_TOKEN: platform.token,
        CONNECTOR_ID: connectorId,
        CONNECTOR_RUN_AND_TERMINATE: 'true',
        CONNECTOR_LOG_LEVEL: 'info',
        MISP_URL: misp.url,
        MISP_KEY: KEY,
        MISP_IMPORT_FROM_DATE: '2000-01-01',
        MISP_SEARCH_LIMIT: '2',
        ...env,
      },
      handleSignals: false,
      logSink: (line) => logs.push(line),
    });
    await running.done;
    const opened = await client.newWorkIds(connectorId, before);
    expect(opened, logs.join('\n')).toHaveLength(1);
    const work = await client.settledWork(opened[0] ?? '', { context: () => logs.slice(-10).join('\n') });
    expect(logs.join('\n')).not.toContain(KEY);
    return { work, logs };
  }

  beforeAll(async () => {
    platform = await startPlatform({ rabbitmqUrl: broker.available ? broker.url : '' });
    client = new PlatformClient(platform);
    misp = await startMispServer({ key: KEY, events: () => events });
  });
  afterAll(async () => {
    await misp?.close();
    await platform?.stop();
  });

  it('imports every event (report, observables, indicators), then resumes from state and sends nothing new', { timeout: 180_000 }, async () => {
    const connectorId = randomUUID();
    const first = await runOnce(connectorId, {});
    expect(first.work.errors).toEqual([]);
    expect(first.work.messages.map((m) => m.message).join('\n')).toContain(`${events.length} event(s) imported`);
    // paginated 2 by 2, with the documented body
    expect(misp.bodies.map((b) => b.page)).toEqual([1, 2, 3]);
    expect(misp.bodies[0]).toMatchObject({
      returnFormat: 'json',
      limit: 2,
      order: 'Event.timestamp ASC',
      timestamp: Date.parse('2000-01-01T00:00:00Z') / 1000,
      includeSightings: 0,
    });

    const options = { ...DEFAULT_CONVERT_OPTIONS, referenceUrl: misp.url };
    for (const event of events) {
      const converted = convertEvent(event, options);
      const pick = (types: string[]) => converted.objects.filter((o) => types.includes(o.type)).slice(0, 5);
      const wanted = [...pick(['report']), ...pick(['indicator']), ...pick(['file', 'ipv4-addr', 'domain-name', 'url', 'text'])];
      expect(wanted.some((o) => o.type === 'report')).toBe(true);
      expect(wanted.some((o) => o.type === 'indicator')).toBe(true);
      for (const object of wanted) expect(await client.has(object.id), `${object.type} ${object.id}`).toBe(true);
    }
    const latest = Math.max(...events.map((e) => Number(e.timestamp)));
    expect(await client.connectorState(connectorId)).toMatchObject({
      last_event_date: `${new Date((latest + 1) * 1000).toISOString().slice(0, 19)}+00:00`,
      remaining_objects_count: 0,
    });

    misp.bodies.length = 0;
    const second = await runOnce(connectorId, {});
    expect(second.work.errors).toEqual([]);
    expect(second.work.messages.map((m) => m.message).join('\n')).toContain('0 event(s) imported, 0 object(s) sent');
    expect(misp.bodies[0]?.timestamp).toBe(latest + 1);
  });

  it('an event with unknown attribute types and broken values is imported without them, with warnings on the work', { timeout: 120_000 }, async () => {
    const odd = await startMispServer({ key: KEY, events: () => [UNKNOWN_TYPES_EVENT] });
    try {
      const { work } = await runOnce(randomUUID(), { MISP_URL: odd.url });
      expect(work.errors).toEqual([]);
      const message = work.messages.map((m) => m.message).join('\n');
      expect(message).toContain('1 event(s) imported');
      expect(message).toContain('2 warning(s)');
      expect(message).toContain('brand-new-type ×1');
      const report = convertEvent(UNKNOWN_TYPES_EVENT, { ...DEFAULT_CONVERT_OPTIONS, referenceUrl: odd.url }).objects.find((o) => o.type === 'report');
      expect(await client.has(report?.id ?? '')).toBe(true);
    } finally {
      await odd.close();
    }
  });

  // MISP unreachable or refusing the key at start-up stops the process (features.int.test.ts);
  // here the start-up checks pass and the search itself fails.
  it.each([
    ['MISP dropping the connection', 'reset', /ECONNRESET|socket hang up|failed|closed/i],
    ['MISP hanging beyond MISP_REQUEST_TIMEOUT', 'hang', /timed out/],
    ['garbage instead of JSON', 'garbage', /did not return JSON/],
    ['a page beyond the size cap', 'huge', /exceeds the size limit/],
    ['MISP refusing the search', 'refused', /MISP refused the search|HTTP 403|403/],
  ] as const)('%s: the work ends in error, and the next run works', { timeout: 180_000 }, async (_name, mode, error) => {
    const connectorId = randomUUID();
    const bad = await startMispServer({
      key: KEY,
      events: () => [],
      rawSearch: (request, response) => {
        if (mode === 'hang') return; // never answers
        if (mode === 'reset') return void request.socket.destroy();
        if (mode === 'refused') return void response.writeHead(403, { 'content-type': 'application/json' }).end('{"errors":"Authentication failed"}');
        if (mode === 'garbage') return void response.writeHead(200, { 'content-type': 'application/json' }).end('<html>oops</html>');
        response.writeHead(200, { 'content-type': 'application/json' }).end(`[${' '.repeat(2_100_000)}]`);
      },
    });
    const url = bad.url;
    const close = bad.close;
    try {
      const { work, logs } = await runOnce(connectorId, {
        MISP_URL: url,
        MISP_REQUEST_TIMEOUT: '0.5',
        MISP_MAX_RESPONSE_MB: '1',
      });
      expect(work.errors.map((e) => e.message).join('\n'), logs.join('\n')).toMatch(error);
      expect(await client.connectorState(connectorId)).toBeNull();
    } finally {
      await close();
    }
    const next = await runOnce(connectorId, {});
    expect(next.work.errors).toEqual([]);
    expect(next.work.messages.map((m) => m.message).join('\n')).toContain(`${events.length} event(s) imported`);
  });
});
