#!/usr/bin/env node
import { runConnectorMain } from '@opencti-ts/sdk/runtime';
import { lookupCommand } from './commands/lookup.ts';
import { whoisConnector } from './connector.ts';

await runConnectorMain(whoisConnector, { bin: 'connector-whois', commands: { lookup: lookupCommand }, entryDir: import.meta.dirname });
