// Playbook mode (sdk-protocol §c.6 step 3, §c.1 step 2, platform-contract §5.1): an
// enrichment job carrying `internal.playbook` is handled on the playbook's bundle, and what
// the connector sends goes back with `playbookStepExecution` instead of the worker queue;
// a handler that sends nothing still passes the bundle on. The stand-in has no playbooks, so
// a real HTTP proxy in front of it answers that one mutation and records it; the job is
// published on the connector's listen queue as the platform's playbook manager does.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { rabbitMq } from '@opencti-ts/testing';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseConfig, defineConfig } from '../config/index.ts';
import { stixBuilders as b } from '../stix/index.ts';
import { type StandIn, startStandIn } from './__fixtures__/stand-in.ts';
import { defineConnector } from './define.ts';
import type { EnrichmentEvent } from './messages.ts';
import { type RunningConnector, startConnector } from './start.ts';

const broker = await rabbitMq();
const ip = b.ipv4Addr('203.0.113.77');
const author = b.organization({ name: 'Playbook author' });

interface StepCall {
  variables: Record<string, string | null>;
}

/** Forwards everything to the stand-in except PlaybookStepExecution, which it records. */
async function startPlaybookProxy(target: string) {
  const steps: StepCall[] = [];
  const waiters: (() => void)[] = [];
  const server = http.createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    if (request.url === '/graphql' && request.headers['content-type']?.startsWith('application/json')) {
      const parsed = JSON.parse(body.toString('utf8')) as { query: string; variables: Record<string, string | null> };
      if (/mutation PlaybookStepExecution\b/.test(parsed.query)) {
        steps.push({ variables: parsed.variables });
        for (const wake of waiters.splice(0)) wake();
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ data: { playbookStepExecution: true } }));
        return;
      }
    }
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string' && !['host', 'content-length', 'connection'].includes(entry[0]),
      ),
    );
    const answer = await fetch(`${target}${request.url}`, { method: request.method, headers, ...(body.length > 0 ? { body } : {}) });
    response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/octet-stream' });
    response.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    steps,
    async waitForSteps(n: number) {
      while (steps.length < n) await new Promise<void>((resolve) => waiters.push(resolve));
      return steps.slice(0, n);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe.skipIf(!broker.available)('enrichment in playbook mode', () => {
  let platform: StandIn;
  let proxy: Awaited<ReturnType<typeof startPlaybookProxy>>;
  let connector: RunningConnector;
  let channel: amqp.Channel;
  let amqpConnection: amqp.ChannelModel;
  let listen: { exchange: string; routing: string };
  const connectorId = randomUUID();
  const seen: EnrichmentEvent[] = [];

  /** A playbook step as the platform's playbook component publishes it (platform-contract §5.1). */
  const publishStep = (bundle: { type: 'bundle'; id: string; objects: Record<string, unknown>[] }, stepId: string) => {
    const playbook = {
      event_id: `${Date.now()}-0`,
      execution_id: randomUUID(),
      playbook_id: randomUUID(),
      data_instance_id: ip.id,
      step_id: stepId,
      previous_step_id: randomUUID(),
    };
    const message = { internal: { work_id: null, applicant_id: null, playbook }, event: { entity_id: ip.id, bundle } };
    channel.publish(listen.exchange, listen.routing, Buffer.from(JSON.stringify(message)), { deliveryMode: 2 });
    return { playbook, bundle };
  };

  beforeAll(async () => {
    platform = await startStandIn({ objects: [ip] });
    proxy = await startPlaybookProxy(platform.url);
    const definition = defineConnector({
      kind: 'INTERNAL_ENRICHMENT',
      config: defineConfig(baseConfig('INTERNAL_ENRICHMENT')),
      playbookCompatible: true,
      async handle(event, ctx) {
        seen.push(event);
        // The "pass" step leaves the bundle alone; the others add what they found.
        if (event.raw.bundle && (event.stixObjects ?? []).some((object) => object.id === author.id)) return 'Nothing to add';
        const hostname = b.hostname('playbook.example.test');
        await ctx.send([
          ...(event.stixObjects ?? []),
          hostname,
          b.relationship({ relationship_type: 'resolves-to', source_ref: hostname.id, target_ref: event.entityId }),
        ]);
        return 'Enriched';
      },
    });
    connector = startConnector(definition, {
      env: {
        OPENCTI_URL: proxy.url,
        OPENCTI_TOKEN: platform.token,
        CONNECTOR_ID: connectorId,
        CONNECTOR_NAME: 'Playbook enrichment',
        CONNECTOR_SCOPE: 'IPv4-Addr',
        CONNECTOR_LOG_LEVEL: 'info',
      },
      handleSignals: false,
      logSink: () => {},
    });
    for (;;) {
      const connectors = (await platform.ask('query Listen { connectors { id playbook_compatible config { listen_exchange listen_routing } } }'))
        .connectors as {
        id: string;
        playbook_compatible: boolean;
        config: { listen_exchange: string; listen_routing: string };
      }[];
      const registered = connectors.find((c) => c.id === connectorId);
      if (registered) {
        expect(registered.playbook_compatible).toBe(true);
        listen = { exchange: registered.config.listen_exchange, routing: registered.config.listen_routing };
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    amqpConnection = await amqp.connect(platform.rabbitmqUrl);
    channel = await amqpConnection.createChannel();
  });
  afterAll(async () => {
    await connector?.stop();
    await amqpConnection?.close();
    await proxy?.close();
    await platform?.stop();
  });

  it('hands the entity from the playbook bundle to the handler and answers the step with the sent bundle, not the queue', async () => {
    const stepId = randomUUID();
    const bundle = { type: 'bundle' as const, id: `bundle--${randomUUID()}`, objects: [ip] };
    const { playbook } = publishStep(bundle, stepId);
    const [step] = (await proxy.waitForSteps(1)).filter((call) => call.variables.step_id === stepId);
    expect(seen[0]?.stixEntity).toMatchObject({ id: ip.id, value: '203.0.113.77' });
    expect(seen[0]?.stixObjects).toEqual([ip]);
    expect(step?.variables).toMatchObject({ ...playbook, previous_bundle: JSON.stringify(bundle) });
    expect(step?.variables.execution_start).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
    const answered = JSON.parse(step?.variables.bundle ?? '{}') as { type: string; objects: { id: string; type: string }[] };
    expect(answered.type).toBe('bundle');
    expect(answered.objects.map((object) => object.type)).toEqual(['ipv4-addr', 'hostname', 'relationship']);
    // Nothing reached the worker queue: the hostname was never imported.
    expect(await platform.stixOf(b.hostname('playbook.example.test').id)).toBeNull();
  });

  it('passes the bundle on unchanged when the handler sends nothing', async () => {
    const stepId = randomUUID();
    const bundle = { type: 'bundle' as const, id: `bundle--${randomUUID()}`, objects: [ip, author] };
    publishStep(bundle, stepId);
    const steps = await proxy.waitForSteps(2);
    const step = steps.find((call) => call.variables.step_id === stepId);
    expect(JSON.parse(step?.variables.bundle ?? '{}')).toEqual(bundle);
    expect(step?.variables.previous_bundle).toBe(JSON.stringify(bundle));
  });
});
