// The stand-in on the real broker, driven over HTTP and AMQP like connectors drive OpenCTI.
import { randomUUID } from 'node:crypto';
import { requireId, TLP_MARKING_IDS } from '@opencti-ts/sdk/stix';
import { rabbitMq } from '@opencti-ts/testing';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCUMENTS as D, dataOf, gql, gqlUpload } from './__fixtures__/documents.ts';
import { queueArguments } from './broker.ts';
import { type PlatformSim, startPlatformSim } from './sim.ts';

const broker = await rabbitMq();

// Standard ids, as the platform recomputes them.
const IP = { type: 'ipv4-addr', id: requireId({ type: 'ipv4-addr', value: '198.51.100.7' }), spec_version: '2.1', value: '198.51.100.7' };
const REPORT = {
  type: 'report',
  id: requireId({ type: 'report', name: 'APT report', published: '2026-01-15T10:00:00.000Z' }),
  spec_version: '2.1',
  name: 'APT report',
  published: '2026-01-15T10:00:00.000Z',
  object_refs: [IP.id],
  labels: ['apt'],
};

interface Config {
  listen: string;
  listen_routing: string;
  push: string;
  push_routing: string;
  push_exchange: string;
  connection: Record<string, unknown>;
}

describe.skipIf(!broker.available)('platform stand-in', () => {
  let sim: PlatformSim;
  let connection: amqp.ChannelModel;
  let channel: amqp.Channel;
  const ask = (query: string, variables: Record<string, unknown> = {}, token = sim.token) => gql(sim.url, token, query, variables);
  const register = async (input: Record<string, unknown>) => {
    const id = randomUUID();
    const data = dataOf(await ask(D.register, { input: { id, scope: [], auto: false, ...input } }));
    return { id, connector: data.registerConnector as Record<string, unknown> & { config: Config } };
  };
  /** The next message of a listen queue, parsed. */
  const nextMessage = async (queue: string) => {
    for (let i = 0; i < 100; i += 1) {
      const message = await channel.get(queue, { noAck: true });
      if (message) return { body: JSON.parse(message.content.toString('utf8')) as Record<string, Record<string, unknown>>, properties: message.properties };
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new RangeError(`no message on ${queue}`);
  };
  const waitFor = async <T>(probe: () => Promise<T | undefined>): Promise<T> => {
    for (let i = 0; i < 200; i += 1) {
      const value = await probe();
      if (value !== undefined) return value;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new RangeError('condition never met');
  };

  beforeAll(async () => {
    if (!broker.available) return;
    sim = await startPlatformSim({ rabbitmqUrl: broker.url, bundle: { objects: [IP, REPORT] } });
    connection = await amqp.connect(broker.url);
    channel = await connection.createChannel();
  });
  afterAll(async () => {
    await connection?.close();
    await sim?.stop();
  });

  describe('authentication and capabilities', () => {
    it('answers HTTP 200 with AUTH_REQUIRED for an anonymous request', async () => {
      const answer = await gql(sim.url, undefined, D.about);
      expect(answer.status).toBe(200);
      expect(answer.body.errors?.[0]).toMatchObject({ name: 'AUTH_REQUIRED', message: 'You must be logged in to do this.' });
    });

    it.each([
      ['admin token, no header', 'admin', undefined, 'admin'],
      ['admin token impersonating the connector user', 'admin', 'connector', 'connector'],
      ['connector token impersonating the admin (ignored)', 'connector', 'admin', 'connector'],
    ])('%s (token %s, applicant %s) → runs as %s', async (_title, who, applicant, expected) => {
      const token = who === 'admin' ? sim.token : sim.connectorToken;
      const applicantId = applicant === 'admin' ? sim.platform.admin.id : applicant === 'connector' ? sim.platform.connectorUser.id : undefined;
      const answer = await gql(sim.url, token, D.me, {}, applicantId ? { 'opencti-applicant-id': applicantId } : {});
      expect((dataOf(answer).me as { name: string }).name).toBe(expected);
    });

    it('refuses an unknown applicant for a BYPASS token', async () => {
      const answer = await gql(sim.url, sim.token, D.me, {}, { 'opencti-applicant-id': randomUUID() });
      expect(answer.body.errors?.[0]?.message).toBe('Cant impersonate applicant');
    });

    it('hides connector_user without SETTINGS_SETACCESSES and forbids what the Connector role lacks', async () => {
      await register({ name: 'Caps', type: 'EXTERNAL_IMPORT' });
      const asConnector = await ask(D.connectors, {}, sim.connectorToken);
      expect(asConnector.body.errors).toBeUndefined();
      expect((dataOf(asConnector).connectors as { connector_user: unknown }[]).every((c) => c.connector_user === null)).toBe(true);
      const asAdmin = dataOf(await ask(D.connectors));
      expect((asAdmin.connectors as { connector_user: { api_token: string } }[])[0]?.connector_user.api_token).toBe(sim.token);
    });

    it('rejects a document with two workEdit calls', async () => {
      const answer = await ask('mutation { a: workEdit(id: "x") { ping } b: workEdit(id: "y") { ping } }');
      expect(answer.status).toBe(200);
      expect(answer.body.errors?.[0]?.name).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(answer.body.data).toBeUndefined();
    });

    it('serves GET /schema to authenticated users and /health', async () => {
      const schema = await fetch(`${sim.url}/schema`, { headers: { authorization: `Bearer ${sim.connectorToken}` } });
      expect(schema.status).toBe(200);
      const body = (await schema.json()) as { version: string; schema: string };
      expect(body.version).toBe('6.9.17');
      expect(body.schema).toContain('registerConnector(input: RegisterConnectorInput): Connector');
      expect((await fetch(`${sim.url}/schema`)).status).toBe(401);
      const health = await fetch(`${sim.url}/health`);
      expect(await health.json()).toEqual({ status: 'success' });
    });
  });

  describe('connectors', () => {
    it('declares the §3 topology on the broker and returns the config', async () => {
      const { id, connector } = await register({ name: 'Topology', type: 'INTERNAL_ENRICHMENT', scope: ['IPv4-Addr'] });
      const names = sim.platform.broker.names;
      expect(connector.config).toMatchObject({
        listen: names.listen(id),
        listen_routing: names.listenRouting(id),
        listen_exchange: names.connectorExchange,
        push: names.push(id),
        push_routing: names.pushRouting(id),
        push_exchange: names.workerExchange,
        dead_letter_routing: `${names.prefix}listen_routing_too-large-bundle`,
        listen_callback_uri: null,
      });
      expect(connector.config.connection).toMatchObject({ host: '127.0.0.1', port: 5672, vhost: '/', use_ssl: false });
      expect(connector.connector_user_id).toBe(sim.platform.admin.id);
      const probe = await connection.createChannel();
      probe.on('error', () => {}); // the 406 below closes this channel
      for (const queue of [names.listen(id), names.push(id)]) await expect(probe.checkQueue(queue)).resolves.toMatchObject({ queue });
      // Re-declaring with the platform's exact arguments is accepted; another x-queue-type is refused (406).
      const args = queueArguments({ id, name: 'Topology', type: 'INTERNAL_ENRICHMENT', scope: ['IPv4-Addr'] }, 'classic');
      await expect(probe.assertQueue(names.listen(id), { durable: true, arguments: args })).resolves.toBeTruthy();
      await expect(probe.assertQueue(names.push(id), { durable: true, arguments: { ...args, 'x-queue-type': 'quorum' } })).rejects.toThrow(
        /PRECONDITION_FAILED/,
      );
      // Routing: a message on the connector exchange with the listen routing key lands in the listen queue.
      const check = await connection.createChannel();
      check.publish(names.connectorExchange, names.listenRouting(id), Buffer.from('{}'));
      expect((await nextMessage(names.listen(id))).body).toEqual({});
      await check.close();
    });

    it('keeps the state across registrations and performs the reset handshake', async () => {
      const { id } = await register({ name: 'Stateful', type: 'EXTERNAL_IMPORT' });
      const info = { run_and_terminate: false, buffering: false, queue_threshold: 500, queue_messages_size: 0 };
      const ping = async (state: string) =>
        (dataOf(await ask(D.ping, { id, state, connectorInfo: info })).pingConnector as { connector_state: string }).connector_state;
      expect(await ping('{"last_run": 1}')).toBe('{"last_run": 1}');
      await register({ name: 'Stateful', type: 'EXTERNAL_IMPORT' }).catch(() => {});
      const again = dataOf(await ask(D.register, { input: { id, name: 'Stateful', type: 'EXTERNAL_IMPORT' } }));
      expect((again.registerConnector as { connector_state: string }).connector_state).toBe('{"last_run": 1}');
      const reset = dataOf(await ask(D.reset, { id })).resetStateConnector;
      expect(reset).toMatchObject({ connector_state: '', connector_state_reset: true });
      // The first ping after a reset only clears the flag and answers "".
      expect(await ping('{"last_run": 1}')).toBe('');
      expect(await ping('null')).toBe('null');
      const unknown = await ask(D.ping, { id: randomUUID(), state: 'null', connectorInfo: info });
      expect(unknown.body.errors?.[0]?.message).toBe('No connector found with the specified ID');
    });

    it('lists connectors with active = pinged less than 5 minutes ago', async () => {
      const { id } = await register({ name: 'Aging', type: 'EXTERNAL_IMPORT' });
      const activeOf = async () => (dataOf(await ask(D.connectors)).connectors as { id: string; active: boolean }[]).find((c) => c.id === id)?.active;
      expect(await activeOf()).toBe(true);
      const realNow = sim.platform.now;
      sim.platform.now = () => realNow() + 5 * 60_000;
      try {
        expect(await activeOf()).toBe(false);
      } finally {
        sim.platform.now = realNow;
      }
    });
  });

  describe('worker and works', () => {
    it('imports a §7.1 message published with amqplib and completes the work on the last expectation', async () => {
      const { id, connector } = await register({ name: 'Importer', type: 'EXTERNAL_IMPORT' });
      const workId = (dataOf(await ask(D.workAdd, { connectorId: id, friendlyName: 'run' })).workAdd as { id: string }).id;
      const malware = { type: 'malware', id: `malware--${randomUUID()}`, spec_version: '2.1', name: 'Sim-Malware', is_family: true };
      const rel = {
        type: 'relationship',
        id: `relationship--${randomUUID()}`,
        spec_version: '2.1',
        relationship_type: 'related-to',
        source_ref: malware.id,
        target_ref: IP.id,
      };
      dataOf(await ask(D.addExpectations, { id: workId, expectations: 2 }));
      const publisher = await connection.createConfirmChannel();
      for (const [seq, object] of [malware, rel].entries()) {
        const bundle = { type: 'bundle', id: `bundle--${randomUUID()}`, spec_version: '2.1', x_opencti_seq: seq, objects: [object] };
        const body = {
          bundle_type: 'QUEUE_BUNDLE',
          applicant_id: sim.platform.connectorUser.id,
          action_sequence: 1,
          entities_types: [],
          content: Buffer.from(JSON.stringify(bundle)).toString('base64'),
          update: false,
          draft_id: null,
          work_id: workId,
        };
        publisher.publish(connector.config.push_exchange, connector.config.push_routing, Buffer.from(JSON.stringify(body)), {
          deliveryMode: 2,
          contentEncoding: 'utf-8',
        });
        await publisher.waitForConfirms();
      }
      await publisher.close();
      dataOf(await ask(D.toProcessed, { id: workId, message: '2 bundles', inError: false }));
      const work = await waitFor(async () => {
        const value = dataOf(await ask(D.work, { id: workId })).work as { status: string };
        return value.status === 'complete' ? value : undefined;
      });
      expect(work).toMatchObject({ completed_number: 2, tracking: { import_expected_number: 2, import_processed_number: 2 }, errors: [] });
      const rels = dataOf(await ask(D.relationships, { fromId: [malware.id] })).stixCoreRelationships as { edges: { node: Record<string, unknown> }[] };
      expect(rels.edges[0]?.node).toMatchObject({ relationship_type: 'related-to', to: { standard_id: IP.id } });
      const stored = sim.platform.store.resolve(malware.id);
      expect(stored?.creator_id).toBe(sim.platform.connectorUser.id);
    });

    it('splits a multi-object stixBundlePush, and upserts by standard id', async () => {
      const { id } = await register({ name: 'Pusher', type: 'EXTERNAL_IMPORT' });
      const workId = (dataOf(await ask(D.workAdd, { connectorId: id })).workAdd as { id: string }).id;
      const domain = { type: 'domain-name', id: `domain-name--${randomUUID()}`, spec_version: '2.1', value: 'example.org' };
      const again = { ...domain, id: `domain-name--${randomUUID()}`, x_opencti_score: 80 };
      const bundle = { type: 'bundle', id: `bundle--${randomUUID()}`, objects: [domain, again] };
      expect(dataOf(await ask(D.bundlePush, { connectorId: id, bundle: JSON.stringify(bundle), work_id: workId })).stixBundlePush).toBe(true);
      const work = await waitFor(async () => {
        const value = dataOf(await ask(D.work, { id: workId })).work as { tracking: { import_processed_number: number } };
        return value.tracking.import_processed_number === 2 ? value : undefined;
      });
      expect(work.tracking).toMatchObject({ import_expected_number: 2 });
      const list = dataOf(await ask(D.coreObjects, { types: ['Domain-Name'] })).stixCoreObjects as { edges: { node: { standard_id: string } }[] };
      expect(list.edges).toHaveLength(1);
      expect(JSON.parse(String(dataOf(await ask(D.stix, { id: again.id })).stix))).toMatchObject({ value: 'example.org', x_opencti_score: 80 });
    });

    it('nacks what it cannot read and drops bundles of deleted works', async () => {
      const { id, connector } = await register({ name: 'Garbage', type: 'EXTERNAL_IMPORT' });
      const publisher = await connection.createConfirmChannel();
      publisher.publish(connector.config.push_exchange, connector.config.push_routing, Buffer.from('not json'));
      await publisher.waitForConfirms();
      await publisher.close();
      const probe = await connection.createChannel();
      await waitFor(async () => ((await probe.checkQueue(sim.platform.broker.names.push(id))).messageCount === 0 ? true : undefined));
      await probe.close();
      const workId = (dataOf(await ask(D.workAdd, { connectorId: id })).workAdd as { id: string }).id;
      dataOf(await ask('mutation D($id: ID!) { workEdit(id: $id) { delete } }', { id: workId }));
      expect(dataOf(await ask(D.isWorkAlive, { id: workId })).isWorkAlive).toBe(false);
    });
  });

  describe('listen messages (§5)', () => {
    it('manual enrichment: applicant null, stix_entity as a JSON string', async () => {
      const { id, connector } = await register({ name: 'Enricher', type: 'INTERNAL_ENRICHMENT', scope: ['IPv4-Addr'] });
      const work = (dataOf(await ask(D.askEnrichment, { id: IP.id, connectorId: id })).stixCoreObjectEdit as { askEnrichment: { id: string } }).askEnrichment;
      const { body, properties } = await nextMessage(connector.config.listen);
      expect(properties.deliveryMode).toBe(2);
      expect(Object.keys(body)).toEqual(['internal', 'event']);
      expect(body.internal).toEqual({ work_id: work.id, applicant_id: null, draft_id: null, mode: 'manual', trigger: 'update' });
      expect(Object.keys(body.event ?? {})).toEqual(['event_type', 'entity_id', 'entity_type', 'stix_entity', 'stix_objects']);
      expect(body.event).toMatchObject({ event_type: 'INTERNAL_ENRICHMENT', entity_id: IP.id, entity_type: 'IPv4-Addr', stix_objects: null });
      expect(typeof body.event?.stix_entity).toBe('string');
      expect(JSON.parse(String(body.event?.stix_entity))).toMatchObject({ id: IP.id, type: 'ipv4-addr', spec_version: '2.1', value: '198.51.100.7' });
      const stored = dataOf(await ask(D.work, { id: work.id })).work;
      expect(stored).toMatchObject({ name: 'Manual enrichment', status: 'wait', event_source_id: IP.id });
    });

    it('automatic enrichment on creation for auto connectors in scope', async () => {
      const { id, connector } = await register({ name: 'Auto', type: 'INTERNAL_ENRICHMENT', scope: ['url'], auto: true });
      const url = { type: 'url', id: `url--${randomUUID()}`, spec_version: '2.1', value: `https://${randomUUID()}.example` };
      const workId = (dataOf(await ask(D.workAdd, { connectorId: id })).workAdd as { id: string }).id;
      await ask(D.bundlePush, { connectorId: id, bundle: JSON.stringify({ type: 'bundle', id: `bundle--${randomUUID()}`, objects: [url] }), work_id: workId });
      const { body } = await nextMessage(connector.config.listen);
      expect(body.internal).toMatchObject({ applicant_id: null, mode: 'auto', trigger: 'create' });
      expect(body.event).toMatchObject({ event_type: 'INTERNAL_ENRICHMENT', entity_type: 'Url' });
    });

    it('import of a global file: no entity_id key, no event_type, configuration present', async () => {
      const { id, connector } = await register({ name: 'Importer file', type: 'INTERNAL_IMPORT_FILE', scope: ['application/json'] });
      const upload = await gqlUpload(
        sim.url,
        sim.token,
        D.uploadImport,
        { fileMarkings: [] },
        { name: 'Enterprise-Attack.JSON', content: '{"type":"bundle"}', type: 'text/plain' },
      );
      const file = dataOf(upload).uploadImport as { id: string; metaData: { mimetype: string } };
      expect(file).toMatchObject({ id: 'import/global/enterprise-attack.json', metaData: { mimetype: 'application/json' } });
      dataOf(
        await ask(D.askJobImport, { fileName: file.id, connectorId: id, bypassValidation: false, validationMode: 'workbench', configuration: '{"csv":1}' }),
      );
      const { body } = await nextMessage(connector.config.listen);
      expect(Object.keys(body)).toEqual(['internal', 'event', 'configuration']);
      expect(body.internal).toMatchObject({ applicant_id: sim.platform.admin.id, draft_id: null, trigger: 'update', mode: 'auto' });
      expect(body.event).toEqual({
        file_id: file.id,
        file_mime: 'application/json',
        file_markings: [],
        file_fetch: `/storage/get/${file.id}`,
        validation_mode: 'workbench',
        bypass_validation: false,
        force_validation: false,
      });
      expect(body.configuration).toBe('{"csv":1}');
    });

    it('import of an entity file: automatic for auto connectors, entity_id = internal id', async () => {
      const { connector } = await register({ name: 'Auto importer', type: 'INTERNAL_IMPORT_FILE', scope: [], auto: true });
      const report = sim.platform.store.resolve(REPORT.id);
      dataOf(await gqlUpload(sim.url, sim.token, D.importPush, { id: REPORT.id }, { name: 'notes.txt', content: 'hello' }));
      const { body } = await nextMessage(connector.config.listen);
      expect(body.event).toMatchObject({ file_id: `import/Report/${report?.internal_id}/notes.txt`, file_mime: 'text/plain', entity_id: report?.internal_id });
      expect(body.configuration).toBeNull();
    });

    it('single-entity export: event_type, entity_id internal, filters', async () => {
      const { connector } = await register({ name: 'ExportFileStix2', type: 'INTERNAL_EXPORT_FILE', scope: ['application/vnd.oasis.stix+json'] });
      const report = sim.platform.store.resolve(REPORT.id);
      const input = { format: 'application/vnd.oasis.stix+json', exportType: 'full', contentMaxMarkings: [], fileMarkings: [] };
      const files = (dataOf(await ask(D.entityExportAsk, { id: REPORT.id, input })).stixCoreObjectEdit as { exportAsk: { id: string; name: string }[] })
        .exportAsk;
      const { body } = await nextMessage(connector.config.listen);
      expect(body.internal).toEqual({ work_id: files[0]?.id, applicant_id: sim.platform.admin.id, trigger: null, mode: 'manual' });
      expect(body.event).toEqual({
        event_type: 'INTERNAL_EXPORT_FILE',
        file_name: files[0]?.name,
        format: 'application/vnd.oasis.stix+json',
        export_scope: 'single',
        entity_id: report?.internal_id,
        entity_name: 'APT report',
        entity_type: 'Report',
        export_type: 'full',
        file_markings: [],
        main_filter: { mode: 'and', filters: [{ key: 'ids', values: [report?.internal_id], mode: 'or', operator: 'eq' }], filterGroups: [] },
        access_filter: { mode: 'and', filters: [], filterGroups: [] },
      });
      expect(files[0]?.name).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z_TLP:ALL_\(ExportFileStix2\)_Report-APT report_full\.json$/);
    });

    it.each([
      ['query', undefined],
      ['selection', [IP.id]],
    ])('list export (%s scope)', async (scope, selectedIds) => {
      const { connector } = await register({ name: `Csv ${scope}`, type: 'INTERNAL_EXPORT_FILE', scope: ['text/csv'] });
      const filters = { mode: 'and', filters: [{ key: ['entity_type'], values: ['Report'], operator: 'eq', mode: 'or' }], filterGroups: [] };
      const input = {
        format: 'text/csv',
        exportType: 'simple',
        contentMaxMarkings: [],
        fileMarkings: [],
        exportContext: { entity_type: 'Stix-Core-Object' },
        filters,
        orderBy: 'created_at',
        orderMode: 'desc',
        selectedIds,
      };
      dataOf(await ask(D.listExportAsk, { input }));
      const { body } = await nextMessage(connector.config.listen);
      expect(Object.keys(body.internal ?? {})).toEqual(['work_id', 'applicant_id']);
      expect(body.event).not.toHaveProperty('entity_id');
      expect(body.event).toMatchObject({
        export_scope: scope,
        entity_name: 'global',
        entity_type: 'Stix-Core-Object',
        format: 'text/csv',
        export_type: 'simple',
      });
      if (scope === 'query') {
        expect(body.event).not.toHaveProperty('event_type');
        expect(body.event?.list_params).toEqual({ orderBy: 'created_at', orderMode: 'desc', filters });
      } else {
        expect(body.event).toMatchObject({ event_type: 'INTERNAL_EXPORT_FILE', selected_ids: [IP.id] });
      }
    });
  });

  describe('files', () => {
    it('stores exports and serves /storage/get and /storage/view with the platform statuses', async () => {
      await gqlUpload(sim.url, sim.token, D.exportPush, { id: REPORT.id, file_markings: [] }, { name: 'Report.JSON', content: '{"a":1}' });
      const files = dataOf(await ask(D.exportFiles, { id: REPORT.id })).stixCoreObject as { exportFiles: { edges: { node: { id: string; name: string } }[] } };
      const file = files.exportFiles.edges[0]?.node;
      expect(file?.name).toBe('Report.JSON');
      const get = await fetch(`${sim.url}/storage/get/${file?.id}`, { headers: { authorization: `Bearer ${sim.connectorToken}` } });
      expect(get.status).toBe(200);
      expect(get.headers.get('content-disposition')).toMatch(/^attachment/);
      expect(await get.text()).toBe('{"a":1}');
      const view = await fetch(`${sim.url}/storage/view/${file?.id}`, { headers: { authorization: `Bearer ${sim.token}` } });
      expect(view.headers.get('content-disposition')).toMatch(/^inline/);
      expect(view.headers.get('content-security-policy')).toBe('sandbox');
      expect(view.headers.get('content-type')).toBe('application/json');
      expect((await fetch(`${sim.url}/storage/get/${file?.id}`)).status).toBe(403);
      const missing = await fetch(`${sim.url}/storage/get/export/nothing.json`, { headers: { authorization: `Bearer ${sim.token}` } });
      expect(missing.status).toBe(503);
      expect(await missing.json()).toEqual({ status: 'error', error: 'File not found or restricted' });
    });

    it('stores list exports with their list filters', async () => {
      const push = await gqlUpload(
        sim.url,
        sim.token,
        D.listExportPush,
        { entity_type: 'Stix-Core-Object', file_markings: [], listFilters: '{"x":1}' },
        { name: 'list.csv', content: 'a,b' },
      );
      expect(dataOf(push).stixCoreObjectsExportPush).toBe(true);
      expect(sim.platform.files.get('export/Stix-Core-Object/list.csv')?.metaData).toMatchObject({ mimetype: 'text/csv', list_filters: '{"x":1}' });
    });
  });

  describe('marking definitions', () => {
    const CLEAR = TLP_MARKING_IDS['TLP:CLEAR'];
    const GREEN = TLP_MARKING_IDS['TLP:GREEN'];
    const statement = (id: string, text: string) => ({
      type: 'marking-definition',
      id,
      spec_version: '2.1',
      created: '2020-01-01T00:00:00.000Z',
      definition_type: 'statement',
      definition: { statement: text },
    });
    // What some feeds send: a statement marking under the id of a built-in TLP marking.
    const impostor = statement(CLEAR, 'custom');
    const copyright = statement(`marking-definition--${randomUUID()}`, 'Copyright 2020 Example Corp');
    // STIX 2.1's own TLP:GREEN, definition as an object.
    const stixGreen = {
      type: 'marking-definition',
      id: GREEN,
      spec_version: '2.1',
      created: '2017-01-20T00:00:00.000Z',
      definition_type: 'tlp',
      name: 'TLP:GREEN',
      definition: { tlp: 'green' },
    };
    const marked = {
      type: 'malware',
      id: `malware--${randomUUID()}`,
      spec_version: '2.1',
      name: 'Marked malware',
      is_family: true,
      object_marking_refs: [CLEAR, copyright.id, GREEN],
    };

    it('keeps the built-in TLP markings when a bundle reuses their ids, and stores definitions as strings', async () => {
      const { id } = await register({ name: 'Marked importer', type: 'EXTERNAL_IMPORT' });
      const workId = (dataOf(await ask(D.workAdd, { connectorId: id })).workAdd as { id: string }).id;
      const bundle = { type: 'bundle', id: `bundle--${randomUUID()}`, objects: [impostor, copyright, stixGreen, marked] };
      dataOf(await ask(D.addExpectations, { id: workId, expectations: 4 }));
      dataOf(await ask(D.bundlePush, { connectorId: id, bundle: JSON.stringify(bundle), work_id: workId }));
      await waitFor(async () => {
        const work = dataOf(await ask(D.work, { id: workId })).work as { tracking: { import_processed_number: number }; errors: unknown[] };
        return work.tracking.import_processed_number === 4 ? work : undefined;
      });
      const answer = await ask(D.markings, { id: marked.id });
      expect(answer.body.errors).toBeUndefined();
      const markings = (dataOf(answer).stixCoreObject as { objectMarking: Record<string, unknown>[] }).objectMarking;
      expect(markings).toEqual([
        { standard_id: CLEAR, definition_type: 'TLP', definition: 'TLP:CLEAR', x_opencti_order: 1 },
        {
          standard_id: expect.stringMatching(/^marking-definition--/),
          definition_type: 'statement',
          definition: 'Copyright 2020 Example Corp',
          x_opencti_order: 0,
        },
        { standard_id: GREEN, definition_type: 'TLP', definition: 'TLP:GREEN', x_opencti_order: 2 },
      ]);
    });

    it('names the marking 613f2e26… TLP:CLEAR, as 6.9 does (TLP:WHITE is its old name), in reads and export file names', async () => {
      const clear = JSON.parse(String(dataOf(await ask(D.stix, { id: CLEAR })).stix)) as Record<string, unknown>;
      expect(clear).toMatchObject({ id: CLEAR, definition_type: 'TLP', definition: 'TLP:CLEAR', name: 'TLP:CLEAR', x_opencti_order: 1 });
      await register({ name: 'Marked export', type: 'INTERNAL_EXPORT_FILE', scope: ['application/pdf'] });
      const input = { format: 'application/pdf', exportType: 'simple', contentMaxMarkings: [CLEAR], fileMarkings: [] };
      const files = (dataOf(await ask(D.entityExportAsk, { id: REPORT.id, input })).stixCoreObjectEdit as { exportAsk: { name: string }[] }).exportAsk;
      expect(files.map((file) => file.name)).toEqual([expect.stringMatching(/^[^_]+_TLP:CLEAR_\(Marked export\)_Report-APT report_simple\.pdf$/)]);
    });
  });

  describe('reading knowledge', () => {
    it('pages with cursors and filters like pycti', async () => {
      for (let i = 0; i < 5; i += 1)
        await sim.platform.applyObject({ type: 'malware', id: `malware--${randomUUID()}`, name: `Page-${i}`, is_family: false }, sim.platform.admin.id);
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const page = dataOf(await ask(D.coreObjects, { types: ['Malware'], search: 'page-', first: 2, after, orderBy: 'name', orderMode: 'asc' }))
          .stixCoreObjects as {
          edges: { node: { name: string } }[];
          pageInfo: { endCursor: string; hasNextPage: boolean; globalCount: number };
        };
        expect(page.pageInfo.globalCount).toBe(5);
        seen.push(...page.edges.map((edge) => edge.node.name));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      expect(seen).toEqual(['Page-0', 'Page-1', 'Page-2', 'Page-3', 'Page-4']);
      const filtered = dataOf(
        await ask(D.coreObjects, {
          filters: {
            mode: 'and',
            filters: [{ key: ['entity_type'], values: ['Report'], operator: 'eq', mode: 'or' }],
            filterGroups: [{ mode: 'and', filters: [{ key: ['objectLabel'], values: ['apt'], operator: 'eq', mode: 'or' }], filterGroups: [] }],
          },
        }),
      ).stixCoreObjects as { edges: { node: { standard_id: string } }[] };
      expect(filtered.edges.map((edge) => edge.node.standard_id)).toEqual([REPORT.id]);
      const byIds = dataOf(
        await ask(D.coreObjects, { filters: { mode: 'and', filters: [{ key: 'ids', values: [IP.id], mode: 'or', operator: 'eq' }], filterGroups: [] } }),
      ).stixCoreObjects as { edges: unknown[] };
      expect(byIds.edges).toHaveLength(1);
    });

    it('reads an observable with its typed fields', async () => {
      const observable = dataOf(await ask(D.observable, { id: IP.id })).stixCyberObservable;
      expect(observable).toMatchObject({
        standard_id: IP.id,
        entity_type: 'IPv4-Addr',
        observable_value: '198.51.100.7',
        value: '198.51.100.7',
        objectMarking: [],
        objectLabel: [],
      });
    });
  });
});
