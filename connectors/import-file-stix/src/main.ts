#!/usr/bin/env node
import { runConnectorCli } from '@opencti-ts/sdk/runtime';
import { importCommand } from './commands/import.ts';
import { importFileStixConnector } from './connector.ts';

process.exitCode = await runConnectorCli(
  importFileStixConnector,
  process.argv.slice(2),
  { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env },
  {
    bin: 'connector-import-file-stix',
    commands: { import: importCommand },
    entryDir: import.meta.dirname,
  },
);
