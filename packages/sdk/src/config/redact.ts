// Secrets of a loaded config: hidden when printed, and registered into the logger's
// Redactor so that they never reach a log line even when a library echoes them.
import { REDACTED, Redactor } from '../log/index.ts';
import { type ConfigMeta, requireConfigMeta } from './load.ts';
import type { ConfigEntry } from './schema.ts';

function fieldValue(config: object, entry: ConfigEntry): unknown {
  return (config as Record<string, Record<string, unknown> | undefined>)[entry.section]?.[entry.key];
}

/** A plain copy of a loaded config with every set secret replaced by `***`. */
export function redactConfig<T extends object>(config: T): T {
  const { schema } = requireConfigMeta(config);
  const out: Record<string, Record<string, unknown>> = {};
  for (const entry of schema.entries) {
    const value = fieldValue(config, entry);
    const section = out[entry.section] ?? {};
    section[entry.key] = entry.spec.secret && value !== undefined ? REDACTED : value;
    out[entry.section] = section;
  }
  return out as T;
}

/** The values of every secret that is set (to register into a Redactor). */
export function secretValues(config: object): string[] {
  const { schema } = requireConfigMeta(config);
  const out: string[] = [];
  for (const entry of schema.entries) {
    if (!entry.spec.secret) continue;
    const value = fieldValue(config, entry);
    if (value === undefined) continue;
    const text = typeof value === 'string' ? value : entry.spec.format(value);
    out.push(text);
    // Custom headers: each header value is a secret on its own too.
    if (entry.key === 'custom_headers') for (const part of text.split(';')) out.push(part.slice(part.indexOf(':') + 1).trim());
  }
  return out;
}

/** A Redactor that knows the config's secrets (extend it with `add`). */
export function configRedactor(config: object): Redactor {
  return new Redactor(secretValues(config));
}

export interface PrintableRow {
  envVar: string;
  yamlKey: string;
  /** Env-var text of the value, `***` for a set secret, empty when unset. */
  value: string;
  source: ConfigMeta['origins'][string]['source'];
  /** The env var, `_FILE` or config.yml key that supplied it. */
  from: string;
}

/** One row per field: the effective value (secrets redacted) and where it came from. */
export function printableRows(config: object): PrintableRow[] {
  const { schema, origins } = requireConfigMeta(config);
  return schema.entries.map((entry) => {
    const value = fieldValue(config, entry);
    const origin = origins[entry.env] ?? { source: 'unset' as const, name: entry.env };
    const text = value === undefined ? '' : entry.spec.secret ? REDACTED : entry.spec.format(value);
    return { envVar: entry.env, yamlKey: `${entry.yaml.section}.${entry.yaml.key}`, value: text, source: origin.source, from: origin.name };
  });
}

/** The effective config as `ENV_VAR=value  # source` lines, secrets redacted (for `opencti-ts config print`). */
export function printableConfig(config: object): string {
  const rows = printableRows(config);
  const width = Math.max(...rows.map((row) => row.envVar.length + row.value.length + 1));
  const lines = rows.map((row) => {
    const assignment = `${row.envVar}=${row.value}`;
    const origin = row.source === 'env' || row.source === 'default' || row.source === 'unset' ? row.source : `${row.source} ${row.from}`;
    return `${assignment.padEnd(width)}  # ${origin}`;
  });
  return `${lines.join('\n')}\n`;
}
