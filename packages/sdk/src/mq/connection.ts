// One long-lived AMQP connection per connector process (pycti opens one per bundle):
// opened lazily, re-opened on demand after a loss with exponential backoff and jitter,
// shared by the publisher and the consumer. The broker password never reaches a URL, a
// log line or an error message: it travels only in the SASL PLAIN credentials.
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import amqp, { type ChannelModel } from 'amqplib';
import { ConfigError, TransientError } from '../errors/index.ts';
import { type Logger, Redactor, silentLogger } from '../log/index.ts';

/** The `config.connection` block returned by `registerConnector` (platform-contract §3), after `MQ_*` overrides. */
export interface MqConnectionBlock {
  host: string;
  port: number;
  vhost: string;
  use_ssl: boolean;
  user: string;
  pass: string;
}

/** TLS settings from `MQ_USE_SSL_*` (sdk-protocol §a.2); PEM texts, see `loadPem`. */
export interface MqTlsOptions {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  passphrase?: string;
  /** pycti's default is false: the broker certificate is not verified unless asked. */
  rejectUnauthorized?: boolean;
}

export interface ReconnectPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  multiplier: number;
  /** 0..1: the share of each delay that is randomised, so many connectors do not reconnect in step. */
  jitter: number;
  /** Connection attempts per `acquire()` before it gives up with a TransientError. */
  maxAttempts: number;
}

export const DEFAULT_RECONNECT_POLICY: ReconnectPolicy = { initialDelayMs: 500, maxDelayMs: 30_000, multiplier: 2, jitter: 0.3, maxAttempts: 8 };

/** Delay before retry number `attempt` (1-based): exponential, capped, minus up to `jitter` of itself. */
export function backoffDelay(policy: ReconnectPolicy, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** Math.max(0, attempt - 1));
  return Math.round(base * (1 - policy.jitter * random()));
}

/** Applies the `MQ_*` overrides (only the ones given) onto the registration's connection block. */
export function withMqOverrides(block: MqConnectionBlock, overrides: Partial<MqConnectionBlock>): MqConnectionBlock {
  const defined = Object.entries(overrides).filter(([, value]) => value !== undefined && value !== null);
  return { ...block, ...Object.fromEntries(defined) };
}

/** `MQ_USE_SSL_CA`/`_CERT`/`_KEY` hold a file path or inline PEM (detected by `-----BEGIN`, as pycti does). */
export function loadPem(value: string, envVar: string): string {
  if (value.trimStart().startsWith('-----BEGIN')) return value;
  try {
    return readFileSync(value, 'utf8');
  } catch (error) {
    throw new ConfigError([{ envVar, message: `cannot read the PEM file ${value} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})` }], {
      cause: error,
    });
  }
}

/**
 * The broker URL with user and vhost percent-escaped (`/` → `%2F`). The password is left
 * out unless asked for: connections authenticate with explicit credentials instead.
 */
export function amqpUrl(block: MqConnectionBlock, options: { heartbeatSeconds?: number; includePassword?: boolean } = {}): string {
  const scheme = block.use_ssl ? 'amqps' : 'amqp';
  const host = block.host.includes(':') && !block.host.startsWith('[') ? `[${block.host}]` : block.host;
  const auth = `${encodeURIComponent(block.user)}${options.includePassword ? `:${encodeURIComponent(block.pass)}` : ''}`;
  const query = options.heartbeatSeconds === undefined ? '' : `?heartbeat=${options.heartbeatSeconds}`;
  return `${scheme}://${auth}@${host}:${block.port}/${encodeURIComponent(block.vhost)}${query}`;
}

export interface MqConnectionOptions {
  connection: MqConnectionBlock;
  tls?: MqTlsOptions;
  /** pycti uses 10 s (sdk-protocol §c.1, §c.4). */
  heartbeatSeconds?: number;
  logger?: Logger;
  reconnect?: Partial<ReconnectPolicy>;
  /** Shown by the broker (`connection_name`); helps find the connector in `rabbitmqctl list_connections`. */
  name?: string;
  connectTimeoutMs?: number;
}

export interface MqConnectionEvents {
  open: [];
  /** The connection dropped (not by `close()`); the next `acquire()` reconnects. */
  lost: [error: Error];
  blocked: [reason: string];
  unblocked: [];
}

export interface MqConnection {
  /** Where it connects, for logs: never contains the password. */
  readonly url: string;
  readonly policy: ReconnectPolicy;
  readonly redactor: Redactor;
  /** The open connection, (re)opened on demand; TransientError once the policy's attempts are spent. */
  acquire(): Promise<ChannelModel>;
  isOpen(): boolean;
  on<E extends keyof MqConnectionEvents>(event: E, listener: (...args: MqConnectionEvents[E]) => void): () => void;
  /** Closes for good: later `acquire()` calls fail. */
  close(): Promise<void>;
}

export function createMqConnection(options: MqConnectionOptions): MqConnection {
  return new LazyMqConnection(options);
}

class LazyMqConnection implements MqConnection {
  readonly url: string;
  readonly policy: ReconnectPolicy;
  readonly redactor: Redactor;
  readonly #options: MqConnectionOptions;
  readonly #logger: Logger;
  readonly #events = new EventEmitter<MqConnectionEvents>();
  readonly #abort = new AbortController();
  #model: ChannelModel | undefined;
  #opening: Promise<ChannelModel> | undefined;
  #closed = false;

  constructor(options: MqConnectionOptions) {
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
    this.policy = { ...DEFAULT_RECONNECT_POLICY, ...options.reconnect };
    this.redactor = new Redactor([options.connection.pass]);
    this.url = amqpUrl(options.connection);
  }

  isOpen(): boolean {
    return this.#model !== undefined;
  }

  on<E extends keyof MqConnectionEvents>(event: E, listener: (...args: MqConnectionEvents[E]) => void): () => void {
    // EventEmitter's typed overloads do not narrow through a generic key.
    const emitter = this.#events as unknown as EventEmitter;
    emitter.on(event, listener);
    return () => emitter.off(event, listener);
  }

  acquire(): Promise<ChannelModel> {
    if (this.#closed) return Promise.reject(new TransientError('MQ_CLOSED', `the connection to ${this.url} was closed by the connector`));
    if (this.#model) return Promise.resolve(this.#model);
    if (!this.#opening) {
      const opening = this.#openWithBackoff();
      this.#opening = opening;
      const clear = () => {
        if (this.#opening === opening) this.#opening = undefined;
      };
      opening.then(clear, clear);
    }
    return this.#opening;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#abort.abort();
    await this.#opening?.catch(() => undefined);
    const model = this.#model;
    this.#model = undefined;
    if (model) await model.close().catch(() => undefined);
    this.#logger.debug('Broker connection closed', { url: this.url });
  }

  async #openWithBackoff(): Promise<ChannelModel> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.policy.maxAttempts; attempt += 1) {
      try {
        return this.#adopt(await this.#connectOnce());
      } catch (error) {
        lastError = error;
        if (this.#closed) break;
        const reason = this.#describe(error);
        if (attempt === this.policy.maxAttempts) break;
        const delayMs = backoffDelay(this.policy, attempt);
        this.#logger.warn('Cannot connect to the broker, retrying', { url: this.url, attempt, delay_ms: delayMs, reason });
        await sleep(delayMs, this.#abort.signal);
      }
    }
    if (this.#closed) throw new TransientError('MQ_CLOSED', `the connection to ${this.url} was closed by the connector`);
    throw new TransientError(
      'MQ_UNREACHABLE',
      `cannot connect to the broker at ${this.url} after ${this.policy.maxAttempts} attempts: ${this.#describe(lastError)}`,
      {
        cause: lastError,
      },
    );
  }

  #connectOnce(): Promise<ChannelModel> {
    const { url, socketOptions } = connectArguments(this.#options);
    return amqp.connect(url, socketOptions);
  }

  #adopt(model: ChannelModel): ChannelModel {
    if (this.#closed) {
      void model.close().catch(() => undefined);
      throw new TransientError('MQ_CLOSED', `the connection to ${this.url} was closed by the connector`);
    }
    let failure: Error | undefined;
    model.on('error', (error: Error) => {
      failure = error;
    });
    model.on('close', (error?: Error) => {
      if (this.#model !== model) return;
      this.#model = undefined;
      if (this.#closed) return;
      const cause = error ?? failure ?? new TransientError('MQ_CONNECTION_LOST', 'the broker closed the connection');
      this.#logger.warn('Broker connection lost; it will be re-opened on next use', { url: this.url, reason: this.#describe(cause) });
      this.#events.emit('lost', cause);
    });
    model.on('blocked', (reason: string) => {
      this.#logger.warn('The broker blocked the connection (resource alarm); publishes wait', { url: this.url, reason });
      this.#events.emit('blocked', reason);
    });
    model.on('unblocked', () => {
      this.#logger.info('The broker unblocked the connection', { url: this.url });
      this.#events.emit('unblocked');
    });
    this.#model = model;
    this.#logger.info('Broker connection open', { url: this.url });
    this.#events.emit('open');
    return model;
  }

  #describe(error: unknown): string {
    return this.redactor.redact(error instanceof Error ? error.message : String(error));
  }
}

/** What amqplib is given: a URL without the password, credentials and TLS as socket options. */
export function connectArguments(options: MqConnectionOptions): { url: string; socketOptions: Record<string, unknown> } {
  const { connection, tls = {} } = options;
  const socketOptions: Record<string, unknown> = {
    // Explicit SASL PLAIN credentials: exact bytes for any password, and none in the URL.
    credentials: amqp.credentials.plain(connection.user, connection.pass),
    clientProperties: { connection_name: options.name ?? 'opencti-ts' },
    timeout: options.connectTimeoutMs ?? 15_000,
    noDelay: true,
  };
  if (connection.use_ssl) {
    Object.assign(socketOptions, {
      // pycti: the TLS server name is the MQ host; certificates unverified unless asked.
      servername: connection.host,
      rejectUnauthorized: tls.rejectUnauthorized ?? false,
      ...(tls.ca === undefined ? {} : { ca: tls.ca }),
      ...(tls.cert === undefined ? {} : { cert: tls.cert }),
      ...(tls.key === undefined ? {} : { key: tls.key }),
      ...(tls.passphrase === undefined ? {} : { passphrase: tls.passphrase }),
    });
  }
  return { url: amqpUrl(connection, { heartbeatSeconds: options.heartbeatSeconds ?? 10 }), socketOptions };
}

/** Resolves after `ms`, or early when `signal` aborts (never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
