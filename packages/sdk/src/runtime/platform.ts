// The connector's conversation with the platform over GraphQL: registration, heartbeat,
// queue size, works (sdk-protocol §b). Work calls are sent without impersonation and are
// skipped entirely when CONNECTOR_SEND_TO_QUEUE is false, as pycti does.
import type { ApiClient } from '../api/index.ts';
import {
  DELETE_CONNECTOR,
  GET_CONNECTOR,
  PING_CONNECTOR,
  REGISTER_CONNECTOR,
  type RegisterConnectorInput,
  type RegisteredConnector,
  WORK_ADD,
  WORK_ADD_DRAFT_CONTEXT,
  WORK_ADD_EXPECTATIONS,
  WORK_PING,
  WORK_TO_PROCESSED,
  WORK_TO_RECEIVED,
} from '../api/index.ts';
import { PlatformError } from '../errors/index.ts';
import type { ConnectorInfo } from './connector-info.ts';

export class PlatformSession {
  readonly #api: ApiClient;
  readonly #sendToQueue: boolean;

  constructor(api: ApiClient, options: { sendToQueue: boolean }) {
    this.#api = api;
    this.#sendToQueue = options.sendToQueue;
  }

  async register(input: RegisterConnectorInput): Promise<RegisteredConnector> {
    const result = await this.#api.query(REGISTER_CONNECTOR, { input });
    if (!result.registerConnector) throw new PlatformError('REGISTRATION_FAILED', `the platform did not register connector ${input.id}`);
    return result.registerConnector;
  }

  /** One heartbeat: sends the local state text, returns the state the platform echoes. */
  async ping(id: string, stateText: string, info: ConnectorInfo): Promise<string | null> {
    const result = await this.#api.query(PING_CONNECTOR, { id, state: stateText, connectorInfo: { ...info } });
    return result.pingConnector?.connector_state ?? null;
  }

  /** Size of the connector's push queue in MB (10^6 bytes). */
  async queueSizeMb(id: string): Promise<number> {
    const result = await this.#api.query(GET_CONNECTOR, { id });
    if (!result.connector) throw new PlatformError('CONNECTOR_NOT_FOUND', `the platform does not know connector ${id}`);
    return (result.connector.connector_queue_details?.messages_size ?? 0) / 1_000_000;
  }

  async unregister(id: string): Promise<void> {
    await this.#api.query(DELETE_CONNECTOR, { id });
  }

  async initiateWork(connectorId: string, friendlyName: string): Promise<string | null> {
    if (!this.#sendToQueue) return null;
    const result = await this.#api.query(WORK_ADD, { connectorId, friendlyName });
    return result.workAdd?.id ?? null;
  }

  async toReceived(workId: string, message: string): Promise<void> {
    if (this.#sendToQueue) await this.#api.query(WORK_TO_RECEIVED, { id: workId, message });
  }

  async toProcessed(workId: string, message: string, inError: boolean): Promise<void> {
    if (this.#sendToQueue) await this.#api.query(WORK_TO_PROCESSED, { id: workId, message, inError });
  }

  async addExpectations(workId: string, expectations: number): Promise<void> {
    if (this.#sendToQueue) await this.#api.query(WORK_ADD_EXPECTATIONS, { id: workId, expectations });
  }

  async pingWork(workId: string): Promise<void> {
    await this.#api.query(WORK_PING, { id: workId });
  }

  async addDraftContext(workId: string, draftId: string): Promise<void> {
    if (this.#sendToQueue) await this.#api.query(WORK_ADD_DRAFT_CONTEXT, { id: workId, draftContext: draftId });
  }
}
