// `connector-mitre-attack convert FILE_OR_URL... [--remove-statement-marking] [--split]`:
// the bundle the connector would send for each collection, after every transformation,
// one JSON bundle per line; `--split` prints the split bundles instead. No platform needed.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createHttpClient } from '@opencti-ts/sdk/api';
import { write } from '@opencti-ts/sdk/cli';
import type { OfflineCommand } from '@opencti-ts/sdk/runtime';
import { serializeSplitBundle, splitObjects } from '@opencti-ts/sdk/stix';
import { convertCollection } from '../convert/collection.ts';
import { downloadCollection } from '../fetch.ts';

export const convertCommand: OfflineCommand = {
  summary: 'print the converted bundle of each collection (no platform needed)',
  usage: 'convert FILE_OR_URL...',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: { 'remove-statement-marking': { type: 'boolean', default: false }, split: { type: 'boolean', default: false } },
    });
    if (positionals.length === 0) {
      await write(io.stderr, 'usage: convert FILE_OR_URL... [--remove-statement-marking] [--split]\n');
      return 2;
    }
    const http = createHttpClient({ env: io.env });
    for (const input of positionals) {
      const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(input) ? input : new URL(`file://${input.startsWith('/') ? '' : `${process.cwd()}/`}${input}`).href;
      const download = await downloadCollection(http, url, undefined, 2_000_000_000);
      if (!download.changed) continue;
      const converted = convertCollection(download.objects, { sourceUrl: url, removeStatementMarking: values['remove-statement-marking'] === true });
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
