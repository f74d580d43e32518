// The whois + RDAP enrichment connector (connectors.md §3.7). The handler gates the entity
// (scope, TLP) before any external call, looks it up (cached per process) and sends the
// incoming bundle back with the new objects. In a playbook, a refusal or a failed lookup
// passes the bundle on with the reason on the work instead of breaking the chain.
import { isOpenCtiTsError } from '@opencti-ts/sdk/errors';
import { defineConnector } from '@opencti-ts/sdk/runtime';
import { whoisConfig } from './config.ts';
import { enrich, lookupSettings } from './enrich.ts';
import { WhoisLookup } from './net/lookup.ts';
import type { WhoisDialer } from './net/whois43.ts';

export interface WhoisConnectorOptions {
  /** Port-43 connection seam: tests point every whois server at a local TCP server. */
  dial?: WhoisDialer;
  /** Clock of the labels (newly registered, expired). */
  now?: () => Date;
}

export function createWhoisConnector(options: WhoisConnectorOptions = {}) {
  let lookup: WhoisLookup | undefined;
  return defineConnector({
    kind: 'INTERNAL_ENRICHMENT',
    config: whoisConfig,
    playbookCompatible: true,
    async handle(event, ctx) {
      const { config, logger } = ctx;
      lookup ??= new WhoisLookup(lookupSettings(config), { http: ctx.http, logger: logger.child('lookup'), ...(options.dial ? { dial: options.dial } : {}) });
      const inPlaybook = ctx.job.internal.playbook !== null || event.bundle !== null;
      const entity = event.stixEntity;
      if (!entity) return 'The entity could not be read; nothing to do';
      let outcome: Awaited<ReturnType<typeof enrich>>;
      try {
        outcome = await enrich({ entity, stixObjects: event.stixObjects ?? [entity], entityType: event.entityType }, config, lookup, {
          signal: ctx.signal,
          ...(options.now ? { now: options.now() } : {}),
        });
      } catch (error) {
        if (!inPlaybook || ctx.signal.aborted) throw error;
        // A playbook goes on with its bundle (the runtime passes it on when nothing is sent).
        const reason = isOpenCtiTsError(error) || error instanceof Error ? error.message : String(error);
        logger.warn('Lookup failed in a playbook step, bundle passed on', { code: isOpenCtiTsError(error) ? error.code : undefined });
        return `WHOIS/RDAP lookup failed, bundle passed on unchanged: ${reason}`;
      }
      if (outcome.status === 'skipped') {
        if (outcome.error && !inPlaybook) throw outcome.error;
        return outcome.reason;
      }
      if (outcome.status === 'not-found') return outcome.reason;
      const sent = await ctx.send(outcome.objects);
      ctx.metrics.recordsSent(outcome.created);
      logger.info('Entity enriched', { entity_id: event.entityId, objects: outcome.created, bundles: sent.bundles });
      return `${outcome.summary}; sent ${sent.bundles} bundle(s)`;
    },
  });
}

export const whoisConnector = createWhoisConnector();
