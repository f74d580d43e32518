// The platform stand-in for the SDK's runtime tests, through the harness of
// @opencti-ts/platform-sim. Imported by path: platform-sim depends on the SDK, so a
// package dependency back would make the workspace graph cyclic. Assertions go through
// the public GraphQL API only, as in platform-sim's e2e tests.

import { DOCUMENTS, dataOf, gql } from '../../../../platform-sim/src/__fixtures__/documents.ts';
import { PlatformClient, type WorkView } from '../../../../platform-sim/src/client.ts';
import { type E2ePlatform, startPlatform } from '../../../../platform-sim/src/harness.ts';

export { DOCUMENTS, dataOf, gql, type WorkView };

export interface StandIn extends E2ePlatform {
  client: PlatformClient;
  ask(query: string, variables?: Record<string, unknown>): Promise<Record<string, unknown>>;
  work(id: string): Promise<WorkView | null>;
  /** The work once complete and processed (never a timing assertion: it only waits). */
  waitForWork(id: string): Promise<WorkView>;
  /** The object as the platform serialises it, or null when absent. */
  stixOf(id: string): Promise<Record<string, unknown> | null>;
  /** Asks an enrichment of `entityId` by `connectorId`; returns the work id. */
  askEnrichment(entityId: string, connectorId: string): Promise<string>;
}

/** The stand-in unless OPENCTI_TS_E2E_TARGET asks for another platform. */
export async function startStandIn(bundle: { objects: Record<string, unknown>[] }): Promise<StandIn> {
  const platform = await startPlatform({ env: { ...process.env, OPENCTI_TS_E2E_TARGET: process.env.OPENCTI_TS_E2E_TARGET ?? 'sim' }, bundle });
  const client = new PlatformClient(platform);
  return {
    ...platform,
    client,
    ask: (query, variables = {}) => client.gql<Record<string, unknown>>(query, variables),
    work: (id) => client.work(id),
    waitForWork: (id) => client.settledWork(id),
    stixOf: (id) => client.stix(id),
    askEnrichment: (entityId, connectorId) => client.askEnrichment(entityId, connectorId),
  };
}
