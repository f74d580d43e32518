#!/usr/bin/env node
// The command line the image runs: `start` (default), `config [--sample]`, and the offline
// `convert` command (src/commands/convert.ts).
import { runConnectorMain } from '@opencti-ts/sdk/runtime';
import { convertCommand } from './commands/convert.ts';
import { mispConnector } from './connector.ts';

await runConnectorMain(mispConnector, { bin: 'connector-misp', commands: { convert: convertCommand }, entryDir: import.meta.dirname });
