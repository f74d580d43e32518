// Bundle messages as pycti's `_send_bundle` writes them (sdk-protocol §c.1), published on
// a confirm channel of the shared connection: a publish resolves only once the broker
// has confirmed every message, and whatever was not confirmed when the channel or the
// connection dropped is published again (at-least-once: the worker may see a duplicate).
import type { ConfirmChannel } from 'amqplib';
import { PlatformError, TransientError } from '../errors/index.ts';
import { type Logger, silentLogger } from '../log/index.ts';
import { pythonJsonDumps } from '../stix/python-strings.ts';
import { backoffDelay, type MqConnection, type ReconnectPolicy, sleep } from './connection.ts';

export interface BundleMessageInput {
  /** The connector's user id, or the job's `internal.applicant_id` while handling a job. */
  applicantId: string | null;
  /** 1-based position of this bundle in the splitter's output. */
  actionSequence: number;
  entitiesTypes: readonly string[];
  /** The split bundle's JSON text; sent base64-encoded. */
  content: string;
  update: boolean;
  /** null before any job, the job's draft id during one, "" after one (§c.1). */
  draftId: string | null;
  /** Present in the message only when a work is known. */
  workId?: string | null;
}

/**
 * The message body, byte for byte as pycti's `json.dumps(message)`: keys in §c.1 order,
 * ", " and ": " separators, non-ASCII escaped as \uXXXX.
 */
export function encodeBundleMessage(input: BundleMessageInput): Buffer {
  const fields: [string, string][] = [
    ['bundle_type', pythonJsonDumps('QUEUE_BUNDLE')],
    ['applicant_id', pythonJsonDumps(input.applicantId)],
    ['action_sequence', String(input.actionSequence)],
    ['entities_types', `[${input.entitiesTypes.map(pythonJsonDumps).join(', ')}]`],
    ['content', pythonJsonDumps(Buffer.from(input.content, 'utf8').toString('base64'))],
    ['update', input.update ? 'true' : 'false'],
    ['draft_id', pythonJsonDumps(input.draftId)],
  ];
  if (input.workId !== undefined && input.workId !== null) fields.push(['work_id', pythonJsonDumps(input.workId)]);
  return Buffer.from(`{${fields.map(([key, value]) => `"${key}": ${value}`).join(', ')}}`, 'utf8');
}

/** The only properties pycti sets (amqplib adds an empty `headers` table of its own). */
export const BUNDLE_PUBLISH_OPTIONS = Object.freeze({ deliveryMode: 2, contentEncoding: 'utf-8', mandatory: false });

export interface PublisherOptions {
  logger?: Logger;
  /** Most messages awaiting a broker confirm at once. */
  window?: number;
  /** Recoveries (reconnect or nack) allowed per `publishBundles` call before it gives up. */
  maxRetries?: number;
  /** Backoff between recoveries; defaults to the connection's policy. */
  retryPolicy?: Partial<ReconnectPolicy>;
}

export interface PublishOptions {
  /** Called once per message, with its index, when the broker first confirms it (the `bundle_send` metric). */
  onConfirmed?: (index: number) => void;
}

export interface PublishReport {
  confirmed: number;
  /** Messages sent more than once because their first confirm was lost with the channel, or nacked. */
  republished: number;
  /** Channel/connection losses and nack rounds overcome. */
  recoveries: number;
}

export interface BundlePublisher {
  publishBundles(exchange: string, routingKey: string, messages: readonly Buffer[], options?: PublishOptions): Promise<PublishReport>;
  /** Closes the publisher's channel (not the shared connection). */
  close(): Promise<void>;
}

export function createPublisher(connection: MqConnection, options: PublisherOptions = {}): BundlePublisher {
  return new ConfirmPublisher(connection, options);
}

// AMQP reply codes after which publishing again cannot succeed: 403 access refused,
// 404 no such exchange, 406 precondition failed.
const FATAL_CHANNEL_CODES = new Set([403, 404, 406]);

interface PublishState {
  readonly messages: readonly Buffer[];
  readonly confirmed: Uint8Array;
  readonly sent: Uint8Array;
  unconfirmed: number;
  republished: number;
  nacked: number;
  readonly onConfirmed: ((index: number) => void) | undefined;
}

class ConfirmPublisher implements BundlePublisher {
  readonly #connection: MqConnection;
  readonly #logger: Logger;
  readonly #window: number;
  readonly #maxRetries: number;
  readonly #policy: ReconnectPolicy;
  readonly #channelErrors = new WeakMap<ConfirmChannel, Error>();
  #channel: Promise<ConfirmChannel> | undefined;
  #closed = false;

  constructor(connection: MqConnection, options: PublisherOptions) {
    this.#connection = connection;
    this.#logger = options.logger ?? silentLogger;
    this.#window = Math.max(1, options.window ?? 500);
    this.#maxRetries = options.maxRetries ?? 10;
    this.#policy = { ...connection.policy, ...options.retryPolicy };
  }

  async publishBundles(exchange: string, routingKey: string, messages: readonly Buffer[], options: PublishOptions = {}): Promise<PublishReport> {
    const state: PublishState = {
      messages,
      confirmed: new Uint8Array(messages.length),
      sent: new Uint8Array(messages.length),
      unconfirmed: messages.length,
      republished: 0,
      nacked: 0,
      onConfirmed: options.onConfirmed,
    };
    let recoveries = 0;
    while (state.unconfirmed > 0) {
      let problem: unknown;
      try {
        if (this.#closed) throw new TransientError('MQ_PUBLISHER_CLOSED', 'the publisher was closed');
        const channel = await this.#confirmChannel();
        state.nacked = 0;
        await this.#round(channel, exchange, routingKey, state);
        if (state.unconfirmed === 0) break;
        problem = new TransientError('MQ_PUBLISH_NACKED', `the broker refused ${state.nacked} message(s)`);
      } catch (error) {
        problem = error;
      }
      const reason = this.#connection.redactor.redact(problem instanceof Error ? problem.message : String(problem));
      const code = (problem as { code?: unknown }).code;
      if (typeof code === 'number' && FATAL_CHANNEL_CODES.has(code)) {
        throw new PlatformError('MQ_PUBLISH_REFUSED', `the broker refused publishing to exchange ${exchange}: ${reason}`, { cause: problem });
      }
      // acquire() already spent the connection's own backoff: retrying more only adds delay.
      const gaveUp = problem instanceof TransientError && (problem.code === 'MQ_UNREACHABLE' || problem.code === 'MQ_CLOSED');
      if (this.#closed || gaveUp || recoveries >= this.#maxRetries) {
        throw new TransientError(
          'MQ_PUBLISH_FAILED',
          `${state.unconfirmed} of ${messages.length} message(s) not confirmed by the broker after ${recoveries + 1} attempt(s): ${reason}`,
          { cause: problem, details: { exchange, routing_key: routingKey } },
        );
      }
      recoveries += 1;
      const delayMs = backoffDelay(this.#policy, recoveries);
      this.#logger.warn('Unable to send bundle, retry...', { exchange, unconfirmed: state.unconfirmed, attempt: recoveries, delay_ms: delayMs, reason });
      await sleep(delayMs);
    }
    return { confirmed: messages.length, republished: state.republished, recoveries };
  }

  async close(): Promise<void> {
    this.#closed = true;
    const channel = await this.#channel?.catch(() => undefined);
    this.#channel = undefined;
    await channel?.close().catch(() => undefined);
  }

  #confirmChannel(): Promise<ConfirmChannel> {
    if (!this.#channel) {
      const opening = this.#openChannel();
      this.#channel = opening;
      opening.catch(() => {
        if (this.#channel === opening) this.#channel = undefined;
      });
    }
    return this.#channel;
  }

  async #openChannel(): Promise<ConfirmChannel> {
    const model = await this.#connection.acquire();
    const channel = await model.createConfirmChannel();
    const current = this.#channel;
    channel.on('error', (error: Error) => {
      this.#channelErrors.set(channel, error);
    });
    channel.on('close', () => {
      if (this.#channel === current) this.#channel = undefined;
    });
    return channel;
  }

  /**
   * Publishes every unconfirmed message once, at most `window` awaiting confirms and
   * pausing while the socket buffer is full; settles when every confirm of the round
   * has arrived, rejecting if the channel closed meanwhile.
   */
  async #round(channel: ConfirmChannel, exchange: string, routingKey: string, state: PublishState): Promise<void> {
    let inflight = 0;
    let needsDrain = false;
    let closed = false;
    let wake: (() => void) | undefined;
    const notify = () => {
      const resume = wake;
      wake = undefined;
      resume?.();
    };
    const waitForEvent = () =>
      new Promise<void>((resolve) => {
        wake = resolve;
      });
    const onClose = () => {
      closed = true;
      notify();
    };
    const onDrain = () => {
      needsDrain = false;
      notify();
    };
    channel.on('close', onClose);
    channel.on('drain', onDrain);
    let sendError: unknown;
    try {
      for (let index = 0; index < state.messages.length && !closed; index += 1) {
        if (state.confirmed[index]) continue;
        while (!closed && (needsDrain || inflight >= this.#window)) await waitForEvent();
        if (closed) break;
        if (state.sent[index]) state.republished += 1;
        state.sent[index] = 1;
        inflight += 1;
        const settle = (error: unknown) => {
          inflight -= 1;
          if (error === null || error === undefined) {
            if (!state.confirmed[index]) {
              state.confirmed[index] = 1;
              state.unconfirmed -= 1;
              state.onConfirmed?.(index);
            }
          } else if (!closed) {
            state.nacked += 1;
          }
          notify();
        };
        try {
          const body = state.messages[index] as Buffer;
          if (!channel.publish(exchange, routingKey, body, BUNDLE_PUBLISH_OPTIONS, settle)) needsDrain = true;
        } catch (error) {
          // amqplib throws synchronously once the channel is closed; the callback never runs.
          inflight -= 1;
          sendError = error;
          break;
        }
      }
      // On close amqplib fails every outstanding confirm callback, so this always ends.
      while (inflight > 0) await waitForEvent();
    } finally {
      channel.off('close', onClose);
      channel.off('drain', onDrain);
    }
    if (closed || sendError !== undefined) {
      throw this.#channelErrors.get(channel) ?? sendError ?? new TransientError('MQ_CHANNEL_CLOSED', 'the channel closed before every confirm arrived');
    }
  }
}
