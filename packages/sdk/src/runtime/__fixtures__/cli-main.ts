// A connector's src/main.ts for cli.int.test.ts: runConnectorMain with one offline command,
// `lines COUNT` (COUNT lines on stdout; `lines bad` fails as bad input). Run directly by Node.
import { baseConfig, defineConfig } from '../../config/index.ts';
import { InputError } from '../../errors/index.ts';
import { defineOfflineCommand, runConnectorMain } from '../cli.ts';
import { defineConnector } from '../define.ts';

const connector = defineConnector({
  kind: 'EXTERNAL_IMPORT',
  config: defineConfig(baseConfig('EXTERNAL_IMPORT')),
  async run() {
    return 'not started by the tests';
  },
});

const lines = defineOfflineCommand({
  summary: 'print COUNT lines',
  usage: 'lines COUNT',
  positionals: { min: 1, max: 1 },
  async run({ positionals: [count = ''], out }) {
    if (!/^\d+$/.test(count)) throw new InputError('NOT_A_COUNT', `"${count}" is not a count`);
    for (let i = 0; i < Number(count); i += 1) await out.line(`line ${i} ${'x'.repeat(100)}`);
    return 0;
  },
});

await runConnectorMain(connector, { bin: 'connector-fixture', commands: { lines }, entryDir: import.meta.dirname });
