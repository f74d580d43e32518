// The MISP connector: every run searches MISP for the events changed since the state's
// date, page by page, converts each event and sends it on the run's work (connectors.md
// §1.4). I/O in client.ts, the run algorithm in run.ts, the mapping in convert/.
import { defineConnector } from '@opencti-ts/sdk/runtime';
import { createMispClient } from './client.ts';
import { mispConfig } from './config.ts';
import { type MispState, runImport } from './run.ts';

/** Opencti-ts default for MISP_REQUEST_TIMEOUT (the official one waits forever, #5716). */
const DEFAULT_TIMEOUT_S = 300;

export const mispConnector = defineConnector({
  kind: 'EXTERNAL_IMPORT',
  config: mispConfig,
  periodMs: (config) => config.connector.duration_period ?? (config.misp.interval !== undefined ? config.misp.interval * 60_000 : 300_000),
  async run(ctx) {
    const { config, logger } = ctx;
    const settings = config.misp;
    if (settings.interval !== undefined) logger.warn('MISP_INTERVAL is deprecated: use CONNECTOR_DURATION_PERIOD');
    for (const [name, on] of [
      ['MISP_CLIENT_CERT', settings.client_cert !== undefined],
      ['MISP_GUESS_THREAT_FROM_TAGS', settings.guess_threat_from_tags],
      ['MISP_ATTRIBUTE_TIMESTAMP_FILTERING', settings.attribute_timestamp_filtering],
    ] as const) {
      if (on) logger.warn(`${name} is not supported by this connector yet and is ignored`);
    }
    // The work is opened first, so a failed search still leaves a work in error.
    await ctx.workId();
    const client = createMispClient({
      baseUrl: settings.url,
      key: settings.key,
      sslVerify: settings.ssl_verify,
      timeoutMs: (settings.request_timeout ?? DEFAULT_TIMEOUT_S) * 1000,
      maxBytes: settings.max_response_mb * 1_000_000,
      logger,
      signal: ctx.signal,
    });
    const summary = await runImport({
      client,
      settings,
      logger,
      state: { get: () => ctx.state.get<MispState & Record<string, unknown>>(), set: (state) => ctx.state.set({ ...state }) },
      send: async (objects) => {
        await ctx.send(objects, { cleanup: true });
      },
      signal: ctx.signal,
    });
    ctx.metrics.recordsSent(summary.objects);
    const unsupported = [...summary.unsupported].map(([type, n]) => `${type} ×${n}`).join(', ');
    if (unsupported) logger.info('MISP attribute types without a mapping were not imported', { types: unsupported });
    return (
      `MISP: ${summary.events} event(s) imported, ${summary.objects} object(s) sent, ${summary.skipped} event(s) skipped, ${summary.warnings} warning(s)` +
      (unsupported ? `; unmapped attribute types: ${unsupported}` : '')
    );
  },
});
