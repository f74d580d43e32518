import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { rabbitMq, uniqueName } from '@opencti-ts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestVhost, declarePlatformPushQueue, type PlatformClient, platformClient, rabbitmqctlProblem, type TestVhost } from './__fixtures__/broker.ts';
import { createMqConnection, type MqConnection } from './connection.ts';
import { type Consumer, consume, type Delivery } from './consumer.ts';
import { createPublisher, encodeBundleMessage } from './publisher.ts';

const broker = await rabbitMq();
const problem = broker.available ? await rabbitmqctlProblem(broker.url) : broker.reason;
if (problem && broker.available) console.warn(`[opencti-ts] mq consumer tests skipped: ${problem}`);

const fast = { initialDelayMs: 20, maxDelayMs: 300, maxAttempts: 20 };

/** Messages as the handler sees them, awaited one by one. */
function inbox() {
  const received: { message: unknown; delivery: Delivery }[] = [];
  const waiters: (() => void)[] = [];
  return {
    received,
    push(message: unknown, delivery: Delivery) {
      received.push({ message, delivery });
      for (const wake of waiters.splice(0)) wake();
    },
    async count(n: number) {
      while (received.length < n) await new Promise<void>((resolve) => waiters.push(resolve));
      return received.slice(0, n);
    },
  };
}

/** A promise the test resolves by hand: holds a handler mid-job. */
function gate() {
  let open: () => void = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Polls the broker until `check` holds (never a timing assertion: it only waits). */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(problem !== undefined)('consuming jobs from the listen queue', () => {
  const url = broker.available ? broker.url : '';
  let vhost: TestVhost;
  let platform: PlatformClient;
  let connection: MqConnection;
  const consumers: Consumer[] = [];

  beforeAll(async () => {
    vhost = await createTestVhost(url, 'mq-consumer');
    platform = platformClient(vhost);
    connection = createMqConnection({ connection: vhost.block(), reconnect: fast, name: 'opencti-ts consumer test' });
  });

  afterAll(async () => {
    await Promise.all(consumers.map((consumer) => consumer.stop()));
    await connection?.close();
    await platform?.close();
    await vhost?.dispose();
  });

  /** A listen queue as the platform declares it (platform-contract §3), plus extra arguments. */
  async function listenQueue(extra: Record<string, unknown> = {}): Promise<string> {
    const channel = await platform.channel();
    const id = randomUUID();
    const queue = uniqueName(`listen_${id}`);
    await channel.assertQueue(queue, {
      durable: true,
      arguments: { name: 'ImportFileStix', config: { id, type: 'INTERNAL_IMPORT_FILE', scope: ['application/json'] }, 'x-queue-type': 'classic', ...extra },
    });
    return queue;
  }

  async function sendJob(queue: string, body: unknown): Promise<void> {
    const channel = await platform.channel();
    channel.sendToQueue(queue, Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), { deliveryMode: 2 });
    await channel.waitForConfirms();
  }

  const depth = async (queue: string) => (await (await platform.channel()).checkQueue(queue)).messageCount;

  async function start(queue: string, handler: Parameters<typeof consume>[2], options: Parameters<typeof consume>[3] = {}): Promise<Consumer> {
    const consumer = await consume(connection, queue, handler, { resubscribePolicy: fast, ...options });
    consumers.push(consumer);
    return consumer;
  }

  it('acks a job only after its handler settled, bundles published included', async () => {
    const queue = await listenQueue();
    const push = await declarePlatformPushQueue(await platform.channel(), 'job-results');
    const publisher = createPublisher(connection);
    const jobs = inbox();
    const held = gate();
    const consumer = await start(queue, async (message, delivery) => {
      jobs.push(message, delivery);
      await held.promise;
      const bundles = [1, 2, 3].map((sequence) =>
        encodeBundleMessage({ applicantId: 'user', actionSequence: sequence, entitiesTypes: [], content: '{}', update: false, draftId: '', workId: 'w' }),
      );
      await publisher.publishBundles(push.exchange, push.routingKey, bundles);
    });
    await sendJob(queue, { internal: { work_id: 'w1' }, event: {} });
    await sendJob(queue, { internal: { work_id: 'w2' }, event: {} });
    const [first] = await jobs.count(1);
    expect(first?.message).toEqual({ internal: { work_id: 'w1' }, event: {} });
    // Prefetch 1 and no early ack: the second job waits in the queue while the first runs.
    expect(await depth(queue)).toBe(1);
    expect(jobs.received).toHaveLength(1);
    held.open();
    await jobs.count(2);
    await consumer.stop();
    // Stopping closed the channel: anything unacked would be back in the queue.
    expect(await depth(queue)).toBe(0);
    expect(await depth(push.queue)).toBe(6);
    await publisher.close();
  });

  it('reports a failing job, acks it and carries on with the next one', async () => {
    const queue = await listenQueue();
    const jobs = inbox();
    const reported: { error: unknown; message: unknown }[] = [];
    const consumer = await start(
      queue,
      (message, delivery) => {
        jobs.push(message, delivery);
        if ((message as { n: number }).n === 1) throw new TypeError('cannot parse the file');
      },
      {
        onHandlerError: async (error, message) => {
          reported.push({ error, message });
        },
      },
    );
    await sendJob(queue, { n: 1 });
    await sendJob(queue, { n: 2 });
    await jobs.count(2);
    await consumer.stop();
    expect(reported).toHaveLength(1);
    expect(reported[0]).toMatchObject({ message: { n: 1 }, error: expect.objectContaining({ message: 'cannot parse the file' }) });
    expect(jobs.received.map((job) => job.delivery.redelivered)).toEqual([false, false]);
    expect(await depth(queue)).toBe(0);
  });

  it('acks even when reporting the error fails', async () => {
    const queue = await listenQueue();
    const jobs = inbox();
    const consumer = await start(
      queue,
      (message, delivery) => {
        jobs.push(message, delivery);
        throw new TypeError('job failed');
      },
      {
        onHandlerError: () => {
          throw new TypeError('platform unreachable');
        },
      },
    );
    await sendJob(queue, { n: 1 });
    await jobs.count(1);
    await consumer.stop();
    expect(await depth(queue)).toBe(0);
  });

  it('rejects a body that is not JSON into the dead-letter queue, untouched', async () => {
    const channel = await platform.channel();
    const deadLetters = uniqueName('dead-letters');
    await channel.assertQueue(deadLetters, { durable: false });
    const queue = await listenQueue({ 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': deadLetters });
    const jobs = inbox();
    const consumer = await start(queue, (message, delivery) => jobs.push(message, delivery));
    await sendJob(queue, 'not json {');
    await sendJob(queue, { ok: true });
    const [job] = await jobs.count(1);
    expect(job?.message).toEqual({ ok: true });
    const rejected = await eventually(
      async () => (await platform.channel()).get(deadLetters, { noAck: true }),
      (message) => message !== false,
    );
    expect(rejected !== false && rejected.content.toString('utf8')).toBe('not json {');
    await consumer.stop();
    expect(jobs.received).toHaveLength(1);
    expect(await depth(queue)).toBe(0);
    await channel.deleteQueue(deadLetters);
  });

  it('re-subscribes after the broker cuts the connection', async () => {
    const queue = await listenQueue();
    const jobs = inbox();
    await start(queue, (message, delivery) => jobs.push(message, delivery));
    await sendJob(queue, { n: 1 });
    await jobs.count(1);
    await vhost.cut();
    await sendJob(queue, { n: 2 });
    const received = await jobs.count(2);
    expect(received.map((job) => job.message)).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('stop() waits for the running job, acks it, and then returns', async () => {
    const queue = await listenQueue();
    const jobs = inbox();
    const held = gate();
    const events: string[] = [];
    const consumer = await start(queue, async (message, delivery) => {
      jobs.push(message, delivery);
      await held.promise;
      events.push('job done');
    });
    await sendJob(queue, { n: 1 });
    await jobs.count(1);
    const stopped = consumer.stop().then(() => events.push('stopped'));
    // The cancel reached the broker: a job sent now stays queued for the next consumer.
    await eventually(
      async () => (await (await platform.channel()).checkQueue(queue)).consumerCount,
      (count) => count === 0,
    );
    await sendJob(queue, { n: 2 });
    held.open();
    await stopped;
    expect(events).toEqual(['job done', 'stopped']);
    expect(jobs.received).toHaveLength(1);
    expect(await depth(queue)).toBe(1);
  });

  it('redelivers a job to the next consumer when the connector process is killed mid-job', async () => {
    const queue = await listenQueue();
    const block = vhost.block();
    const child: ChildProcess = spawn(process.execPath, [fileURLToPath(new URL('./__fixtures__/consumer-child.ts', import.meta.url))], {
      env: {
        ...process.env,
        MQ_TEST_HOST: block.host,
        MQ_TEST_PORT: String(block.port),
        MQ_TEST_VHOST: block.vhost,
        MQ_TEST_USER: block.user,
        MQ_TEST_PASS: block.pass,
        MQ_TEST_QUEUE: queue,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let errors = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    const waitFor = (text: string) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (output.includes(text)) resolve();
        };
        child.stdout?.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          check();
        });
        void exited.then(() => reject(new Error(`child exited before "${text}": ${errors}`)));
        check();
      });
    await waitFor('ready');
    const job = { internal: { work_id: 'work_crash', applicant_id: null }, event: { file_id: 'import/global/report.json' } };
    await sendJob(queue, job);
    await waitFor('handling');
    expect(output).toContain(JSON.stringify(job));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const jobs = inbox();
    const consumer = await start(queue, (message, delivery) => jobs.push(message, delivery));
    const [redelivered] = await jobs.count(1);
    expect(redelivered?.message).toEqual(job);
    expect(redelivered?.delivery.redelivered).toBe(true);
    await consumer.stop();
    expect(await depth(queue)).toBe(0);
  });

  it('fails to start on a queue the platform never declared', async () => {
    await expect(consume(connection, uniqueName('missing'), () => {})).rejects.toMatchObject({ code: 'MQ_SUBSCRIBE_FAILED' });
    expect(connection.isOpen()).toBe(true);
  });
});
