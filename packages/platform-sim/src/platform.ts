// The platform's domain: users, connectors (registration, ping, reset), job emitters and
// the write path used by the worker. HTTP/GraphQL live in server.ts/graphql.ts.
import { randomUUID } from 'node:crypto';
import { InputError, PlatformError } from '@opencti-ts/sdk/errors';
import { Broker } from './broker.ts';
import { extensionOf, FileStore, type StoredFile } from './files.ts';
import { enrichmentMessage, exportFileName, importMessage, type ListExportJob, listExportMessage, singleExportMessage } from './jobs.ts';
import { CONNECTOR_ROLE_CAPABILITIES, nowIso, observableValue, type User } from './model.ts';
import { AUTOMATION_MANAGER_USER_ID, Playbooks } from './playbooks.ts';
import { type Entity, type FilterGroup, KnowledgeStore } from './store.ts';
import { type Work, WorkStore } from './works.ts';

export interface PlatformOptions {
  /** amqp URL of the real broker. */
  rabbitmqUrl: string;
  /** `rabbitmq:queue_prefix`; a random one by default so instances never collide. */
  queuePrefix?: string;
  queueType?: string;
  adminToken?: string;
  connectorToken?: string;
  version?: string;
  /** `app:validation_mode` */
  validationMode?: string;
  /** The worker's WORKER_OBJECTS_MAX_REFS (0 = no dead-lettering). */
  maxRefs?: number;
  /** `app:health_access_key` (`public` disables the check). */
  healthAccessKey?: string;
}

export interface ConnectorInfo {
  run_and_terminate: boolean;
  buffering: boolean;
  queue_threshold: number;
  queue_messages_size: number;
  next_run_datetime: string | null;
  last_run_datetime: string | null;
}

export interface ConnectorRecord {
  id: string;
  name: string;
  connector_type: string;
  connector_scope: string[];
  auto: boolean;
  auto_update: boolean;
  enrichment_resolution: string | null;
  only_contextual: boolean;
  playbook_compatible: boolean;
  listen_callback_uri: string | null;
  connector_user_id: string;
  connector_state: string | null;
  connector_state_reset: boolean;
  connector_state_timestamp: string;
  connector_info: ConnectorInfo | null;
  connector_priority_group: string;
  created_at: string;
  updated_at: string;
  built_in: boolean;
}

export interface RegisterInput {
  id: string;
  name: string;
  type: string;
  scope?: string[] | null;
  auto?: boolean | null;
  auto_update?: boolean | null;
  enrichment_resolution?: string | null;
  only_contextual?: boolean | null;
  playbook_compatible?: boolean | null;
  listen_callback_uri?: string | null;
}

export const ADMIN_ID = '88ec0c6a-13ce-5e39-b486-354fe4a7084f';
const ALIVE_MINUTES = 5;

export class Platform {
  readonly version: string;
  readonly options: PlatformOptions;
  readonly broker: Broker;
  readonly store = new KnowledgeStore();
  readonly works = new WorkStore();
  readonly files = new FileStore();
  readonly connectors = new Map<string, ConnectorRecord>();
  readonly playbooks = new Playbooks(this);
  readonly admin: User;
  readonly connectorUser: User;
  readonly #usersByToken = new Map<string, User>();
  readonly #usersById = new Map<string, User>();
  /** Set by the worker so that new connectors' push queues get consumed. */
  onConnectorRegistered: ((connector: ConnectorRecord) => Promise<void>) | undefined;
  onConnectorDeleted: ((connectorId: string) => Promise<void>) | undefined;
  /** Clock, injectable so tests can age connectors. */
  now: () => number = Date.now;

  constructor(options: PlatformOptions) {
    this.options = options;
    this.version = options.version ?? '6.9.17';
    this.broker = new Broker(options.rabbitmqUrl, options.queuePrefix ?? `sim${randomUUID().slice(0, 8)}`, options.queueType);
    this.admin = this.addUser({
      id: ADMIN_ID,
      name: 'admin',
      user_email: 'admin@opencti.io',
      api_token: options.adminToken ?? randomUUID(),
      capabilities: ['BYPASS'],
    });
    this.connectorUser = this.addUser({
      id: randomUUID(),
      name: 'connector',
      user_email: 'connector@opencti.io',
      api_token: options.connectorToken ?? randomUUID(),
      capabilities: [...CONNECTOR_ROLE_CAPABILITIES],
    });
    // The built-in system user playbook steps are sent as (connectors impersonate it); its token is never handed out.
    this.addUser({
      id: AUTOMATION_MANAGER_USER_ID,
      name: 'AUTOMATION MANAGER',
      user_email: 'automation@opencti.io',
      api_token: randomUUID(),
      capabilities: ['BYPASS'],
    });
  }

  addUser(user: User): User {
    this.#usersByToken.set(user.api_token, user);
    this.#usersById.set(user.id, user);
    return user;
  }

  userByToken(token: string): User | undefined {
    return this.#usersByToken.get(token);
  }

  userById(id: string): User | undefined {
    return this.#usersById.get(id);
  }

  async start(): Promise<void> {
    await this.broker.start();
  }

  async stop(): Promise<void> {
    await this.broker.close();
  }

  // ---------------------------------------------------------------- connectors

  isActive(connector: ConnectorRecord): boolean {
    const minutes = Math.floor((this.now() - Date.parse(connector.updated_at)) / 60_000);
    return minutes < ALIVE_MINUTES;
  }

  connectorConfig(connector: ConnectorRecord): Record<string, unknown> {
    const url = new URL(this.broker.url);
    const names = this.broker.names;
    const secure = url.protocol === 'amqps:';
    return {
      connection: {
        host: url.hostname,
        vhost: url.pathname && url.pathname !== '/' ? decodeURIComponent(url.pathname.slice(1)) : '/',
        use_ssl: secure,
        port: Number(url.port || (secure ? 5671 : 5672)),
        user: decodeURIComponent(url.username || 'guest'),
        pass: decodeURIComponent(url.password || 'guest'),
      },
      s3: {
        endpoint: 'platform-sim',
        port: 9000,
        use_ssl: false,
        bucket_name: 'opencti-bucket',
        bucket_region: 'us-east-1',
        access_key: 'sim',
        secret_key: 'sim',
      },
      listen: names.listen(connector.id),
      listen_routing: names.listenRouting(connector.id),
      listen_exchange: names.connectorExchange,
      push: names.push(connector.id),
      push_routing: names.pushRouting(connector.id),
      push_exchange: names.workerExchange,
      listen_callback_uri: connector.listen_callback_uri,
      dead_letter_routing: names.deadLetterRouting,
    };
  }

  async registerConnector(input: RegisterInput, user: User): Promise<ConnectorRecord> {
    const scope = input.scope ?? [];
    await this.broker.registerConnectorQueues({ id: input.id, name: input.name, type: input.type, scope });
    const now = new Date(this.now()).toISOString();
    const existing = this.connectors.get(input.id);
    const fields = {
      name: input.name,
      connector_type: input.type,
      connector_scope: scope,
      auto: input.auto ?? false,
      auto_update: input.auto_update ?? false,
      enrichment_resolution: input.enrichment_resolution ?? null,
      only_contextual: input.only_contextual ?? false,
      playbook_compatible: input.playbook_compatible ?? false,
      listen_callback_uri: input.listen_callback_uri ?? null,
    };
    const connector: ConnectorRecord = existing
      ? Object.assign(existing, fields, { updated_at: now })
      : {
          id: input.id,
          ...fields,
          connector_user_id: user.id,
          connector_state: null,
          connector_state_reset: false,
          connector_state_timestamp: now,
          connector_info: null,
          connector_priority_group: 'DEFAULT',
          created_at: now,
          updated_at: now,
          built_in: false,
        };
    this.connectors.set(connector.id, connector);
    await this.onConnectorRegistered?.(connector);
    return connector;
  }

  async pingConnector(id: string, state: string | null | undefined, info: ConnectorInfo | null | undefined): Promise<ConnectorRecord> {
    const connector = this.connectors.get(id);
    if (!connector) throw new PlatformError('FUNCTIONAL_ERROR', 'No connector found with the specified ID');
    await this.broker.registerConnectorQueues({ id, name: connector.name, type: connector.connector_type, scope: connector.connector_scope });
    const now = new Date(this.now()).toISOString();
    if (connector.connector_state_reset) {
      // Reset handshake: this ping only clears the flag; the state it carries is dropped.
      connector.connector_state_reset = false;
    } else {
      connector.connector_state = state ?? null;
    }
    if (info) connector.connector_info = info;
    connector.updated_at = now;
    await this.onConnectorRegistered?.(connector);
    return connector;
  }

  async resetConnectorState(id: string): Promise<ConnectorRecord> {
    const connector = this.#connector(id);
    connector.connector_state = '';
    connector.connector_state_reset = true;
    connector.connector_state_timestamp = nowIso();
    await this.broker.purgeConnectorQueues(id);
    return connector;
  }

  async deleteConnector(id: string): Promise<string> {
    this.#connector(id);
    this.works.deleteForConnector(id);
    await this.onConnectorDeleted?.(id);
    await this.broker.deleteConnectorQueues(id);
    this.connectors.delete(id);
    return id;
  }

  #connector(id: string): ConnectorRecord {
    const connector = this.connectors.get(id);
    if (!connector) throw new PlatformError('FUNCTIONAL_ERROR', 'No connector found with the specified ID');
    return connector;
  }

  connectorsOfType(type: string): ConnectorRecord[] {
    return [...this.connectors.values()].filter((connector) => connector.connector_type === type);
  }

  // ---------------------------------------------------------------- works

  workAdd(connectorId: string, friendlyName: string | null | undefined, user: User): Work {
    const connector = this.#connector(connectorId);
    return this.works.create({
      connectorId,
      name: friendlyName ?? `${connector.name} run @ ${nowIso()}`,
      eventType: connector.connector_type,
      sourceId: connectorId,
      userId: user.id,
      status: 'progress',
    });
  }

  /** `stixBundlePush`: publishes the whole bundle on the connector's push routing. */
  async stixBundlePush(connectorId: string, bundleText: string, workId: string | null | undefined, user: User): Promise<boolean> {
    const connector = this.#connector(connectorId);
    let bundle: unknown;
    try {
      bundle = JSON.parse(bundleText);
    } catch {
      throw new PlatformError('FUNCTIONAL_ERROR', 'Bundle must be a valid JSON');
    }
    const objects = (bundle as { type?: unknown; objects?: unknown }).objects;
    if ((bundle as { type?: unknown }).type !== 'bundle' || !Array.isArray(objects) || objects.length === 0) {
      throw new PlatformError('FUNCTIONAL_ERROR', 'Bundle must be a non-empty STIX bundle');
    }
    let id = workId ?? undefined;
    if (!id) {
      const work = this.works.create({
        connectorId,
        name: `${connector.name} run @ ${nowIso()}`,
        eventType: connector.connector_type,
        sourceId: connectorId,
        userId: user.id,
        status: 'progress',
      });
      id = work.id;
      if (objects.length === 1) this.works.addExpectations(id, 1);
    }
    const content = Buffer.from(bundleText, 'utf8').toString('base64');
    await this.broker.publishPush(connectorId, { type: 'bundle', applicant_id: user.id, content, work_id: id, update: true });
    return true;
  }

  // ---------------------------------------------------------------- knowledge writes

  /** Applies one STIX object as `applicantId` (the worker's write), then runs auto-enrichment. */
  async applyObject(stixObject: Record<string, unknown>, applicantId: string): Promise<Entity> {
    const result = this.store.upsert(stixObject, applicantId);
    if (result.created) await this.autoEnrich(result.entity, 'create');
    else if (result.changed) await this.autoEnrich(result.entity, 'update');
    return result.entity;
  }

  async autoEnrich(entity: Entity, trigger: 'create' | 'update'): Promise<void> {
    if (entity.type.category !== 'sdo' && entity.type.category !== 'sco') return;
    if (entity.stix.x_opencti_auto_enrichment_disable === true) return;
    for (const connector of this.connectorsOfType('INTERNAL_ENRICHMENT')) {
      if (!this.isActive(connector)) continue;
      if (trigger === 'create' ? !connector.auto : !connector.auto_update) continue;
      // An empty scope matches nothing here.
      if (!connector.connector_scope.some((scope) => scope.toLowerCase() === entity.type.entityType.toLowerCase())) continue;
      const work = this.works.create({
        connectorId: connector.id,
        name: `Enrichment (${entity.standard_id})`,
        eventType: 'INTERNAL_ENRICHMENT',
        sourceId: entity.standard_id,
        userId: this.admin.id,
        status: 'wait',
      });
      await this.broker.publishListen(connector.id, enrichmentMessage({ workId: work.id, mode: 'auto', trigger, entity }));
    }
  }

  // ---------------------------------------------------------------- jobs

  async askEnrichment(entity: Entity, connectorId: string, user: User): Promise<Work> {
    const connector = this.#connector(connectorId);
    const work = this.works.create({
      connectorId: connector.id,
      name: 'Manual enrichment',
      eventType: 'INTERNAL_ENRICHMENT',
      sourceId: entity.standard_id,
      userId: user.id,
      status: 'wait',
    });
    await this.broker.publishListen(connector.id, enrichmentMessage({ workId: work.id, mode: 'manual', trigger: 'update', entity }));
    return work;
  }

  /** Uploads a file; files under `import/` (not `import/pending`) trigger auto import jobs. */
  async upload(input: Parameters<FileStore['upload']>[0] & { noTriggerImport?: boolean | null }, user: User): Promise<StoredFile> {
    const { file } = this.files.upload(input);
    const importable = file.id.startsWith('import/') && !file.id.startsWith('import/pending/');
    if (importable && !input.noTriggerImport) await this.askJobImport(file, { autoOnly: true }, user);
    return file;
  }

  async askJobImport(
    file: StoredFile,
    options: {
      connectorId?: string | null;
      configuration?: string | null;
      bypassEntityId?: string | null;
      bypassValidation?: boolean | null;
      validationMode?: string | null;
      forceValidation?: boolean | null;
      autoOnly?: boolean;
    },
    user: User,
  ): Promise<StoredFile> {
    const mime = file.metaData.mimetype.toLowerCase();
    const entityId = options.bypassEntityId ?? file.metaData.entity_id ?? undefined;
    const contextEntity = entityId ? this.store.resolve(entityId) : undefined;
    const targets = this.connectorsOfType('INTERNAL_IMPORT_FILE').filter(
      (connector) =>
        this.isActive(connector) &&
        (!options.autoOnly || connector.auto) &&
        (!options.connectorId || connector.id === options.connectorId) &&
        (connector.connector_scope.length === 0 || connector.connector_scope.some((scope) => scope.toLowerCase() === mime)) &&
        (entityId !== undefined || !connector.only_contextual),
    );
    for (const connector of targets) {
      const work = this.works.create({
        connectorId: connector.id,
        name: `Manual import of ${file.name}`,
        eventType: 'INTERNAL_IMPORT_FILE',
        sourceId: file.id,
        userId: user.id,
        status: 'wait',
      });
      await this.broker.publishListen(
        connector.id,
        importMessage({
          workId: work.id,
          applicantId: user.id,
          fileId: file.id,
          fileMime: file.metaData.mimetype,
          fileMarkings: file.metaData.file_markings,
          entityId: contextEntity?.internal_id ?? (entityId || undefined),
          validationMode: options.validationMode ?? this.options.validationMode ?? 'workbench',
          bypassValidation: options.bypassValidation ?? false,
          forceValidation: options.forceValidation ?? false,
          configuration: options.configuration ?? null,
        }),
      );
    }
    return file;
  }

  #exportTargets(format: string): ConnectorRecord[] {
    return this.connectorsOfType('INTERNAL_EXPORT_FILE').filter(
      (connector) =>
        this.isActive(connector) &&
        (connector.connector_scope.length === 0 || connector.connector_scope.some((scope) => scope.toLowerCase() === format.toLowerCase())),
    );
  }

  #markingDefinitions(ids: readonly (string | null)[] | null | undefined): string[] {
    return (ids ?? []).flatMap((id) => {
      const marking = id ? this.store.resolve(id) : undefined;
      if (id && !marking) throw new InputError('MARKING_NOT_FOUND', `Marking ${id} not found`);
      return marking ? [String(marking.stix.definition ?? marking.stix.name)] : [];
    });
  }

  async askEntityExport(
    entity: Entity,
    input: { format: string; exportType: string; contentMaxMarkings?: (string | null)[] | null; fileMarkings?: (string | null)[] | null },
    user: User,
  ): Promise<{ work: Work; fileName: string }[]> {
    const markings = this.#markingDefinitions(input.contentMaxMarkings);
    const entityName = entityLabel(entity);
    const results: { work: Work; fileName: string }[] = [];
    for (const connector of this.#exportTargets(input.format)) {
      const fileName = exportFileName(
        nowIso(),
        markings,
        connector.name,
        `${entity.type.entityType}-${entityName}`,
        input.exportType,
        extensionOf(input.format),
      );
      const work = this.works.create({
        connectorId: connector.id,
        name: fileName,
        eventType: 'INTERNAL_EXPORT_FILE',
        sourceId: `export/${entity.type.entityType}/${entity.internal_id}`,
        userId: user.id,
        status: 'wait',
      });
      await this.broker.publishListen(
        connector.id,
        singleExportMessage({
          workId: work.id,
          applicantId: user.id,
          fileName,
          format: input.format,
          entity,
          entityName,
          exportType: input.exportType,
          fileMarkings: (input.fileMarkings ?? []).filter((id): id is string => typeof id === 'string'),
        }),
      );
      results.push({ work, fileName });
    }
    return results;
  }

  async askListExport(
    input: {
      format: string;
      exportType: string;
      exportContext?: { entity_type: string; entity_id?: string | null } | null;
      contentMaxMarkings?: (string | null)[] | null;
      fileMarkings?: (string | null)[] | null;
      selectedIds?: (string | null)[] | null;
      search?: string | null;
      orderBy?: string | null;
      orderMode?: string | null;
      filters?: FilterGroup | null;
    },
    defaultType: string,
    user: User,
  ): Promise<{ work: Work; fileName: string }[]> {
    const markings = this.#markingDefinitions(input.contentMaxMarkings);
    const entityType = input.exportContext?.entity_type ?? defaultType;
    const context = input.exportContext?.entity_id ? this.store.resolve(input.exportContext.entity_id) : undefined;
    const selected = (input.selectedIds ?? []).filter((id): id is string => typeof id === 'string');
    const results: { work: Work; fileName: string }[] = [];
    for (const connector of this.#exportTargets(input.format)) {
      const fileName = exportFileName(nowIso(), markings, connector.name, entityType, input.exportType, extensionOf(input.format));
      const work = this.works.create({
        connectorId: connector.id,
        name: fileName,
        eventType: 'INTERNAL_EXPORT_FILE',
        sourceId: context ? `export/${entityType}/${context.internal_id}` : `export/${entityType}`,
        userId: user.id,
        status: 'wait',
      });
      const job: ListExportJob = {
        workId: work.id,
        applicantId: user.id,
        fileName,
        format: input.format,
        exportType: input.exportType,
        contextEntityId: context?.internal_id,
        contextEntityName: context ? entityLabel(context) : undefined,
        entityType,
        fileMarkings: (input.fileMarkings ?? []).filter((id): id is string => typeof id === 'string'),
        selectedIds: selected.length > 0 ? selected : undefined,
        listParams: { search: input.search, orderBy: input.orderBy, orderMode: input.orderMode, filters: input.filters },
      };
      await this.broker.publishListen(connector.id, listExportMessage(job));
      results.push({ work, fileName });
    }
    return results;
  }
}

/** The name the platform shows for an entity (name, or observable value). */
export function entityLabel(entity: Entity): string {
  const name = entity.stix.name;
  if (typeof name === 'string' && entity.type.category !== 'sco') return name;
  if (entity.type.category === 'sco') return observableValue(entity.stix);
  return String(entity.stix.name ?? entity.stix.value ?? entity.standard_id);
}
