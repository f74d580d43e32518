// Jobs from the connector's listen queue (sdk-protocol §c.4), acknowledged only once the
// handler has settled, i.e. after its bundles were confirmed and its work status reported
// (pycti acks first and loses the job when the process dies). A failing handler has its
// error reported (onto the work) and is acked: the connector carries on. A body that is
// not JSON is rejected without requeue, into the queue's dead-letter route if it has one.
import type { Channel, ConsumeMessage, MessageProperties } from 'amqplib';
import { TransientError } from '../errors/index.ts';
import { type Logger, silentLogger } from '../log/index.ts';
import { backoffDelay, type MqConnection, type ReconnectPolicy, sleep } from './connection.ts';

export interface Delivery {
  readonly queue: string;
  /** True when the broker delivered this message before (e.g. to a consumer that died). */
  readonly redelivered: boolean;
  readonly properties: MessageProperties;
  /** The raw body. */
  readonly content: Buffer;
}

export type MessageHandler = (message: unknown, delivery: Delivery) => Promise<void> | void;

/** Puts a handler's failure on the work (`toProcessed(work_id, text, inError=true)`). */
export type HandlerErrorReporter = (error: unknown, message: unknown, delivery: Delivery) => Promise<void> | void;

export interface ConsumeOptions {
  /** Unacknowledged deliveries at once (pycti: 1, so jobs run one at a time). */
  prefetch?: number;
  onHandlerError?: HandlerErrorReporter;
  logger?: Logger;
  /** How long `stop()` waits for running handlers; unfinished jobs are redelivered later. */
  stopTimeoutMs?: number;
  /** Backoff between re-subscription attempts after a loss; defaults to the connection's policy. */
  resubscribePolicy?: Partial<ReconnectPolicy>;
}

export interface Consumer {
  readonly queue: string;
  /** Cancels the subscription, waits (bounded) for running handlers, closes the channel. */
  stop(): Promise<void>;
}

/**
 * Subscribes to `queue` (declared by the platform: never declared here) and resolves once
 * the subscription is live; rejects when the first subscription fails. Later losses
 * re-subscribe with backoff until `stop()`.
 */
export async function consume(connection: MqConnection, queue: string, handler: MessageHandler, options: ConsumeOptions = {}): Promise<Consumer> {
  const consumer = new QueueConsumer(connection, queue, handler, options);
  try {
    await consumer.subscribe();
  } catch (error) {
    const reason = connection.redactor.redact(error instanceof Error ? error.message : String(error));
    throw new TransientError('MQ_SUBSCRIBE_FAILED', `cannot consume queue ${queue}: ${reason}`, { cause: error });
  }
  return consumer;
}

class QueueConsumer implements Consumer {
  readonly queue: string;
  readonly #connection: MqConnection;
  readonly #handler: MessageHandler;
  readonly #options: ConsumeOptions;
  readonly #logger: Logger;
  readonly #policy: ReconnectPolicy;
  readonly #inflight = new Set<Promise<void>>();
  readonly #abort = new AbortController();
  #channel: Channel | undefined;
  #consumerTag: string | undefined;
  #resubscribing = false;
  #stopping = false;

  constructor(connection: MqConnection, queue: string, handler: MessageHandler, options: ConsumeOptions) {
    this.queue = queue;
    this.#connection = connection;
    this.#handler = handler;
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
    this.#policy = { ...connection.policy, ...options.resubscribePolicy };
  }

  async subscribe(): Promise<void> {
    const model = await this.#connection.acquire();
    const channel = await model.createChannel();
    channel.on('error', (error: Error) => {
      this.#logger.warn('Consumer channel error', { queue: this.queue, reason: this.#connection.redactor.redact(error.message) });
    });
    channel.on('close', () => {
      if (this.#channel !== channel) return;
      this.#channel = undefined;
      if (!this.#stopping) void this.#resubscribe();
    });
    await channel.prefetch(this.#options.prefetch ?? 1);
    const { consumerTag } = await channel.consume(this.queue, (message) => this.#onDelivery(channel, message), { noAck: false });
    this.#channel = channel;
    this.#consumerTag = consumerTag;
    if (this.#stopping) await channel.close().catch(() => undefined);
  }

  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#abort.abort();
    const channel = this.#channel;
    if (channel && this.#consumerTag) await channel.cancel(this.#consumerTag).catch(() => undefined);
    const timeoutMs = this.#options.stopTimeoutMs ?? 30_000;
    let timedOut = false;
    const timer = new AbortController();
    await Promise.race([
      Promise.allSettled([...this.#inflight]),
      sleep(timeoutMs, timer.signal).then(() => {
        timedOut = !timer.signal.aborted;
      }),
    ]);
    // A pending timer would keep the process alive after the last job.
    timer.abort();
    if (timedOut) this.#logger.warn('Stopped with jobs still running; the broker will redeliver them', { queue: this.queue, running: this.#inflight.size });
    this.#channel = undefined;
    await channel?.close().catch(() => undefined);
  }

  async #resubscribe(): Promise<void> {
    if (this.#resubscribing) return;
    this.#resubscribing = true;
    try {
      for (let attempt = 1; !this.#stopping; attempt += 1) {
        try {
          await this.subscribe();
          this.#logger.info('Consumer re-subscribed', { queue: this.queue, attempt });
          return;
        } catch (error) {
          const delayMs = backoffDelay(this.#policy, Math.min(attempt, 30));
          const reason = this.#connection.redactor.redact(error instanceof Error ? error.message : String(error));
          this.#logger.warn('Cannot re-subscribe to the queue, retrying', { queue: this.queue, attempt, delay_ms: delayMs, reason });
          await sleep(delayMs, this.#abort.signal);
        }
      }
    } finally {
      this.#resubscribing = false;
    }
  }

  #onDelivery(channel: Channel, message: ConsumeMessage | null): void {
    if (message === null) {
      // The broker cancelled the subscription (queue deleted): start over on a new channel.
      this.#logger.warn('The broker cancelled the subscription', { queue: this.queue });
      void channel.close().catch(() => undefined);
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(message.content.toString('utf8'));
    } catch {
      this.#logger.error('Message is not valid JSON; rejected without requeue (dead-letter route if the queue has one)', {
        queue: this.queue,
        bytes: message.content.length,
      });
      settleSafely(() => channel.nack(message, false, false));
      return;
    }
    const delivery: Delivery = { queue: this.queue, redelivered: message.fields.redelivered, properties: message.properties, content: message.content };
    const task = this.#handle(channel, message, body, delivery);
    this.#inflight.add(task);
    void task.finally(() => this.#inflight.delete(task));
  }

  async #handle(channel: Channel, message: ConsumeMessage, body: unknown, delivery: Delivery): Promise<void> {
    try {
      await this.#handler(body, delivery);
    } catch (error) {
      if (this.#stopping) {
        // A job failing once stop() began most likely failed because of the stop (aborted
        // signal, closing connections): give it back to the queue for the next process.
        this.#logger.warn('Job interrupted by the stop; returned to the queue', { queue: this.queue, reason: String(error) });
        settleSafely(() => channel.nack(message, false, true));
        return;
      }
      this.#logger.error('Error in message processing, reporting error to API', { queue: this.queue, error });
      try {
        await this.#options.onHandlerError?.(error, body, delivery);
      } catch (reportError) {
        this.#logger.error('Cannot report the processing error', { queue: this.queue, error: reportError });
      }
    }
    // If the channel died meanwhile the broker redelivers the job to the next subscription.
    if (!settleSafely(() => channel.ack(message))) {
      this.#logger.warn('Cannot acknowledge the job: its channel closed; it will be delivered again', { queue: this.queue });
    }
  }
}

function settleSafely(settle: () => void): boolean {
  try {
    settle();
    return true;
  } catch {
    return false;
  }
}
