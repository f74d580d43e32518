// The MISP connector: at start-up it checks MISP as PyMISP does (version, key); every run
// searches MISP for the events changed since the state's date, page by page, converts each
// event and sends it on the run's work (connectors.md §1.2–1.4). I/O in client.ts and
// lookups.ts, the run algorithm in run.ts, the mapping in convert/.
import { InputError } from '@opencti-ts/sdk/errors';
import type { Logger } from '@opencti-ts/sdk/log';
import { defineConnector } from '@opencti-ts/sdk/runtime';
import { createMispClient } from './client.ts';
import { mispConfig, readClientCert } from './config.ts';
import { isEventKnown, lookupThreat } from './lookups.ts';
import { type MispState, runImport } from './run.ts';

/** Opencti-ts default for MISP_REQUEST_TIMEOUT (the official one waits forever, #5716). */
const DEFAULT_TIMEOUT_S = 300;

interface ClientSettings {
  url: string;
  key: string;
  ssl_verify: boolean;
  client_cert?: string | undefined;
  request_timeout?: number | undefined;
  max_response_mb: number;
}

function mispClient(settings: ClientSettings, logger: Logger, signal: AbortSignal) {
  let clientCertPem: string | undefined;
  if (settings.client_cert !== undefined) {
    // Checked when the configuration loads; read again here in case the file went away since.
    const read = readClientCert(settings.client_cert);
    if (typeof read === 'string') throw new InputError('MISP_CLIENT_CERT_UNREADABLE', `MISP_CLIENT_CERT: ${read}`);
    clientCertPem = read.pem;
  }
  return createMispClient({
    baseUrl: settings.url,
    key: settings.key,
    sslVerify: settings.ssl_verify,
    clientCertPem,
    timeoutMs: (settings.request_timeout ?? DEFAULT_TIMEOUT_S) * 1000,
    maxBytes: settings.max_response_mb * 1_000_000,
    logger,
    signal,
  });
}

export const mispConnector = defineConnector({
  kind: 'EXTERNAL_IMPORT',
  config: mispConfig,
  periodMs: (config) => config.connector.duration_period ?? (config.misp.interval !== undefined ? config.misp.interval * 60_000 : 300_000),
  async setup(ctx) {
    // PyMISP's constructor probes: an unreachable MISP or a refused key stops the process (exit 1).
    const probe = await mispClient(ctx.config.misp, ctx.logger, ctx.signal).probe();
    ctx.logger.info('MISP is reachable and accepts the key', { url: ctx.config.misp.url, version: probe.version, role: probe.role });
  },
  async run(ctx) {
    const { config, logger } = ctx;
    const settings = config.misp;
    if (settings.interval !== undefined) logger.warn('MISP_INTERVAL is deprecated: use CONNECTOR_DURATION_PERIOD');
    // The work is opened first, so a failed search still leaves a work in error.
    await ctx.workId();
    const summary = await runImport({
      client: mispClient(settings, logger, ctx.signal),
      settings,
      logger,
      state: { get: () => ctx.state.get<MispState & Record<string, unknown>>(), set: (state) => ctx.state.set({ ...state }) },
      send: async (objects) => {
        await ctx.send(objects, { cleanup: true });
      },
      buffering: () => ctx.buffering(),
      ...(settings.guess_threat_from_tags ? { guessThreat: (value: string) => lookupThreat(ctx.api, value) } : {}),
      ...(settings.attribute_timestamp_filtering ? { isKnownEvent: (uuid: string) => isEventKnown(ctx.api, uuid) } : {}),
      signal: ctx.signal,
    });
    ctx.metrics.recordsSent(summary.objects);
    const unsupported = [...summary.unsupported].map(([type, n]) => `${type} ×${n}`).join(', ');
    if (unsupported) logger.info('MISP attribute types without a mapping were not imported', { types: unsupported });
    return (
      `MISP: ${summary.events} event(s) imported, ${summary.objects} object(s) sent, ${summary.skipped} event(s) skipped, ${summary.warnings} warning(s)` +
      (summary.filteredAttributes > 0 ? `; ${summary.filteredAttributes} unchanged attribute(s) of known events not resent` : '') +
      (unsupported ? `; unmapped attribute types: ${unsupported}` : '') +
      (summary.bufferingAt ? `; stopped early: the push queue is above CONNECTOR_QUEUE_THRESHOLD, the next run resumes at event ${summary.bufferingAt}` : '')
    );
  },
});
