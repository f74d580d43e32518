// The MITRE ATT&CK connector: every run downloads the enabled collections in the official
// order (enterprise, mobile, ics, capec), converts each, and sends it as one split bundle
// stream on the run's work. State: `{"last_run": <epoch s>}` as the official image, plus
// each collection's HTTP validators so an unchanged collection is not sent again.
import type { ConfigOf } from '@opencti-ts/sdk/config';
import { InputError, isOpenCtiTsError } from '@opencti-ts/sdk/errors';
import { defineConnector } from '@opencti-ts/sdk/runtime';
import { type CollectionSource, enabledCollections, entitiesTypes } from './collections.ts';
import { mitreConfig } from './config.ts';
import { convertCollection } from './convert/collection.ts';
import { downloadCollection, type Validators } from './fetch.ts';

interface MitreState {
  last_run?: number;
  collections?: Record<string, Validators>;
}

/** CONNECTOR_DURATION_PERIOD, else MITRE_INTERVAL days (connectors.md §2.2). */
const periodMs = (config: ConfigOf<typeof mitreConfig>) => config.connector.duration_period ?? config.mitre.interval * 86_400_000;

export const mitreConnector = defineConnector({
  kind: 'EXTERNAL_IMPORT',
  config: mitreConfig,
  periodMs,
  async run(ctx) {
    const { config, logger } = ctx;
    const state: MitreState = ctx.state.get<MitreState & Record<string, unknown>>() ?? {};
    const intervalMs = periodMs(config);
    const now = Date.now();
    if (state.last_run !== undefined && now - state.last_run * 1000 < intervalMs && !config.connector.run_and_terminate) {
      logger.info('Connector will not run, the interval has not elapsed', { last_run: state.last_run });
      return 'Nothing to do';
    }
    // One work per run, opened before any download: a run where every collection fails
    // still has a work to close in error.
    await ctx.workId();
    const { types, replaced } = entitiesTypes(config.connector.scope);
    if (replaced)
      logger.warn('CONNECTOR_SCOPE is not a list of STIX types; the default type list is sent as entities_types', { scope: config.connector.scope });
    const validators: Record<string, Validators> = { ...state.collections };
    const failures: string[] = [];
    let sent = 0;
    for (const source of enabledCollections(config.mitre)) {
      try {
        const download = await downloadCollection(ctx.http, source.url, validators[source.name], config.mitre.max_file_size_mb * 1_000_000, ctx.signal);
        if (!download.changed) {
          logger.info('Collection unchanged since the last run, not sent', { collection: source.name });
          continue;
        }
        const converted = convertCollection(download.objects, { sourceUrl: source.url, removeStatementMarking: config.mitre.remove_statement_marking });
        for (const warning of converted.warnings) logger.warn(warning, { collection: source.name });
        const result = await ctx.send(converted.objects, { entitiesTypes: types, update: true });
        ctx.metrics.recordsSent(converted.objects.length);
        sent += result.bundles;
        validators[source.name] = download.validators;
        // Record progress per collection, so a retry after a later failure skips what was sent.
        ctx.state.set({ ...state, collections: validators });
        logger.info('Collection sent', { collection: source.name, objects: converted.objects.length, bundles: result.bundles, ...converted.stats });
      } catch (error) {
        failures.push(failureText(source, error, config.mitre.max_file_size_mb));
        logger.error('Collection failed', { collection: source.name, error });
      }
    }
    if (failures.length > 0) throw new InputError('MITRE_COLLECTIONS_FAILED', `${failures.length} collection(s) failed: ${failures.join('; ')}`);
    const lastRun = Math.floor(now / 1000);
    ctx.state.set({ last_run: lastRun, collections: validators });
    return `Connector successfully run (${sent} bundles), storing last_run as ${lastRun}`;
  },
});

/** What the work shows for a failed collection: its name, its URL (the runtime redacts URL passwords) and the cause. */
function failureText(source: CollectionSource, error: unknown, maxFileSizeMb: number): string {
  let reason = error instanceof Error ? error.message : String(error);
  if (isOpenCtiTsError(error) && error.code === 'FILE_TOO_LARGE') reason += ` (MITRE_MAX_FILE_SIZE_MB=${maxFileSizeMb})`;
  return reason.includes(source.url) ? `${source.name}: ${reason}` : `${source.name} (${source.url}): ${reason}`;
}
