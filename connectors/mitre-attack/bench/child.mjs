// One measured import of a collection, as the connector's run does it, in a fresh process
// running the built JavaScript (dist/), like the image: download from a local HTTP server,
// convert, split and publish with broker confirms. Prints one JSON line with the figures.
//   node bench/child.mjs <collection url> <amqp url> <exchange> <routing key>
import { createApiClient, createHttpClient } from '@opencti-ts/sdk/api';
import { loadConfig } from '@opencti-ts/sdk/config';
import { silentLogger } from '@opencti-ts/sdk/log';
import { createMqConnection, createPublisher } from '@opencti-ts/sdk/mq';
import { ConnectorState, createMetrics, PlatformSession, sendBundle } from '@opencti-ts/sdk/runtime';
import { mitreConfig } from '../dist/config.js';
import { mitreConnector } from '../dist/connector.js';

const [url, amqpUrl, exchange, routingKey] = process.argv.slice(2);
const started = performance.now();
const broker = new URL(amqpUrl);
const config = loadConfig(mitreConfig, {
  env: {
    OPENCTI_URL: 'http://127.0.0.1:9',
    OPENCTI_TOKEN: 'bench-token-not-used',
    CONNECTOR_ID: 'bench',
    CONNECTOR_RUN_AND_TERMINATE: 'true',
    MITRE_ENTERPRISE_FILE_URL: url,
    MITRE_MOBILE_ATTACK_FILE_URL: 'false',
    MITRE_ICS_ATTACK_FILE_URL: 'false',
    MITRE_CAPEC_FILE_URL: 'false',
  },
});
const api = createApiClient({ url: config.opencti.url, token: config.opencti.token });
const mq = createMqConnection({
  connection: {
    host: broker.hostname,
    port: Number(broker.port || 5672),
    vhost: '/',
    use_ssl: false,
    user: decodeURIComponent(broker.username),
    pass: decodeURIComponent(broker.password),
  },
});
const publisher = createPublisher(mq);
const metrics = createMetrics({ enabled: false });
const settings = {
  connectorId: 'bench',
  connectorUserId: null,
  pushExchange: exchange,
  pushRouting: routingKey,
  sendToQueue: true,
  queueProtocol: 'amqp',
  validateBeforeImport: false,
  directory: null,
};
let bundles = 0;
const context = {
  config,
  logger: silentLogger,
  api,
  http: createHttpClient(),
  state: new ConnectorState(),
  metrics,
  signal: new AbortController().signal,
  workId: async () => null,
  send: async (input, options = {}) => {
    const result = await sendBundle(input, { ...options, workId: null }, null, {
      settings,
      platform: new PlatformSession(api, { sendToQueue: true }),
      api,
      publisher: () => publisher,
      metrics,
      logger: silentLogger,
    });
    bundles += result.bundles;
    return result;
  },
};
await mitreConnector.run(context);
const wallMs = performance.now() - started;
await publisher.close();
await mq.close();
process.stdout.write(`${JSON.stringify({ wallMs, peakMiB: process.resourceUsage().maxRSS / 1024, bundles })}\n`);
