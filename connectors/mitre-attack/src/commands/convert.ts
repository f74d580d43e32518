// `connector-mitre-attack convert FILE_OR_URL... [--remove-statement-marking] [--split]`:
// the bundle the connector would send for each collection, after every transformation,
// one JSON bundle per line; `--split` prints the split bundles instead. No platform needed.
// The MITRE_* settings apply (size cap, statement markings); bad ones exit 2.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createHttpClient } from '@opencti-ts/sdk/api';
import { write } from '@opencti-ts/sdk/cli';
import { defineConfig, type InferConfig, loadConfig } from '@opencti-ts/sdk/config';
import { ConfigError } from '@opencti-ts/sdk/errors';
import type { OfflineCommand } from '@opencti-ts/sdk/runtime';
import { serializeSplitBundle, splitObjects } from '@opencti-ts/sdk/stix';
import { mitreSection } from '../config.ts';
import { convertCollection } from '../convert/collection.ts';
import { downloadCollection } from '../fetch.ts';

/** Only the `mitre` settings (MITRE_*): no platform, no broker. */
const offlineConfig = defineConfig({ mitre: mitreSection });

const USAGE = 'usage: convert FILE_OR_URL... [--remove-statement-marking] [--split]\n';

export const convertCommand: OfflineCommand = {
  summary: 'print the converted bundle of each collection (no platform needed)',
  usage: 'convert FILE_OR_URL...',
  async run(args, io) {
    let parsed: ReturnType<typeof parse>;
    try {
      parsed = parse(args);
    } catch (error) {
      await write(io.stderr, `${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
      return 2;
    }
    const { values, positionals } = parsed;
    if (positionals.length === 0) {
      await write(io.stderr, USAGE);
      return 2;
    }
    let settings: InferConfig<typeof offlineConfig.shape>['mitre'];
    try {
      settings = loadConfig(offlineConfig, { env: io.env }).mitre;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      await write(io.stderr, `${error.message}\n`);
      return 2;
    }
    const removeStatementMarking = values['remove-statement-marking'] === true || settings.remove_statement_marking;
    const http = createHttpClient({ env: io.env });
    for (const input of positionals) {
      const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(input) ? input : pathToFileURL(path.resolve(input)).href;
      const download = await downloadCollection(http, url, undefined, settings.max_file_size_mb * 1_000_000);
      if (!download.changed) continue;
      const converted = convertCollection(download.objects, { sourceUrl: url, removeStatementMarking });
      for (const warning of converted.warnings) await write(io.stderr, `warning: ${warning}\n`);
      if (values.split) {
        for (const bundle of splitObjects(converted.objects).bundles) await write(io.stdout, `${serializeSplitBundle(bundle)}\n`);
      } else {
        await write(io.stdout, `${JSON.stringify({ type: 'bundle', id: `bundle--${randomUUID()}`, objects: converted.objects })}\n`);
      }
    }
    return 0;
  },
};

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { 'remove-statement-marking': { type: 'boolean', default: false }, split: { type: 'boolean', default: false } },
  });
}
