#!/usr/bin/env node
// The command line the image runs: `start` (default), `config [--sample]`, and the offline
// `convert` command (src/commands/convert.ts).
import { runConnectorCli } from '@opencti-ts/sdk/runtime';
import { convertCommand } from './commands/convert.ts';
import { mispConnector } from './connector.ts';

process.exitCode = await runConnectorCli(
  mispConnector,
  process.argv.slice(2),
  { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env },
  {
    bin: 'connector-misp',
    commands: { convert: convertCommand },
    entryDir: import.meta.dirname,
  },
);
