// Generated artefacts of a config schema (repo-conventions §4, §5, §6.2, §6.3): the README
// configuration table, config.yml.sample, __metadata__/connector_config_schema.json and
// the docker-compose environment list. Pure functions of the schema, so CI can regenerate
// them and fail on drift. Secrets never show a value (only the ChangeMe placeholder).
import type { FieldKind } from './field.ts';
import { PLACEHOLDER } from './load.ts';
import { type ConfigEntry, type ConfigSchema, type ConfigShape, isRequired } from './schema.ts';

export const GENERATED_NOTE = 'Generated from the connector config schema by opencti-ts: do not edit by hand.';

const KIND_LABELS: Record<FieldKind, string> = {
  string: 'string',
  secret: 'secret',
  boolean: 'boolean',
  integer: 'integer',
  number: 'number',
  list: 'list (comma-separated)',
  duration: 'ISO-8601 duration',
  url: 'URL',
  enum: 'enum',
  json: 'JSON',
  'boolean-or-path': 'boolean or file path',
};

function typeLabel(entry: ConfigEntry): string {
  const { spec } = entry;
  if (spec.pinned) return `constant \`${spec.values?.[0] ?? ''}\``;
  if (spec.kind === 'enum') return `one of ${(spec.values ?? []).map((value) => `\`${value}\``).join(', ')}`;
  return spec.secret && spec.kind !== 'secret' ? `${KIND_LABELS[spec.kind]} (secret)` : KIND_LABELS[spec.kind];
}

/** Env-var text of the default; undefined when there is none or it is a secret (never printed). */
function defaultText(entry: ConfigEntry): string | undefined {
  return entry.spec.presence === 'default' && !entry.spec.secret ? entry.spec.format(entry.spec.defaultValue) : undefined;
}

/** Required fields first, then the others, each group in declaration order. */
function requiredFirst(entries: readonly ConfigEntry[]): ConfigEntry[] {
  return [...entries.filter(isRequired), ...entries.filter((entry) => !isRequired(entry))];
}

function groupBy(entries: readonly ConfigEntry[], key: (entry: ConfigEntry) => string): Map<string, ConfigEntry[]> {
  const groups = new Map<string, ConfigEntry[]>();
  for (const entry of entries) groups.set(key(entry), [...(groups.get(key(entry)) ?? []), entry]);
  return groups;
}

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

/** Markdown table (one per section): env var, config.yml key, type, required, default, description. */
export function renderConfigTable<C extends ConfigShape>(schema: ConfigSchema<C>): string {
  const out: string[] = [`<!-- ${GENERATED_NOTE} -->`];
  for (const [section, entries] of groupBy(schema.entries, (entry) => entry.section)) {
    out.push('', `### \`${section}\``, '', '| Env var | config.yml key | Type | Required | Default | Description |', '|---|---|---|---|---|---|');
    for (const entry of requiredFirst(entries)) {
      const fallback = defaultText(entry);
      const shownDefault = fallback === undefined ? '' : fallback === '' ? '`""`' : `\`${fallback}\``;
      const notes = [entry.spec.description];
      if (entry.spec.example !== undefined && !entry.spec.secret) notes.push(`Example: \`${entry.spec.example}\`.`);
      for (const alias of entry.aliases) notes.push(alias.deprecated ? `Deprecated name: \`${alias.env}\`.` : `Also read from \`${alias.env}\`.`);
      if (entry.spec.secret) notes.push(`Can be read from a file named by \`${entry.env}_FILE\`.`);
      out.push(
        `| \`${entry.env}\` | \`${entry.yaml.section}.${entry.yaml.key}\` | ${cell(typeLabel(entry))} | ${isRequired(entry) ? 'yes' : 'no'} | ${cell(shownDefault)} | ${cell(notes.filter(Boolean).join(' '))} |`,
      );
    }
  }
  return `${out.join('\n')}\n`;
}

/** A YAML scalar for a value given as env text (booleans and numbers unquoted). */
function yamlScalar(entry: ConfigEntry, text: string): string {
  const plain = entry.spec.kind === 'boolean' || entry.spec.kind === 'integer' || entry.spec.kind === 'number';
  if (plain || (entry.spec.kind === 'boolean-or-path' && (text === 'true' || text === 'false'))) return text;
  return `'${text.replaceAll("'", "''")}'`;
}

/** The value a required field shows in a sample: its example, else ChangeMe (always for secrets). */
function placeholder(entry: ConfigEntry): string {
  return !entry.spec.secret && entry.spec.example !== undefined ? entry.spec.example : PLACEHOLDER;
}

/** Fields that belong in samples and compose files (not advanced ones). */
const inSample = (entry: ConfigEntry) => !entry.spec.advanced;

/**
 * config.yml.sample: sections in declaration order, required values set (ChangeMe or the
 * example), optional ones commented out with their default, each under its description.
 */
export function renderConfigSample<C extends ConfigShape>(schema: ConfigSchema<C>): string {
  const out: string[] = [`# ${GENERATED_NOTE}`, `# Required values are set to ${PLACEHOLDER} (or an example); commented lines show the defaults.`];
  const entries = schema.entries.filter(inSample);
  for (const [section, group] of groupBy(entries, (entry) => entry.yaml.section)) {
    out.push('', `${section}:`);
    for (const entry of requiredFirst(group)) {
      if (entry.spec.description) out.push(`  # ${entry.spec.description}`);
      if (isRequired(entry)) out.push(`  ${entry.yaml.key}: ${yamlScalar(entry, placeholder(entry))}`);
      else {
        const fallback = defaultText(entry);
        out.push(fallback === undefined ? `  # ${entry.yaml.key}:` : `  # ${entry.yaml.key}: ${yamlScalar(entry, fallback)}`);
      }
    }
  }
  return `${out.join('\n')}\n`;
}

/**
 * The `environment:` list of a docker-compose service: required variables first with
 * their placeholder, then optional ones commented out with their default (`#- KEY=value`).
 */
export function renderComposeEnvironment<C extends ConfigShape>(schema: ConfigSchema<C>, options: { indent?: string } = {}): string {
  const indent = options.indent ?? '';
  const entries = schema.entries.filter(inSample);
  const commented = (entry: ConfigEntry) => `${indent}#- ${entry.env}=${defaultText(entry) ?? ''}`;
  // Every variable the connector reads is listed; the advanced ones after a marker line.
  const advanced = schema.entries.filter((entry) => !inSample(entry));
  const lines = [
    ...entries.filter(isRequired).map((entry) => `${indent}- ${entry.env}=${placeholder(entry)}`),
    ...entries.filter((entry) => !isRequired(entry)).map(commented),
    ...(advanced.length > 0 ? [`${indent}# advanced settings, defaults shown`, ...advanced.map(commented)] : []),
  ];
  return `${lines.join('\n')}\n`;
}

/** JSON Schema 2020-12 of the env vars (repo-conventions §6.2); `CONNECTOR_ID` is left out (the manager assigns it). */
export function configJsonSchema<C extends ConfigShape>(schema: ConfigSchema<C>, slug: string): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const entry of requiredFirst(schema.entries)) {
    if (entry.env === 'CONNECTOR_ID') continue;
    const { spec } = entry;
    const type: Record<string, unknown> = { ...spec.jsonType };
    if (spec.pinned) {
      delete type.enum;
      type.const = spec.toJson(spec.defaultValue);
    }
    const property: Record<string, unknown> = { description: spec.description, ...type };
    if (spec.presence === 'default' && !spec.secret) property.default = spec.toJson(spec.defaultValue);
    properties[entry.env] = property;
    if (isRequired(entry)) required.push(entry.env);
    for (const alias of entry.aliases) {
      properties[alias.env] = {
        ...type,
        description: alias.deprecated ? `Deprecated: use ${entry.env} instead.` : `Alias of ${entry.env}.`,
        ...(alias.deprecated ? { deprecated: true } : {}),
      };
    }
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `https://www.filigran.io/connectors/${slug}_config.schema.json`,
    type: 'object',
    properties,
    required,
    additionalProperties: true,
  };
}

/** `configJsonSchema` as the text of `__metadata__/connector_config_schema.json`. */
export function renderConfigJsonSchema<C extends ConfigShape>(schema: ConfigSchema<C>, slug: string): string {
  return `${JSON.stringify(configJsonSchema(schema, slug), null, 2)}\n`;
}
