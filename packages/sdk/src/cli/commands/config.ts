// `opencti-ts config`: check or print a connector's effective configuration (secrets
// redacted) and render the files generated from its schema (README table, sample,
// JSON schema, compose environment). The schema comes from a module (`--schema
// connectors/mitre-attack/src/config.ts`) or is the SDK base for `--type`.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  baseConfig,
  CONNECTOR_TYPES,
  type ConfigSchema,
  type ConfigShape,
  type ConnectorType,
  defineConfig,
  isConfigSchema,
  printableConfig,
  renderComposeEnvironment,
  renderConfigJsonSchema,
  renderConfigSample,
  renderConfigTable,
  resolveConfig,
} from '../../config/index.ts';
import { ConfigError } from '../../errors/index.ts';
import { type Command, type CommandIo, write } from '../command.ts';

const FORMATS = ['table', 'sample', 'json-schema', 'compose'] as const;
type Format = (typeof FORMATS)[number];

const usage = `Usage:
  opencti-ts config check  (--schema <module>[#export] | --type <TYPE>) [--config <config.yml>]
  opencti-ts config print  (--schema <module>[#export] | --type <TYPE>) [--config <config.yml>]
  opencti-ts config render <${FORMATS.join('|')}> (--schema <module>[#export] | --type <TYPE>) [--slug <slug>]

check   validates the configuration from the environment (and config.yml); exit 2 on problems
print   prints the effective configuration, secrets redacted, with where each value came from
render  prints a file generated from the schema

--schema  a module exporting a config schema (defineConfig); #export picks one by name
--type    the SDK base schema of a connector type (${CONNECTOR_TYPES.join(', ')})
--config  config.yml to read (default: ./config.yml when present)
--slug    connector slug for the JSON schema $id (default: "connector")`;

/** Loads the schema named by --schema (a module export) or --type (the SDK base); a string is a usage problem. */
export async function schemaFromOptions(
  options: { schema?: string | undefined; type?: string | undefined },
  cwd: string,
): Promise<ConfigSchema<ConfigShape> | string> {
  if (options.schema) {
    const [file = '', exportName] = options.schema.split('#');
    const module = (await import(pathToFileURL(path.resolve(cwd, file)).href)) as Record<string, unknown>;
    const candidates = Object.entries(module).filter(([name, value]) => isConfigSchema(value) && (exportName === undefined || name === exportName));
    const found = candidates[0];
    if (!found || candidates.length > 1) {
      return exportName ? `${file} has no config schema export "${exportName}"` : `${file} must export exactly one config schema (or name it with #export)`;
    }
    return found[1] as ConfigSchema<ConfigShape>;
  }
  if (options.type) {
    if (!(CONNECTOR_TYPES as readonly string[]).includes(options.type)) return `--type must be one of ${CONNECTOR_TYPES.join(', ')}`;
    return defineConfig(baseConfig(options.type as ConnectorType));
  }
  return 'give --schema <module> or --type <TYPE>';
}

export function renderFormat(schema: ConfigSchema<ConfigShape>, format: Format, slug: string): string {
  switch (format) {
    case 'table':
      return renderConfigTable(schema);
    case 'sample':
      return renderConfigSample(schema);
    case 'json-schema':
      return renderConfigJsonSchema(schema, slug);
    case 'compose':
      return renderComposeEnvironment(schema);
  }
}

const OPTIONS = { schema: { type: 'string' }, type: { type: 'string' }, config: { type: 'string' }, slug: { type: 'string' } } as const;

async function run(args: readonly string[], io: CommandIo): Promise<number> {
  const cwd = process.cwd();
  const usageError = async (message: string) => {
    await write(io.stderr, `opencti-ts config: ${message}\n\n${usage}\n`);
    return 2;
  };
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof OPTIONS }>>;
  try {
    parsed = parseArgs({ args: [...args], allowPositionals: true, options: OPTIONS });
  } catch (error) {
    return usageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  const [action, format] = positionals;
  if (action !== 'check' && action !== 'print' && action !== 'render') return usageError('expected check, print or render');
  if (action === 'render' && !(FORMATS as readonly string[]).includes(format ?? '')) return usageError(`render needs one of ${FORMATS.join(', ')}`);
  const schema = await schemaFromOptions(values, cwd);
  if (typeof schema === 'string') return usageError(schema);
  if (action === 'render') {
    await write(io.stdout, renderFormat(schema, format as Format, values.slug ?? 'connector'));
    return 0;
  }
  try {
    const resolved = resolveConfig(schema, { env: io.env, cwd, ...(values.config ? { yamlPath: values.config } : {}) });
    for (const warning of resolved.warnings) await write(io.stderr, `warning: ${warning.envVar}: ${warning.message}\n`);
    if (action === 'print') await write(io.stdout, printableConfig(resolved.config));
    else await write(io.stdout, `configuration OK${resolved.configFile ? ` (config.yml: ${resolved.configFile})` : ''}\n`);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      await write(io.stderr, `${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

export const configCommand: Command = {
  path: ['config'],
  summary: 'check, print (secrets redacted) or render a connector configuration',
  usage,
  run,
};
