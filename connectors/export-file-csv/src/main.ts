#!/usr/bin/env node
import { runConnectorCli } from '@opencti-ts/sdk/runtime';
import { exportCommand } from './commands/export.ts';
import { csvConnector } from './connector.ts';

process.exitCode = await runConnectorCli(
  csvConnector,
  process.argv.slice(2),
  { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env },
  {
    bin: 'connector-export-file-csv',
    commands: { export: exportCommand },
    entryDir: import.meta.dirname,
  },
);
