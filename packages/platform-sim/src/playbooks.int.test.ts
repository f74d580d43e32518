// Playbook steps on the stand-in: published to a playbook-compatible enrichment connector's
// listen queue as 6.9's "Enrich through connector" component does, answered over HTTP with
// playbookStepExecution as pycti does, and readable by tests.
import { randomUUID } from 'node:crypto';
import { requireId } from '@opencti-ts/sdk/stix';
import { rabbitMq } from '@opencti-ts/testing';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCUMENTS as D, dataOf, gql } from './__fixtures__/documents.ts';
import { WaitTimeoutError } from './client.ts';
import { AUTOMATION_MANAGER_USER_ID, type PlaybookStepContext } from './playbooks.ts';
import { type PlatformSim, startPlatformSim } from './sim.ts';

const broker = await rabbitMq();

const DOMAIN = { type: 'domain-name', id: requireId({ type: 'domain-name', value: 'playbook.example' }), spec_version: '2.1', value: 'playbook.example' };

describe.skipIf(!broker.available)('playbooks on the stand-in', () => {
  let sim: PlatformSim;
  let connection: amqp.ChannelModel;
  let channel: amqp.Channel;
  const register = async (input: Record<string, unknown>) => {
    const id = randomUUID();
    const answer = dataOf(await gql(sim.url, sim.connectorToken, D.register, { input: { id, scope: ['Domain-Name'], ...input } }));
    return { id, listen: (answer.registerConnector as { config: { listen: string } }).config.listen };
  };
  const nextMessage = async (queue: string) => {
    for (let i = 0; i < 100; i += 1) {
      const message = await channel.get(queue, { noAck: true });
      if (message) return { body: JSON.parse(message.content.toString('utf8')) as Record<string, unknown>, persistent: message.properties.deliveryMode === 2 };
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new RangeError(`no message on ${queue}`);
  };
  /** What pycti sends back for a step (api/opencti_api_playbook.py). */
  const answerStep = (step: PlaybookStepContext, bundle: unknown, previousBundle: unknown) =>
    gql(sim.url, sim.connectorToken, D.playbookStep, {
      ...step,
      execution_start: new Date().toISOString().replace(/Z$/, '+00:00'),
      previous_bundle: JSON.stringify(previousBundle),
      bundle: typeof bundle === 'string' ? bundle : JSON.stringify(bundle),
    });

  beforeAll(async () => {
    if (!broker.available) return;
    sim = await startPlatformSim({ rabbitmqUrl: broker.url });
    connection = await amqp.connect(broker.url);
    channel = await connection.createChannel();
  });
  afterAll(async () => {
    await connection?.close();
    await sim?.stop();
  });

  it("publishes a step on the connector's listen queue as the playbook manager does", async () => {
    const { id, listen } = await register({ name: 'Playbook enricher', type: 'INTERNAL_ENRICHMENT', playbook_compatible: true });
    const bundle = { type: 'bundle' as const, id: `bundle--${randomUUID()}`, objects: [DOMAIN] };
    const step = await sim.playbooks.publishStep({ connectorId: id, entityId: DOMAIN.id, bundle });
    const { body, persistent } = await nextMessage(listen);
    expect(persistent).toBe(true);
    expect(body).toEqual({
      internal: { work_id: null, playbook: step, applicant_id: AUTOMATION_MANAGER_USER_ID },
      event: { entity_id: DOMAIN.id, bundle },
    });
    expect(step).toMatchObject({ data_instance_id: DOMAIN.id, event_id: expect.stringMatching(/^\d+-0$/) });
    // The applicant exists: a connector impersonating it (BYPASS token) is let through.
    const me = await gql(sim.url, sim.token, D.me, {}, { 'opencti-applicant-id': AUTOMATION_MANAGER_USER_ID });
    expect(dataOf(me).me).toMatchObject({ id: AUTOMATION_MANAGER_USER_ID });
  });

  it('records the answer of a known step and gives it to tests; true as 6.9 answers', async () => {
    const { id, listen } = await register({ name: 'Playbook answerer', type: 'INTERNAL_ENRICHMENT', playbook_compatible: true });
    const incoming = { type: 'bundle' as const, id: `bundle--${randomUUID()}`, objects: [DOMAIN] };
    const step = await sim.playbooks.publishStep({ connectorId: id, entityId: DOMAIN.id, bundle: incoming });
    await nextMessage(listen);
    const enriched = { ...incoming, objects: [DOMAIN, { type: 'ipv4-addr', id: `ipv4-addr--${randomUUID()}`, value: '198.51.100.9' }] };
    const waiting = sim.playbooks.waitForExecution(step.step_id);
    const answer = await answerStep(step, enriched, incoming);
    expect(dataOf(answer).playbookStepExecution).toBe(true);
    const execution = await waiting;
    expect(execution).toMatchObject({
      ...step,
      previous_bundle: JSON.stringify(incoming),
      bundle: JSON.stringify(enriched),
      result: true,
      user_id: sim.platform.connectorUser.id,
    });
    expect(sim.playbooks.executions()).toContainEqual(execution);
    // Nothing goes to the knowledge: the playbook carries the bundle on.
    expect(sim.platform.store.resolve(enriched.objects[1]?.id)).toBeUndefined();
  });

  it('answers false for a playbook or a step it does not know, and fails on a bundle that is not JSON', async () => {
    const { id, listen } = await register({ name: 'Playbook stranger', type: 'INTERNAL_ENRICHMENT', playbook_compatible: true });
    const incoming = { type: 'bundle' as const, id: `bundle--${randomUUID()}`, objects: [DOMAIN] };
    const step = await sim.playbooks.publishStep({ connectorId: id, entityId: DOMAIN.id, bundle: incoming });
    await nextMessage(listen);
    const unknownPlaybook = { ...step, playbook_id: randomUUID() };
    expect(dataOf(await answerStep(unknownPlaybook, incoming, incoming)).playbookStepExecution).toBe(false);
    expect(dataOf(await answerStep({ ...step, previous_step_id: randomUUID() }, incoming, incoming)).playbookStepExecution).toBe(false);
    expect(
      sim.playbooks
        .executions()
        .filter((e) => e.execution_id === step.execution_id)
        .map((e) => e.result),
    ).toEqual([false, false]);
    const garbled = await answerStep(step, '{"type": "bundle", ', incoming);
    expect(garbled.body.errors?.[0]?.message).toBe('The bundle of the playbook step is not valid JSON');
  });

  it('refuses steps the platform would never send, and times out clearly waiting for an answer that never comes', async () => {
    const plain = await register({ name: 'Not for playbooks', type: 'INTERNAL_ENRICHMENT' });
    const bundle = { type: 'bundle' as const, id: `bundle--${randomUUID()}`, objects: [DOMAIN] };
    await expect(sim.playbooks.publishStep({ connectorId: plain.id, entityId: DOMAIN.id, bundle })).rejects.toMatchObject({
      code: 'PLAYBOOK_CONNECTOR_INCOMPATIBLE',
    });
    const { id } = await register({ name: 'Playbook elsewhere', type: 'INTERNAL_ENRICHMENT', playbook_compatible: true });
    await expect(sim.playbooks.publishStep({ connectorId: id, entityId: `url--${randomUUID()}`, bundle })).rejects.toMatchObject({
      code: 'PLAYBOOK_ENTITY_NOT_IN_BUNDLE',
    });
    const waiting = sim.playbooks.waitForExecution(randomUUID(), { timeoutMs: 100, context: () => 'last log line' });
    await expect(waiting).rejects.toBeInstanceOf(WaitTimeoutError);
    await expect(waiting).rejects.toThrow(/waiting for playbook step [-\w]+ to be answered\nlast log line$/);
  });
});
