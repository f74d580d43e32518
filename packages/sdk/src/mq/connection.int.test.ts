import { randomUUID } from 'node:crypto';
import { rabbitMq } from '@opencti-ts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransientError } from '../errors/index.ts';
import { createLogger } from '../log/index.ts';
import { createTestVhost, rabbitmqctl, rabbitmqctlProblem, type TestVhost } from './__fixtures__/broker.ts';
import { createMqConnection, type MqConnection } from './connection.ts';

const broker = await rabbitMq();
const problem = broker.available ? await rabbitmqctlProblem(broker.url) : broker.reason;
if (problem && broker.available) console.warn(`[opencti-ts] mq connection tests skipped: ${problem}`);

const fast = { initialDelayMs: 20, maxDelayMs: 200, maxAttempts: 3 };

/** The connections the broker holds for a vhost: [user, heartbeat seconds, connection name]. */
async function connectionsOf(vhost: string): Promise<string[][]> {
  const out = await rabbitmqctl('list_connections', 'vhost', 'user', 'timeout', 'client_properties');
  return out
    .split('\n')
    .map((line) => line.split('\t'))
    .filter((columns) => columns[0] === vhost)
    .map((columns) => [columns[1] ?? '', columns[2] ?? '', /connection_name","([^"]*)"/.exec(columns[3] ?? '')?.[1] ?? '']);
}

describe.skipIf(problem !== undefined)('one long-lived broker connection', () => {
  const url = broker.available ? broker.url : '';
  // Every character that breaks a naive URL, in the user name, the password and the vhost.
  const user = `opencti ts@${randomUUID().slice(0, 8)}`;
  const pass = 'p@ss:w/rd%é #?';
  let vhost: TestVhost;
  const opened: MqConnection[] = [];

  beforeAll(async () => {
    vhost = await createTestVhost(url, 'mq-connection');
    await rabbitmqctl('add_user', user, pass);
    await rabbitmqctl('set_permissions', '-p', vhost.name, user, '.*', '.*', '.*');
  });

  afterAll(async () => {
    await Promise.all(opened.map((connection) => connection.close()));
    await rabbitmqctl('delete_user', user);
    await vhost?.dispose();
  });

  function open(options: Partial<Parameters<typeof createMqConnection>[0]> = {}): MqConnection {
    const connection = createMqConnection({ connection: vhost.block({ user, pass }), reconnect: fast, name: 'opencti-ts mq test', ...options });
    opened.push(connection);
    return connection;
  }

  it('opens lazily, once, with the escaped user, password and vhost and a 10 s heartbeat', async () => {
    const connection = open();
    expect(connection.isOpen()).toBe(false);
    expect(await connectionsOf(vhost.name)).toEqual([]);
    const [first, second] = await Promise.all([connection.acquire(), connection.acquire()]);
    expect(second).toBe(first);
    expect(await connection.acquire()).toBe(first);
    expect(await connectionsOf(vhost.name)).toEqual([[user, '10', 'opencti-ts mq test']]);
    expect(connection.url).not.toContain('p@ss');
    await connection.close();
  });

  it('reports the loss when the broker cuts it and re-opens on next use', async () => {
    const connection = open();
    const before = await connection.acquire();
    const lost = new Promise<Error>((resolve) => connection.on('lost', resolve));
    await vhost.cut();
    const error = await lost;
    expect(error.message).toContain('CONNECTION_FORCED');
    expect(connection.isOpen()).toBe(false);
    const after = await connection.acquire();
    expect(after).not.toBe(before);
    const channel = await after.createChannel();
    await channel.close();
    await connection.close();
  });

  it('gives up with a TransientError after the bounded attempts, never showing the password', async () => {
    const lines: string[] = [];
    const secret = 'wrong-but-secret-password';
    const logger = createLogger({ name: 'mq', level: 'DEBUG', sink: (line) => lines.push(line) });
    const connection = open({ connection: vhost.block({ user, pass: secret }), logger });
    const error = await connection.acquire().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).code).toBe('MQ_UNREACHABLE');
    expect((error as TransientError).message).toContain('after 3 attempts');
    expect((error as TransientError).message).toContain('ACCESS_REFUSED');
    expect(JSON.stringify((error as TransientError).toJSON())).not.toContain(secret);
    expect(lines.filter((line) => line.includes('Cannot connect to the broker'))).toHaveLength(2);
    expect(lines.join('\n')).not.toContain(secret);
  });

  it('refuses to re-open once closed', async () => {
    const connection = open();
    await connection.acquire();
    await connection.close();
    expect(connection.isOpen()).toBe(false);
    await expect(connection.acquire()).rejects.toMatchObject({ code: 'MQ_CLOSED' });
  });
});
