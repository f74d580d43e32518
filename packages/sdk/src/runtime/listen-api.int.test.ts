// CONNECTOR_LISTEN_PROTOCOL=API (sdk-protocol §c.5): a connector written with the authoring
// API receives its jobs as HTTP POSTs, with pycti's status codes and bodies, runs the same
// job handler as over AMQP, and registers its callback URI. Here the test plays the
// platform's part of posting §c.6 messages; works and objects are read from the stand-in.
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { rabbitMq } from '@opencti-ts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseConfig, defineConfig } from '../config/index.ts';
import { stixBuilders as b } from '../stix/index.ts';
import { DOCUMENTS, type StandIn, startStandIn } from './__fixtures__/stand-in.ts';
import { defineConnector } from './define.ts';
import { type RunningConnector, startConnector } from './start.ts';

const broker = await rabbitMq();
const ip = b.ipv4Addr('192.0.2.44');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe.skipIf(!broker.available)('listening for jobs over HTTP', () => {
  let platform: StandIn;
  let connector: RunningConnector;
  let callback: string;
  const connectorId = randomUUID();
  const seen: string[] = [];
  const logs: string[] = [];

  const post = (body: string, authorization?: string, url = callback) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body });
  /** An enrichment job as the platform sends it (§c.6), on a fresh work of the connector. */
  const enrichmentJob = async () => {
    const work = (await platform.ask(DOCUMENTS.workAdd, { connectorId, friendlyName: 'Enrichment over HTTP' })).workAdd as { id: string };
    const stixEntity = await platform.stixOf(ip.id);
    const message = {
      internal: { work_id: work.id, applicant_id: null, draft_id: null, mode: 'manual', trigger: null },
      event: { event_type: 'INTERNAL_ENRICHMENT', entity_id: ip.id, entity_type: 'IPv4-Addr', stix_entity: JSON.stringify(stixEntity), stix_objects: null },
    };
    return { workId: work.id, message };
  };

  beforeAll(async () => {
    platform = await startStandIn({ objects: [ip] });
    const port = await freePort();
    const definition = defineConnector({
      kind: 'INTERNAL_ENRICHMENT',
      config: defineConfig(baseConfig('INTERNAL_ENRICHMENT')),
      async handle(event, ctx) {
        seen.push(ctx.workId ?? 'no work');
        if (event.raw.fail_on_purpose) throw new RangeError('the source refused this entity');
        const hostname = b.hostname('over-http.example.test');
        const sent = await ctx.send([hostname, b.relationship({ relationship_type: 'resolves-to', source_ref: hostname.id, target_ref: event.entityId })]);
        return `${sent.bundles} generated bundle(s) for worker import`;
      },
    });
    connector = startConnector(definition, {
      env: {
        OPENCTI_URL: platform.url,
        OPENCTI_TOKEN: platform.token,
        CONNECTOR_ID: connectorId,
        CONNECTOR_NAME: 'Enrichment over HTTP',
        CONNECTOR_SCOPE: 'IPv4-Addr',
        CONNECTOR_LOG_LEVEL: 'info',
        CONNECTOR_LISTEN_PROTOCOL: 'api',
        CONNECTOR_LISTEN_PROTOCOL_API_PORT: String(port),
        CONNECTOR_LISTEN_PROTOCOL_API_URI: `http://127.0.0.1:${port}/`,
      },
      handleSignals: false,
      logSink: (line) => logs.push(line),
    });
    callback = `http://127.0.0.1:${port}/api/callback`;
    // Ready once the route answers (unauthenticated requests get 401).
    for (;;) {
      const answer = await post('{}').catch(() => undefined);
      if (answer?.status === 401) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  afterAll(async () => {
    await connector?.stop();
    await platform?.stop();
  });

  it('registers the callback URI (listen_callback_uri = URI + path)', async () => {
    const connectors = (await platform.ask('query ListenCallback { connectors { id config { listen_callback_uri } } }')).connectors as {
      id: string;
      config: { listen_callback_uri: string | null };
    }[];
    expect(connectors.find((c) => c.id === connectorId)?.config.listen_callback_uri).toBe(`${callback}`);
  });

  it('refuses requests without the bearer token with 401 {"error": "Invalid credentials"}', async () => {
    for (const authorization of [
      undefined,
      `Bearer ${randomUUID()}`,
      `Token ${platform.token}`,
      `Bearer ${platform.token} extra`,
      `Bearer  ${platform.token}`,
    ]) {
      const answer = await post('{}', authorization);
      expect(answer.status, authorization).toBe(401);
      expect(await answer.text()).toBe('{"error":"Invalid credentials"}');
    }
    expect(seen).toEqual([]);
  });

  it('answers 400 {"error": "Invalid JSON payload"} to a body that is not JSON (the scheme is case-insensitive)', async () => {
    const answer = await post('{"internal": ', `bearer ${platform.token}`);
    expect(answer.status).toBe(400);
    expect(await answer.text()).toBe('{"error":"Invalid JSON payload"}');
  });

  it('runs the job before answering 202, and the work completes with the bundles imported', async () => {
    const { workId, message } = await enrichmentJob();
    const answer = await post(JSON.stringify(message), `Bearer ${platform.token}`);
    expect(answer.status).toBe(202);
    expect(await answer.text()).toBe('{"message":"Message successfully received"}');
    expect(seen).toContain(workId);
    const completed = await platform.waitForWork(workId);
    expect(completed.errors).toEqual([]);
    expect(completed.messages.map((m) => m.message)).toContain('2 generated bundle(s) for worker import');
    expect(await platform.stixOf(b.hostname('over-http.example.test').id)).toMatchObject({ value: 'over-http.example.test' });
  });

  it('reports a failing handler on the work and still answers 202', async () => {
    const { workId, message } = await enrichmentJob();
    const answer = await post(JSON.stringify({ ...message, event: { ...message.event, fail_on_purpose: true } }), `Bearer ${platform.token}`);
    expect(answer.status).toBe(202);
    const work = await platform.waitForWork(workId);
    expect(work.errors.map((e) => e.message).join('\n')).toContain('the source refused this entity');
  });

  it('answers 500 {"error": "Error processing message"} to a message that is not a job', async () => {
    const answer = await post(JSON.stringify({ event: { entity_id: ip.id } }), `Bearer ${platform.token}`);
    expect(answer.status).toBe(500);
    expect(await answer.text()).toBe('{"error":"Error processing message"}');
  });

  it('serves only POST on the configured path', async () => {
    expect((await post('{}', `Bearer ${platform.token}`, callback.replace('/api/callback', '/other'))).status).toBe(404);
    expect((await fetch(callback, { headers: { authorization: `Bearer ${platform.token}` } })).status).toBe(405);
  });

  it('stops listening when the connector stops', async () => {
    await connector.stop();
    expect(await connector.done).toBe(0);
    await expect(post('{}', `Bearer ${platform.token}`)).rejects.toThrow();
    expect(logs.join('\n')).not.toContain(platform.token);
  });
});
