// `connector-misp convert EVENT.json...`: the STIX bundle the connector would send for each
// saved MISP event (`{"Event": ...}`, a bare event, a restSearch answer or a list), one
// bundle per line on stdout. No platform, no broker, no MISP. The `misp:` settings that
// shape the mapping are read from the environment like the connector's (MISP_URL is only
// used for event links and defaults to https://misp.invalid here).
// Exit codes: 0 converted, 1 unreadable input or no event, 2 usage or bad configuration.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { write } from '@opencti-ts/sdk/cli';
import { type ConfigOf, defineConfig, loadConfig } from '@opencti-ts/sdk/config';
import { isOpenCtiTsError } from '@opencti-ts/sdk/errors';
import type { OfflineCommand } from '@opencti-ts/sdk/runtime';
import { mispSection } from '../config.ts';
import { convertEvent } from '../convert/event.ts';
import { eventsOf } from '../convert/model.ts';
import { convertOptions } from '../run.ts';

const USAGE = 'usage: convert EVENT.json...   (saved MISP events; one bundle per event on stdout)\n';
const offlineSchema = defineConfig({ misp: mispSection });

export const convertCommand: OfflineCommand = {
  summary: 'print the STIX bundle of each saved MISP event (no platform needed)',
  usage: 'convert EVENT.json...',
  async run(args, io) {
    if (args.length === 0 || args.some((arg) => arg.startsWith('-'))) {
      await write(io.stderr, USAGE);
      return 2;
    }
    let settings: ConfigOf<typeof offlineSchema>['misp'];
    try {
      settings = loadConfig(offlineSchema, { env: { MISP_URL: 'https://misp.invalid', MISP_KEY: 'offline', ...io.env }, yamlText: '{}' }).misp;
    } catch (error) {
      await write(io.stderr, `${isOpenCtiTsError(error) ? error.message : String(error)}\n`);
      return 2;
    }
    const options = convertOptions(settings);
    for (const file of args) {
      let events: ReturnType<typeof eventsOf>;
      try {
        events = eventsOf(JSON.parse(await readFile(file, 'utf8')) as unknown);
      } catch (error) {
        await write(io.stderr, `${file}: ${error instanceof Error ? error.message : String(error)}\n`);
        return 1;
      }
      if (events.length === 0) {
        await write(io.stderr, `${file}: no MISP event found\n`);
        return 1;
      }
      for (const event of events) {
        try {
          const converted = convertEvent(event, options);
          for (const warning of converted.warnings) await write(io.stderr, `warning: ${warning}\n`);
          const objects = [converted.author, ...converted.markings, ...converted.objects];
          await write(io.stdout, `${JSON.stringify({ type: 'bundle', id: `bundle--${randomUUID()}`, objects })}\n`);
        } catch (error) {
          await write(io.stderr, `${file}: ${error instanceof Error ? error.message : String(error)}\n`);
          return 1;
        }
      }
    }
    return 0;
  },
};
