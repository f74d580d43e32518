// Resolution of a schema against its sources, in pycti's order (sdk-protocol §a.1):
// environment variable (or `<VAR>_FILE`), then config.yml `section.key`, then default.
// Every problem is collected and thrown once as a ConfigError naming each env var.
//
// Deliberate differences from pycti (see also parse.ts):
// - An env var set to the empty string counts as unset and falls through to config.yml,
//   then the default (pycti returns the default at once, ignoring config.yml).
// - A YAML `null` (`key:` with no value) also counts as unset (pycti returns None).
// - Any value equal to the placeholder `ChangeMe` is refused (pycti refuses it only for
//   the token), so a copied sample cannot start with placeholders.
// - `.env` files are not read; docker/compose already turn them into env vars.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { BugError, ConfigError, type ConfigIssue } from '../errors/index.ts';
import type { ConfigEntry, ConfigSchema, ConfigShape, InferConfig } from './schema.ts';

export const PLACEHOLDER = 'ChangeMe';

/** Where a value came from, for the printed effective config. */
export type ConfigSource = 'env' | 'file' | 'config.yml' | 'default' | 'unset';

export interface ValueOrigin {
  source: ConfigSource;
  /** The env var, `<VAR>_FILE`, or config.yml `section.key` that supplied the value. */
  name: string;
}

/** A problem that does not stop start-up (deprecated alias, unknown config.yml key). */
export interface ConfigWarning {
  envVar: string;
  message: string;
}

export interface LoadConfigOptions {
  /** Defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** config.yml content (wins over yamlPath and the search). */
  yamlText?: string;
  /** Explicit config.yml path (relative to cwd); it must exist. */
  yamlPath?: string;
  /** Directory of the connector's entry point: `<entryDir>/config.yml` then `<entryDir>/../config.yml` are searched. */
  entryDir?: string;
  /** Defaults to process.cwd(); `<cwd>/config.yml` is searched last. */
  cwd?: string;
  /** Receives warnings (deprecated names, unknown keys); loadConfig only. */
  onWarning?: (warning: ConfigWarning) => void;
}

export interface ResolvedConfig<C extends ConfigShape> {
  config: InferConfig<C>;
  warnings: ConfigWarning[];
  /** Origin of each value, keyed by the field's env var name. */
  origins: Record<string, ValueOrigin>;
  /** The config.yml that was read, if any. */
  configFile: string | undefined;
}

const META = Symbol.for('opencti-ts.config-meta');

export interface ConfigMeta {
  schema: ConfigSchema<ConfigShape>;
  origins: Record<string, ValueOrigin>;
}

/** The schema and origins attached (non-enumerably) to a config returned by loadConfig. */
export function configMeta(config: object): ConfigMeta | undefined {
  return (config as Record<symbol, ConfigMeta | undefined>)[META];
}

/** Resolves and validates; throws one ConfigError listing every problem. */
export function loadConfig<C extends ConfigShape>(schema: ConfigSchema<C>, options: LoadConfigOptions = {}): InferConfig<C> {
  const resolved = resolveConfig(schema, options);
  for (const warning of resolved.warnings) options.onWarning?.(warning);
  return resolved.config;
}

/** loadConfig plus warnings, origins and the config file used. */
export function resolveConfig<C extends ConfigShape>(schema: ConfigSchema<C>, options: LoadConfigOptions = {}): ResolvedConfig<C> {
  const env = options.env ?? process.env;
  const issues: ConfigIssue[] = [];
  const warnings: ConfigWarning[] = [];
  const origins: Record<string, ValueOrigin> = {};

  const file = readConfigFile(options, issues);
  const yaml = file.document;
  warnUnknownYamlKeys(schema, yaml, warnings);

  const sections: Record<string, Record<string, unknown>> = {};
  for (const section of Object.keys(schema.shape)) sections[section] = {};

  for (const entry of schema.entries) {
    const found = findRaw(entry, env, yaml, issues, warnings);
    let value: unknown;
    if (found === undefined) {
      origins[entry.env] = entry.spec.presence === 'default' ? { source: 'default', name: entry.env } : { source: 'unset', name: entry.env };
      if (entry.spec.presence === 'required') issues.push({ envVar: entry.env, message: `is required: set ${entry.env} or ${yamlName(entry)} in config.yml` });
      value = entry.spec.defaultValue;
    } else {
      origins[entry.env] = found.origin;
      value = parseValue(entry, found, issues);
    }
    (sections[entry.section] as Record<string, unknown>)[entry.key] = value;
  }
  if (issues.length > 0) throw new ConfigError(issues);

  const config = Object.fromEntries(Object.entries(sections).map(([name, values]) => [name, Object.freeze(values)]));
  Object.defineProperty(config, META, { value: { schema, origins } satisfies ConfigMeta, enumerable: false });
  Object.freeze(config);
  return { config: config as InferConfig<C>, warnings, origins, configFile: file.path };
}

interface RawValue {
  raw: unknown;
  origin: ValueOrigin;
  /** The env var to name in an issue about this value. */
  envVar: string;
}

const yamlName = (entry: ConfigEntry) => `${entry.yaml.section}.${entry.yaml.key}`;

/** The first source that sets the field: env vars (primary, then aliases), then config.yml keys. */
function findRaw(
  entry: ConfigEntry,
  env: Record<string, string | undefined>,
  yaml: Record<string, unknown>,
  issues: ConfigIssue[],
  warnings: ConfigWarning[],
): RawValue | undefined {
  const names = [{ env: entry.env, yaml: entry.yaml, deprecated: false }, ...entry.aliases];
  const fromEnv = names.map((name) => ({ name, value: readEnv(name.env, env, issues) })).filter((candidate) => candidate.value !== undefined);
  const chosen = fromEnv[0];
  if (chosen?.value) {
    for (const ignored of fromEnv.slice(1)) warnings.push({ envVar: ignored.name.env, message: `ignored: ${chosen.name.env} is also set and wins` });
    if (chosen.name.deprecated) warnings.push({ envVar: chosen.name.env, message: `is deprecated: use ${entry.env}` });
    return { raw: chosen.value.text, origin: chosen.value.origin, envVar: chosen.value.origin.name };
  }
  const seen = new Set<string>();
  for (const name of names) {
    const key = `${name.yaml.section}.${name.yaml.key}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const section = yaml[name.yaml.section];
    const raw = isMapping(section) ? section[name.yaml.key] : undefined;
    if (raw === undefined || raw === null || raw === '') continue;
    if (name.deprecated) warnings.push({ envVar: name.env, message: `config.yml key ${key} is deprecated: use ${yamlName(entry)}` });
    return { raw, origin: { source: 'config.yml', name: key }, envVar: entry.env };
  }
  return undefined;
}

/** `NAME` or `NAME_FILE` (file content without trailing newlines); both set is an error. */
function readEnv(name: string, env: Record<string, string | undefined>, issues: ConfigIssue[]): { text: string; origin: ValueOrigin } | undefined {
  const direct = env[name];
  const filePath = env[`${name}_FILE`];
  const hasDirect = direct !== undefined && direct !== '';
  const hasFile = filePath !== undefined && filePath !== '';
  if (hasDirect && hasFile) {
    issues.push({ envVar: name, message: `is set together with ${name}_FILE: set only one of them` });
    return undefined;
  }
  if (hasDirect) return { text: direct, origin: { source: 'env', name } };
  if (!hasFile) return undefined;
  try {
    const text = readFileSync(filePath, 'utf8').replace(/[\r\n]+$/, '');
    return text === '' ? undefined : { text, origin: { source: 'file', name: `${name}_FILE` } };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    issues.push({ envVar: `${name}_FILE`, message: `cannot read file "${filePath}" (${code})` });
    return undefined;
  }
}

function parseValue(entry: ConfigEntry, found: RawValue, issues: ConfigIssue[]): unknown {
  const spec = entry.spec;
  const where =
    found.origin.source === 'config.yml' ? ` (from config.yml ${found.origin.name})` : found.origin.source === 'file' ? ` (from ${found.origin.name})` : '';
  const shown = spec.secret ? '' : ` (got ${JSON.stringify(found.raw)})`;
  if (found.raw === PLACEHOLDER) {
    issues.push({ envVar: found.envVar, message: `is still the placeholder "${PLACEHOLDER}"${where}` });
    return undefined;
  }
  const parsed = spec.parse(found.raw);
  if (!parsed.ok) {
    issues.push({ envVar: found.envVar, message: `${parsed.message}${shown}${where}` });
    return undefined;
  }
  if (spec.pinned && parsed.value !== spec.defaultValue) {
    issues.push({ envVar: found.envVar, message: `must be ${spec.format(spec.defaultValue)} for this connector${shown}${where}` });
    return undefined;
  }
  for (const check of spec.checks) {
    const message = check(parsed.value);
    if (message !== undefined) issues.push({ envVar: found.envVar, message: `${message}${where}` });
  }
  return parsed.value;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Candidate config.yml paths when none is given explicitly, most specific first. */
export function configFileCandidates(options: { entryDir?: string; cwd?: string }): string[] {
  const cwd = options.cwd ?? process.cwd();
  const candidates = options.entryDir ? [path.resolve(cwd, options.entryDir, 'config.yml'), path.resolve(cwd, options.entryDir, '..', 'config.yml')] : [];
  candidates.push(path.resolve(cwd, 'config.yml'));
  return [...new Set(candidates)];
}

function readConfigFile(options: LoadConfigOptions, issues: ConfigIssue[]): { document: Record<string, unknown>; path: string | undefined } {
  let text = options.yamlText;
  let filePath: string | undefined;
  if (text === undefined) {
    if (options.yamlPath !== undefined) {
      filePath = path.resolve(options.cwd ?? process.cwd(), options.yamlPath);
      if (!existsSync(filePath)) {
        issues.push({ envVar: 'config.yml', message: `file "${filePath}" does not exist` });
        return { document: {}, path: undefined };
      }
    } else {
      filePath = configFileCandidates(options).find((candidate) => existsSync(candidate));
      if (filePath === undefined) return { document: {}, path: undefined };
    }
    try {
      text = readFileSync(filePath, 'utf8');
    } catch (error) {
      issues.push({ envVar: 'config.yml', message: `cannot read "${filePath}" (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})` });
      return { document: {}, path: filePath };
    }
  }
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : 'syntax error';
    issues.push({ envVar: 'config.yml', message: `is not valid YAML: ${reason}` });
    return { document: {}, path: filePath };
  }
  if (document === null || document === undefined) return { document: {}, path: filePath };
  if (!isMapping(document)) {
    issues.push({ envVar: 'config.yml', message: 'must be a mapping of sections (opencti:, connector:, ...)' });
    return { document: {}, path: filePath };
  }
  return { document, path: filePath };
}

/** Keys under a known section that no field reads are most likely typos. */
function warnUnknownYamlKeys(schema: ConfigSchema<ConfigShape>, yaml: Record<string, unknown>, warnings: ConfigWarning[]): void {
  const known = new Map<string, Set<string>>();
  for (const entry of schema.entries) {
    for (const yamlPath of [entry.yaml, ...entry.aliases.map((alias) => alias.yaml)]) {
      const keys = known.get(yamlPath.section) ?? new Set<string>();
      keys.add(yamlPath.key);
      known.set(yamlPath.section, keys);
    }
  }
  for (const [section, keys] of known) {
    const values = yaml[section];
    if (values === undefined || values === null) continue;
    if (!isMapping(values)) {
      warnings.push({ envVar: 'config.yml', message: `section "${section}" is not a mapping (ignored)` });
      continue;
    }
    for (const key of Object.keys(values)) if (!keys.has(key)) warnings.push({ envVar: 'config.yml', message: `unknown key ${section}.${key} (ignored)` });
  }
}

/** Internal guard for helpers that need loadConfig's metadata. */
export function requireConfigMeta(config: object): ConfigMeta {
  const meta = configMeta(config);
  if (!meta) throw new BugError('CONFIG_NOT_LOADED', 'expected a config returned by loadConfig (its schema is attached to it)');
  return meta;
}
