// The SDK's own runtime checks of STIX 2.1 content it emits and receives: id shape and type,
// spec_version, required properties per type, timestamps, reference target types, STIX
// patterns; and, for a bundle, duplicates and references to objects the bundle lacks.
// Every problem names the object id and the JSON path of the offending value.
import { TLP_MARKING_IDS } from './ids.ts';
import { stixPatternProblems } from './pattern-grammar.ts';

export type StixProblemSeverity = 'error' | 'warning';

export interface StixProblem {
  severity: StixProblemSeverity;
  /** Stable problem code, e.g. `REQUIRED`, `BAD_REF_TYPE`, `DANGLING_REF`. */
  code: string;
  /** The id of the object the problem is in (null when it has no usable id). */
  objectId: string | null;
  /** JSON path of the offending value, e.g. `$.objects[3].created_by_ref`. */
  path: string;
  message: string;
}

const ID = /^([a-z][a-z0-9-]*[a-z0-9])--([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12})$/;
const TYPE = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const TIMESTAMP = /^(\d{4})-(0[1-9]|1[012])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):([0-5]\d):([0-5]\d|60)(\.\d+)?Z$/;
const MILLIS = /\.\d{3,}Z$/;
const PROPERTY_NAME = /^[a-zA-Z][a-zA-Z0-9_]{2,249}$/;

const SDO_TYPES = new Set([
  'attack-pattern',
  'campaign',
  'course-of-action',
  'grouping',
  'identity',
  'incident',
  'indicator',
  'infrastructure',
  'intrusion-set',
  'location',
  'malware',
  'malware-analysis',
  'note',
  'observed-data',
  'opinion',
  'report',
  'threat-actor',
  'tool',
  'vulnerability',
]);
const SRO_TYPES = new Set(['relationship', 'sighting']);
/** STIX 2.1 SCOs and the custom observables of pycti/OpenCTI. */
const SCO_TYPES = new Set([
  'artifact',
  'autonomous-system',
  'directory',
  'domain-name',
  'email-addr',
  'email-message',
  'file',
  'ipv4-addr',
  'ipv6-addr',
  'mac-addr',
  'mutex',
  'network-traffic',
  'process',
  'software',
  'url',
  'user-account',
  'windows-registry-key',
  'x509-certificate',
  'hostname',
  'text',
  'credential',
  'cryptocurrency-wallet',
  'phone-number',
  'tracking-number',
  'user-agent',
  'cryptographic-key',
  'payment-card',
  'bank-account',
  'media-content',
  'persona',
  'simple-observable',
  'ssh-key',
]);

/** Required properties per type (beyond type/id/spec_version/created/modified). */
const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  'attack-pattern': ['name'],
  campaign: ['name'],
  'course-of-action': ['name'],
  grouping: ['context', 'object_refs'],
  identity: ['name'],
  incident: ['name'],
  indicator: ['pattern', 'pattern_type', 'valid_from'],
  infrastructure: ['name'],
  'intrusion-set': ['name'],
  malware: ['is_family'],
  'malware-analysis': ['product'],
  note: ['content', 'object_refs'],
  'observed-data': ['first_observed', 'last_observed', 'number_observed'],
  opinion: ['opinion', 'object_refs'],
  report: ['name', 'published', 'object_refs'],
  'threat-actor': ['name'],
  tool: ['name'],
  vulnerability: ['name'],
  relationship: ['relationship_type', 'source_ref', 'target_ref'],
  sighting: ['sighting_of_ref'],
  'language-content': ['object_ref', 'contents'],
  'extension-definition': ['name', 'schema', 'version', 'extension_types', 'created_by_ref'],
  'autonomous-system': ['number'],
  directory: ['path'],
  'domain-name': ['value'],
  'email-addr': ['value'],
  'email-message': ['is_multipart'],
  'ipv4-addr': ['value'],
  'ipv6-addr': ['value'],
  'mac-addr': ['value'],
  mutex: ['name'],
  'network-traffic': ['protocols'],
  software: ['name'],
  url: ['value'],
  hostname: ['value'],
  text: ['value'],
  credential: ['value'],
  'cryptocurrency-wallet': ['value'],
  'phone-number': ['value'],
  'tracking-number': ['value'],
  'user-agent': ['value'],
  'cryptographic-key': ['value'],
  'payment-card': ['card_number'],
  'bank-account': ['iban'],
  'media-content': ['url'],
  persona: ['persona_name', 'persona_type'],
};

/** At least one of these (groups of properties that go together) must be present. */
const ONE_OF: Readonly<Record<string, readonly (readonly string[])[]>> = {
  location: [['region'], ['country'], ['latitude', 'longitude']],
  'observed-data': [['objects'], ['object_refs']],
  'malware-analysis': [['result'], ['analysis_sco_refs']],
  artifact: [['payload_bin'], ['url']],
  file: [['hashes'], ['name']],
  'network-traffic': [['src_ref'], ['dst_ref']],
};

const TIMESTAMP_PROPERTIES = [
  'created',
  'modified',
  'published',
  'valid_from',
  'valid_until',
  'first_seen',
  'last_seen',
  'first_observed',
  'last_observed',
  'start_time',
  'stop_time',
  'start',
  'end',
  'submitted',
  'analysis_started',
  'analysis_ended',
  'object_modified',
  'date',
  'ctime',
  'mtime',
  'atime',
  'created_time',
  'account_created',
  'account_expires',
  'credential_last_changed',
  'account_first_login',
  'account_last_login',
  'modified_time',
  'validity_not_before',
  'validity_not_after',
];

const ADDRESS = ['ipv4-addr', 'ipv6-addr', 'mac-addr', 'domain-name'];
/** Types a reference property may point to (per STIX 2.1; `*` = any valid id). */
const REF_TARGETS: Readonly<Record<string, readonly string[]>> = {
  created_by_ref: ['identity'],
  x_opencti_created_by_ref: ['identity'],
  object_marking_refs: ['marking-definition'],
  where_sighted_refs: ['identity', 'location'],
  observed_data_refs: ['observed-data'],
  sample_refs: ['file', 'artifact'],
  operating_system_refs: ['software'],
  host_vm_ref: ['software'],
  operating_system_ref: ['software'],
  installed_software_refs: ['software'],
  from_ref: ['email-addr'],
  sender_ref: ['email-addr'],
  to_refs: ['email-addr'],
  cc_refs: ['email-addr'],
  bcc_refs: ['email-addr'],
  raw_email_ref: ['artifact'],
  src_payload_ref: ['artifact'],
  dst_payload_ref: ['artifact'],
  encapsulates_refs: ['network-traffic'],
  encapsulated_by_ref: ['network-traffic'],
  parent_directory_ref: ['directory'],
  content_ref: ['artifact'],
  belongs_to_refs: ['autonomous-system'],
  opened_connection_refs: ['network-traffic'],
  creator_user_ref: ['user-account'],
  image_ref: ['file'],
  parent_ref: ['process'],
  child_refs: ['process'],
};
/** Reference properties whose allowed targets depend on the object type. */
function refTargets(type: string, key: string): readonly string[] | null {
  if (key === 'src_ref' || key === 'dst_ref') return type === 'network-traffic' ? ADDRESS : null;
  if (key === 'resolves_to_refs') return type === 'domain-name' ? ['ipv4-addr', 'ipv6-addr', 'domain-name'] : type.startsWith('ipv') ? ['mac-addr'] : null;
  if (key === 'contains_refs') return type === 'directory' ? ['file', 'directory'] : null;
  return REF_TARGETS[key] ?? null;
}
/** What an SRO may not connect (STIX: source/target are SDOs or SCOs). */
const NOT_CONNECTABLE = new Set(['bundle', 'marking-definition', 'language-content', 'extension-definition']);
const WELL_KNOWN_IDS: ReadonlySet<string> = new Set(Object.values(TLP_MARKING_IDS));

/** The day exists in its month (Date.parse rolls 02-31 over to March). */
function isCalendarDate(timestamp: string): boolean {
  const [year, month, day] = timestamp.slice(0, 10).split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const typeOf = (id: string): string => id.slice(0, id.indexOf('--'));
const child = (path: string, key: string | number): string =>
  typeof key === 'number' ? `${path}[${key}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${path}.${key}` : `${path}['${key}']`;

/** Every reference (property path and id) an object holds at its top level. */
export function stixReferences(obj: Record<string, unknown>): { key: string; path: (string | number)[]; ref: string }[] {
  const refs: { key: string; path: (string | number)[]; ref: string }[] = [];
  for (const [key, value] of Object.entries(obj)) {
    if (key.endsWith('_ref') && typeof value === 'string') refs.push({ key, path: [key], ref: value });
    else if (key.endsWith('_refs') && Array.isArray(value))
      value.forEach((item, index) => {
        if (typeof item === 'string') refs.push({ key, path: [key, index], ref: item });
      });
  }
  if (Array.isArray(obj.granular_markings))
    obj.granular_markings.forEach((marking, index) => {
      if (isRecord(marking) && typeof marking.marking_ref === 'string')
        refs.push({ key: 'marking_ref', path: ['granular_markings', index, 'marking_ref'], ref: marking.marking_ref });
    });
  return refs;
}

/** Checks one STIX object; `path` is the JSON path of the object itself (default `$`). */
export function validateStixObject(obj: unknown, options: { path?: string } = {}): StixProblem[] {
  const base = options.path ?? '$';
  const problems: StixProblem[] = [];
  if (!isRecord(obj)) return [{ severity: 'error', code: 'NOT_AN_OBJECT', objectId: null, path: base, message: 'a STIX object must be a JSON object' }];
  const id = typeof obj.id === 'string' ? obj.id : null;
  const report = (severity: StixProblemSeverity, code: string, at: string, message: string) =>
    problems.push({ severity, code, objectId: id, path: at, message });
  const at = (...keys: (string | number)[]) => keys.reduce<string>((acc, key) => child(acc, key), base);

  const type = obj.type;
  if (typeof type !== 'string' || !TYPE.test(type) || type.length < 3 || type.length > 250) {
    report('error', 'BAD_TYPE', at('type'), typeof type === 'string' ? `"${type}" is not a valid STIX type name` : 'type is required');
    return problems;
  }
  if (id === null) report('error', 'REQUIRED', at('id'), 'id is required');
  else {
    const match = ID.exec(id);
    if (!match) report('error', 'BAD_ID', at('id'), `"${id}" is not <type>--<uuid>`);
    else if (match[1] !== type) report('error', 'ID_TYPE_MISMATCH', at('id'), `id prefix "${match[1]}" does not match type "${type}"`);
  }

  const isSco = SCO_TYPES.has(type);
  const isMarking = type === 'marking-definition';
  const isKnownSdoSro = SDO_TYPES.has(type) || SRO_TYPES.has(type) || type === 'language-content' || type === 'extension-definition';
  const isCustomSdo = !isSco && !isMarking && !isKnownSdoSro && ('created' in obj || 'modified' in obj);
  if (obj.spec_version === undefined) {
    if (!isSco) report('error', 'REQUIRED', at('spec_version'), 'spec_version is required (STIX 2.1); STIX 2.0 content is not accepted');
  } else if (obj.spec_version !== '2.1')
    report('error', 'BAD_SPEC_VERSION', at('spec_version'), `spec_version must be "2.1", not ${JSON.stringify(obj.spec_version)}`);

  const required = [...(isKnownSdoSro || isCustomSdo ? ['created', 'modified'] : isMarking ? ['created'] : []), ...(REQUIRED[type] ?? [])];
  for (const key of required) if (obj[key] === undefined || obj[key] === null) report('error', 'REQUIRED', at(key), `${key} is required for ${type}`);
  const groups = ONE_OF[type];
  if (groups && !groups.some((group) => group.every((key) => obj[key] !== undefined && obj[key] !== null)))
    report('error', 'REQUIRED', at(groups[0]?.[0] ?? type), `${type} needs one of: ${groups.map((group) => group.join(' + ')).join(', ')}`);
  if (isMarking && obj.extensions === undefined && (obj.definition_type === undefined || obj.definition === undefined))
    report('error', 'REQUIRED', at('definition'), 'a marking-definition needs definition_type and definition (or extensions)');
  if (type === 'malware' && obj.is_family === true && (typeof obj.name !== 'string' || obj.name === ''))
    report('error', 'REQUIRED', at('name'), 'a malware family needs a name');

  // Property names and values.
  for (const [key, value] of Object.entries(obj)) {
    if (key !== 'id' && !PROPERTY_NAME.test(key))
      report('warning', 'BAD_PROPERTY_NAME', at(key), `property name "${key}" is not 3-250 ASCII letters, digits or "_"`);
    if (value === null) report('error', 'NULL_VALUE', at(key), `${key} is null (STIX omits absent properties)`);
    else if (Array.isArray(value) && value.length === 0 && key !== 'objects')
      report('warning', 'EMPTY_LIST', at(key), `${key} is an empty list (STIX lists have at least one item)`);
  }
  for (const key of TIMESTAMP_PROPERTIES) {
    const value = obj[key];
    if (value === undefined || value === null) continue;
    // SCO `start`/`end` etc. share names with other properties only on their own types.
    if (typeof value !== 'string' || !TIMESTAMP.test(value)) {
      if (typeof value === 'string' || !isSco)
        report('error', 'BAD_TIMESTAMP', at(key), `${key} must be an RFC 3339 timestamp in UTC ending in Z (got ${JSON.stringify(value)})`);
      continue;
    }
    if (!isCalendarDate(value)) report('error', 'BAD_TIMESTAMP', at(key), `${key} is not a real date (${value})`);
    else if ((key === 'created' || key === 'modified') && !isSco && !MILLIS.test(value))
      report('warning', 'TIMESTAMP_PRECISION', at(key), `${key} should be precise to the millisecond (STIX 2.1)`);
  }
  const ordered: [string, string][] = [
    ['created', 'modified'],
    ['valid_from', 'valid_until'],
    ['first_seen', 'last_seen'],
    ['first_observed', 'last_observed'],
    ['start_time', 'stop_time'],
  ];
  for (const [first, last] of ordered) {
    const a = obj[first];
    const b = obj[last];
    if (typeof a !== 'string' || typeof b !== 'string' || !TIMESTAMP.test(a) || !TIMESTAMP.test(b)) continue;
    const strict = last === 'valid_until' || last === 'stop_time';
    if (Date.parse(b) < Date.parse(a)) report('error', 'BAD_TIME_ORDER', at(last), `${last} must be ${strict ? 'later than' : 'on or after'} ${first}`);
    // STIX wants these strictly later; equal values are common in exported data.
    else if (strict && Date.parse(b) === Date.parse(a)) report('warning', 'BAD_TIME_ORDER', at(last), `${last} should be later than ${first} (they are equal)`);
  }
  if (obj.confidence !== undefined && (typeof obj.confidence !== 'number' || !Number.isInteger(obj.confidence) || obj.confidence < 0 || obj.confidence > 100))
    report('error', 'BAD_VALUE', at('confidence'), 'confidence must be an integer from 0 to 100');
  if (
    obj.x_opencti_score !== undefined &&
    (typeof obj.x_opencti_score !== 'number' || !Number.isInteger(obj.x_opencti_score) || obj.x_opencti_score < 0 || obj.x_opencti_score > 100)
  )
    report('error', 'BAD_VALUE', at('x_opencti_score'), 'x_opencti_score must be an integer from 0 to 100');
  if (obj.labels !== undefined && (!Array.isArray(obj.labels) || obj.labels.some((label) => typeof label !== 'string')))
    report('error', 'BAD_VALUE', at('labels'), 'labels must be a list of strings');
  if (type === 'malware' && obj.is_family !== undefined && typeof obj.is_family !== 'boolean')
    report('error', 'BAD_VALUE', at('is_family'), 'is_family must be a boolean');
  if (Array.isArray(obj.external_references))
    obj.external_references.forEach((ref, index) => {
      if (!isRecord(ref) || typeof ref.source_name !== 'string' || ref.source_name === '')
        report('error', 'REQUIRED', at('external_references', index, 'source_name'), 'an external reference needs a source_name');
    });
  else if (obj.external_references !== undefined) report('error', 'BAD_VALUE', at('external_references'), 'external_references must be a list');
  if (Array.isArray(obj.kill_chain_phases))
    obj.kill_chain_phases.forEach((phase, index) => {
      for (const key of ['kill_chain_name', 'phase_name'])
        if (!isRecord(phase) || typeof phase[key] !== 'string' || phase[key] === '')
          report('error', 'REQUIRED', at('kill_chain_phases', index, key), `a kill chain phase needs ${key}`);
    });
  if (type === 'windows-registry-key' && typeof obj.key === 'string' && /^(HKLM|HKCC|HKCR|HKCU|HKU)\b/i.test(obj.key))
    report('warning', 'ABBREVIATED_HIVE', at('key'), 'STIX wants the full hive name (HKEY_LOCAL_MACHINE, not HKLM)');
  if (type === 'indicator' && obj.pattern_type === 'stix' && typeof obj.pattern === 'string')
    for (const problem of stixPatternProblems(obj.pattern)) report('error', 'BAD_PATTERN', at('pattern'), `STIX pattern: ${problem}`);

  // References: valid ids of the allowed types.
  for (const { key, path, ref } of stixReferences(obj)) {
    const match = ID.exec(ref);
    if (!match) {
      report('error', 'BAD_REF', at(...path), `${key} "${ref}" is not a STIX id (<type>--<uuid>)`);
      continue;
    }
    const targetType = match[1] as string;
    const allowed = key === 'marking_ref' ? ['marking-definition'] : refTargets(type, key);
    if (allowed && !allowed.includes(targetType))
      report('error', 'BAD_REF_TYPE', at(...path), `${key} must reference ${allowed.join(' or ')}, not ${targetType}`);
    if (type === 'relationship' && (key === 'source_ref' || key === 'target_ref')) {
      if (NOT_CONNECTABLE.has(targetType)) report('error', 'BAD_REF_TYPE', at(...path), `${key} must reference an SDO or SCO, not ${targetType}`);
      else if (SRO_TYPES.has(targetType)) report('warning', 'BAD_REF_TYPE', at(...path), `${key} references a ${targetType} (STIX expects an SDO or SCO)`);
    }
    if (type === 'sighting' && key === 'sighting_of_ref' && (NOT_CONNECTABLE.has(targetType) || SRO_TYPES.has(targetType)))
      report('error', 'BAD_REF_TYPE', at(...path), `sighting_of_ref must reference an SDO, not ${targetType}`);
  }
  for (const key of ['object_refs', 'where_sighted_refs', 'object_marking_refs']) {
    if (obj[key] !== undefined && (!Array.isArray(obj[key]) || (obj[key] as unknown[]).some((item) => typeof item !== 'string')))
      report('error', 'BAD_VALUE', at(key), `${key} must be a list of ids`);
  }
  return problems;
}

export interface BundleValidator {
  /** Checks the next object of the bundle (its index gives the path `$.objects[i]`). */
  add(obj: unknown): StixProblem[];
  /** Bundle-level problems once every object was added: references to absent objects. */
  finish(): StixProblem[];
}

/**
 * Validates a bundle object by object (for streaming readers). References to objects the
 * bundle does not contain are warnings (`DANGLING_REF`): the platform may know them, but the
 * bundle is not self-contained. The predefined TLP markings count as present.
 */
export function createBundleValidator(options: { path?: string } = {}): BundleValidator {
  const base = options.path ?? '$.objects';
  const seen = new Map<string, string | undefined>();
  const pending: { objectId: string | null; path: string; key: string; ref: string }[] = [];
  let index = 0;
  return {
    add(obj) {
      const path = `${base}[${index}]`;
      index += 1;
      const problems = validateStixObject(obj, { path });
      if (!isRecord(obj) || typeof obj.id !== 'string') return problems;
      const version = typeof obj.modified === 'string' ? obj.modified : typeof obj.created === 'string' ? obj.created : undefined;
      if (seen.has(obj.id) && seen.get(obj.id) === version)
        problems.push({
          severity: 'warning',
          code: 'DUPLICATE',
          objectId: obj.id,
          path: `${path}.id`,
          message: `${obj.id} appears more than once with the same version`,
        });
      seen.set(obj.id, version);
      for (const { key, path: refPath, ref } of stixReferences(obj))
        if (ID.test(ref)) pending.push({ objectId: obj.id, path: refPath.reduce<string>((acc, step) => child(acc, step), path), key, ref });
      return problems;
    },
    finish() {
      return pending
        .filter(({ ref }) => !seen.has(ref) && !WELL_KNOWN_IDS.has(ref))
        .map(({ objectId, path, key, ref }) => ({
          severity: 'warning' as const,
          code: 'DANGLING_REF',
          objectId,
          path,
          message: `${key} ${ref} is not in the bundle`,
        }));
    },
  };
}

/** Checks a bundle envelope and every object in it. */
export function validateStixBundle(bundle: unknown): StixProblem[] {
  if (!isRecord(bundle)) return [{ severity: 'error', code: 'NOT_AN_OBJECT', objectId: null, path: '$', message: 'a bundle must be a JSON object' }];
  const bundleId = typeof bundle.id === 'string' ? bundle.id : null;
  const problems: StixProblem[] = [];
  if (bundle.type !== 'bundle') problems.push({ severity: 'error', code: 'BAD_TYPE', objectId: bundleId, path: '$.type', message: 'type must be "bundle"' });
  if (bundleId === null || !ID.test(bundleId) || typeOf(bundleId) !== 'bundle')
    problems.push({ severity: 'error', code: 'BAD_ID', objectId: bundleId, path: '$.id', message: 'a bundle id is bundle--<uuid>' });
  if (!Array.isArray(bundle.objects)) {
    if (bundle.objects !== undefined)
      problems.push({ severity: 'error', code: 'BAD_VALUE', objectId: bundleId, path: '$.objects', message: 'objects must be a list' });
    return problems;
  }
  const validator = createBundleValidator();
  for (const obj of bundle.objects) problems.push(...validator.add(obj));
  problems.push(...validator.finish());
  return problems;
}

/** One line per problem: `error BAD_REF identity--… $.objects[2].created_by_ref: message`. */
export function formatStixProblem(problem: StixProblem): string {
  return `${problem.severity} ${problem.code} ${problem.objectId ?? '-'} ${problem.path}: ${problem.message}`;
}
