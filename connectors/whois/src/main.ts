#!/usr/bin/env node
import { runConnectorCli } from '@opencti-ts/sdk/runtime';
import { lookupCommand } from './commands/lookup.ts';
import { whoisConnector } from './connector.ts';

process.exitCode = await runConnectorCli(
  whoisConnector,
  process.argv.slice(2),
  { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env },
  {
    bin: 'connector-whois',
    commands: { lookup: lookupCommand },
    entryDir: import.meta.dirname,
  },
);
