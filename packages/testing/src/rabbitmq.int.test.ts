import amqp from 'amqplib';
import { afterAll, describe, expect, it } from 'vitest';
import { rabbitMq, uniqueName } from './rabbitmq.ts';

const broker = await rabbitMq();

describe.skipIf(!broker.available)('the real broker', () => {
  const url = broker.available ? broker.url : '';
  const queue = uniqueName('roundtrip');
  let connection: amqp.ChannelModel | undefined;

  afterAll(async () => {
    await connection?.close();
  });

  it('confirms a persistent publish and delivers it back byte for byte', async () => {
    connection = await amqp.connect(url);
    const channel = await connection.createConfirmChannel();
    await channel.assertQueue(queue, { durable: false, autoDelete: false });
    const body = Buffer.from(JSON.stringify({ bundle_type: 'QUEUE_BUNDLE', content: 'e30=' }));
    await new Promise<void>((resolve, reject) =>
      channel.sendToQueue(queue, body, { deliveryMode: 2, contentEncoding: 'utf-8' }, (error) => (error ? reject(error) : resolve())),
    );
    const message = await channel.get(queue, { noAck: false });
    expect(message).not.toBe(false);
    if (message === false) return;
    expect(message.content.equals(body)).toBe(true);
    expect(message.properties.deliveryMode).toBe(2);
    expect(message.properties.contentEncoding).toBe('utf-8');
    channel.ack(message);
    const { messageCount } = await channel.deleteQueue(queue);
    expect(messageCount).toBe(0);
  });
});
