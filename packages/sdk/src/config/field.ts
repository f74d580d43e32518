// Field declarations. We use a small bespoke builder instead of zod: a setting needs
// metadata zod does not model (env var and YAML names, aliases, secrecy, how to print a
// default in a compose file, pycti's string-first parsing) and the loader must report
// every problem by env var name. Each builder method returns a new immutable Field, and
// the resolved type of a field is carried in its type parameters, so a connector's config
// type is inferred from its declaration and never written by hand.
import {
  formatDuration,
  type NumberBounds,
  type Parsed,
  parseBoolean,
  parseBooleanOrPath,
  parseDuration,
  parseEnum,
  parseFloatNumber,
  parseInteger,
  parseJson,
  parseList,
  parseString,
  parseUrl,
} from './parse.ts';

/** How a field behaves when no source sets it: error, `undefined`, or its default. */
export type Presence = 'required' | 'optional' | 'default';

export type FieldKind = 'string' | 'secret' | 'boolean' | 'integer' | 'number' | 'list' | 'duration' | 'url' | 'enum' | 'json' | 'boolean-or-path';

export interface FieldAlias {
  /** Another env var that sets this field (an older or misspelt name). */
  env: string;
  /** config.yml `section.key` of the alias; derived from `env` when absent. */
  yaml?: string;
  /** A deprecated alias still works but produces a warning naming the replacement. */
  deprecated: boolean;
}

export interface FieldSpec<T> {
  readonly kind: FieldKind;
  readonly presence: Presence;
  readonly secret: boolean;
  readonly defaultValue: T | undefined;
  readonly description: string;
  readonly example: string | undefined;
  /** Explicit env var name (else `<SECTION>_<KEY>`). */
  readonly envName: string | undefined;
  /** Explicit config.yml `section.key` (else `<section>.<key>`). */
  readonly yamlPath: string | undefined;
  readonly aliases: readonly FieldAlias[];
  /** Allowed literals (enums) and the single allowed one (pinned fields). */
  readonly values: readonly string[] | undefined;
  readonly pinned: boolean;
  /** Left out of the generated sample and compose list (still in the table and JSON schema). */
  readonly advanced: boolean;
  // Method signatures (not function properties) keep Field<string> assignable to AnyField.
  parse(raw: unknown): Parsed<T>;
  /** Extra checks on the parsed value; each returns a message or undefined. */
  readonly checks: readonly Check<T>[];
  /** The value as an env var text (compose files, samples, printed config). */
  format(value: T): string;
  /** The value as JSON (JSON schema defaults). */
  toJson(value: T): unknown;
  /** JSON schema fragment describing the type. */
  readonly jsonType: Record<string, unknown>;
}

/** A rule on a parsed value; returns a message when broken. Method-derived, so bivariant. */
export type Check<T> = { rule(value: T): string | undefined }['rule'];

export class Field<T, P extends Presence = 'required'> {
  readonly spec: FieldSpec<T>;
  /** Type-level marker only: never read. */
  declare readonly presence: P;

  constructor(spec: FieldSpec<T>) {
    this.spec = spec;
  }

  #with<Q extends Presence = P>(changes: Partial<FieldSpec<T>>): Field<T, Q> {
    return new Field<T, Q>({ ...this.spec, ...changes });
  }

  /** Value used when no source sets the field; makes the field non-optional in the type. */
  default(value: T): Field<T, 'default'> {
    return this.#with<'default'>({ presence: 'default', defaultValue: value });
  }

  /** The field may stay unset: its type gains `undefined`. */
  optional(): Field<T, 'optional'> {
    return this.#with<'optional'>({ presence: 'optional', defaultValue: undefined });
  }

  /** Fixes the value (e.g. `CONNECTOR_TYPE` of a connector): any other value is an error. */
  pin(value: T): Field<T, 'default'> {
    return this.#with<'default'>({ presence: 'default', defaultValue: value, pinned: true, values: [this.spec.format(value)] });
  }

  describe(text: string): Field<T, P> {
    return this.#with({ description: text });
  }

  /** Text shown for a required value in samples instead of `ChangeMe` (never used for secrets). */
  example(text: string): Field<T, P> {
    return this.#with({ example: text });
  }

  env(name: string): Field<T, P> {
    return this.#with({ envName: name });
  }

  /** config.yml location as `section.key` (exactly two levels, as pycti reads). */
  yaml(path: string): Field<T, P> {
    return this.#with({ yamlPath: path });
  }

  alias(env: string, options: { deprecated?: boolean; yaml?: string } = {}): Field<T, P> {
    const alias: FieldAlias = { env, deprecated: options.deprecated ?? false, ...(options.yaml ? { yaml: options.yaml } : {}) };
    return this.#with({ aliases: [...this.spec.aliases, alias] });
  }

  /** A further rule on the parsed value: return a message when it is broken. */
  check(rule: (value: T) => string | undefined): Field<T, P> {
    return this.#with({ checks: [...this.spec.checks, rule] });
  }

  advanced(): Field<T, P> {
    return this.#with({ advanced: true });
  }

  /** Marks the value as secret: redacted when printed, never echoed in errors. */
  secret(): Field<T, P> {
    return this.#with({ secret: true, jsonType: { ...this.spec.jsonType, format: 'password', writeOnly: true } });
  }
}

/** Any field, whatever its value type (used where only the spec's metadata matters). */
export type AnyField = Field<unknown, Presence>;

function make<T>(kind: FieldKind, parse: (raw: unknown) => Parsed<T>, extra: Partial<FieldSpec<T>> = {}): Field<T, 'required'> {
  return new Field<T, 'required'>({
    kind,
    presence: 'required',
    secret: false,
    defaultValue: undefined,
    description: '',
    example: undefined,
    envName: undefined,
    yamlPath: undefined,
    aliases: [],
    values: undefined,
    pinned: false,
    advanced: false,
    parse,
    checks: [],
    format: (value) => String(value),
    toJson: (value) => value,
    jsonType: { type: 'string' },
    ...extra,
  });
}

export const str = (): Field<string> => make('string', parseString);

/** A secret text (token, password, key): redacted everywhere, `<VAR>_FILE` is the usual source. */
export const secret = (): Field<string> => make('secret', parseString, { secret: true, jsonType: { type: 'string', format: 'password', writeOnly: true } });

export const bool = (): Field<boolean> => make('boolean', parseBoolean, { jsonType: { type: 'boolean' } });

export const int = (bounds: NumberBounds = {}): Field<number> =>
  make('integer', (raw) => parseInteger(raw, bounds), { jsonType: { type: 'integer', ...boundsSchema(bounds) } });

export const float = (bounds: NumberBounds = {}): Field<number> =>
  make('number', (raw) => parseFloatNumber(raw, bounds), { jsonType: { type: 'number', ...boundsSchema(bounds) } });

export const url = (): Field<string> => make('url', parseUrl, { jsonType: { type: 'string', format: 'uri' } });

/** Milliseconds, from an ISO-8601 duration (`PT5M`, `P1D`, `P1W`) or bare seconds. */
export const duration = (): Field<number> =>
  make('duration', parseDuration, { format: formatDuration, toJson: formatDuration, jsonType: { type: 'string', format: 'duration' } });

/** Comma-separated values (or a YAML sequence); items are trimmed and may be parsed by `item`. */
export function list(): Field<string[]>;
export function list<U>(item: Field<U, Presence>): Field<U[]>;
export function list<U>(item?: Field<U, Presence>): Field<U[]> | Field<string[]> {
  if (!item) return make('list', parseList, { format: (value) => value.join(','), jsonType: { type: 'array', items: { type: 'string' } } });
  const parse = (raw: unknown): Parsed<U[]> => {
    const texts = parseList(raw);
    if (!texts.ok) return texts;
    const out: U[] = [];
    for (const text of texts.value) {
      const parsed = item.spec.parse(text);
      if (!parsed.ok) return { ok: false, message: `item "${text}" ${parsed.message}` };
      out.push(parsed.value);
    }
    return { ok: true, value: out };
  };
  return make('list', parse, {
    format: (value) => value.map((entry) => item.spec.format(entry)).join(','),
    toJson: (value) => value.map((entry) => item.spec.toJson(entry)),
    jsonType: { type: 'array', items: item.spec.jsonType },
  });
}

export function enumOf<const V extends string>(values: readonly V[], options: { ignoreCase?: boolean } = {}): Field<V> {
  const ignoreCase = options.ignoreCase ?? false;
  return make<V>('enum', (raw) => parseEnum(raw, values, ignoreCase), { values, jsonType: { type: 'string', enum: [...values] } });
}

/** A JSON value: JSON text from the environment, any YAML value from config.yml. */
export const json = (): Field<unknown> => make('json', parseJson, { format: (value) => JSON.stringify(value), jsonType: {} });

/** A boolean or a file path (pycti's `OPENCTI_SSL_VERIFY`: false, true or a CA bundle path). */
export const boolOrPath = (): Field<boolean | string> => make('boolean-or-path', parseBooleanOrPath, { jsonType: { type: ['boolean', 'string'] } });

function boundsSchema(bounds: NumberBounds): Record<string, number> {
  return { ...(bounds.min !== undefined ? { minimum: bounds.min } : {}), ...(bounds.max !== undefined ? { maximum: bounds.max } : {}) };
}
