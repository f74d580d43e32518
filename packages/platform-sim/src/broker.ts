// The RabbitMQ side of the platform (platform-contract §3, §5): the two direct exchanges,
// each connector's listen/push queues with the platform's arguments and bindings, the
// internal queues, and the persistent publisher. Everything is named with the instance's
// queue prefix so parallel instances never collide, and deleted on close.
import amqp from 'amqplib';

export interface ConnectorQueueSpec {
  id: string;
  name: string;
  type: string;
  scope: string[];
}

export interface BrokerNames {
  prefix: string;
  connectorExchange: string;
  workerExchange: string;
  listen: (id: string) => string;
  listenRouting: (id: string) => string;
  push: (id: string) => string;
  pushRouting: (id: string) => string;
  deadLetterRouting: string;
}

/** The names of §3 for a `rabbitmq:queue_prefix` (empty = none). */
export function brokerNames(queuePrefix: string): BrokerNames {
  const p = queuePrefix ? `${queuePrefix}_` : '';
  return {
    prefix: p,
    connectorExchange: `${p}amqp.connector.exchange`,
    workerExchange: `${p}amqp.worker.exchange`,
    listen: (id) => `${p}listen_${id}`,
    listenRouting: (id) => `${p}listen_routing_${id}`,
    push: (id) => `${p}push_${id}`,
    pushRouting: (id) => `${p}push_routing_${id}`,
    deadLetterRouting: `${p}listen_routing_too-large-bundle`,
  };
}

/** The arguments the platform gives both queues of a connector. */
export function queueArguments(spec: ConnectorQueueSpec, queueType: string): Record<string, unknown> {
  return { name: spec.name, config: { id: spec.id, type: spec.type, scope: spec.scope }, 'x-queue-type': queueType };
}

export const INTERNAL_QUEUES = ['too-large-bundle', 'playbook', 'sync', 'background-task-0', 'background-task-1', 'background-task-2', 'background-task-3'];

export class Broker {
  readonly names: BrokerNames;
  readonly url: string;
  readonly queueType: string;
  #connection: amqp.ChannelModel | undefined;
  #publisher: amqp.ConfirmChannel | undefined;
  readonly #queues = new Set<string>();

  constructor(url: string, queuePrefix: string, queueType = 'classic') {
    this.url = url;
    this.names = brokerNames(queuePrefix);
    this.queueType = queueType;
  }

  async start(): Promise<void> {
    this.#connection = await amqp.connect(this.url);
    this.#publisher = await this.#connection.createConfirmChannel();
    const { names } = this;
    await this.#publisher.assertExchange(names.connectorExchange, 'direct', { durable: true });
    await this.#publisher.assertExchange(names.workerExchange, 'direct', { durable: true });
    for (const id of INTERNAL_QUEUES) await this.registerConnectorQueues({ id, name: id, type: 'internal', scope: [] });
  }

  /** A separate connection (the worker consumes on its own connections). */
  connect(): Promise<amqp.ChannelModel> {
    return amqp.connect(this.url);
  }

  /** `registerConnectorQueues`: fresh connection + confirm channel, idempotent declarations. */
  async registerConnectorQueues(spec: ConnectorQueueSpec): Promise<void> {
    const connection = await amqp.connect(this.url);
    try {
      const channel = await connection.createConfirmChannel();
      const { names } = this;
      await channel.assertExchange(names.connectorExchange, 'direct', { durable: true });
      await channel.assertExchange(names.workerExchange, 'direct', { durable: true });
      const options = { durable: true, exclusive: false, autoDelete: false, arguments: queueArguments(spec, this.queueType) };
      await channel.assertQueue(names.listen(spec.id), options);
      await channel.bindQueue(names.listen(spec.id), names.connectorExchange, names.listenRouting(spec.id));
      await channel.assertQueue(names.push(spec.id), options);
      await channel.bindQueue(names.push(spec.id), names.workerExchange, names.pushRouting(spec.id));
      this.#queues.add(names.listen(spec.id));
      this.#queues.add(names.push(spec.id));
      await channel.close();
    } finally {
      await connection.close();
    }
  }

  async deleteConnectorQueues(id: string): Promise<void> {
    const channel = await this.#channel();
    for (const queue of [this.names.listen(id), this.names.push(id)]) {
      await channel.deleteQueue(queue);
      this.#queues.delete(queue);
    }
    await channel.close();
  }

  async purgeConnectorQueues(id: string): Promise<void> {
    const channel = await this.#channel();
    await channel.purgeQueue(this.names.listen(id));
    await channel.purgeQueue(this.names.push(id));
    await channel.close();
  }

  async queueDetails(id: string): Promise<{ messages_number: number; messages_size: number }> {
    const channel = await this.#channel();
    try {
      const reply = await channel.checkQueue(this.names.listen(id));
      return { messages_number: reply.messageCount, messages_size: 0 };
    } catch {
      return { messages_number: 0, messages_size: 0 };
    } finally {
      await channel.close().catch(() => {});
    }
  }

  /** `pushToConnector`: persistent JSON to the connector exchange, confirmed. */
  publishListen(connectorId: string, message: unknown): Promise<void> {
    return this.publish(this.names.connectorExchange, this.names.listenRouting(connectorId), message);
  }

  publishPush(connectorId: string, message: unknown): Promise<void> {
    return this.publish(this.names.workerExchange, this.names.pushRouting(connectorId), message);
  }

  publish(exchange: string, routingKey: string, message: unknown): Promise<void> {
    const publisher = this.#publisher;
    if (!publisher) return Promise.reject(new RangeError('broker not started'));
    const body = Buffer.from(JSON.stringify(message), 'utf8');
    return new Promise((resolve, reject) => {
      publisher.publish(exchange, routingKey, body, { deliveryMode: 2 }, (error: unknown) => (error ? reject(error) : resolve()));
    });
  }

  /** Deletes every queue and both exchanges this instance declared. */
  async close(): Promise<void> {
    if (!this.#connection) return;
    try {
      const channel = await this.#channel();
      for (const queue of this.#queues) await channel.deleteQueue(queue).catch(() => {});
      if (this.names.prefix) {
        await channel.deleteExchange(this.names.connectorExchange).catch(() => {});
        await channel.deleteExchange(this.names.workerExchange).catch(() => {});
      }
      await channel.close().catch(() => {});
    } finally {
      await this.#connection.close().catch(() => {});
      this.#connection = undefined;
    }
  }

  async #channel(): Promise<amqp.Channel> {
    if (!this.#connection) throw new RangeError('broker not started');
    return this.#connection.createChannel();
  }
}
