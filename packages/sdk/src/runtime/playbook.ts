// Playbook steps (sdk-protocol §c.6 step 3, §c.1 step 2): an enrichment job that comes from
// a playbook carries `internal.playbook` and the playbook's bundle. Whatever the connector
// sends while handling it goes back to the playbook with `playbookStepExecution`, never
// to the worker queue, so the playbook carries on with the enriched bundle.
import { type ApiClient, PLAYBOOK_STEP_EXECUTION } from '../api/index.ts';
import type { PlaybookContext } from './messages.ts';

/** The step being answered: the message's playbook fields plus what pycti adds on receipt. */
export interface PlaybookStep extends PlaybookContext {
  /** When the connector received the step, ISO-8601 with `+00:00` as pycti writes it. */
  execution_start: string;
  /** The bundle the step received, as JSON text. */
  previous_bundle: string;
}

export function playbookStep(context: PlaybookContext, bundle: unknown, now: Date = new Date()): PlaybookStep {
  return { ...context, execution_start: now.toISOString().replace(/Z$/, '+00:00'), previous_bundle: JSON.stringify(bundle ?? null) };
}

export async function sendToPlaybook(api: ApiClient, step: PlaybookStep, bundle: unknown): Promise<void> {
  await api.query(PLAYBOOK_STEP_EXECUTION, {
    execution_id: step.execution_id,
    event_id: step.event_id,
    execution_start: step.execution_start,
    data_instance_id: step.data_instance_id,
    playbook_id: step.playbook_id,
    previous_step_id: step.previous_step_id,
    step_id: step.step_id,
    previous_bundle: step.previous_bundle,
    bundle: JSON.stringify(bundle),
  });
}
