// The settings pycti's helper reads (sdk-protocol §a.2), with pycti's names and defaults.
// A connector's schema is `baseConfig(<its type>)` plus its own section; it may change a
// base default by deriving the field: `base.connector.name.default('MISP')`.
import { bool, boolOrPath, duration, enumOf, type Field, float, int, list, secret, str, url } from './field.ts';

export const CONNECTOR_TYPES = [
  'EXTERNAL_IMPORT',
  'INTERNAL_IMPORT_FILE',
  'INTERNAL_ENRICHMENT',
  'INTERNAL_ANALYSIS',
  'INTERNAL_EXPORT_FILE',
  'STREAM',
] as const;
export type ConnectorType = (typeof CONNECTOR_TYPES)[number];

export const LOG_LEVEL_NAMES = ['debug', 'info', 'warn', 'warning', 'error', 'critical'] as const;

export const openctiSection = {
  url: url().example('http://localhost').describe('URL of the OpenCTI platform (the GraphQL endpoint is <url>/graphql).'),
  token: secret()
    .check((value) => (value.trim() === '' ? 'must not be blank' : undefined))
    .describe('API token of the OpenCTI user the connector acts as (sent as a Bearer token).'),
  json_logging: bool().default(true).describe('Write logs as JSON lines (false: plain LEVEL:name:message lines).'),
  ssl_verify: boolOrPath().default(false).describe('Verify the platform TLS certificate: true, false, or the path of a CA bundle.'),
  custom_headers: secret().optional().describe('Extra HTTP headers sent to the platform, as Name1:value1;Name2:value2 (treated as a secret).').advanced(),
};

/** Settings every connector type reads. */
export const commonConnectorFields = {
  id: str().describe('Unique id of this connector instance (a UUIDv4 by convention).'),
  name: str().describe('Display name; also the logger name and the send-to-directory file prefix.'),
  scope: list()
    .default(['not-applicable'])
    .describe('Comma-separated scope registered on the platform (MIME types, entity types or free text, by connector type).'),
  log_level: enumOf(LOG_LEVEL_NAMES, { ignoreCase: true }).default('error').describe('Lowest log level written: debug, info, warn, error.'),
  send_to_queue: bool().default(true).describe('Push bundles to the platform (also gates every work-tracking call).').advanced(),
  send_to_directory: bool().default(false).describe('Also write each bundle as a JSON file (needs send_to_directory_path).').advanced(),
  send_to_directory_path: str().optional().describe('Directory that receives the bundle files.').advanced(),
  send_to_directory_retention: int({ min: 0 }).default(7).describe('Days a bundle file is kept in the directory; 0 keeps them forever.').advanced(),
  validate_before_import: bool().default(false).describe('Send bundles to a workbench or draft for validation instead of importing them.'),
  queue_protocol: enumOf(['amqp', 'api'])
    .default('amqp')
    .alias('QUEUE_PROTOCOL', { deprecated: true, yaml: 'connector.queue_protocol' })
    .describe('How bundles are pushed: amqp (RabbitMQ) or api (HTTP).')
    .advanced(),
  expose_metrics: bool().default(false).describe('Serve Prometheus metrics over HTTP.').advanced(),
  metrics_namespace: str().default('').describe('Prometheus metric namespace prefix.').advanced(),
  metrics_subsystem: str().default('').describe('Prometheus metric subsystem prefix.').advanced(),
  metrics_port: int({ min: 1, max: 65535 }).default(9095).describe('Port of the Prometheus exporter.').advanced(),
  health_port: int({ min: 1, max: 65535 })
    .optional()
    .describe(
      'Port of the health endpoints /health/live and /health/ready (opencti-ts addition; the images set 9096). They are also served on the metrics port when metrics are exposed.',
    )
    .advanced(),
};

/** External import connectors: scheduled runs (sdk-protocol §b.6). */
export const scheduleConnectorFields = {
  duration_period: duration().optional().describe('Pause between two runs, as an ISO-8601 duration (PT5M, P1D, P1W); 0 runs once and exits.'),
  queue_threshold: float({ min: 0 }).default(500).describe('Size in MB of the push queue above which scheduled runs are skipped.').advanced(),
  run_and_terminate: bool().default(false).describe('Run once, then exit.').advanced(),
};

/** Internal connectors (enrichment, import/export file, analysis): triggered by the platform. */
export const internalConnectorFields = {
  auto: bool().default(false).describe('Let the platform trigger the connector automatically (on creation / upload).'),
  auto_update: bool().default(false).describe('Enrichment connectors: also trigger on entity updates.').advanced(),
  only_contextual: bool().default(false).describe('Import connectors: only process files attached to an entity.').advanced(),
  enrichment_resolution: str().default('none').describe('Enrichment connectors: registered enrichment_resolution (none or stix_bundle).').advanced(),
  listen_protocol: enumOf(['AMQP', 'API'], { ignoreCase: true })
    .default('AMQP')
    .describe('How work is received: AMQP (RabbitMQ) or API (HTTP callback).')
    .advanced(),
  listen_protocol_api_port: int({ min: 1, max: 65535 }).default(7070).describe('HTTP port in API mode.').advanced(),
  listen_protocol_api_path: str().default('/api/callback').describe('HTTP route in API mode.').advanced(),
  listen_protocol_api_ssl: bool().default(false).describe('Serve HTTPS in API mode.').advanced(),
  listen_protocol_api_uri: url().optional().describe('Base URI the platform calls in API mode (default http(s)://127.0.0.1:7070).').advanced(),
  listen_protocol_api_ssl_key: secret().optional().env('LISTEN_PROTOCOL_API_SSL_KEY').describe('TLS key for API mode: file path or inline PEM.').advanced(),
  listen_protocol_api_ssl_cert: str()
    .optional()
    .env('LISTEN_PROTOCOL_API_SSL_CERT')
    .describe('TLS certificate for API mode: file path or inline PEM.')
    .advanced(),
  listen_protocol_api_ssl_passphrase: secret().optional().env('LISTEN_PROTOCOL_API_SSL_PASSPHRASE').describe('Passphrase of the API mode TLS key.').advanced(),
};

/** Stream connectors (sdk-protocol §h.6). */
export const streamConnectorFields = {
  live_stream_id: str().describe('Id of the live stream to consume (live and raw are special).'),
  live_stream_listen_delete: bool().default(true).describe('Receive delete events.').advanced(),
  live_stream_no_dependencies: bool().default(true).describe('Do not receive dependencies of the streamed objects.').advanced(),
  live_stream_with_inferences: bool().default(false).describe('Also receive inferred data.').advanced(),
  live_stream_recover_iso_date: str().optional().describe('Recover the stream up to this ISO date.').advanced(),
  live_stream_start_timestamp: str().optional().describe('Initial stream position (ms epoch).').advanced(),
};

/** Overrides of the RabbitMQ connection the platform returns at registration. */
export const mqSection = {
  host: str().optional().describe('RabbitMQ host (default: the one the platform gives).').advanced(),
  port: int({ min: 1, max: 65535 }).optional().describe('RabbitMQ port.').advanced(),
  vhost: str().optional().describe('RabbitMQ virtual host.').advanced(),
  use_ssl: bool().optional().describe('Connect to RabbitMQ over TLS.').advanced(),
  user: str().optional().describe('RabbitMQ user.').advanced(),
  pass: secret().optional().describe('RabbitMQ password.').advanced(),
  use_ssl_ca: str().optional().describe('CA that signs the broker certificate: file path or inline PEM.').advanced(),
  use_ssl_cert: str().optional().describe('Client certificate: file path or inline PEM.').advanced(),
  use_ssl_key: secret().optional().describe('Client key: file path or inline PEM.').advanced(),
  use_ssl_passphrase: secret().optional().describe('Passphrase of the client key.').advanced(),
  use_ssl_reject_unauthorized: bool().default(false).describe('Verify the broker certificate (pycti default: not verified).').advanced(),
};

type KindFields<T extends ConnectorType> = T extends 'EXTERNAL_IMPORT'
  ? typeof scheduleConnectorFields
  : T extends 'STREAM'
    ? typeof streamConnectorFields
    : typeof internalConnectorFields;

export type ConnectorSection<T extends ConnectorType> = typeof commonConnectorFields & KindFields<T> & { type: Field<T, 'default'> };

/** The `connector:` section for one connector type, with `CONNECTOR_TYPE` pinned to it. */
export function connectorSection<T extends ConnectorType>(type: T): ConnectorSection<T> {
  const kind = type === 'EXTERNAL_IMPORT' ? scheduleConnectorFields : type === 'STREAM' ? streamConnectorFields : internalConnectorFields;
  const pinned = enumOf(CONNECTOR_TYPES).pin(type).describe(`Connector type, fixed to ${type}.`).advanced() as unknown as Field<T, 'default'>;
  const { id, name, scope, log_level, ...rest } = commonConnectorFields;
  // id, type, name, scope, log_level first: the order of the generated docs.
  return { id, type: pinned, name, scope, log_level, ...kind, ...rest } as unknown as ConnectorSection<T>;
}

/** `{ opencti, connector, mq }` for a connector type: spread it into defineConfig. */
export function baseConfig<T extends ConnectorType>(type: T): { opencti: typeof openctiSection; connector: ConnectorSection<T>; mq: typeof mqSection } {
  return { opencti: openctiSection, connector: connectorSection(type), mq: mqSection };
}
