// Playbooks, as far as a connector sees them (platform-contract §5.1, sdk-protocol §c.6
// step 3 and §c.1 step 2). The stand-in has no playbook editor nor manager: a test plays the
// manager's "Enrich through connector" component (PLAYBOOK_CONNECTOR_COMPONENT) by
// publishing a step on the connector's listen queue, and reads back what the connector
// answered with `playbookStepExecution`, which the stand-in serves and records.
import { randomUUID } from 'node:crypto';
import { InputError, PlatformError } from '@opencti-ts/sdk/errors';
import { type WaitOptions, WaitTimeoutError } from './client.ts';
import { nowIso } from './model.ts';
import type { Platform } from './platform.ts';

/** The platform's built-in automation user: the applicant of every playbook step. */
export const AUTOMATION_MANAGER_USER_ID = 'c49fe040-2dad-412d-af07-ce639204ad55';

/** `internal.playbook` of a step message: what the connector echoes back. */
export interface PlaybookStepContext {
  event_id: string;
  execution_id: string;
  playbook_id: string;
  /** The STIX id of the entity the playbook runs on (an object of the bundle). */
  data_instance_id: string;
  step_id: string;
  previous_step_id: string;
}

export interface PlaybookBundle {
  type: 'bundle';
  id: string;
  objects: Record<string, unknown>[];
}

export interface PlaybookStepMessage {
  internal: { work_id: null; playbook: PlaybookStepContext; applicant_id: string };
  event: { entity_id: string; bundle: PlaybookBundle };
}

export interface PlaybookStepInput {
  /** A registered, playbook-compatible enrichment connector. */
  connectorId: string;
  /** The entity the step is about; the bundle must hold it. */
  entityId: string;
  bundle: PlaybookBundle;
  /** Ids of the step, random unless given (a test may reuse a playbook across steps). */
  playbookId?: string;
  executionId?: string;
  stepId?: string;
  previousStepId?: string;
}

/** One `playbookStepExecution` call, with the arguments as sent and the platform's answer. */
export interface PlaybookExecution extends PlaybookStepContext {
  execution_start: string;
  previous_bundle: string;
  bundle: string;
  /** False when the platform knows no such playbook or step (it then drops the bundle). */
  result: boolean;
  /** Who sent it. */
  user_id: string;
  received_at: string;
}

/** What tests drive on the stand-in: publish steps, read the connector's answers. */
export interface PlaybookDriver {
  /** Publishes a step to the connector as the playbook manager does; its `internal.playbook`. */
  publishStep(input: PlaybookStepInput): Promise<PlaybookStepContext>;
  /** Every `playbookStepExecution` received, oldest first. */
  executions(): readonly PlaybookExecution[];
  /** The first execution answering `stepId`, once it arrives (WaitTimeoutError after `timeoutMs`, 60 s by default). */
  waitForExecution(stepId: string, options?: WaitOptions): Promise<PlaybookExecution>;
}

const DEFAULT_WAIT_MS = 60_000;

export class Playbooks implements PlaybookDriver {
  readonly #platform: Platform;
  /** The step ids (nodes) of every playbook a step was published for. */
  readonly #nodes = new Map<string, Set<string>>();
  readonly #executions: PlaybookExecution[] = [];
  readonly #waiters: (() => void)[] = [];

  constructor(platform: Platform) {
    this.#platform = platform;
  }

  async publishStep(input: PlaybookStepInput): Promise<PlaybookStepContext> {
    const connector = this.#platform.connectors.get(input.connectorId);
    // The playbook editor only offers playbook-compatible enrichment connectors.
    if (connector?.connector_type !== 'INTERNAL_ENRICHMENT' || !connector.playbook_compatible)
      throw new InputError('PLAYBOOK_CONNECTOR_INCOMPATIBLE', `connector ${input.connectorId} is not a registered playbook-compatible enrichment connector`);
    if (!input.bundle.objects.some((object) => object.id === input.entityId))
      throw new InputError('PLAYBOOK_ENTITY_NOT_IN_BUNDLE', `the step's bundle does not hold ${input.entityId}`);
    const playbook: PlaybookStepContext = {
      // A stream event id, as the manager takes it from the live stream.
      event_id: `${Date.now()}-0`,
      execution_id: input.executionId ?? randomUUID(),
      playbook_id: input.playbookId ?? randomUUID(),
      data_instance_id: input.entityId,
      step_id: input.stepId ?? randomUUID(),
      previous_step_id: input.previousStepId ?? randomUUID(),
    };
    const nodes = this.#nodes.get(playbook.playbook_id) ?? new Set<string>();
    nodes.add(playbook.step_id).add(playbook.previous_step_id);
    this.#nodes.set(playbook.playbook_id, nodes);
    const message: PlaybookStepMessage = {
      internal: { work_id: null, playbook, applicant_id: AUTOMATION_MANAGER_USER_ID },
      event: { entity_id: input.entityId, bundle: input.bundle },
    };
    await this.#platform.broker.publishListen(connector.id, message);
    return { ...playbook };
  }

  /** The mutation: as 6.9's playbookStepExecution, false for an unknown playbook or step. */
  execute(args: Omit<PlaybookExecution, 'result' | 'user_id' | 'received_at'>, userId: string): boolean {
    const nodes = this.#nodes.get(args.playbook_id);
    const known = nodes?.has(args.step_id) === true && nodes.has(args.previous_step_id);
    // A known step's bundle is parsed for the next component; text that is not JSON fails the call.
    const readable = !known || isJson(args.bundle);
    this.#executions.push({ ...args, result: known && readable, user_id: userId, received_at: nowIso() });
    for (const wake of this.#waiters.splice(0)) wake();
    if (!readable) throw new PlatformError('UNKNOWN_ERROR', 'The bundle of the playbook step is not valid JSON');
    return known;
  }

  executions(): readonly PlaybookExecution[] {
    return [...this.#executions];
  }

  async waitForExecution(stepId: string, options: WaitOptions = {}): Promise<PlaybookExecution> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.#executions.find((execution) => execution.step_id === stepId);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) {
        const context = options.context?.();
        throw new WaitTimeoutError(`timed out after ${timeoutMs} ms waiting for playbook step ${stepId} to be answered${context ? `\n${context}` : ''}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
