// The real broker for integration tests: RABBITMQ_URL first (the local broker here and in
// CI), a testcontainers RabbitMQ when a container runtime answers, else a skip with a
// reason; under CI a missing broker is a failure, never a skip.
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { isCi } from './env.ts';

export type Broker = { available: true; url: string; source: 'env' | 'container' } | { available: false; reason: string };

let cached: Promise<Broker> | undefined;

/** Resolves the broker once per test process. Throws under CI when there is none. */
export function rabbitMq(): Promise<Broker> {
  cached ??= resolveBroker().then((broker) => {
    if (!broker.available) {
      if (isCi()) throw new Error(`RabbitMQ is required under CI but unavailable: ${broker.reason}`);
      console.warn(`[opencti-ts] integration tests skipped: ${broker.reason}`);
    }
    return broker;
  });
  return cached;
}

async function resolveBroker(): Promise<Broker> {
  const fromEnv = process.env.RABBITMQ_URL;
  if (fromEnv) {
    const problem = await probeTcp(fromEnv);
    return problem ? { available: false, reason: `RABBITMQ_URL is set but ${problem}` } : { available: true, url: fromEnv, source: 'env' };
  }
  const container = await startContainer();
  if (typeof container === 'string') return { available: false, reason: `RABBITMQ_URL is unset and ${container}` };
  return { available: true, url: container, source: 'container' };
}

/** Resolves to an error text when nothing listens at the URL's host and port. */
export function probeTcp(amqpUrl: string, timeoutMs = 3000): Promise<string | undefined> {
  const url = new URL(amqpUrl);
  const port = Number(url.port || (url.protocol === 'amqps:' ? 5671 : 5672));
  return new Promise((resolve) => {
    const socket = net.connect({ host: url.hostname, port });
    const done = (problem: string | undefined) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(timeoutMs, () => done(`nothing answered at ${url.hostname}:${port} within ${timeoutMs} ms`));
    socket.once('connect', () => done(undefined));
    socket.once('error', (error) => done(`${url.hostname}:${port} refused the connection (${error.message})`));
  });
}

async function startContainer(): Promise<string> {
  try {
    // Lazy: testcontainers is only loaded on machines that have no RABBITMQ_URL.
    const { getContainerRuntimeClient } = await import('testcontainers');
    await withTimeout(getContainerRuntimeClient(), 10_000);
  } catch (error) {
    return `no container runtime answered (${(error as Error).message.split('\n')[0]})`;
  }
  const { RabbitMQContainer } = await import('@testcontainers/rabbitmq');
  const container = await new RabbitMQContainer('rabbitmq:3.13-management').start();
  process.once('exit', () => void container.stop());
  return container.getAmqpUrl();
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** A name no other test (or test run) uses, for exchanges and queues a test owns. */
export function uniqueName(prefix: string): string {
  return `opencti-ts-test.${prefix}.${randomUUID().slice(0, 8)}`;
}
