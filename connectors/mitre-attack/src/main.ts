#!/usr/bin/env node
import { runConnectorCli } from '@opencti-ts/sdk/runtime';
import { convertCommand } from './commands/convert.ts';
import { mitreConnector } from './connector.ts';

process.exitCode = await runConnectorCli(
  mitreConnector,
  process.argv.slice(2),
  { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env },
  {
    bin: 'connector-mitre-attack',
    commands: { convert: convertCommand },
    entryDir: import.meta.dirname,
  },
);
