// A connector's configuration schema: sections of fields (`opencti`, `connector`, `mq`,
// then the connector's own, e.g. `mitre`). Names follow pycti and the connectors SDK:
// env var `<SECTION>_<KEY>` upper-cased (a hyphenated legacy section such as
// `export-file-csv` gives `EXPORT_FILE_CSV_<KEY>`), config.yml path `<section>.<key>`
// exactly two levels deep. `.env()` / `.yaml()` on a field override either name.
import { BugError } from '../errors/index.ts';
import type { AnyField, Field, FieldSpec, Presence } from './field.ts';

export type SectionShape = Record<string, AnyField>;
export type ConfigShape = Record<string, SectionShape>;

type FieldValue<F> = F extends Field<infer T, infer P> ? (P extends 'optional' ? T | undefined : T) : never;

/** The resolved values of one section, inferred from its fields. */
export type InferSection<S extends SectionShape> = { readonly [K in keyof S]: FieldValue<S[K]> };

/** The resolved configuration of a schema, inferred from its declaration. */
export type InferConfig<C extends ConfigShape> = { readonly [K in keyof C]: InferSection<C[K]> };

/** `InferConfig` of a schema value: `type MitreConfig = ConfigOf<typeof mitreConfig>`. */
export type ConfigOf<S> = S extends ConfigSchema<infer C> ? InferConfig<C> : never;

export interface YamlPath {
  section: string;
  key: string;
}

export interface ConfigAliasEntry {
  env: string;
  yaml: YamlPath;
  deprecated: boolean;
}

/** One field with its resolved names, in declaration order. */
export interface ConfigEntry {
  /** Section and key in the resolved config object. */
  section: string;
  key: string;
  env: string;
  yaml: YamlPath;
  aliases: readonly ConfigAliasEntry[];
  spec: FieldSpec<unknown>;
}

const SCHEMA = Symbol.for('opencti-ts.config-schema');

export interface ConfigSchema<C extends ConfigShape> {
  readonly [SCHEMA]: true;
  readonly shape: C;
  readonly entries: readonly ConfigEntry[];
}

export function isConfigSchema(value: unknown): value is ConfigSchema<ConfigShape> {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[SCHEMA] === true;
}

/** Env var prefix of a section: `export-file-csv` → `EXPORT_FILE_CSV`. */
export function sectionEnvPrefix(section: string): string {
  return section.replaceAll('-', '_').toUpperCase();
}

function parseYamlPath(path: string, where: string): YamlPath {
  const parts = path.split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw new BugError('CONFIG_SCHEMA_INVALID', `${where}: config.yml path "${path}" must be "section.key"`);
  return { section: parts[0], key: parts[1] };
}

/** config.yml path of an alias env var: the field's section when the prefix matches, else split on the first `_`. */
function aliasYaml(env: string, section: string): YamlPath {
  const prefix = `${sectionEnvPrefix(section)}_`;
  if (env.startsWith(prefix)) return { section, key: env.slice(prefix.length).toLowerCase() };
  const at = env.indexOf('_');
  return at > 0 ? { section: env.slice(0, at).toLowerCase(), key: env.slice(at + 1).toLowerCase() } : { section, key: env.toLowerCase() };
}

/**
 * Declares a configuration schema. Throws a BugError (a defect in the connector, found by
 * any test that imports it) on duplicate env var or config.yml names.
 *
 * @example
 * const base = baseConfig('EXTERNAL_IMPORT');
 * export const mitreConfig = defineConfig({
 *   ...base,
 *   connector: { ...base.connector, name: base.connector.name.default('MITRE ATT&CK') },
 *   mitre: { interval: int({ min: 1 }).default(7).describe('Days between runs') },
 * });
 */
export function defineConfig<const C extends ConfigShape>(shape: C): ConfigSchema<C> {
  const entries: ConfigEntry[] = [];
  const envOwners = new Map<string, string>();
  const yamlOwners = new Map<string, string>();
  const claim = (owners: Map<string, string>, name: string, owner: string, what: string) => {
    const previous = owners.get(name);
    if (previous !== undefined && previous !== owner) throw new BugError('CONFIG_SCHEMA_INVALID', `${what} "${name}" is used by both ${previous} and ${owner}`);
    owners.set(name, owner);
  };
  for (const [section, fields] of Object.entries(shape)) {
    for (const [key, field] of Object.entries(fields)) {
      const spec = field.spec;
      const owner = `${section}.${key}`;
      const env = spec.envName ?? `${sectionEnvPrefix(section)}_${key.toUpperCase()}`;
      const yaml = spec.yamlPath ? parseYamlPath(spec.yamlPath, owner) : { section, key };
      const aliases = spec.aliases.map((alias) => ({
        env: alias.env,
        yaml: alias.yaml ? parseYamlPath(alias.yaml, owner) : aliasYaml(alias.env, yaml.section),
        deprecated: alias.deprecated,
      }));
      for (const name of [env, ...aliases.map((alias) => alias.env)]) claim(envOwners, name, owner, 'env var');
      for (const path of [yaml, ...aliases.map((alias) => alias.yaml)]) claim(yamlOwners, `${path.section}.${path.key}`, owner, 'config.yml key');
      entries.push({ section, key, env, yaml, aliases, spec });
    }
  }
  return { [SCHEMA]: true, shape, entries };
}

/** Whether a field must be set by a source (no default, not optional). */
export function isRequired(entry: ConfigEntry): boolean {
  return entry.spec.presence === ('required' satisfies Presence);
}
