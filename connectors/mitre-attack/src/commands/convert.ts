// `connector-mitre-attack convert FILE_OR_URL... [--remove-statement-marking] [--split]`:
// the bundle the connector would send for each collection, after every transformation,
// one JSON bundle per line; `--split` prints the split bundles instead. No platform needed.
// The MITRE_* settings apply (size cap, statement markings); bad ones exit 2.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createHttpClient } from '@opencti-ts/sdk/api';
import { defineOfflineCommand } from '@opencti-ts/sdk/runtime';
import { serializeSplitBundle, splitObjects } from '@opencti-ts/sdk/stix';
import { mitreSection } from '../config.ts';
import { convertCollection } from '../convert/collection.ts';
import { downloadCollection } from '../fetch.ts';

export const convertCommand = defineOfflineCommand({
  summary: 'print the converted bundle of each collection (no platform needed)',
  usage: 'convert FILE_OR_URL... [--remove-statement-marking] [--split]',
  options: { 'remove-statement-marking': { type: 'boolean', default: false }, split: { type: 'boolean', default: false } },
  positionals: { min: 1 },
  // Only the `mitre` settings (MITRE_*): no platform, no broker.
  config: { mitre: mitreSection },
  async run({ values, positionals, config, io, out, err }) {
    const settings = config.mitre;
    const removeStatementMarking = values['remove-statement-marking'] || settings.remove_statement_marking;
    const http = createHttpClient({ env: io.env });
    for (const input of positionals) {
      const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(input) ? input : pathToFileURL(path.resolve(input)).href;
      const download = await downloadCollection(http, url, undefined, settings.max_file_size_mb * 1_000_000);
      if (!download.changed) continue;
      const converted = convertCollection(download.objects, { sourceUrl: url, removeStatementMarking });
      for (const warning of converted.warnings) await err.line(`warning: ${warning}`);
      if (values.split) {
        for (const bundle of splitObjects(converted.objects).bundles) await out.line(serializeSplitBundle(bundle));
      } else {
        await out.bundle(converted.objects);
      }
    }
    return 0;
  },
});
