// Wire parity with pycti 6.8.10 (issue #4): every scenario of the shared transcript, replayed
// through the SDK's public runtime against the real broker and a recording fake platform.
// The GraphQL requests (operation type and name, selection tree, variables, headers) and the
// AMQP publishes (exchange, routing key, properties, exact body bytes) must equal pycti's.
// The test reuses the transcript's ids (connector, work, applicant, token), so only what the
// test must own differs and is normalised: the port, the exchange and queue names, and
// timestamps. Deliberate differences from pycti are asserted as such, each with its reason.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { rabbitMq, sharedPath, uniqueName } from '@opencti-ts/testing';
import amqp from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient } from '../api/index.ts';
import { baseConfig, defineConfig } from '../config/index.ts';
import { InputError } from '../errors/index.ts';
import { createLogger } from '../log/index.ts';
import { declarePlatformPushQueue } from '../mq/__fixtures__/broker.ts';
import { pythonJsonDumps } from '../stix/python-strings.ts';
import { type RecordedRequest, type RecordingPlatform, type SelectionTree, startRecordingPlatform } from './__fixtures__/recording-platform.ts';
import {
  type ConnectorDefinition,
  ConnectorState,
  createMetrics,
  defineConnector,
  type ImportFileContext,
  type ImportFileEvent,
  initialConnectorInfo,
  PlatformSession,
  parseJob,
  pingOnce,
  type RunningConnector,
  type StixBundle,
  startConnector,
} from './index.ts';

const broker = await rabbitMq();
const transcriptFile = sharedPath('data/vectors/helper/transcript.json');

interface TranscriptHttp {
  method: string;
  path: string;
  headers: Record<string, string>;
  variables?: Record<string, unknown>;
  multipart?: { name: string; value?: unknown; filename?: string; content_type?: string; content?: string }[];
  operation_type?: string;
  operation_name?: string;
  selection?: SelectionTree;
}

interface TranscriptPublish {
  op: 'basic_publish';
  exchange: string;
  routing_key: string;
  mandatory: boolean;
  properties: { delivery_mode: number; content_encoding: string; content_type: string | null };
  body: Record<string, unknown>;
  content_decoded: unknown;
}

interface Scenario {
  scenario: string;
  http?: TranscriptHttp[];
  amqp?: ({ op: string } & Record<string, unknown>)[];
  message?: Record<string, unknown>;
  file_name_pattern_example?: string;
  content?: Record<string, unknown> & { bundle: StixBundle; entities_types: string[]; update: boolean };
}

const scenarios: Scenario[] = transcriptFile.available
  ? (JSON.parse(await readFile(transcriptFile.path, 'utf8')) as { transcript: Scenario[] }).transcript
  : [];
const scenario = (name: string): Scenario => {
  const found = scenarios.find((entry) => entry.scenario === name);
  if (!found) throw new RangeError(`the transcript has no scenario "${name}"`);
  return found;
};
const publishesOf = (entry: Scenario): TranscriptPublish[] => (entry.amqp ?? []).filter((op) => op.op === 'basic_publish') as unknown as TranscriptPublish[];

const S = {
  construct: 'external-import: construct helper (health check, register, first ping)',
  setState: 'external-import: set_state then force_ping',
  send: 'external-import: initiate_work, send_stix2_bundle(update=True, entities_types=[...]), to_processed',
  directory: 'external-import: file written by send_to_directory',
  buffering: 'external-import: check_connector_buffering (queue threshold check)',
  stop: 'external-import: stop()',
  importConstruct: 'import-file: construct helper',
  importMessage: 'import-file: platform message given to _data_handler',
  importHandler: 'import-file: _data_handler (to_received, download, send, to_processed)',
  importRaises: 'import-file: callback raises -> work reported in error',
  validation: 'import-file (validate_before_import=true, validation_mode=workbench): send_stix2_bundle -> uploadPending',
  exports: 'export-file: push_entity_export and push_list_export (multipart uploads)',
  apiProtocol: 'queue_protocol=api: send_stix2_bundle -> stixBundlePush',
} as const;

// Headers the HTTP stack adds on its own (pycti's capture kept only the ones pycti sets).
const TRANSPORT_HEADERS = new Set(['host', 'connection', 'content-length', 'accept', 'accept-encoding', 'transfer-encoding']);
// Variables that carry JSON text the platform parses: pycti writes them with Python's
// `json.dumps` spacing, the SDK compactly; they are compared as the JSON they hold.
const JSON_TEXT_VARIABLES = new Set(['bundle', 'listFilters']);
// Calls that belong to other scenarios (the runtime makes them around every run or job).
const LIFECYCLE = new Set(['healthCheck', 'RegisterConnector', 'PingConnector', 'GetConnector']);
const WORK_CALLS = new Set(['workAdd', 'workToReceived', 'workToProcessed']);

function expectHeaders(actual: Record<string, string>, expected: Record<string, string>, where: string): void {
  const wanted = Object.fromEntries(Object.entries(expected).map(([name, value]) => [name.toLowerCase(), value]));
  // `opencti-draft-id: ""` means "no draft", the same as no header: pycti sends it on every
  // call once a job was handled, the SDK on the calls made in a job's context.
  const noDraft = (headers: Record<string, string>) => (headers['opencti-draft-id'] === '' ? 'opencti-draft-id' : undefined);
  if (noDraft(wanted) && actual['opencti-draft-id'] === undefined) delete wanted['opencti-draft-id'];
  const sent = Object.keys(actual).filter((name) => !TRANSPORT_HEADERS.has(name) && !(name === noDraft(actual) && !(name in wanted)));
  expect(sent.sort(), `${where}: header names`).toEqual(Object.keys(wanted).sort());
  for (const [name, value] of Object.entries(wanted)) {
    // Deliberate: our own product token where pycti sends `pycti/<version>` (sdk-protocol §d.1).
    if (name === 'user-agent') expect(actual[name], `${where}: user-agent`).toMatch(/^opencti-ts\/\d+\.\d+\.\d+/);
    // The multipart boundary is random in both clients.
    else if (value.startsWith('multipart/form-data; boundary=')) expect(actual[name], `${where}: content-type`).toMatch(/^multipart\/form-data; boundary=\S+$/);
    else expect(actual[name], `${where}: ${name}`).toBe(value);
  }
}

/** Timestamps aside: the work name carries the run's start time. */
function normaliseVariables(variables: Record<string, unknown>, expected: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...variables };
  for (const [name, value] of Object.entries(out)) {
    if (typeof value !== 'string') continue;
    if (name === 'friendlyName') out[name] = value.replace(/ @ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/, ' @ <date>');
    if (JSON_TEXT_VARIABLES.has(name) && typeof expected[name] === 'string') out[name] = JSON.parse(value);
  }
  return out;
}

function normaliseExpected(variables: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...variables };
  for (const [name, value] of Object.entries(out)) {
    if (typeof value !== 'string') continue;
    if (name === 'friendlyName') out[name] = value.replace(/ @ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/, ' @ <date>');
    if (JSON_TEXT_VARIABLES.has(name)) out[name] = JSON.parse(value);
  }
  return out;
}

const key = (request: { method: string; path: string; operation_name?: string }) =>
  `${request.method} ${request.path}${request.operation_name ? ` ${request.operation_name}` : ''}`;

/** The variables of a multipart request's `operations` part. */
function operationsVariables(request: TranscriptHttp): Record<string, unknown> {
  const operations = request.multipart?.find((part) => part.name === 'operations')?.value as { variables?: Record<string, unknown> } | undefined;
  return operations?.variables ?? {};
}

/** The recorded requests equal the transcript's, in order, field by field. */
function expectSameHttp(actual: RecordedRequest[], expected: TranscriptHttp[]): void {
  expect(actual.map(key)).toEqual(expected.map(key));
  actual.forEach((request, index) => {
    const wanted = expected[index] as TranscriptHttp;
    const where = `request ${index + 1} (${key(wanted)})`;
    expect({ operation_type: request.operation_type, selection: request.selection }, where).toEqual({
      operation_type: wanted.operation_type,
      selection: wanted.selection,
    });
    expectHeaders(request.headers, wanted.headers, where);
    if (wanted.variables) expect(normaliseVariables(request.variables ?? {}, wanted.variables), where).toEqual(normaliseExpected(wanted.variables));
    if (wanted.multipart) {
      const parts = request.multipart ?? [];
      expect(
        parts.map((part) => part.name),
        where,
      ).toEqual(wanted.multipart.map((part) => part.name));
      parts.forEach((part, partIndex) => {
        const wantedPart = wanted.multipart?.[partIndex] as NonNullable<TranscriptHttp['multipart']>[number];
        if (part.name === 'operations') {
          const wantedVariables = (wantedPart.value as { variables: Record<string, unknown> }).variables;
          const sentVariables = (part.value as { variables: Record<string, unknown> }).variables;
          expect(normaliseVariables(sentVariables, wantedVariables), `${where}: operations`).toEqual(normaliseExpected(wantedVariables));
          return;
        }
        if (wantedPart.filename === undefined) {
          expect(part.value, `${where}: part ${part.name}`).toEqual(wantedPart.value);
          return;
        }
        expect({ filename: part.filename, content_type: part.content_type }, `${where}: part ${part.name}`).toEqual({
          filename: wantedPart.filename,
          content_type: wantedPart.content_type,
        });
        // A JSON file is compared as JSON (Python's spacing aside), any other file byte for byte.
        if (wantedPart.content_type === 'application/json') expect(JSON.parse(part.content ?? ''), where).toEqual(JSON.parse(wantedPart.content ?? ''));
        else expect(part.content, where).toBe(wantedPart.content);
      });
    }
  });
}

describe.skipIf(!broker.available || !transcriptFile.available)('wire parity with the pycti transcript', () => {
  const brokerUrl = new URL(broker.available ? broker.url : 'amqp://localhost');
  // Ids as pycti saw them, read from the transcript itself.
  const registerInput = () => scenario(S.construct).http?.[2]?.variables?.input as { id: string; name: string; scope: string[] };
  const token = () => (scenario(S.construct).http?.[0]?.headers.Authorization ?? '').replace(/^Bearer /, '');
  const workId = () => publishesOf(scenario(S.send))[0]?.body.work_id as string;
  const connectorUserId = () => publishesOf(scenario(S.send))[0]?.body.applicant_id as string;
  const initialState = () => scenario(S.construct).http?.[3]?.variables?.state as string;

  let platform: RecordingPlatform;
  let model: amqp.ChannelModel;
  let channel: amqp.Channel;
  let push: { exchange: string; queue: string; routingKey: string };
  const listen = {
    exchange: uniqueName('transcript.amqp.connector.exchange'),
    queue: uniqueName('transcript.listen'),
    routing: uniqueName('transcript.listen_routing'),
  };
  let running: RunningConnector | undefined;

  beforeAll(async () => {
    model = await amqp.connect(broker.available ? broker.url : '');
    channel = await model.createChannel();
    push = await declarePlatformPushQueue(channel, 'transcript');
    await channel.assertExchange(listen.exchange, 'direct', { durable: true });
    await channel.assertQueue(listen.queue, { durable: true });
    await channel.bindQueue(listen.queue, listen.exchange, listen.routing);
    const connection = {
      host: brokerUrl.hostname,
      port: Number(brokerUrl.port || 5672),
      vhost: decodeURIComponent(brokerUrl.pathname.slice(1)) || '/',
      use_ssl: false,
      user: decodeURIComponent(brokerUrl.username),
      pass: decodeURIComponent(brokerUrl.password),
    };
    const work = (field: string) => (variables: Record<string, unknown>) => ({ workEdit: { [field]: variables.id } });
    platform = await startRecordingPlatform({
      healthCheck: () => ({ about: { version: '6.8.10' } }),
      RegisterConnector: (variables) => ({
        registerConnector: {
          id: (variables.input as { id: string }).id,
          connector_state: initialState(),
          config: {
            connection,
            listen: listen.queue,
            listen_routing: listen.routing,
            listen_exchange: listen.exchange,
            push: push.queue,
            push_routing: push.routingKey,
            push_exchange: push.exchange,
          },
          connector_user_id: connectorUserId(),
        },
      }),
      PingConnector: (variables) => ({ pingConnector: { id: variables.id, connector_state: variables.state, connector_info: variables.connectorInfo } }),
      GetConnector: (variables) => ({
        connector: {
          id: variables.id,
          name: registerInput().name,
          active: true,
          auto: false,
          only_contextual: false,
          connector_type: 'EXTERNAL_IMPORT',
          connector_scope: registerInput().scope,
          connector_state: null,
          connector_queue_details: { messages_number: 0, messages_size: 0 },
          updated_at: '2024-01-01T00:00:00.000Z',
          created_at: '2024-01-01T00:00:00.000Z',
          config: { listen: listen.queue, listen_exchange: listen.exchange, push: push.queue, push_exchange: push.exchange, push_routing: push.routingKey },
          built_in: false,
        },
      }),
      ConnectorDeletionMutation: (variables) => ({ deleteConnector: variables.id }),
      workAdd: () => ({ workAdd: { id: workId() } }),
      workToReceived: work('toReceived'),
      workToProcessed: work('toProcessed'),
      addExpectations: work('addExpectations'),
      UploadPending: () => ({ uploadPending: { id: `import/pending/${workId()}.json`, name: `${workId()}.json` } }),
      StixDomainObjectEdit: () => ({ stixDomainObjectEdit: { exportPush: true } }),
      StixCoreObjectsExportPush: () => ({ stixCoreObjectsExportPush: true }),
      StixBundlePush: () => ({ stixBundlePush: true }),
    });
  });

  afterEach(async () => {
    await running?.stop();
    // The schedule may still be finishing a platform call; the next test starts from silence.
    await running?.done;
    running = undefined;
    platform.requests.length = 0;
    await channel.purgeQueue(push.queue);
    await channel.purgeQueue(listen.queue);
  });

  afterAll(async () => {
    await running?.stop();
    await platform?.close();
    if (channel) {
      await channel.deleteQueue(push.queue);
      await channel.deleteExchange(push.exchange);
      await channel.deleteQueue(listen.queue);
      await channel.deleteExchange(listen.exchange);
    }
    await model?.close();
  });

  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    OPENCTI_URL: platform.url,
    OPENCTI_TOKEN: token(),
    // The transcript's custom header (`X-Custom-Team: cti` on every request).
    OPENCTI_CUSTOM_HEADERS: 'X-Custom-Team: cti',
    CONNECTOR_ID: registerInput().id,
    CONNECTOR_LOG_LEVEL: 'error',
    ...extra,
  });
  const externalEnv = (extra: Record<string, string> = {}) =>
    env({ CONNECTOR_NAME: registerInput().name, CONNECTOR_SCOPE: registerInput().scope.join(','), ...extra });
  const importEnv = (extra: Record<string, string> = {}) => {
    const input = scenario(S.importConstruct).http?.[2]?.variables?.input as { name: string; scope: string[]; auto: boolean };
    return env({ CONNECTOR_NAME: input.name, CONNECTOR_SCOPE: input.scope.join(','), CONNECTOR_AUTO: String(input.auto), ...extra });
  };
  const start = <C extends Parameters<typeof startConnector>[0]>(definition: C, connectorEnv: NodeJS.ProcessEnv) => {
    running = startConnector(definition as ConnectorDefinition<never>, { env: connectorEnv, handleSignals: false, logSink: () => {} });
    return running;
  };
  const operations = (names: (name: string) => boolean) => platform.requests.filter((request) => names(request.operation_name ?? ''));
  const sendScenarioBundle = () => structuredClone(scenario(S.directory).content?.bundle as StixBundle);

  /** Drains the push queue; each message must be the transcript's publish, byte for byte. */
  async function expectSamePublishes(expected: TranscriptPublish[]): Promise<void> {
    const received: amqp.GetMessage[] = [];
    for (;;) {
      const message = await channel.get(push.queue, { noAck: true });
      if (message === false) break;
      received.push(message);
    }
    expect(received).toHaveLength(expected.length);
    received.forEach((message, index) => {
      const wanted = expected[index] as TranscriptPublish;
      const where = `publish ${index + 1}`;
      // The test owns its exchange and routing key; the platform names them as pycti saw.
      expect(message.fields.exchange, where).toBe(push.exchange);
      expect(message.fields.routingKey, where).toBe(push.routingKey);
      expect(wanted.exchange).toBe('amqp.worker.exchange');
      expect(wanted.routing_key).toBe(`push_routing_${registerInput().id}`);
      const { deliveryMode, contentEncoding, contentType } = message.properties;
      expect({ delivery_mode: deliveryMode, content_encoding: contentEncoding, content_type: contentType ?? null }, where).toEqual(wanted.properties);
      // The envelope is pycti's exact bytes (json.dumps: key order, spacing, escapes).
      const body = JSON.parse(message.content.toString('utf8')) as { content: string };
      expect(message.content.toString('utf8').replace(body.content, '<content>'), where).toBe(pythonJsonDumps({ ...wanted.body, content: '<content>' }));
      // Deliberate (stix/splitter.ts serializeSplitBundle): the split bundle inside is compact
      // JSON, where pycti uses Python's spacing; the worker only parses it. Same keys in the
      // same order with the same values: the compact form of pycti's text, byte for byte.
      expect(Buffer.from(body.content, 'base64').toString('utf8'), where).toBe(JSON.stringify(wanted.content_decoded));
    });
  }

  const publishJob = (message: Record<string, unknown>) =>
    channel.publish(listen.exchange, listen.routing, Buffer.from(JSON.stringify(message)), { deliveryMode: 2 });

  it(S.construct, async () => {
    const ran = Promise.withResolvers<void>();
    start(
      defineConnector({
        kind: 'EXTERNAL_IMPORT',
        config: defineConfig(baseConfig('EXTERNAL_IMPORT')),
        async run() {
          ran.resolve();
          return undefined;
        },
      }),
      externalEnv({ CONNECTOR_DURATION_PERIOD: 'PT1H' }),
    );
    await ran.promise;
    await platform.waitFor((request) => request.operation_name === 'PingConnector');
    const expected = scenario(S.construct).http ?? [];
    // Deliberate: pycti builds two API clients (plain and impersonating) that each run the
    // health check; the SDK has one client that adds the applicant per call, so one check.
    expect(expected.map(key).slice(0, 2)).toEqual(['POST /graphql healthCheck', 'POST /graphql healthCheck']);
    expectSameHttp(
      operations((name) => ['healthCheck', 'RegisterConnector', 'PingConnector'].includes(name)),
      expected.slice(1),
    );
  });

  it(S.setState, async () => {
    // One helper call (set_state + force_ping) through the runtime's heartbeat pieces.
    const logger = createLogger({ name: registerInput().name, level: 'error', sink: () => {} });
    const api = createApiClient({ url: platform.url, token: token(), headers: 'X-Custom-Team: cti', logger, env: false });
    const session = new PlatformSession(api, { sendToQueue: true });
    const state = new ConnectorState(initialState());
    state.set({ last_run: 1700000001 });
    const pinged = await pingOnce({
      platform: session,
      connectorId: registerInput().id,
      state,
      info: initialConnectorInfo(500, false),
      logger,
      metrics: createMetrics({ enabled: false }),
    });
    expect(pinged).toBe(true);
    expectSameHttp(platform.requests, scenario(S.setState).http ?? []);
    // The platform echoed the state: nothing was reset.
    expect(state.get()).toEqual({ last_run: 1700000001 });
  });

  it(S.send, async () => {
    const expected = scenario(S.send);
    const { entities_types, update } = scenario(S.directory).content as NonNullable<Scenario['content']>;
    const processed = (expected.http ?? []).find((request) => request.operation_name === 'workToProcessed')?.variables?.message as string;
    const done = start(
      defineConnector({
        kind: 'EXTERNAL_IMPORT',
        config: defineConfig(baseConfig('EXTERNAL_IMPORT')),
        async run(ctx) {
          await ctx.send(sendScenarioBundle(), { entitiesTypes: entities_types, update });
          return processed;
        },
      }),
      externalEnv({ CONNECTOR_RUN_AND_TERMINATE: 'true' }),
    ).done;
    expect(await done).toBe(0);
    expectSameHttp(
      operations((name) => !LIFECYCLE.has(name)),
      expected.http ?? [],
    );
    // Deliberate (sdk-protocol §h.5): pycti opens a connection per send_stix2_bundle (connect,
    // confirm_delivery, publishes, channel.close, connection.close); the SDK publishes on one
    // long-lived confirm channel to the broker the registration named. The publishes match.
    expect((expected.amqp ?? []).map((op) => op.op).filter((op) => op !== 'basic_publish')).toEqual([
      'connect',
      'confirm_delivery',
      'channel.close',
      'connection.close',
    ]);
    expect(publishesOf(expected).every((publish) => publish.mandatory === false)).toBe(true);
    await expectSamePublishes(publishesOf(expected));
  });

  it(S.directory, async () => {
    const expected = scenario(S.directory);
    const { bundle, entities_types, update } = expected.content as NonNullable<Scenario['content']>;
    const directory = await mkdtemp(path.join(tmpdir(), 'opencti-ts-transcript-'));
    try {
      const done = start(
        defineConnector({
          kind: 'EXTERNAL_IMPORT',
          config: defineConfig(baseConfig('EXTERNAL_IMPORT')),
          async run(ctx) {
            await ctx.send(structuredClone(bundle), { entitiesTypes: entities_types, update });
            return 'Sent';
          },
        }),
        externalEnv({ CONNECTOR_RUN_AND_TERMINATE: 'true', CONNECTOR_SEND_TO_DIRECTORY: 'true', CONNECTOR_SEND_TO_DIRECTORY_PATH: directory }),
      ).done;
      expect(await done).toBe(0);
      const [name, ...others] = await readdir(directory);
      expect(others).toEqual([]);
      // pycti: <name lower-cased, spaces → _>-<YYYYmmdd-HHMMSS>-<epoch seconds>.json (timestamps aside).
      const shape = (file: string) => file.replace(/\d/g, '9').replace(/\.9+\.json$/, '.json');
      expect(shape(name ?? '')).toBe(shape(expected.file_name_pattern_example ?? ''));
      const written = JSON.parse(await readFile(path.join(directory, name ?? ''), 'utf8')) as Record<string, unknown>;
      expect(Object.keys(written)).toEqual(Object.keys(expected.content ?? {}));
      expect(written).toEqual(expected.content);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it(S.buffering, async () => {
    const logger = createLogger({ name: registerInput().name, level: 'error', sink: () => {} });
    const session = new PlatformSession(createApiClient({ url: platform.url, token: token(), headers: 'X-Custom-Team: cti', logger, env: false }), {
      sendToQueue: true,
    });
    expect(await session.queueSizeMb(registerInput().id)).toBe(0);
    expectSameHttp(platform.requests, scenario(S.buffering).http ?? []);
  });

  it(S.stop, async () => {
    // Deliberate (sdk-protocol §b.4): a runtime stop never deletes the connector; pycti's
    // stop() does, and the SDK's explicit unregistration sends the same mutation.
    const logger = createLogger({ name: registerInput().name, level: 'error', sink: () => {} });
    const session = new PlatformSession(createApiClient({ url: platform.url, token: token(), headers: 'X-Custom-Team: cti', logger, env: false }), {
      sendToQueue: true,
    });
    await session.unregister(registerInput().id);
    expectSameHttp(platform.requests, scenario(S.stop).http ?? []);
  });

  const importDefinition = (handle: (event: ImportFileEvent, ctx: ImportFileContext<unknown>) => Promise<string | undefined>) =>
    defineConnector({ kind: 'INTERNAL_IMPORT_FILE', config: defineConfig(baseConfig('INTERNAL_IMPORT_FILE')), handle });

  it(S.importConstruct, async () => {
    start(
      importDefinition(async () => undefined),
      importEnv(),
    );
    await platform.waitFor((request) => request.operation_name === 'PingConnector');
    const expected = scenario(S.importConstruct).http ?? [];
    // One health check, as for the external import above.
    expectSameHttp(platform.requests, expected.slice(1));
  });

  it(S.importMessage, () => {
    // The platform's message, as pycti's _data_handler received it, parsed by the SDK.
    const message = scenario(S.importMessage).message as { internal: Record<string, unknown>; event: Record<string, unknown> };
    const job = parseJob('INTERNAL_IMPORT_FILE', message);
    expect(job.internal).toMatchObject({
      workId: message.internal.work_id,
      applicantId: message.internal.applicant_id,
      draftId: null,
      trigger: message.internal.trigger,
      mode: message.internal.mode,
    });
    expect(job.event).toMatchObject({
      kind: 'INTERNAL_IMPORT_FILE',
      fileId: message.event.file_id,
      fileMime: message.event.file_mime,
      fileMarkings: message.event.file_markings,
      fileFetch: message.event.file_fetch,
      entityId: null,
      validationMode: message.event.validation_mode,
      bypassValidation: false,
      forceValidation: false,
    });
  });

  it(S.importHandler, async () => {
    const expected = scenario(S.importHandler);
    const message = scenario(S.importMessage).message as { event: { file_id: string } };
    platform.files.set(message.event.file_id, { content: pythonJsonDumps(sendScenarioBundle()), mimeType: 'application/json' });
    start(
      importDefinition(async (_event, ctx) => {
        const chunks: Buffer[] = [];
        for await (const chunk of await ctx.readFile({ maxBytes: 10_000_000 })) chunks.push(chunk as Buffer);
        const result = await ctx.send(JSON.parse(Buffer.concat(chunks).toString('utf8')) as StixBundle);
        return `${result.bundles} generated bundle(s) for worker import`;
      }),
      importEnv(),
    );
    await platform.waitFor((request) => request.operation_name === 'PingConnector');
    publishJob(scenario(S.importMessage).message ?? {});
    await platform.waitFor((request) => request.operation_name === 'workToProcessed');
    const traffic = operations((name) => !LIFECYCLE.has(name));
    // Deliberate: the SDK downloads the job's file as the job's applicant (least privilege;
    // the platform ignores the header unless the token may impersonate); pycti's import
    // connectors use the helper's plain client.
    const download = traffic.find((request) => request.method === 'GET');
    const applicant = (scenario(S.importMessage).message as { internal: { applicant_id: string } }).internal.applicant_id;
    expect(download?.headers['opencti-applicant-id']).toBe(applicant);
    if (download) delete download.headers['opencti-applicant-id'];
    expectSameHttp(traffic, expected.http ?? []);
    await expectSamePublishes(publishesOf(expected));
  });

  it(S.importRaises, async () => {
    const expected = scenario(S.importRaises);
    const failure = (expected.http ?? []).find((request) => request.operation_name === 'workToProcessed')?.variables?.message as string;
    start(
      importDefinition(async () => {
        throw new InputError('UNSUPPORTED_FILE', failure);
      }),
      importEnv(),
    );
    await platform.waitFor((request) => request.operation_name === 'PingConnector');
    publishJob(scenario(S.importMessage).message ?? {});
    await platform.waitFor((request) => request.operation_name === 'workToProcessed');
    expectSameHttp(
      operations((name) => !LIFECYCLE.has(name)),
      expected.http ?? [],
    );
    await expectSamePublishes([]);
  });

  it(S.validation, async () => {
    const expected = scenario(S.validation);
    const upload = expected.http?.[0] as TranscriptHttp;
    const variables = operationsVariables(upload) as { entityId: string; file_markings: string[] };
    const bundle = JSON.parse(upload.multipart?.[2]?.content ?? '{}') as StixBundle;
    start(
      importDefinition(async (_event, ctx) => {
        const result = await ctx.send(bundle, { entityId: variables.entityId, fileMarkings: variables.file_markings });
        expect(result).toMatchObject({ bundles: 0, validation: 'workbench' });
        return 'Sent for validation';
      }),
      importEnv({ CONNECTOR_VALIDATE_BEFORE_IMPORT: 'true' }),
    );
    await platform.waitFor((request) => request.operation_name === 'PingConnector');
    publishJob(scenario(S.importMessage).message ?? {});
    await platform.waitFor((request) => request.operation_name === 'workToProcessed');
    // pycti's scenario is the send_stix2_bundle call alone; the job's work calls around it
    // are the _data_handler scenario's.
    expectSameHttp(
      operations((name) => !LIFECYCLE.has(name) && !WORK_CALLS.has(name)),
      expected.http ?? [],
    );
    // Nothing is queued and no expectation is added (sdk-protocol §c.2).
    expect(operations((name) => name === 'addExpectations')).toEqual([]);
    await expectSamePublishes([]);
  });

  it(S.exports, async () => {
    const expected = scenario(S.exports).http ?? [];
    const parts = expected.map((request) => {
      const variables = operationsVariables(request);
      return { variables, file: request.multipart?.[2] as { filename: string; content_type: string; content: string } };
    });
    const [single, list] = parts as [(typeof parts)[number], (typeof parts)[number]];
    const internal = (scenario(S.importMessage).message as { internal: Record<string, unknown> }).internal;
    const singleJob = {
      internal: { work_id: internal.work_id, applicant_id: internal.applicant_id },
      event: {
        event_type: 'INTERNAL_EXPORT_FILE',
        file_name: single.file.filename,
        format: 'text/csv',
        export_scope: 'single',
        entity_id: single.variables.id,
        entity_name: 'Emotet',
        entity_type: 'Malware',
        export_type: 'simple',
        file_markings: single.variables.file_markings,
      },
    };
    const listJob = {
      internal: { work_id: internal.work_id, applicant_id: internal.applicant_id },
      event: {
        file_name: list.file.filename,
        format: 'text/csv',
        export_type: 'simple',
        entity_id: list.variables.entity_id,
        entity_name: 'global',
        entity_type: list.variables.entity_type,
        file_markings: list.variables.file_markings,
        export_scope: 'query',
        list_params: JSON.parse(list.variables.listFilters as string) as unknown,
      },
    };
    const contents = new Map([
      [single.file.filename, { content: single.file.content, mimeType: single.file.content_type }],
      // pycti's push_list_export passes no MIME type (the part defaults to text/plain).
      [list.file.filename, { content: list.file.content, mimeType: undefined }],
    ]);
    start(
      defineConnector({
        kind: 'INTERNAL_EXPORT_FILE',
        config: defineConfig(baseConfig('INTERNAL_EXPORT_FILE')),
        async handle(event, ctx) {
          const file = contents.get(event.fileName);
          if (!file) throw new InputError('UNEXPECTED_EXPORT', event.fileName);
          await ctx.uploadExport(file.content, file.mimeType ? { mimeType: file.mimeType } : {});
          return 'Export done';
        },
      }),
      env({ CONNECTOR_NAME: 'ExportFileCsv', CONNECTOR_SCOPE: 'text/csv' }),
    );
    await platform.waitFor((request) => request.operation_name === 'PingConnector');
    publishJob(singleJob);
    publishJob(listJob);
    await platform.waitFor((request) => request.operation_name === 'workToProcessed' && operations((name) => name === 'workToProcessed').length === 2);
    expectSameHttp(
      operations((name) => !LIFECYCLE.has(name) && !WORK_CALLS.has(name)),
      expected,
    );
  });

  it(S.apiProtocol, async () => {
    const expected = scenario(S.apiProtocol).http ?? [];
    const bundle = JSON.parse(expected[0]?.variables?.bundle as string) as StixBundle;
    const done = start(
      defineConnector({
        kind: 'EXTERNAL_IMPORT',
        config: defineConfig(baseConfig('EXTERNAL_IMPORT')),
        async run(ctx) {
          await ctx.send(bundle);
          return 'Sent';
        },
      }),
      externalEnv({ CONNECTOR_RUN_AND_TERMINATE: 'true', CONNECTOR_QUEUE_PROTOCOL: 'api' }),
    ).done;
    expect(await done).toBe(0);
    // The run's own work (workAdd, workToProcessed) is the send scenario's; in API mode no
    // expectation is added and nothing reaches the broker (sdk-protocol §c.3).
    expectSameHttp(
      operations((name) => !LIFECYCLE.has(name) && !WORK_CALLS.has(name)),
      expected,
    );
    await expectSamePublishes([]);
  });

  it('covers every scenario of the transcript', () => {
    expect(scenarios.map((entry) => entry.scenario).sort()).toEqual(Object.values(S).sort());
  });
});
