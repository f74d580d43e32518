#!/usr/bin/env node
import { runConnectorMain } from '@opencti-ts/sdk/runtime';
import { convertCommand } from './commands/convert.ts';
import { mitreConnector } from './connector.ts';

await runConnectorMain(mitreConnector, { bin: 'connector-mitre-attack', commands: { convert: convertCommand }, entryDir: import.meta.dirname });
