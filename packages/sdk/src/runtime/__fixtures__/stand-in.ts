// The platform stand-in for the SDK's runtime tests, through the harness of
// @opencti-ts/platform-sim. Imported by path: platform-sim depends on the SDK, so a
// package dependency back would make the workspace graph cyclic. Assertions go through
// the public GraphQL API only, as in platform-sim's e2e tests.

import { DOCUMENTS, dataOf, gql } from '../../../../platform-sim/src/__fixtures__/documents.ts';
import { type E2ePlatform, startPlatform } from '../../../../platform-sim/src/harness.ts';

export { DOCUMENTS, dataOf, gql };

export interface WorkView {
  id: string;
  status: string;
  processed_time: string | null;
  errors: { message: string }[];
  messages: { message: string }[];
  tracking: { import_expected_number: number; import_processed_number: number } | null;
}

export interface StandIn extends E2ePlatform {
  ask(query: string, variables?: Record<string, unknown>): Promise<Record<string, unknown>>;
  work(id: string): Promise<WorkView | null>;
  /** Polls until the work reaches `status` (never a timing assertion: it only waits). */
  waitForWork(id: string, status?: string): Promise<WorkView>;
  /** The object as the platform serialises it, or null when absent. */
  stixOf(id: string): Promise<Record<string, unknown> | null>;
  /** Asks an enrichment of `entityId` by `connectorId`; returns the work id. */
  askEnrichment(entityId: string, connectorId: string): Promise<string>;
}

/** The stand-in unless OPENCTI_TS_E2E_TARGET asks for another platform. */
export async function startStandIn(bundle: { objects: Record<string, unknown>[] }): Promise<StandIn> {
  const platform = await startPlatform({ env: { ...process.env, OPENCTI_TS_E2E_TARGET: process.env.OPENCTI_TS_E2E_TARGET ?? 'sim' }, bundle });
  const ask = async (query: string, variables: Record<string, unknown> = {}) => dataOf(await gql(platform.url, platform.token, query, variables));
  const work = async (id: string) => ((await ask(DOCUMENTS.work, { id })).work ?? null) as WorkView | null;
  return {
    ...platform,
    ask,
    work,
    async waitForWork(id, status = 'complete') {
      for (let i = 0; i < 600; i += 1) {
        const current = await work(id);
        // Complete means reported by the connector too: the worker may complete a work
        // before the connector's toProcessed arrives (platform-contract §6).
        if (current?.status === status && (status !== 'complete' || current.processed_time)) return current;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new RangeError(`work ${id} never reached ${status}: ${JSON.stringify(await work(id))}`);
    },
    async stixOf(id) {
      const answer = await ask(DOCUMENTS.stix, { id });
      return answer.stix ? (JSON.parse(answer.stix as string) as Record<string, unknown>) : null;
    },
    async askEnrichment(entityId, connectorId) {
      const asked = (await ask(DOCUMENTS.askEnrichment, { id: entityId, connectorId })).stixCoreObjectEdit as { askEnrichment: { id: string } };
      return asked.askEnrichment.id;
    },
  };
}
