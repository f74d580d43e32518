// A private RabbitMQ vhost per test file, managed with `rabbitmqctl` (on PATH, as root, on
// the local broker): tests can then cut every connection of *their* vhost with
// `close_all_connections` without touching other engineers' connections, and the vhost
// name carries a `/` and a space to exercise URL escaping.
import { execFile, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { uniqueName } from '@opencti-ts/testing';
import amqp, { type Channel, type ConfirmChannel } from 'amqplib';
import type { MqConnectionBlock } from '../connection.ts';

const run = promisify(execFile);

/** Undefined when rabbitmqctl can manage the broker at `brokerUrl`, else why not. */
export async function rabbitmqctlProblem(brokerUrl: string): Promise<string | undefined> {
  const host = new URL(brokerUrl).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost') return `rabbitmqctl only manages the local broker, not ${host}`;
  try {
    await run('rabbitmqctl', ['-q', 'list_vhosts'], { timeout: 30_000 });
    return undefined;
  } catch (error) {
    return `rabbitmqctl is not usable (${(error as Error).message.split('\n')[0]})`;
  }
}

export async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', ['-q', ...args], { timeout: 60_000 });
  return stdout;
}

export interface TestVhost {
  readonly name: string;
  /** The connection block for this vhost, as the platform's registration would return it. */
  block(credentials?: { user: string; pass: string }): MqConnectionBlock;
  /** Closes every client connection of the vhost, as a broker restart would. */
  cut(): Promise<void>;
  /** Same, blocking the event loop until rabbitmqctl returns: the cut lands exactly here. */
  cutSync(): void;
  dispose(): Promise<void>;
}

export async function createTestVhost(brokerUrl: string, label: string): Promise<TestVhost> {
  const url = new URL(brokerUrl);
  const name = `${uniqueName(label)}/v h`;
  await rabbitmqctl('add_vhost', name);
  await rabbitmqctl('set_permissions', '-p', name, decodeURIComponent(url.username), '.*', '.*', '.*');
  const cutArgs = ['-q', 'close_all_connections', '--vhost', name, '--limit', '1000', 'opencti-ts test: broker cut'];
  return {
    name,
    block: (credentials) => ({
      host: url.hostname,
      port: Number(url.port || 5672),
      vhost: name,
      use_ssl: false,
      user: credentials?.user ?? decodeURIComponent(url.username),
      pass: credentials?.pass ?? decodeURIComponent(url.password),
    }),
    cut: async () => {
      await run('rabbitmqctl', cutArgs, { timeout: 60_000 });
    },
    cutSync: () => {
      execFileSync('rabbitmqctl', cutArgs, { timeout: 60_000, stdio: 'ignore' });
    },
    dispose: async () => {
      await rabbitmqctl('delete_vhost', name);
    },
  };
}

/** Declares a push exchange, queue and binding exactly as the platform does (platform-contract §3), under unique names. */
export async function declarePlatformPushQueue(channel: Channel, label: string): Promise<{ exchange: string; queue: string; routingKey: string }> {
  const connectorId = randomUUID();
  const exchange = uniqueName(`${label}.amqp.worker.exchange`);
  const queue = uniqueName(`${label}.push_${connectorId}`);
  const routingKey = uniqueName(`${label}.push_routing_${connectorId}`);
  await channel.assertExchange(exchange, 'direct', { durable: true });
  await channel.assertQueue(queue, {
    durable: true,
    exclusive: false,
    autoDelete: false,
    arguments: { name: 'MITRE ATT&CK', config: { id: connectorId, type: 'EXTERNAL_IMPORT', scope: ['marking-definition'] }, 'x-queue-type': 'classic' },
  });
  await channel.bindQueue(queue, exchange, routingKey);
  return { exchange, queue, routingKey };
}

export interface PlatformClient {
  /** A confirm channel of the test's own connection, re-opened after a broker cut. */
  channel(): Promise<ConfirmChannel>;
  close(): Promise<void>;
}

/** The test's own broker client, playing the platform (it declares queues, publishes jobs, reads results). */
export function platformClient(vhost: TestVhost): PlatformClient {
  let model: amqp.ChannelModel | undefined;
  let channel: ConfirmChannel | undefined;
  return {
    async channel() {
      if (model && channel) return channel;
      const block = vhost.block();
      const opened = await amqp.connect(
        { hostname: block.host, port: block.port, username: block.user, password: block.pass, vhost: encodeURIComponent(vhost.name) },
        { clientProperties: { connection_name: 'opencti-ts test platform' } },
      );
      opened.on('error', () => {});
      opened.on('close', () => {
        if (model === opened) model = undefined;
      });
      model = opened;
      channel = await opened.createConfirmChannel();
      channel.on('error', () => {});
      return channel;
    },
    async close() {
      await model?.close().catch(() => undefined);
      model = undefined;
    },
  };
}
