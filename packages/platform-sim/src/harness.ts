// One e2e harness for every connector. It returns a platform to test against, in this
// order: a real OpenCTI named by OPENCTI_URL + OPENCTI_TOKEN; the full Docker stack of
// docker/ through testcontainers when a container runtime answers; else the stand-in on
// the local RabbitMQ. Assert through the public GraphQL API only, so the same e2e tests
// run against a real platform. OPENCTI_TS_E2E_TARGET=real|docker|sim forces a choice.
import { randomBytes, randomUUID } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@opencti-ts/sdk/errors';
import type { PlaybookDriver } from './playbooks.ts';
import { startPlatformSim } from './sim.ts';

export interface E2ePlatform {
  kind: 'real' | 'docker' | 'sim';
  url: string;
  token: string;
  /** The broker connectors should use ('' when the platform's broker is not reachable from here). */
  rabbitmqUrl: string;
  /** The stand-in only (kind 'sim'): playbook steps published to connectors, and their answers. */
  playbooks?: PlaybookDriver;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  env?: NodeJS.ProcessEnv;
  /** Broker for the stand-in; defaults to RABBITMQ_URL. */
  rabbitmqUrl?: string;
  /** A STIX bundle for the stand-in to load at start. */
  bundle?: { objects?: Record<string, unknown>[] };
}

export async function startPlatform(options: HarnessOptions = {}): Promise<E2ePlatform> {
  const env = options.env ?? process.env;
  const forced = env.OPENCTI_TS_E2E_TARGET;
  if ((forced === undefined || forced === 'real') && env.OPENCTI_URL && env.OPENCTI_TOKEN) {
    return { kind: 'real', url: env.OPENCTI_URL.replace(/\/+$/, ''), token: env.OPENCTI_TOKEN, rabbitmqUrl: env.RABBITMQ_URL ?? '', stop: async () => {} };
  }
  if (forced === 'real') throw new ConfigError([{ envVar: 'OPENCTI_URL', message: 'OPENCTI_TS_E2E_TARGET=real needs OPENCTI_URL and OPENCTI_TOKEN' }]);
  if (forced === undefined || forced === 'docker') {
    const docker = await startDockerStack(forced === 'docker');
    if (docker) return docker;
  }
  const rabbitmqUrl = options.rabbitmqUrl ?? env.RABBITMQ_URL;
  if (!rabbitmqUrl) throw new ConfigError([{ envVar: 'RABBITMQ_URL', message: 'the platform stand-in needs a RabbitMQ URL' }]);
  const sim = await startPlatformSim({ rabbitmqUrl, bundle: options.bundle ?? null });
  return { kind: 'sim', url: sim.url, token: sim.token, rabbitmqUrl, playbooks: sim.playbooks, stop: sim.stop };
}

async function startDockerStack(required: boolean): Promise<E2ePlatform | undefined> {
  let testcontainers: typeof import('testcontainers');
  try {
    testcontainers = await import('testcontainers');
    await Promise.race([
      testcontainers.getContainerRuntimeClient(),
      new Promise((_, reject) => setTimeout(() => reject(new RangeError('no answer within 10 s')), 10_000)),
    ]);
  } catch (error) {
    if (required) throw new ConfigError([{ envVar: 'OPENCTI_TS_E2E_TARGET', message: `no container runtime answered (${String(error)})` }]);
    return undefined;
  }
  const dockerDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docker');
  const token = randomUUID();
  const secret = () => randomBytes(12).toString('hex');
  const port = await freePort();
  const rabbitPassword = secret();
  const environment = await new testcontainers.DockerComposeEnvironment(dockerDir, 'docker-compose.yml')
    .withEnvironment({
      OPENCTI_ADMIN_EMAIL: 'admin@opencti.io',
      OPENCTI_ADMIN_PASSWORD: secret(),
      OPENCTI_ADMIN_TOKEN: token,
      OPENCTI_HOST: 'localhost',
      OPENCTI_PORT: String(port),
      OPENCTI_EXTERNAL_SCHEME: 'http',
      OPENCTI_HEALTHCHECK_ACCESS_KEY: secret(),
      MINIO_ROOT_USER: 'opencti',
      MINIO_ROOT_PASSWORD: secret(),
      RABBITMQ_DEFAULT_USER: 'opencti',
      RABBITMQ_DEFAULT_PASS: rabbitPassword,
      SMTP_HOSTNAME: 'localhost',
      ELASTIC_MEMORY_SIZE: '2G',
      CONNECTOR_MITRE_ID: randomUUID(),
    })
    .withWaitStrategy('opencti-1', testcontainers.Wait.forHealthCheck())
    .withStartupTimeout(15 * 60_000)
    .up(['opencti', 'worker']);
  const rabbit = environment.getContainer('rabbitmq-1');
  const network = rabbit.getNetworkNames()[0];
  const rabbitmqUrl = network ? `amqp://opencti:${rabbitPassword}@${rabbit.getIpAddress(network)}:5672` : '';
  return {
    kind: 'docker',
    url: `http://localhost:${port}`,
    token,
    rabbitmqUrl,
    stop: async () => {
      await environment.down({ removeVolumes: true });
    },
  };
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
