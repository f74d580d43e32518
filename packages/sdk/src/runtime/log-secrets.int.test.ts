// No secret in any log line (issue #4): a full run of each connector kind, at DEBUG level,
// with the canary token, an API key, a password inside the source URL, a custom header value
// and a broker password, where the source fails with an HTTP error that echoes the key and
// the platform answers a ping with an error that echoes the token. Every line the runtime
// writes is captured (the connector's sink; the suite-wide scan of @opencti-ts/testing also
// sees them) and none may hold a secret; nor may the error messages put on the works.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { installSecretScan, rabbitMq, registerTestSecret, secretsIn, TEST_SECRETS, uniqueName } from '@opencti-ts/testing';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseConfig, type ConnectorType, defineConfig, secret, str } from '../config/index.ts';
import { createLogger } from '../log/index.ts';
import { rabbitmqctl, rabbitmqctlProblem } from '../mq/__fixtures__/broker.ts';
import { stixBuilders as b } from '../stix/index.ts';
import { GraphqlErrors, type RecordingPlatform, startRecordingPlatform } from './__fixtures__/recording-platform.ts';
import { type ConnectorContext, defineConnector, type RunningConnector, startConnector } from './index.ts';

const broker = await rabbitMq();
const brokerUrl = new URL(broker.available ? broker.url : 'amqp://localhost');
const ctlProblem = broker.available ? await rabbitmqctlProblem(broker.url) : 'no broker';

const CONNECTOR_ID = 'c0ffee00-1111-4222-8333-444444444444';
const WORK_ID = `work_${CONNECTOR_ID}_2024-01-01T00:00:00.000Z`;
const SOURCE_USER = 'feed-user';

const sourceSection = {
  source: {
    url: str().describe('The source feed URL (may carry credentials).'),
    api_key: secret().describe('The source API key.'),
  },
};

/** What every handler does: log its settings, then call the failing source. */
async function callSource(ctx: ConnectorContext<{ source: { url: string; api_key: string } }>): Promise<never> {
  const { url, api_key } = ctx.config.source;
  ctx.logger.debug('Calling the source', { url, api_key, headers: { 'X-Api-Key': api_key } });
  ctx.logger.info(`Source ${url} with key ${api_key}`);
  await ctx.http.getText(url, { headers: { 'X-Api-Key': api_key }, retry: { maxAttempts: 1 } });
  throw new RangeError('the source was expected to fail');
}

describe.skipIf(!broker.available)('secrets never reach the logs', () => {
  let platform: RecordingPlatform;
  let source: http.Server;
  let sourceUrl: string;
  const sourceHits: http.IncomingHttpHeaders[] = [];
  let model: amqp.ChannelModel;
  let channel: amqp.Channel;
  const listen = {
    exchange: uniqueName('secrets.amqp.connector.exchange'),
    queue: uniqueName('secrets.listen'),
    routing: uniqueName('secrets.listen_routing'),
  };
  const push = { exchange: uniqueName('secrets.amqp.worker.exchange'), queue: uniqueName('secrets.push'), routing: uniqueName('secrets.push_routing') };
  const brokerUser = uniqueName('secrets-user');
  let connection: { host: string; port: number; vhost: string; use_ssl: boolean; user: string; pass: string };

  beforeAll(async () => {
    // A source that fails and echoes what it was sent, secrets included, in its error body.
    source = http.createServer((request, response) => {
      sourceHits.push(request.headers);
      response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(`upstream failure for ${request.url} key=${request.headers['x-api-key']} auth=${request.headers.authorization}`);
    });
    await new Promise<void>((resolve) => source.listen(0, '127.0.0.1', resolve));
    sourceUrl = `http://${SOURCE_USER}:${TEST_SECRETS.urlPassword}@127.0.0.1:${(source.address() as AddressInfo).port}/feed?api_key=${TEST_SECRETS.apiKey}`;

    model = await amqp.connect(broker.available ? broker.url : '');
    channel = await model.createChannel();
    for (const topology of [listen, push]) {
      await channel.assertExchange(topology.exchange, 'direct', { durable: true });
      await channel.assertQueue(topology.queue, { durable: true });
      await channel.bindQueue(topology.queue, topology.exchange, topology.routing);
    }
    connection = {
      host: brokerUrl.hostname,
      port: Number(brokerUrl.port || 5672),
      vhost: decodeURIComponent(brokerUrl.pathname.slice(1)) || '/',
      use_ssl: false,
      user: decodeURIComponent(brokerUrl.username),
      pass: decodeURIComponent(brokerUrl.password),
    };
    // The broker password the registration hands out is a canary too, when the local broker can be managed.
    if (!ctlProblem) {
      await rabbitmqctl('add_user', brokerUser, TEST_SECRETS.brokerPassword);
      await rabbitmqctl('set_permissions', '-p', connection.vhost, brokerUser, '.*', '.*', '.*');
      connection = { ...connection, user: brokerUser, pass: TEST_SECRETS.brokerPassword };
    }

    let pings = 0;
    const work = (field: string) => (variables: Record<string, unknown>) => ({ workEdit: { [field]: variables.id } });
    platform = await startRecordingPlatform({
      healthCheck: () => ({ about: { version: '6.8.10' } }),
      RegisterConnector: (variables) => ({
        registerConnector: {
          id: (variables.input as { id: string }).id,
          connector_state: null,
          config: {
            connection,
            listen: listen.queue,
            listen_routing: listen.routing,
            listen_exchange: listen.exchange,
            push: push.queue,
            push_routing: push.routing,
            push_exchange: push.exchange,
          },
          connector_user_id: 'a0a0a0a0-1111-4222-8333-444444444444',
        },
      }),
      // A platform that echoes the credentials it was given in its error (the first ping fails).
      PingConnector: (variables, headers) => {
        pings += 1;
        if (pings % 2 === 1)
          return new GraphqlErrors([{ name: 'AUTH_FAILURE', message: `token rejected: ${headers.authorization} (${headers['x-source-team']})` }]);
        return { pingConnector: { id: variables.id, connector_state: variables.state, connector_info: variables.connectorInfo } };
      },
      GetConnector: (variables) => ({ connector: { id: variables.id, connector_queue_details: { messages_number: 0, messages_size: 0 } } }),
      workAdd: () => ({ workAdd: { id: WORK_ID } }),
      workToReceived: work('toReceived'),
      workToProcessed: work('toProcessed'),
      addExpectations: work('addExpectations'),
    });
  });

  afterAll(async () => {
    await platform?.close();
    await new Promise((resolve) => source?.close(resolve));
    if (channel) {
      for (const topology of [listen, push]) {
        await channel.deleteQueue(topology.queue);
        await channel.deleteExchange(topology.exchange);
      }
    }
    await model?.close();
    if (!ctlProblem) await rabbitmqctl('delete_user', brokerUser).catch(() => undefined);
  });

  /** Runs one connector until its work is reported in error; returns every log line it wrote. */
  async function runKind(kind: ConnectorType, job: Record<string, unknown> | null, extraEnv: Record<string, string> = {}): Promise<string[]> {
    platform.requests.length = 0;
    sourceHits.length = 0;
    const lines: string[] = [];
    const base = baseConfig(kind);
    const config = defineConfig({ ...base, ...sourceSection });
    const handle = async (_event: unknown, ctx: ConnectorContext<{ source: { url: string; api_key: string } }>) => callSource(ctx);
    const definition =
      kind === 'EXTERNAL_IMPORT'
        ? defineConnector({
            kind,
            config,
            async run(ctx) {
              // The work exists before the failure, so the error is put on it.
              await ctx.workId();
              return callSource(ctx);
            },
          })
        : kind === 'INTERNAL_ENRICHMENT'
          ? defineConnector({ kind, config, handle })
          : kind === 'INTERNAL_IMPORT_FILE'
            ? defineConnector({ kind, config, handle })
            : defineConnector({ kind: 'INTERNAL_EXPORT_FILE', config, handle });
    const running: RunningConnector = startConnector(definition as never, {
      env: {
        OPENCTI_URL: platform.url,
        OPENCTI_TOKEN: TEST_SECRETS.token,
        OPENCTI_CUSTOM_HEADERS: `X-Source-Team: ${TEST_SECRETS.header}`,
        CONNECTOR_ID,
        CONNECTOR_NAME: `Secrets ${kind}`,
        CONNECTOR_SCOPE: kind === 'INTERNAL_ENRICHMENT' ? 'IPv4-Addr' : kind === 'EXTERNAL_IMPORT' ? 'report' : 'application/json',
        CONNECTOR_LOG_LEVEL: 'debug',
        // Periodic, so the heartbeat runs (its failed ping is part of the check).
        CONNECTOR_DURATION_PERIOD: 'PT1H',
        SOURCE_URL: sourceUrl,
        SOURCE_API_KEY: TEST_SECRETS.apiKey,
        ...extraEnv,
      },
      handleSignals: false,
      heartbeatIntervalMs: 200,
      logSink: (line) => lines.push(line),
    });
    try {
      if (job) {
        await platform.waitFor((request) => request.operation_name === 'PingConnector');
        channel.publish(listen.exchange, listen.routing, Buffer.from(JSON.stringify(job)), { deliveryMode: 2 });
      }
      await platform.waitFor((request) => request.operation_name === 'workToProcessed');
      // The failing ping and the one after it (which logs "back to normal") are in the lines.
      await platform.waitFor(
        (request) => request.operation_name === 'PingConnector' && platform.requests.filter((r) => r.operation_name === 'PingConnector').length >= 2,
      );
    } finally {
      await running.stop();
      await running.done;
    }
    // The secrets were really used: the source got the key, the password (as basic auth) and the platform the token.
    expect(sourceHits[0]?.['x-api-key']).toBe(TEST_SECRETS.apiKey);
    expect(Buffer.from((sourceHits[0]?.authorization ?? '').replace(/^Basic /, ''), 'base64').toString('utf8')).toBe(
      `${SOURCE_USER}:${TEST_SECRETS.urlPassword}`,
    );
    expect(platform.requests[0]?.headers.authorization).toBe(`Bearer ${TEST_SECRETS.token}`);
    expect(platform.requests[0]?.headers['x-source-team']).toBe(TEST_SECRETS.header);
    const processed = platform.requests.find((request) => request.operation_name === 'workToProcessed');
    expect(processed?.variables).toMatchObject({ id: WORK_ID, inError: true });
    // The error put on the work names the failure, without the secrets.
    expect(String(processed?.variables?.message)).toContain('HTTP 500');
    expect(secretsIn(String(processed?.variables?.message))).toEqual([]);
    return lines;
  }

  function expectClean(lines: string[]): void {
    // The run did log: the source failure, the failed ping, the handler's own lines.
    expect(lines.some((line) => line.includes('HTTP 500'))).toBe(true);
    expect(lines.some((line) => line.includes('token rejected'))).toBe(true);
    expect(lines.some((line) => line.includes('Calling the source'))).toBe(true);
    expect(lines.filter((line) => secretsIn(line).length > 0)).toEqual([]);
  }

  it('external import', async () => {
    expectClean(await runKind('EXTERNAL_IMPORT', null));
  });

  it('internal enrichment', async () => {
    const ip = b.ipv4Addr('203.0.113.9');
    const job = {
      internal: { work_id: WORK_ID, applicant_id: null },
      event: {
        event_type: 'INTERNAL_ENRICHMENT',
        entity_id: ip.id,
        entity_type: 'IPv4-Addr',
        stix_entity: JSON.stringify(ip),
        stix_objects: JSON.stringify([ip]),
      },
    };
    expectClean(await runKind('INTERNAL_ENRICHMENT', job));
  });

  it('internal import file, plain (non-JSON) log lines', async () => {
    const job = {
      internal: { work_id: WORK_ID, applicant_id: 'a0a0a0a0-1111-4222-8333-444444444444', draft_id: null },
      event: { file_id: 'import/global/feed.json', file_mime: 'application/json', file_fetch: '/storage/get/import/global/feed.json', file_markings: [] },
    };
    expectClean(await runKind('INTERNAL_IMPORT_FILE', job, { OPENCTI_JSON_LOGGING: 'false' }));
  });

  it('internal export file', async () => {
    const job = {
      internal: { work_id: WORK_ID, applicant_id: 'a0a0a0a0-1111-4222-8333-444444444444' },
      event: {
        event_type: 'INTERNAL_EXPORT_FILE',
        file_name: 'export.csv',
        format: 'text/csv',
        export_scope: 'single',
        export_type: 'simple',
        entity_id: 'c3a8b7f6-1111-4222-8333-444444444444',
        entity_name: 'Emotet',
        entity_type: 'Malware',
        file_markings: [],
      },
    };
    expectClean(await runKind('INTERNAL_EXPORT_FILE', job));
  });

  it('the suite-wide scan sees the lines of any sink', () => {
    const scan = installSecretScan();
    scan.takeLeaks();
    const own = `own-secret-${uniqueName('scan')}`;
    registerTestSecret(own);
    // A logger that knows no secret and writes nowhere: only the scan can see this line.
    createLogger({ name: 'scan-probe', level: 'INFO', sink: () => {} }).info(`leaking ${TEST_SECRETS.apiKey} and ${own}`);
    const leaks = scan.takeLeaks();
    expect(leaks).toHaveLength(1);
    expect(leaks[0]).toContain(TEST_SECRETS.apiKey);
    expect(leaks[0]).toContain(own);
  });
});
