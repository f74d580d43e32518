#!/usr/bin/env node
import { runConnectorMain } from '@opencti-ts/sdk/runtime';
import { exportCommand } from './commands/export.ts';
import { csvConnector } from './connector.ts';

await runConnectorMain(csvConnector, { bin: 'connector-export-file-csv', commands: { export: exportCommand }, entryDir: import.meta.dirname });
