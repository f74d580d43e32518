// The worker of platform-contract §7: one consumer (prefetch 1, manual ack) per connector
// push queue. Decodes `content`, splits multi-object bundles and republishes the pieces,
// applies single objects to the store as the applicant, reports expectations, acks after
// processing, nacks (no requeue) what it cannot read, dead-letters too-large objects.
import type amqp from 'amqplib';
import type { ConnectorRecord, Platform } from './platform.ts';

interface PushMessage {
  applicant_id?: string | null;
  content?: string;
  work_id?: string | null;
  no_split?: boolean;
  entities_types?: unknown;
  [key: string]: unknown;
}

const REF_KEYS = ['source_ref', 'target_ref', 'sighting_of_ref', 'created_by_ref'];
const REFS_KEYS = ['object_marking_refs', 'object_refs', 'where_sighted_refs', 'observed_data_refs'];
// Types the worker never filters out with `entities_types`.
const NEVER_FILTERED = new Set(['marking-definition', 'relationship', 'sighting', 'label', 'vocabulary', 'external-reference', 'kill-chain-phase']);

/** The ids an object references (what the platform resolves before writing it). */
export function referencesOf(object: Record<string, unknown>): string[] {
  const refs: string[] = [];
  for (const key of REF_KEYS) if (typeof object[key] === 'string') refs.push(object[key] as string);
  for (const key of REFS_KEYS) if (Array.isArray(object[key])) for (const ref of object[key] as unknown[]) if (typeof ref === 'string') refs.push(ref);
  return refs;
}

/** pycti's split: one bundle per object, ordered by number of in-bundle dependencies. */
export function splitBundle(bundle: Record<string, unknown>): Record<string, unknown>[] {
  const objects = (bundle.objects as Record<string, unknown>[]) ?? [];
  const ids = new Set(objects.map((object) => object.id));
  const depth = new Map<unknown, number>();
  const byId = new Map(objects.map((object) => [object.id, object]));
  const depthOf = (object: Record<string, unknown>, seen: Set<unknown>): number => {
    const known = depth.get(object.id);
    if (known !== undefined) return known;
    seen.add(object.id);
    let result = 0;
    for (const ref of referencesOf(object)) {
      if (!ids.has(ref) || seen.has(ref)) continue;
      const target = byId.get(ref);
      if (target) result = Math.max(result, 1 + depthOf(target, seen));
    }
    depth.set(object.id, result);
    return result;
  };
  return objects
    .map((object) => ({ object, seq: depthOf(object, new Set()) }))
    .sort((a, b) => a.seq - b.seq)
    .map(({ object, seq }) => ({ type: 'bundle', id: bundle.id, spec_version: '2.1', x_opencti_seq: seq, objects: [object] }));
}

export class Worker {
  readonly #platform: Platform;
  #connection: amqp.ChannelModel | undefined;
  readonly #consumers = new Map<string, { channel: amqp.Channel; tag: string }>();
  #stopping = false;
  /** Sleep between retries of a missing reference (the worker waits 1–3 s). */
  retryDelayMs = 250;
  missingReferenceRetries = 4;

  constructor(platform: Platform) {
    this.#platform = platform;
  }

  async start(): Promise<void> {
    this.#connection = await this.#platform.broker.connect();
    this.#platform.onConnectorRegistered = (connector) => this.ensure(connector);
    this.#platform.onConnectorDeleted = (id) => this.#cancel(id);
  }

  /** Makes sure the connector's push queue has a consumer. */
  async ensure(connector: ConnectorRecord): Promise<void> {
    if (this.#stopping || !this.#connection || this.#consumers.has(connector.id)) return;
    const channel = await this.#connection.createChannel();
    await channel.prefetch(1);
    const queue = this.#platform.broker.names.push(connector.id);
    const placeholder = { channel, tag: '' };
    this.#consumers.set(connector.id, placeholder);
    const { consumerTag } = await channel.consume(queue, (message) => {
      if (message) void this.#handle(channel, message, connector.id);
    });
    placeholder.tag = consumerTag;
  }

  async #cancel(connectorId: string): Promise<void> {
    const consumer = this.#consumers.get(connectorId);
    this.#consumers.delete(connectorId);
    if (consumer) await consumer.channel.close().catch(() => {});
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    for (const id of [...this.#consumers.keys()]) await this.#cancel(id);
    await this.#connection?.close().catch(() => {});
    this.#connection = undefined;
  }

  async #handle(channel: amqp.Channel, message: amqp.ConsumeMessage, connectorId: string): Promise<void> {
    let body: PushMessage;
    let content: Record<string, unknown>;
    try {
      body = JSON.parse(message.content.toString('utf8')) as PushMessage;
      content = JSON.parse(Buffer.from(String(body.content ?? ''), 'base64').toString('utf8')) as Record<string, unknown>;
      if (typeof content !== 'object' || content === null) throw new SyntaxError('content is not an object');
    } catch {
      channel.nack(message, false, false);
      return;
    }
    try {
      await this.#process(body, content, connectorId);
      channel.ack(message);
    } catch {
      channel.nack(message, false, false);
    }
  }

  async #process(body: PushMessage, content: Record<string, unknown>, connectorId: string): Promise<void> {
    const platform = this.#platform;
    const workId = body.work_id ?? undefined;
    // Bundles of a deleted work are dropped.
    if (workId && !platform.works.isAlive(workId)) return;
    if ((content.type ?? 'bundle') !== 'bundle') {
      if (workId) platform.works.reportExpectation(workId, { error: `Unsupported message type ${String(content.type)}`, source: null });
      return;
    }
    const objects = Array.isArray(content.objects) ? (content.objects as Record<string, unknown>[]) : [];
    if (objects.length > 1 && body.no_split !== true) {
      const pieces = splitBundle(content);
      if (workId) platform.works.addExpectations(workId, pieces.length);
      for (const piece of pieces) {
        await platform.broker.publishPush(connectorId, { ...body, content: Buffer.from(JSON.stringify(piece), 'utf8').toString('base64') });
      }
      return;
    }
    for (const object of objects) {
      const error = await this.#importObject(body, object, connectorId);
      if (workId) platform.works.reportExpectation(workId, error);
    }
  }

  /** Imports one object; returns the expectation error to report, or null. */
  async #importObject(body: PushMessage, object: Record<string, unknown>, connectorId: string): Promise<{ error: string; source: string } | null> {
    const platform = this.#platform;
    const source = () => {
      const text = JSON.stringify(object);
      return text.length > 50_000 ? 'Bundle too large' : text;
    };
    const type = String(object.type ?? '');
    const filter = body.entities_types;
    if (!NEVER_FILTERED.has(type) && filter !== undefined && filter !== null && (Array.isArray(filter) ? filter.length > 0 : String(filter).length > 0)) {
      const allowed = Array.isArray(filter) ? filter.map(String) : [String(filter)];
      if (!allowed.includes(type) && !(typeof filter === 'string' && filter.includes(type))) return null;
    }
    const maxRefs = platform.options.maxRefs ?? 0;
    if (maxRefs > 0 && referencesOf(object).length >= maxRefs) {
      const rejected = { ...object, rejection_info: { original_connector_id: connectorId } };
      const names = platform.broker.names;
      await platform.broker.publish(names.connectorExchange, names.deadLetterRouting, {
        ...body,
        content: Buffer.from(JSON.stringify(rejected), 'utf8').toString('base64'),
      });
      return { error: 'Too large element in bundle', source: source() };
    }
    const applicant = (body.applicant_id && platform.userById(body.applicant_id)?.id) || body.applicant_id || platform.admin.id;
    for (let attempt = 0; ; attempt += 1) {
      const missing = referencesOf(object).filter((ref) => !platform.store.resolve(ref));
      if (missing.length === 0) break;
      if (attempt >= this.missingReferenceRetries) return { error: `MISSING_REFERENCE_ERROR: ${missing.join(', ')}`, source: source() };
      await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs));
    }
    try {
      await platform.applyObject(object, applicant);
      return null;
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error), source: source() };
    }
  }
}
