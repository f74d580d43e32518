// Regenerates, for every connector under connectors/, the files derived from its config
// schema (src/config.ts): config.yml.sample, __metadata__/connector_config_schema.json,
// the README's configuration table and the docker-compose environment (between the
// `generated` markers). `--check` writes nothing and fails when a file is stale (CI/lint).
//   node --conditions=source scripts/connector-files.ts [--check]
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  type ConfigSchema,
  type ConfigShape,
  isConfigSchema,
  renderComposeEnvironment,
  renderConfigJsonSchema,
  renderConfigSample,
  renderConfigTable,
} from '../packages/sdk/src/config/index.ts';

const check = process.argv.includes('--check');
const root = path.resolve(import.meta.dirname, '..');
const stale: string[] = [];

function replaceBetween(text: string, start: string, end: string, body: string, file: string): string {
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) {
    stale.push(`${file}: missing the markers ${start} … ${end}`);
    return text;
  }
  return `${text.slice(0, from + start.length)}\n${body.trimEnd()}\n${text.slice(to)}`;
}

function update(file: string, render: (current: string) => string): void {
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const next = render(current);
  if (next === current) return;
  if (check) stale.push(`${path.relative(root, file)} is stale`);
  else writeFileSync(file, next);
}

const connectorsDir = path.join(root, 'connectors');
for (const slug of existsSync(connectorsDir) ? readdirSync(connectorsDir) : []) {
  const dir = path.join(connectorsDir, slug);
  const configModule = path.join(dir, 'src/config.ts');
  if (!existsSync(configModule)) continue;
  const module = (await import(pathToFileURL(configModule).href)) as Record<string, unknown>;
  const schema = Object.values(module).find(isConfigSchema) as ConfigSchema<ConfigShape> | undefined;
  if (!schema) {
    stale.push(`${path.relative(root, configModule)} exports no config schema`);
    continue;
  }
  update(path.join(dir, 'config.yml.sample'), () => renderConfigSample(schema));
  update(path.join(dir, '__metadata__/connector_config_schema.json'), () => renderConfigJsonSchema(schema, slug));
  update(path.join(dir, 'README.md'), (text) =>
    replaceBetween(text, '<!-- generated:config-table:start -->', '<!-- generated:config-table:end -->', renderConfigTable(schema), `${slug}/README.md`),
  );
  update(path.join(dir, 'docker-compose.yml'), (text) =>
    replaceBetween(
      text,
      '    # generated:environment:start',
      '      # generated:environment:end',
      renderComposeEnvironment(schema, { indent: '      ' }),
      `${slug}/docker-compose.yml`,
    ),
  );
}
for (const problem of stale) console.error(problem);
if (stale.length > 0) {
  console.error(check ? 'connector files are stale: run `pnpm connectors:generate`' : 'some connector files could not be generated');
  process.exit(1);
}
console.log(check ? 'connector files are up to date' : 'connector files generated');
