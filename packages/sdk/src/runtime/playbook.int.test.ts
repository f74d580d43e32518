// Playbook mode (sdk-protocol §c.6 step 3, §c.1 step 2, platform-contract §5.1): an
// enrichment job carrying `internal.playbook` is handled on the playbook's bundle, and what
// the connector sends goes back with `playbookStepExecution` instead of the worker queue;
// a handler that sends nothing still passes the bundle on. The stand-in publishes the step
// on the connector's listen queue as the platform's playbook manager does, and records the
// connector's playbookStepExecution; a real platform would need a playbook, so there the
// tests are skipped.
import { randomUUID } from 'node:crypto';
import { rabbitMq } from '@opencti-ts/testing';
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

describe.skipIf(!broker.available)('enrichment in playbook mode', () => {
  let platform: StandIn;
  let connector: RunningConnector;
  const connectorId = randomUUID();
  const seen: EnrichmentEvent[] = [];

  /** Publishes a playbook step for the connector on `bundle`; what the connector answered. */
  const runStep = async (bundle: { type: 'bundle'; id: string; objects: Record<string, unknown>[] }) => {
    const playbooks = platform.playbooks;
    if (!playbooks) throw new RangeError('only the stand-in publishes playbook steps');
    const playbook = await playbooks.publishStep({ connectorId, entityId: ip.id, bundle });
    return { playbook, step: await playbooks.waitForExecution(playbook.step_id) };
  };

  beforeAll(async () => {
    platform = await startStandIn({ objects: [ip] });
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
        OPENCTI_URL: platform.url,
        OPENCTI_TOKEN: platform.token,
        CONNECTOR_ID: connectorId,
        CONNECTOR_NAME: 'Playbook enrichment',
        CONNECTOR_SCOPE: 'IPv4-Addr',
        CONNECTOR_LOG_LEVEL: 'info',
      },
      handleSignals: false,
      logSink: () => {},
    });
    await platform.client.waitForConnector(connectorId);
    const { connectors } = (await platform.ask('query Listen { connectors { id playbook_compatible } }')) as {
      connectors: { id: string; playbook_compatible: boolean }[];
    };
    expect(connectors.find((c) => c.id === connectorId)?.playbook_compatible).toBe(true);
  });
  afterAll(async () => {
    await connector?.stop();
    await platform?.stop();
  });

  it('hands the entity from the playbook bundle to the handler and answers the step with the sent bundle, not the queue', async (ctx) => {
    if (!platform.playbooks) return ctx.skip();
    const bundle = { type: 'bundle' as const, id: `bundle--${randomUUID()}`, objects: [ip] };
    const { playbook, step } = await runStep(bundle);
    expect(seen[0]?.stixEntity).toMatchObject({ id: ip.id, value: '203.0.113.77' });
    expect(seen[0]?.stixObjects).toEqual([ip]);
    expect(step).toMatchObject({ ...playbook, previous_bundle: JSON.stringify(bundle), result: true });
    expect(step.execution_start).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
    const answered = JSON.parse(step.bundle) as { type: string; objects: { id: string; type: string }[] };
    expect(answered.type).toBe('bundle');
    expect(answered.objects.map((object) => object.type)).toEqual(['ipv4-addr', 'hostname', 'relationship']);
    // Nothing reached the worker queue: the hostname was never imported.
    expect(await platform.stixOf(b.hostname('playbook.example.test').id)).toBeNull();
  });

  it('passes the bundle on unchanged when the handler sends nothing', async (ctx) => {
    if (!platform.playbooks) return ctx.skip();
    const bundle = { type: 'bundle' as const, id: `bundle--${randomUUID()}`, objects: [ip, author] };
    const { step } = await runStep(bundle);
    expect(JSON.parse(step.bundle)).toEqual(bundle);
    expect(step.previous_bundle).toBe(JSON.stringify(bundle));
  });
});
