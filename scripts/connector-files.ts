// Regenerates, for every connector under connectors/, the files derived from its config
// schema (src/config.ts): config.yml.sample, __metadata__/connector_config_schema.json,
// the README's configuration table and the docker-compose environment (between the
// `generated` markers). `--check` writes nothing and fails when a file is stale (CI/lint);
// each connector's Dockerfile is the one template (packages/create-connector/templates/
// Dockerfile.tmpl) rendered for it, so images cannot drift apart.
//   node --conditions=source scripts/connector-files.ts [--check]
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderDockerfile } from '../packages/create-connector/src/dockerfile.ts';
import {
  type ConfigSchema,
  type ConfigShape,
  isConfigSchema,
  renderComposeEnvironment,
  renderConfigJsonSchema,
  renderConfigSample,
  renderConfigTable,
} from '../packages/sdk/src/config/index.ts';

const root = path.resolve(import.meta.dirname, '..');

function replaceBetween(text: string, start: string, end: string, body: string, file: string, problems: string[]): string {
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) {
    problems.push(`${file}: missing the markers ${start} … ${end}`);
    return text;
  }
  return `${text.slice(0, from + start.length)}\n${body.trimEnd()}\n${text.slice(to)}`;
}

/**
 * Renders the derived files of the connector in `dir` (folder name = slug): writes them, or
 * with `check` only lists the stale ones. Returns the problems (empty when all is well).
 */
export async function syncConnectorFiles(dir: string, options: { check: boolean }): Promise<string[]> {
  const problems: string[] = [];
  const slug = path.basename(dir);
  const shown = (file: string) => path.relative(root, file);
  const update = (file: string, render: (current: string) => string) => {
    const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const next = render(current);
    if (next === current) return;
    if (options.check) problems.push(`${shown(file)} is stale`);
    else writeFileSync(file, next);
  };
  const configModule = path.join(dir, 'src/config.ts');
  if (!existsSync(configModule)) return problems;
  const module = (await import(pathToFileURL(configModule).href)) as Record<string, unknown>;
  const schema = Object.values(module).find(isConfigSchema) as ConfigSchema<ConfigShape> | undefined;
  if (!schema) return [`${shown(configModule)} exports no config schema`];
  update(path.join(dir, 'config.yml.sample'), () => renderConfigSample(schema));
  update(path.join(dir, '__metadata__/connector_config_schema.json'), () => renderConfigJsonSchema(schema, slug));
  update(path.join(dir, 'README.md'), (text) =>
    replaceBetween(
      text,
      '<!-- generated:config-table:start -->',
      '<!-- generated:config-table:end -->',
      renderConfigTable(schema),
      `${slug}/README.md`,
      problems,
    ),
  );
  update(path.join(dir, 'docker-compose.yml'), (text) =>
    replaceBetween(
      text,
      '    # generated:environment:start',
      '      # generated:environment:end',
      renderComposeEnvironment(schema, { indent: '      ' }),
      `${slug}/docker-compose.yml`,
      problems,
    ),
  );
  // Rendered from the one template: a change to an image is a change to the template.
  const { description = '' } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { description?: string };
  update(path.join(dir, 'Dockerfile'), () => renderDockerfile(slug, description));
  return problems;
}

if (import.meta.main) {
  const check = process.argv.includes('--check');
  const connectorsDir = path.join(root, 'connectors');
  const problems: string[] = [];
  for (const slug of existsSync(connectorsDir) ? readdirSync(connectorsDir) : []) {
    problems.push(...(await syncConnectorFiles(path.join(connectorsDir, slug), { check })));
  }
  for (const problem of problems) console.error(problem);
  if (problems.length > 0) {
    console.error(check ? 'connector files are stale (run `pnpm connectors:generate`)' : 'some connector files could not be generated');
    process.exit(1);
  }
  console.log(check ? 'connector files are up to date' : 'connector files generated');
}
