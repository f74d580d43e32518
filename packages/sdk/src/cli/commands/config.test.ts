import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInProcess } from '@opencti-ts/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../main.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'opencti-ts-config-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const configModule = fileURLToPath(new URL('../../config/index.ts', import.meta.url));
const schemaFile = path.join(dir, 'schema.ts');
writeFileSync(
  schemaFile,
  `import { baseConfig, defineConfig, secret, str } from ${JSON.stringify(configModule)};
const base = baseConfig('INTERNAL_EXPORT_FILE');
export const csvConfig = defineConfig({ ...base, 'export-file-csv': { delimiter: str().default(';').describe('Field separator.'), key: secret() } });
export const otherConfig = defineConfig({ other: { x: str() } });
`,
);
const yamlFile = path.join(dir, 'config.yml');
writeFileSync(yamlFile, 'connector:\n  name: From YAML\n');

const cli = (args: string[], env: Record<string, string> = {}) => runInProcess(runCli, args, { env });

const env = { OPENCTI_URL: 'http://opencti:8080', OPENCTI_TOKEN: 'token-abcdef-123', CONNECTOR_ID: 'id-1', CONNECTOR_NAME: 'Enrich' };

describe('opencti-ts config', () => {
  it('check exits 2 and names every missing variable', async () => {
    const result = await cli(['config', 'check', '--type', 'INTERNAL_ENRICHMENT'], {});
    expect(result.code).toBe(2);
    for (const name of ['OPENCTI_URL', 'OPENCTI_TOKEN', 'CONNECTOR_ID', 'CONNECTOR_NAME']) expect(result.stderr).toContain(`  - ${name}: is required`);
  });

  it('check exits 0 on a valid configuration', async () => {
    expect(await cli(['config', 'check', '--type', 'INTERNAL_ENRICHMENT'], env)).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('configuration OK'),
    });
  });

  it('print shows the effective config with secrets redacted and config.yml values', async () => {
    const result = await cli(['config', 'print', '--type', 'INTERNAL_ENRICHMENT', '--config', yamlFile], { ...env, CONNECTOR_NAME: '' });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^OPENCTI_TOKEN=\*\*\* +# env$/m);
    expect(result.stdout).toMatch(/^CONNECTOR_NAME=From YAML +# config.yml connector.name$/m);
    expect(result.stdout).not.toContain(env.OPENCTI_TOKEN);
  });

  it.each([
    ['table', '| `EXPORT_FILE_CSV_DELIMITER` | `export-file-csv.delimiter` |'],
    ['sample', "export-file-csv:\n  key: 'ChangeMe'\n"],
    ['compose', '- EXPORT_FILE_CSV_KEY=ChangeMe\n'],
    ['json-schema', '"$id": "https://www.filigran.io/connectors/export-file-csv_config.schema.json"'],
  ])('render %s from a schema module', async (format, expected) => {
    const result = await cli(['config', 'render', format, '--schema', `${schemaFile}#csvConfig`, '--slug', 'export-file-csv']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain(expected);
  });

  it.each([
    ['no action', ['config']],
    ['an unknown action', ['config', 'explain', '--type', 'STREAM']],
    ['an unknown format', ['config', 'render', 'html', '--type', 'STREAM']],
    ['no schema', ['config', 'check']],
    ['an unknown type', ['config', 'check', '--type', 'IMPORT']],
    ['an ambiguous schema module', ['config', 'render', 'table', '--schema', schemaFile]],
    ['an unknown option', ['config', 'check', '--type', 'STREAM', '--verbose']],
  ])('exits 2 with the usage on %s', async (_name, args) => {
    const result = await cli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Usage:');
  });
});
