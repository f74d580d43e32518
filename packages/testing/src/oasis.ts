// The official OASIS STIX 2.1 JSON schemas (cti-stix2-json-schemas, JSON Schema draft
// 2020-12), read at test time from the shared data (`data/stix21/schemas/schemas/**`) and
// compiled once with ajv.
//
// What is checked:
// - standard types (the SDOs, SROs, SCOs, marking-definition, language-content the OASIS tree
//   has a schema for): the type's own schema, which includes core / cyber-observable-core
//   and the custom-property rules of `properties.json`;
// - custom types (OpenCTI observables such as hostname, text, user-agent; x-mitre-* and
//   other custom objects), as the bundle schema does for them: `core.json` when the object
//   has `created` or `modified` (a custom SDO), else `cyber-observable-core.json` (a custom
//   SCO). (The bundle schema's `oneOf` of both cannot tell them apart, because a custom SDO
//   also satisfies the lax cyber-observable-core, so we pick by the presence of timestamps.)
// - custom `x_...` properties: `properties.json` (name syntax; value a non-empty list, string,
//   number, boolean or object - never null).
// - bundles: the envelope against `bundle.json` (without `objects`), then each object as above.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { sharedPath } from './shared-data.ts';

const BASE = 'http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas/';

interface Compiled {
  byType: Map<string, ValidateFunction>;
  core: ValidateFunction;
  observableCore: ValidateFunction;
  bundle: ValidateFunction;
}

let compiled: Compiled | undefined;

function jsonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return jsonFiles(full);
    return name.endsWith('.json') ? [full] : [];
  });
}

/** Whether the OASIS schemas are available (false outside CI when ../shared is absent). */
export function oasisSchemasAvailable(): boolean {
  return sharedPath('data/stix21/schemas/schemas').available;
}

function load(): Compiled {
  if (compiled) return compiled;
  const located = sharedPath('data/stix21/schemas/schemas');
  if (!located.available) throw new Error(`OASIS STIX schemas unavailable: ${located.reason}`);
  // unicodeRegExp off: the schemas' patterns use escapes (`\-`) that `u` regexes reject.
  const ajv = new Ajv2020({ strict: false, allErrors: true, unicodeRegExp: false });
  const addFormats = addFormatsModule as unknown as (instance: Ajv2020) => Ajv2020;
  addFormats(ajv);
  // ajv-formats has no IDN formats (domain-name, email-addr values): accept any string.
  ajv.addFormat('idn-hostname', true);
  ajv.addFormat('idn-email', true);
  const byType = new Map<string, ValidateFunction>();
  const files = jsonFiles(located.path);
  for (const file of files) ajv.addSchema(JSON.parse(readFileSync(file, 'utf8')) as object);
  for (const file of files) {
    const relative = path.relative(located.path, file).split(path.sep).join('/');
    const [folder, name] = relative.split('/');
    const type = name?.replace(/\.json$/, '');
    if (!type) continue;
    if (folder === 'sdos' || folder === 'sros' || folder === 'observables' || type === 'marking-definition' || type === 'language-content') {
      const validate = ajv.getSchema(`${BASE}${relative}`);
      if (validate) byType.set(type, validate);
    }
  }
  const get = (relative: string): ValidateFunction => {
    const validate = ajv.getSchema(`${BASE}${relative}`);
    if (!validate) throw new Error(`OASIS schema ${relative} missing from ${located.path}`);
    return validate;
  };
  compiled = { byType, core: get('common/core.json'), observableCore: get('common/cyber-observable-core.json'), bundle: get('common/bundle.json') };
  return compiled;
}

function describe(errors: readonly ErrorObject[] | null | undefined, prefix: string): string[] {
  return (errors ?? []).map((error) => {
    const params = Object.keys(error.params).length > 0 ? ` ${JSON.stringify(error.params)}` : '';
    return `${prefix}${error.instancePath || '/'}: ${error.message ?? 'invalid'}${params} (${error.schemaPath})`;
  });
}

function validateObject(obj: unknown, prefix: string): string[] {
  const schemas = load();
  const record = typeof obj === 'object' && obj !== null && !Array.isArray(obj) ? (obj as Record<string, unknown>) : undefined;
  if (!record) return [`${prefix}/: not a JSON object`];
  const label = `${prefix}${typeof record.id === 'string' ? ` ${record.id}` : ''} `;
  const type = typeof record.type === 'string' ? record.type : '';
  const validate = schemas.byType.get(type) ?? ('created' in record || 'modified' in record ? schemas.core : schemas.observableCore);
  return validate(record) ? [] : describe(validate.errors, label);
}

/**
 * Problems the OASIS STIX 2.1 schemas find in a STIX object or bundle (empty when valid).
 * Each line names the object id, the JSON pointer of the value, ajv's message and the
 * schema path. Throws when the schemas are unavailable (check `oasisSchemasAvailable`).
 */
export function validateStixWithOasis(obj: unknown): string[] {
  const schemas = load();
  if (typeof obj === 'object' && obj !== null && (obj as { type?: unknown }).type === 'bundle') {
    const { objects, ...envelope } = obj as Record<string, unknown>;
    const problems = schemas.bundle(envelope) ? [] : describe(schemas.bundle.errors, 'bundle ');
    if (objects !== undefined && !Array.isArray(objects)) return [...problems, 'bundle /objects: must be an array'];
    (objects as unknown[] | undefined)?.forEach((item, index) => {
      problems.push(...validateObject(item, `objects[${index}]`));
    });
    return problems;
  }
  return validateObject(obj, '');
}
