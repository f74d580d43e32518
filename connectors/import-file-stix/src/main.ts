#!/usr/bin/env node
import { runConnectorMain } from '@opencti-ts/sdk/runtime';
import { importCommand } from './commands/import.ts';
import { importFileStixConnector } from './connector.ts';

await runConnectorMain(importFileStixConnector, { bin: 'connector-import-file-stix', commands: { import: importCommand }, entryDir: import.meta.dirname });
