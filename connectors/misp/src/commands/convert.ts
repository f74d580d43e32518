// `connector-misp convert EVENT.json...`: the STIX bundle the connector would send for each
// saved MISP event (`{"Event": ...}`, a bare event, a restSearch answer or a list), one
// bundle per line on stdout. No platform, no broker, no MISP. The `misp:` settings that
// shape the mapping are read from the environment like the connector's (MISP_URL is only
// used for event links and defaults to https://misp.invalid here).
// Exit codes: 0 converted, 1 unreadable input or no event, 2 usage or bad configuration.
import { readFile } from 'node:fs/promises';
import { defineConfig, loadConfig } from '@opencti-ts/sdk/config';
import { InputError } from '@opencti-ts/sdk/errors';
import { defineOfflineCommand } from '@opencti-ts/sdk/runtime';
import { mispSection } from '../config.ts';
import { convertEvent } from '../convert/event.ts';
import { eventsOf } from '../convert/model.ts';
import { convertOptions } from '../run.ts';

const offlineSchema = defineConfig({ misp: mispSection });

export const convertCommand = defineOfflineCommand({
  summary: 'print the STIX bundle of each saved MISP event (no platform needed)',
  usage: 'convert EVENT.json...',
  positionals: { min: 1 },
  async run({ positionals, io, out, err }) {
    // MISP_URL and MISP_KEY are required by the connector, not by an offline conversion.
    const settings = loadConfig(offlineSchema, { env: { MISP_URL: 'https://misp.invalid', MISP_KEY: 'offline', ...io.env }, yamlText: '{}' }).misp;
    const options = convertOptions(settings);
    for (const file of positionals) {
      let events: ReturnType<typeof eventsOf>;
      try {
        events = eventsOf(JSON.parse(await readFile(file, 'utf8')) as unknown);
      } catch (error) {
        throw new InputError('MISP_EVENT_UNREADABLE', `${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      if (events.length === 0) throw new InputError('MISP_NO_EVENT', `${file}: no MISP event found`);
      for (const event of events) {
        const converted = convertEvent(event, options);
        for (const warning of converted.warnings) await err.line(`warning: ${warning}`);
        await out.bundle([converted.author, ...converted.markings, ...converted.objects]);
      }
    }
    return 0;
  },
});
