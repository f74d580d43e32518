import { rabbitMq, sharedPath, uniqueName } from '@opencti-ts/testing';
import type amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlatformError, TransientError } from '../errors/index.ts';
import { pythonJsonDumps } from '../stix/python-strings.ts';
import { createTestVhost, declarePlatformPushQueue, type PlatformClient, platformClient, rabbitmqctlProblem, type TestVhost } from './__fixtures__/broker.ts';
import { transcriptPublishes } from './__fixtures__/transcript.ts';
import { createMqConnection, type MqConnection } from './connection.ts';
import { createPublisher, encodeBundleMessage } from './publisher.ts';

const broker = await rabbitMq();
const problem = broker.available ? await rabbitmqctlProblem(broker.url) : broker.reason;
if (problem && broker.available) console.warn(`[opencti-ts] mq publisher tests skipped: ${problem}`);
const transcript = sharedPath('data/vectors/helper/transcript.json');

const fast = { initialDelayMs: 20, maxDelayMs: 500, maxAttempts: 10 };

describe.skipIf(problem !== undefined)('confirmed bundle publishing', () => {
  const url = broker.available ? broker.url : '';
  let vhost: TestVhost;
  let connection: MqConnection;
  let platform: PlatformClient;
  const platformChannel = () => platform.channel();

  beforeAll(async () => {
    vhost = await createTestVhost(url, 'mq-publisher');
    platform = platformClient(vhost);
    connection = createMqConnection({ connection: vhost.block(), reconnect: fast, name: 'opencti-ts publisher test' });
  });

  afterAll(async () => {
    await connection?.close();
    await platform?.close();
    await vhost?.dispose();
  });

  /** Drains a queue: every message body and its properties, in queue order. */
  async function drain(queue: string): Promise<amqp.GetMessage[]> {
    const messages: amqp.GetMessage[] = [];
    const channel = await platformChannel();
    for (;;) {
      const message = await channel.get(queue, { noAck: true });
      if (message === false) return messages;
      messages.push(message);
    }
  }

  it.skipIf(!transcript.available)('puts pycti’s exact bytes and properties on the push exchange, confirmed before it resolves', async () => {
    const publishes = transcript.available ? transcriptPublishes(transcript.path) : [];
    const channel = await platformChannel();
    const topology = await declarePlatformPushQueue(channel, 'transcript');
    const bodies = publishes.map((publish) =>
      encodeBundleMessage({
        applicantId: publish.body.applicant_id as string,
        actionSequence: publish.body.action_sequence as number,
        entitiesTypes: publish.body.entities_types as string[],
        content: Buffer.from(publish.body.content as string, 'base64').toString('utf8'),
        update: publish.body.update as boolean,
        draftId: publish.body.draft_id as string | null,
        workId: publish.body.work_id as string | undefined,
      }),
    );
    const publisher = createPublisher(connection);
    const report = await publisher.publishBundles(topology.exchange, topology.routingKey, bodies);
    expect(report).toEqual({ confirmed: publishes.length, republished: 0, recoveries: 0 });
    // Confirmed means stored: the queue holds every message the moment the call resolves.
    expect((await channel.checkQueue(topology.queue)).messageCount).toBe(publishes.length);
    const received = await drain(topology.queue);
    expect(received.map((message) => message.content.toString('utf8'))).toEqual(publishes.map((publish) => pythonJsonDumps(publish.body)));
    for (const message of received) {
      expect(message.fields.exchange).toBe(topology.exchange);
      expect(message.fields.routingKey).toBe(topology.routingKey);
      const { deliveryMode, contentEncoding, headers, ...others } = message.properties;
      expect({ deliveryMode, contentEncoding }).toEqual({ deliveryMode: 2, contentEncoding: 'utf-8' });
      // amqplib always writes a headers table; it stays empty.
      expect(headers ?? {}).toEqual({});
      expect(Object.values(others).filter((value) => value !== undefined)).toEqual([]);
    }
    await publisher.close();
    await channel.deleteQueue(topology.queue);
    await channel.deleteExchange(topology.exchange);
  });

  it('delivers all 5,000 bundles although the broker cuts the connection twice mid-flight', async () => {
    const topology = await declarePlatformPushQueue(await platformChannel(), 'cut');
    const total = 5000;
    const content = JSON.stringify({ type: 'bundle', id: 'bundle--x', spec_version: '2.1', objects: [{ type: 'note', content: 'x'.repeat(400) }] });
    const bodies = Array.from({ length: total }, (_, index) =>
      encodeBundleMessage({ applicantId: 'user', actionSequence: index + 1, entitiesTypes: [], content, update: false, draftId: null, workId: 'work_1' }),
    );
    let losses = 0;
    const unsubscribe = connection.on('lost', () => {
      losses += 1;
    });
    let confirmedCount = 0;
    const publisher = createPublisher(connection, { window: 256 });
    const report = await publisher.publishBundles(topology.exchange, topology.routingKey, bodies, {
      onConfirmed: () => {
        confirmedCount += 1;
        // Blocking on purpose: the cut lands while hundreds of confirms are outstanding.
        if (confirmedCount === 1000 || confirmedCount === 3000) vhost.cutSync();
      },
    });
    unsubscribe();
    expect(losses).toBe(2);
    expect(report.confirmed).toBe(total);
    expect(report.recoveries).toBeGreaterThanOrEqual(2);
    expect(confirmedCount).toBe(total);

    const received = await drain(topology.queue);
    const channel = await platformChannel();
    const sequences = received.map((message) => (JSON.parse(message.content.toString('utf8')) as { action_sequence: number }).action_sequence);
    const distinct = new Set(sequences);
    expect(distinct.size).toBe(total);
    expect(Math.min(...distinct)).toBe(1);
    expect(Math.max(...distinct)).toBe(total);
    // At-least-once: a message stored just before the cut but whose confirm was lost is
    // sent again, so duplicates are possible (never more than the re-published ones).
    expect(received.length - total).toBeLessThanOrEqual(report.republished);
    await publisher.close();
    await channel.deleteQueue(topology.queue);
    await channel.deleteExchange(topology.exchange);
  });

  it('does not resolve on a broker nack: bounded retries then TransientError', async () => {
    const exchange = uniqueName('nack.exchange');
    const queue = uniqueName('nack.queue');
    const channel = await platformChannel();
    await channel.assertExchange(exchange, 'direct', { durable: false, autoDelete: false });
    // A full queue that rejects new publishes makes the broker nack them.
    await channel.assertQueue(queue, { durable: false, arguments: { 'x-max-length': 1, 'x-overflow': 'reject-publish' } });
    await channel.bindQueue(queue, exchange, 'key');
    const bodies = [1, 2, 3].map((sequence) =>
      encodeBundleMessage({ applicantId: 'user', actionSequence: sequence, entitiesTypes: [], content: '{}', update: false, draftId: null }),
    );
    const confirmed: number[] = [];
    const publisher = createPublisher(connection, { maxRetries: 2, retryPolicy: { initialDelayMs: 10, maxDelayMs: 20 } });
    const error = await publisher.publishBundles(exchange, 'key', bodies, { onConfirmed: (index) => confirmed.push(index) }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).code).toBe('MQ_PUBLISH_FAILED');
    expect((error as TransientError).message).toContain('2 of 3 message(s) not confirmed');
    expect(confirmed).toEqual([0]);
    await publisher.close();
    await channel.deleteQueue(queue);
    await channel.deleteExchange(exchange);
  });

  it('fails fast with a PlatformError when the exchange does not exist', async () => {
    const publisher = createPublisher(connection, { maxRetries: 5 });
    const body = encodeBundleMessage({ applicantId: 'user', actionSequence: 1, entitiesTypes: [], content: '{}', update: false, draftId: null });
    const error = await publisher.publishBundles(uniqueName('missing.exchange'), 'key', [body]).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(PlatformError);
    expect((error as PlatformError).code).toBe('MQ_PUBLISH_REFUSED');
    expect((error as PlatformError).message).toContain('NOT_FOUND');
    // The shared connection survives a channel error; the publisher opens a new channel.
    expect(connection.isOpen()).toBe(true);
    await publisher.close();
  });
});
