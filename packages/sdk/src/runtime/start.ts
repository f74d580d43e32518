import {
  type ApiClient,
  createApiClient,
  createHttpClient,
  EXPORT_PUSH_CORE_OBJECTS,
  EXPORT_PUSH_CYBER_OBSERVABLES,
  EXPORT_PUSH_DOMAIN_OBJECTS,
  EXPORT_PUSH_ENTITY,
  type HttpClientOptions,
  readPlatformVersion,
  STIX_CONTENT,
  type UploadFile,
} from '../api/index.ts';
import {
  type ConfigShape,
  type commonConnectorFields,
  configRedactor,
  type InferConfig,
  type InferSection,
  type internalConnectorFields,
  loadConfig,
  type mqSection,
  type openctiSection,
  type scheduleConnectorFields,
} from '../config/index.ts';
import { ConfigError, InputError, toOpenCtiTsError } from '../errors/index.ts';
import { createLogger, type Logger, type Redactor } from '../log/index.ts';
import { type BundlePublisher, type Consumer, consume, createMqConnection, createPublisher, loadPem, withMqOverrides } from '../mq/index.ts';
import { OPENCTI_SDO_EXTENSION } from '../stix/ids.ts';
import { infoDatetime, initialConnectorInfo } from './connector-info.ts';
import type { ConnectorDefinition, EnrichmentDefinition, ExportFileContext, ImportFileContext, JobContext, RunContext } from './define.ts';
import { pingOnce, startHeartbeat } from './heartbeat.ts';
import { startListenApi } from './listen-api.ts';
import { type EnrichmentEvent, type ExportFileEvent, type Job, parseJob, type StixObject } from './messages.ts';
import { createMetrics } from './metrics.ts';
import { type ObservabilityServer, startObservabilityServer } from './observability.ts';
import { PlatformSession } from './platform.ts';
import { playbookStep, sendToPlaybook } from './playbook.ts';
import { abortableSleep, runSchedule } from './schedule.ts';
import { type BundleInput, type SenderDeps, type SenderSettings, type SendJobContext, type SendOptions, sendBundle } from './sender.ts';
import { ConnectorState } from './state.ts';
import { entityTlp, isTlpAllowed } from './tlp.ts';

/** The base settings the runtime reads, inferred from the SDK's base schema. */
type RuntimeConfig = {
  opencti: InferSection<typeof openctiSection>;
  connector: InferSection<typeof commonConnectorFields> &
    Partial<InferSection<typeof scheduleConnectorFields>> &
    Partial<InferSection<typeof internalConnectorFields>> & { type: string };
  mq: InferSection<typeof mqSection>;
};

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  /** config.yml next to the entry point (pycti's convention). */
  entryDir?: string;
  yamlPath?: string;
  /** Where log lines go (default stderr). */
  logSink?: (line: string) => void;
  /** Install SIGTERM/SIGINT handlers (default true; tests pass false and call stop()). */
  handleSignals?: boolean;
  /** Test seam: the heartbeat interval. */
  heartbeatIntervalMs?: number;
  /** Test seam: pause between queue checks/runs overrides. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** User-Agent product token, default `opencti-ts/<sdk version>`. */
  userAgent?: string;
  /** How long a stop waits for the running job before giving it back (default 20 s, inside the 30 s budget). */
  stopGraceMs?: number;
  /** Test seam: timeouts and retries of the connector's source client (`ctx.http`), e.g. a short read timeout. */
  http?: Pick<HttpClientOptions, 'connectTimeoutMs' | 'readTimeoutMs' | 'retry' | 'sleep'>;
}

export interface RunningConnector {
  /** Resolves with the process exit code: 0 after a clean stop or a one-shot run, 1 on a fatal error, 2 on bad configuration. */
  readonly done: Promise<number>;
  stop(): Promise<void>;
}

const WORK_PING_INTERVAL_MS = 5 * 60_000;
const STOP_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 20_000;

export function startConnector<C extends ConfigShape>(definition: ConnectorDefinition<C>, options: StartOptions = {}): RunningConnector {
  const controller = new AbortController();
  const cleanups: Array<() => Promise<void>> = [];
  let resolveStopped: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      controller.abort();
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
      resolveStopped();
    })();
    return stopping;
  };
  const done = run(definition, options, controller.signal, cleanups, stopped).then(async (code) => {
    await stop();
    return code;
  });
  if (options.handleSignals ?? true) {
    const onSignal = () => {
      const timer = setTimeout(() => process.exit(1), STOP_TIMEOUT_MS);
      timer.unref();
      // Once stopped, a job abandoned after the grace period must not keep the process alive.
      void stop().then(() => setTimeout(() => process.exit(), 1000).unref());
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    cleanups.push(async () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    });
  }
  return { done, stop };
}

async function run<C extends ConfigShape>(
  definition: ConnectorDefinition<C>,
  options: StartOptions,
  signal: AbortSignal,
  cleanups: Array<() => Promise<void>>,
  stopped: Promise<void>,
): Promise<number> {
  const sink = options.logSink ?? ((line: string) => process.stderr.write(`${line}\n`));
  let loaded: unknown;
  try {
    loaded = loadConfig(definition.config, { env: options.env ?? process.env, entryDir: options.entryDir, yamlPath: options.yamlPath });
  } catch (error) {
    if (error instanceof ConfigError) {
      sink(error.message);
      return 2;
    }
    throw error;
  }
  const config = loaded as RuntimeConfig;
  const redactor = configRedactor(loaded as object);
  const logger = createLogger({ name: config.connector.name, level: config.connector.log_level, json: config.opencti.json_logging, sink, redactor });
  try {
    return await runLoaded(definition, config, loaded, { logger, redactor, options, signal, cleanups, stopped });
  } catch (error) {
    logger.error('Connector stopped on an unrecoverable error', { error, code: toOpenCtiTsError(error).code });
    return 1;
  }
}

interface Runtime {
  logger: Logger;
  redactor: Redactor;
  options: StartOptions;
  signal: AbortSignal;
  cleanups: Array<() => Promise<void>>;
  stopped: Promise<void>;
}

async function runLoaded<C extends ConfigShape>(definition: ConnectorDefinition<C>, config: RuntimeConfig, loaded: unknown, rt: Runtime): Promise<number> {
  const { logger, redactor, cleanups } = rt;
  const connectorConfig = config.connector;
  const api = createApiClient({
    url: config.opencti.url,
    token: config.opencti.token,
    ...(config.opencti.custom_headers ? { headers: config.opencti.custom_headers } : {}),
    sslVerify: config.opencti.ssl_verify,
    logger: logger.child('api'),
    redactor,
    ...(rt.options.userAgent ? { userAgent: rt.options.userAgent } : {}),
  });
  // Proxy variables come from the same environment as the configuration.
  const http = createHttpClient({ ...rt.options.http, logger, redactor, env: rt.options.env ?? process.env });
  await readPlatformVersion(api, logger.child('api'));

  const platform = new PlatformSession(api, { sendToQueue: connectorConfig.send_to_queue });
  const internal = definition.kind !== 'EXTERNAL_IMPORT';
  const listenApi = internal && connectorConfig.listen_protocol === 'API' ? listenApiSettings(connectorConfig) : null;
  const registration = await platform.register({
    id: connectorConfig.id,
    name: connectorConfig.name,
    type: definition.kind,
    scope: [...connectorConfig.scope],
    auto: internal ? (connectorConfig.auto ?? false) : false,
    auto_update: connectorConfig.auto_update ?? false,
    enrichment_resolution: connectorConfig.enrichment_resolution === 'stix_bundle' ? 'stix_bundle' : 'none',
    only_contextual: connectorConfig.only_contextual ?? false,
    playbook_compatible: definition.kind === 'INTERNAL_ENRICHMENT' ? (definition.playbookCompatible ?? false) : false,
    listen_callback_uri: listenApi ? `${listenApi.uri}${listenApi.path}` : null,
  });
  logger.info('Connector registered with ID', { id: registration.id });
  const state = new ConnectorState(registration.connector_state);
  const metrics = createMetrics({
    enabled: connectorConfig.expose_metrics,
    namespace: connectorConfig.metrics_namespace,
    subsystem: connectorConfig.metrics_subsystem,
  });

  const mq = createMqConnection({
    connection: withMqOverrides(registration.config.connection, {
      host: config.mq.host,
      port: config.mq.port,
      vhost: config.mq.vhost,
      use_ssl: config.mq.use_ssl,
      user: config.mq.user,
      pass: config.mq.pass,
    }),
    tls: {
      ...(config.mq.use_ssl_ca ? { ca: loadPem(config.mq.use_ssl_ca, 'MQ_USE_SSL_CA') } : {}),
      ...(config.mq.use_ssl_cert ? { cert: loadPem(config.mq.use_ssl_cert, 'MQ_USE_SSL_CERT') } : {}),
      ...(config.mq.use_ssl_key ? { key: loadPem(config.mq.use_ssl_key, 'MQ_USE_SSL_KEY') } : {}),
      ...(config.mq.use_ssl_passphrase ? { passphrase: config.mq.use_ssl_passphrase } : {}),
      rejectUnauthorized: config.mq.use_ssl_reject_unauthorized,
    },
    logger: logger.child('mq'),
    name: `opencti-ts ${connectorConfig.name}`,
  });
  redactor.add(registration.config.connection.pass);
  cleanups.push(() => mq.close());
  let publisher: BundlePublisher | undefined;
  // Registered now, not at first use: cleanups run in reverse, and the publisher must stay
  // open until the intake stopped and the running job finished sending.
  cleanups.push(async () => {
    await publisher?.close();
  });
  const getPublisher = () => {
    publisher ??= createPublisher(mq, { logger: logger.child('mq') });
    return publisher;
  };

  const runAndTerminate = connectorConfig.run_and_terminate === true || connectorConfig.duration_period === 0;
  const info = initialConnectorInfo(connectorConfig.queue_threshold ?? 500, definition.kind === 'EXTERNAL_IMPORT' && runAndTerminate);
  let brokerReady = false;
  mq.on('open', () => {
    brokerReady = true;
  });
  mq.on('lost', () => {
    brokerReady = false;
  });
  // Health on its own port (the images' HEALTHCHECK) and with the metrics when exposed.
  const readiness = () => ({ registered: true, broker: definition.kind === 'EXTERNAL_IMPORT' || brokerReady });
  const ports = new Map<number, boolean>();
  if (connectorConfig.expose_metrics) ports.set(connectorConfig.metrics_port, true);
  if (connectorConfig.health_port !== undefined && !ports.has(connectorConfig.health_port)) ports.set(connectorConfig.health_port, false);
  for (const [port, serveMetrics] of ports) {
    const server: ObservabilityServer = await startObservabilityServer({ port, metrics, serveMetrics, readiness });
    cleanups.push(() => server.close());
  }

  const settings: SenderSettings = {
    connectorId: registration.id,
    connectorUserId: registration.connector_user_id ?? null,
    pushExchange: registration.config.push_exchange,
    pushRouting: registration.config.push_routing,
    sendToQueue: connectorConfig.send_to_queue,
    queueProtocol: connectorConfig.queue_protocol,
    validateBeforeImport: connectorConfig.validate_before_import,
    directory:
      connectorConfig.send_to_directory && connectorConfig.send_to_directory_path
        ? {
            path: connectorConfig.send_to_directory_path,
            retentionDays: connectorConfig.send_to_directory_retention,
            context: {
              applicantId: registration.connector_user_id ?? null,
              connector: {
                id: registration.id,
                name: connectorConfig.name,
                type: definition.kind,
                scope: connectorConfig.scope.join(','),
                auto: connectorConfig.auto ?? false,
                validate_before_import: connectorConfig.validate_before_import,
              },
            },
          }
        : null,
  };
  // A listened job still running when the stop has finished (past the grace period) was given
  // back to the broker: from then on it must neither download nor put anything on the work or
  // the queue, or the redelivered copy's work would wait for expectations never met. An
  // external import's run has no such signal: it finishes sending.
  const abandoned = new AbortController();
  void rt.stopped.then(() => abandoned.abort());
  const senderDeps = (jobApi: ApiClient, signal?: AbortSignal): SenderDeps => ({
    settings,
    platform,
    api: jobApi,
    publisher: getPublisher,
    metrics,
    logger,
    ...(signal ? { signal } : {}),
  });
  const heartbeatDeps = { platform, connectorId: registration.id, state, info, logger, metrics };
  const base = { config: loaded as never, logger, http, state, metrics, signal: rt.signal };

  const stopGraceMs = rt.options.stopGraceMs ?? STOP_GRACE_MS;
  if (definition.kind === 'EXTERNAL_IMPORT') {
    const heartbeat = runAndTerminate ? undefined : startHeartbeat(heartbeatDeps, rt.options.heartbeatIntervalMs);
    if (heartbeat) cleanups.push(() => heartbeat.stop());
    // A stop lets the running import finish sending (within the grace period) before the
    // publisher and the connection close; cleanups run in reverse, so this one runs first.
    let inFlight: Promise<void> | null = null;
    cleanups.push(async () => {
      if (inFlight) await Promise.race([inFlight.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, stopGraceMs).unref())]);
    });
    const periodMs = definition.periodMs?.(loaded as never) ?? connectorConfig.duration_period ?? 0;
    // A one-shot run must finish: buffering only cuts scheduled runs short (as the official MISP connector).
    const oneShot = runAndTerminate || periodMs <= 0;
    const buffering = async (): Promise<boolean> => {
      if (oneShot) return false;
      const size = await platform.queueSizeMb(registration.id);
      info.queue_messages_size = size;
      info.buffering = size >= info.queue_threshold;
      if (info.buffering)
        logger.info('Connector queue is above the threshold, the run stops early', { queue_size_mb: size, threshold_mb: info.queue_threshold });
      return info.buffering;
    };
    if (definition.setup) await definition.setup({ ...base, api });
    const runOnce = () => {
      inFlight = runBody().finally(() => {
        inFlight = null;
      });
      return inFlight;
    };
    const runBody = async () => {
      metrics.run();
      metrics.state('running');
      let workId: string | null | undefined;
      const ensureWork = async () => {
        workId ??= await platform.initiateWork(registration.id, `${connectorConfig.name} run @ ${infoDatetime(new Date()).replace('T', ' ').replace('Z', '')}`);
        return workId;
      };
      const context: RunContext<never> = {
        ...base,
        api,
        workId: ensureWork,
        buffering,
        send: async (input: BundleInput, sendOptions: SendOptions = {}) =>
          sendBundle(input, { ...sendOptions, workId: sendOptions.workId ?? (await ensureWork()) }, null, senderDeps(api)),
      };
      try {
        const message = (await definition.run(context)) ?? 'Connector run done';
        if (workId) await platform.toProcessed(workId, message, false);
        // The run's state reaches the platform now, not at the next heartbeat (pycti's force_ping).
        if (heartbeat) await pingOnce(heartbeatDeps).catch((error: unknown) => logger.warn('State ping after the run failed', { error }));
      } catch (error) {
        if (workId) await platform.toProcessed(workId, redactor.redact(errorText(error)), true).catch(() => undefined);
        throw error;
      } finally {
        metrics.state('idle');
      }
    };
    const succeeded = await runSchedule(
      { periodMs, runAndTerminate },
      {
        run: runOnce,
        queueSizeMb: () => platform.queueSizeMb(registration.id),
        info,
        onError: (error, attempt, retryInMs) => {
          metrics.error();
          logger.error('Connector run failed', { error, attempt, retry_in_seconds: Math.round(retryInMs / 1000) });
        },
        onBuffering: (size, threshold) =>
          logger.info('Connector queue is above the threshold, the run is skipped', { queue_size_mb: size, threshold_mb: threshold }),
        sleep: rt.options.sleep ?? abortableSleep,
        now: () => new Date(),
        signal: rt.signal,
      },
    );
    if (runAndTerminate) {
      // Persist the state and the run's info (pycti's force_ping), then exit 0.
      await pingOnce(heartbeatDeps);
      logger.info('Connector run and terminate');
    }
    return succeeded ? 0 : 1;
  }

  const heartbeat = startHeartbeat(heartbeatDeps, rt.options.heartbeatIntervalMs);
  cleanups.push(() => heartbeat.stop());
  if (listenApi) {
    const server = await startListenApi({
      port: listenApi.port,
      path: listenApi.path,
      token: config.opencti.token,
      ...(listenApi.tls ? { tls: listenApi.tls } : {}),
      handle: (message) => handleJob(message),
      logger: logger.child('listen-api'),
    });
    cleanups.push(() => server.close(stopGraceMs));
  } else {
    const consumer: Consumer = await consume(mq, registration.config.listen, (message) => handleJob(message), {
      prefetch: 1,
      logger: logger.child('mq'),
      stopTimeoutMs: stopGraceMs,
      onHandlerError: (error) => logger.error('Unexpected error while handling a job', { error }),
    });
    brokerReady = true;
    cleanups.push(() => consumer.stop());
    logger.info('Listening for jobs', { queue: registration.config.listen });
  }

  async function handleJob(body: unknown): Promise<void> {
    const workId = workIdOf(body);
    let job: Job;
    try {
      job = parseJob(definition.kind as Exclude<typeof definition.kind, 'EXTERNAL_IMPORT'>, body);
    } catch (error) {
      metrics.error();
      // Without a work to put it on, the error escapes (pycti's 500 over HTTP; logged and acked over AMQP).
      if (!workId) throw error;
      logger.error('Error in message processing, reporting error to API', { error });
      await platform.toProcessed(workId, redactor.redact(errorText(error)), true).catch(() => undefined);
      return;
    }
    const jobApi = api.withContext({ applicantId: job.internal.applicantId ?? undefined, draftId: job.internal.draftId ?? '' });
    const step = job.internal.playbook && job.event.kind === 'INTERNAL_ENRICHMENT' ? playbookStep(job.internal.playbook, job.event.bundle) : null;
    let answeredPlaybook = false;
    const sendContext: SendJobContext = {
      applicantId: job.internal.applicantId ?? registration.connector_user_id ?? null,
      draftId: job.internal.draftId,
      validationMode: job.event.kind === 'INTERNAL_IMPORT_FILE' ? job.event.validationMode : 'workbench',
      forceValidation: job.event.kind === 'INTERNAL_IMPORT_FILE' ? job.event.forceValidation : false,
      grantedRefs: job.event.kind === 'INTERNAL_ENRICHMENT' ? grantedRefsOf(job.event.stixEntity) : [],
      // pycti answers the playbook with the connector's own user, not the applicant.
      toPlaybook: step
        ? async (bundle) => {
            await sendToPlaybook(api, step, bundle);
            answeredPlaybook = true;
          }
        : null,
    };
    const workPing = job.internal.workId
      ? setInterval(() => void platform.pingWork(job.internal.workId as string).catch(() => undefined), WORK_PING_INTERVAL_MS)
      : undefined;
    workPing?.unref();
    try {
      metrics.state('running');
      if (job.internal.workId) await platform.toReceived(job.internal.workId, 'Connector ready to process the operation');
      const context: JobContext<never, never> = {
        ...base,
        api: jobApi,
        job: job as never,
        workId: job.internal.workId,
        send: (input: BundleInput, sendOptions: SendOptions = {}) =>
          sendBundle(input, { ...sendOptions, workId: sendOptions.workId ?? job.internal.workId }, sendContext, senderDeps(jobApi, abandoned.signal)),
      };
      const message = await dispatch(definition, job, context, jobApi, abandoned.signal);
      // A playbook waits for the step's bundle: hand it back unchanged when the handler sent nothing.
      if (step && !answeredPlaybook && job.event.kind === 'INTERNAL_ENRICHMENT') {
        await sendToPlaybook(api, step, job.event.bundle ?? { type: 'bundle', objects: [] });
        logger.info('Nothing sent for the playbook step; its bundle is passed on unchanged', { playbook_id: step.playbook_id, step_id: step.step_id });
      }
      if (job.internal.workId) await platform.toProcessed(job.internal.workId, message ?? 'Job done', false);
    } catch (error) {
      // Interrupted by a stop: the job goes back to the queue instead of failing its work.
      if (rt.signal.aborted) throw error;
      metrics.error();
      logger.error('Error in message processing, reporting error to API', { error, work_id: job.internal.workId });
      if (job.internal.workId) await platform.toProcessed(job.internal.workId, redactor.redact(errorText(error)), true).catch(() => undefined);
    } finally {
      if (workPing) clearInterval(workPing);
      metrics.state('idle');
    }
  }

  await rt.stopped;
  return 0;
}

async function dispatch<C extends ConfigShape>(
  definition: ConnectorDefinition<C>,
  job: Job,
  context: JobContext<never, never>,
  jobApi: ApiClient,
  abandoned: AbortSignal,
): Promise<string | undefined> {
  const event = job.event;
  if (definition.kind === 'INTERNAL_ENRICHMENT' && event.kind === 'INTERNAL_ENRICHMENT') {
    const enriched: EnrichmentEvent = event.stixEntity ? event : { ...event, stixEntity: await readStixEntity(jobApi, event.entityId) };
    const refusal = enrichmentRefusal(definition, context.config as never, enriched);
    if (refusal) {
      // In a playbook the step's bundle is passed on unchanged by the caller; elsewhere a TLP refusal is an error on the work.
      if (refusal.error && !job.internal.playbook) throw refusal.error;
      context.logger.info(refusal.message, { entity_id: event.entityId });
      return refusal.message;
    }
    return (await definition.handle(enriched, context as never)) ?? undefined;
  }
  if (definition.kind === 'INTERNAL_IMPORT_FILE' && event.kind === 'INTERNAL_IMPORT_FILE') {
    const importContext: ImportFileContext<never> = {
      ...(context as never as ImportFileContext<never>),
      readFile: ({ maxBytes, timeoutMs, maxAttempts }) =>
        jobApi.downloadFile(event.fileFetch, {
          maxBytes,
          signal: abandoned,
          ...(timeoutMs ? { timeoutMs } : {}),
          ...(maxAttempts ? { retry: { maxAttempts } } : {}),
        }),
    };
    return (await definition.handle(event, importContext as never)) ?? undefined;
  }
  if (definition.kind === 'INTERNAL_EXPORT_FILE' && event.kind === 'INTERNAL_EXPORT_FILE') {
    const exportContext: ExportFileContext<never> = {
      ...(context as never as ExportFileContext<never>),
      uploadExport: (content, options) => uploadExport(jobApi, event, content, { mimeType: options?.mimeType, signal: context.signal }),
    };
    return (await definition.handle(event, exportContext as never)) ?? undefined;
  }
  throw new InputError('JOB_KIND_MISMATCH', `a ${event.kind} job reached a ${definition.kind} connector`);
}

/** Why an enrichment job does not reach the handler: its entity is out of scope, or marked above the max TLP. */
function enrichmentRefusal<C extends ConfigShape>(
  definition: EnrichmentDefinition<C>,
  config: InferConfig<C>,
  event: EnrichmentEvent,
): { message: string; error?: InputError } | null {
  const entity = event.stixEntity;
  const type = event.entityType ?? entity?.type ?? null;
  const scope = (config as unknown as RuntimeConfig).connector.scope;
  if (definition.scopeCheck !== false && type && !scope.some((item) => item.toLowerCase() === type.toLowerCase()))
    return { message: `${type} is not in the connector's scope (${scope.join(', ')}); nothing to do` };
  const maxTlp = definition.maxTlp?.(config);
  if (maxTlp && entity) {
    const { level } = entityTlp(entity, event.stixObjects ?? event.bundle?.objects ?? []);
    if (!isTlpAllowed(level, maxTlp)) {
      const message = `Do not send any data, TLP of the entity (${level}) is greater than MAX TLP (${maxTlp})`;
      return { message, error: new InputError('TLP_ABOVE_MAX', message) };
    }
  }
  return null;
}

/** The entity as the platform serialises it, for platforms that send no `stix_entity`. */
async function readStixEntity(api: ApiClient, id: string): Promise<StixObject> {
  const result = await api.query(STIX_CONTENT, { id });
  if (!result.stix) throw new InputError('ENTITY_UNREADABLE', 'Unable to read/access to the entity, please check that the connector permission');
  return JSON.parse(result.stix) as StixObject;
}

async function uploadExport(
  api: ApiClient,
  event: ExportFileEvent,
  content: UploadFile['data'],
  { mimeType, signal }: { mimeType?: string | undefined; signal: AbortSignal },
): Promise<void> {
  const file = { name: event.fileName, data: content, ...(mimeType ? { mimeType } : {}) };
  // A stop aborts the upload: the job goes back to the queue and the connector's temporary files are freed.
  const call = { signal };
  const fileMarkings = [...event.fileMarkings];
  if (event.exportScope === 'single') {
    if (!event.entityId) throw new InputError('EXPORT_WITHOUT_ENTITY', 'a single-entity export message has no entity_id');
    await api.upload(EXPORT_PUSH_ENTITY, { id: event.entityId, file: null, file_markings: fileMarkings }, { file }, call);
    return;
  }
  const variables = {
    entity_id: event.entityId,
    entity_type: event.entityType,
    file: null,
    file_markings: fileMarkings,
    listFilters: event.exportScope === 'query' ? JSON.stringify(event.listParams ?? {}) : 'selected_ids',
  };
  // The official CSV connector's choice (connectors.md §5.5): observables and core objects
  // by their abstract type, every other (domain) type through the domain-object mutation.
  if (event.entityType === 'Stix-Cyber-Observable') await api.upload(EXPORT_PUSH_CYBER_OBSERVABLES, variables, { file }, call);
  else if (event.entityType === 'Stix-Core-Object') await api.upload(EXPORT_PUSH_CORE_OBJECTS, variables, { file }, call);
  else await api.upload(EXPORT_PUSH_DOMAIN_OBJECTS, variables, { file }, call);
}

function grantedRefsOf(entity: StixObject | null): string[] {
  if (!entity) return [];
  const extension = (entity.extensions as Record<string, Record<string, unknown>> | undefined)?.[OPENCTI_SDO_EXTENSION];
  const refs = entity.x_opencti_granted_refs ?? extension?.granted_refs;
  return Array.isArray(refs) ? refs.filter((ref): ref is string => typeof ref === 'string') : [];
}

interface ListenApiSettings {
  port: number;
  path: string;
  /** The base URI registered for the platform to call (sdk-protocol §b.1). */
  uri: string;
  tls: { key: string; cert: string; passphrase?: string } | null;
}

function listenApiSettings(connector: RuntimeConfig['connector']): ListenApiSettings {
  const port = connector.listen_protocol_api_port ?? 7070;
  const ssl = connector.listen_protocol_api_ssl === true;
  const path = connector.listen_protocol_api_path ?? '/api/callback';
  const uri = (connector.listen_protocol_api_uri ?? `${ssl ? 'https' : 'http'}://127.0.0.1:${port}`).replace(/\/+$/, '');
  let tls: ListenApiSettings['tls'] = null;
  if (ssl) {
    if (!connector.listen_protocol_api_ssl_key || !connector.listen_protocol_api_ssl_cert)
      throw new ConfigError([{ envVar: 'LISTEN_PROTOCOL_API_SSL_KEY', message: 'CONNECTOR_LISTEN_PROTOCOL_API_SSL=true needs a key and a certificate' }]);
    tls = {
      key: loadPem(connector.listen_protocol_api_ssl_key, 'LISTEN_PROTOCOL_API_SSL_KEY'),
      cert: loadPem(connector.listen_protocol_api_ssl_cert, 'LISTEN_PROTOCOL_API_SSL_CERT'),
      ...(connector.listen_protocol_api_ssl_passphrase ? { passphrase: connector.listen_protocol_api_ssl_passphrase } : {}),
    };
  }
  return { port, path, uri, tls };
}

function workIdOf(body: unknown): string | null {
  const internal = (body as { internal?: { work_id?: unknown } } | null)?.internal;
  return typeof internal?.work_id === 'string' ? internal.work_id : null;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
