// Deterministic STIX ids, identical to pycti 6.8 (SDOs, SROs, SMOs, OpenCTI's embedded
// objects) and to stix2 3.0 (cyber observables): sdk-protocol §f. One public function,
// `generateId`, reads the id-contributing properties of a (partial) STIX object; the
// per-type helpers below it are thin conveniences.
import { InputError } from '../errors/index.ts';
import { canonicalJson } from './canonical.ts';
import { pyLowerStrip, pyStrip } from './python-strings.ts';
import { uuidV4, uuidV5 } from './uuid.ts';

export const OPENCTI_SDO_EXTENSION = 'extension-definition--ea279b3e-5c71-4632-ac08-831c66a786ba';
export const OPENCTI_SCO_EXTENSION = 'extension-definition--f93e2c80-4231-4f9a-af8b-95c9bd566a82';

/** OpenCTI's fixed TLP marking ids (not hashed). */
export const TLP_MARKING_IDS = {
  'TLP:CLEAR': 'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9',
  'TLP:WHITE': 'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9',
  'TLP:GREEN': 'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da',
  'TLP:AMBER': 'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82',
  'TLP:AMBER+STRICT': 'marking-definition--826578e1-40ad-459f-bc73-ede076f81f37',
  'TLP:RED': 'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed',
} as const;
export type TlpLevel = keyof typeof TLP_MARKING_IDS;

/** A (partial) STIX object: its `type` and whatever properties it has. */
export type StixLike = { type: string } & Record<string, unknown>;

/** The object that is canonicalised and hashed for `obj`, or null when it yields no id. */
type Contributor = (obj: Record<string, unknown>) => Record<string, unknown> | null;

const text = (obj: Record<string, unknown>, key: string, type: string): string => {
  const value = obj[key];
  if (typeof value !== 'string')
    throw new InputError('STIX_ID_INPUT', `${type}: property "${key}" must be a string to compute the id`, { details: { type, key } });
  return value;
};
const isSet = (value: unknown): boolean => value !== undefined && value !== null;
/** Python truthiness, for pycti's `a or b` fallbacks. */
const truthy = (value: unknown): boolean =>
  value !== undefined && value !== null && value !== false && value !== '' && value !== 0 && !(Array.isArray(value) && value.length === 0);

const byName: Contributor = (obj) => ({ name: pyLowerStrip(text(obj, 'name', String(obj.type))) });
const byNameAndCreated: Contributor = (obj) => ({ name: pyLowerStrip(text(obj, 'name', String(obj.type))), created: obj.created ?? null });

/** The OpenCTI attribute lookup: SDO extension, then SCO extension, then the top level. */
export function openctiAttribute(obj: Record<string, unknown>, key: string): unknown {
  const extensions = obj.extensions as Record<string, Record<string, unknown> | undefined> | undefined;
  const fromSdo = extensions?.[OPENCTI_SDO_EXTENSION]?.[key];
  if (fromSdo !== undefined) return fromSdo;
  const fromSco = extensions?.[OPENCTI_SCO_EXTENSION]?.[key];
  if (fromSco !== undefined) return fromSco;
  return key === 'type' ? undefined : obj[key];
}

const SDO_CONTRIBUTORS: Record<string, Contributor> = {
  'attack-pattern': (obj) => {
    const mitreId = truthy(obj.x_mitre_id) ? obj.x_mitre_id : obj.x_opencti_external_id;
    return isSet(mitreId) ? { x_mitre_id: pyStrip(String(mitreId)) } : byName(obj);
  },
  'course-of-action': (obj) => (isSet(obj.x_mitre_id) ? { x_mitre_id: obj.x_mitre_id } : byName(obj)),
  campaign: byName,
  channel: byName,
  'data-component': byName,
  'data-source': byName,
  event: byName,
  feedback: byName,
  infrastructure: byName,
  'intrusion-set': byName,
  language: byName,
  malware: byName,
  narrative: byName,
  tool: byName,
  vulnerability: byName,
  'case-incident': byNameAndCreated,
  'case-rfi': byNameAndCreated,
  'case-rft': byNameAndCreated,
  incident: byNameAndCreated,
  task: byNameAndCreated,
  grouping: (obj) => {
    const hashed: Record<string, unknown> = { name: pyLowerStrip(text(obj, 'name', 'grouping')), context: pyLowerStrip(text(obj, 'context', 'grouping')) };
    if (isSet(obj.created)) hashed.created = obj.created;
    return hashed;
  },
  identity: (obj) => ({ name: pyLowerStrip(text(obj, 'name', 'identity')), identity_class: text(obj, 'identity_class', 'identity').toLowerCase() }),
  indicator: (obj) => ({ pattern: pyStrip(text(obj, 'pattern', 'indicator')) }),
  location: (obj) => {
    const locationType = obj.x_opencti_location_type ?? openctiAttribute(obj, 'location_type');
    if (locationType === 'Position') {
      const hashed: Record<string, unknown> = {};
      if (isSet(obj.latitude)) hashed.latitude = obj.latitude;
      if (isSet(obj.longitude)) hashed.longitude = obj.longitude;
      return Object.keys(hashed).length > 0 ? hashed : byName(obj);
    }
    return { name: pyLowerStrip(text(obj, 'name', 'location')), x_opencti_location_type: locationType ?? null };
  },
  'malware-analysis': (obj) => {
    const hashed: Record<string, unknown> = { result_name: pyLowerStrip(text(obj, 'result_name', 'malware-analysis')), product: obj.product ?? null };
    if (isSet(obj.submitted)) hashed.submitted = obj.submitted;
    return hashed;
  },
  note: (obj) => {
    const hashed: Record<string, unknown> = { content: pyStrip(text(obj, 'content', 'note')) };
    if (isSet(obj.created)) hashed.created = obj.created;
    return hashed;
  },
  opinion: (obj) => {
    const hashed: Record<string, unknown> = { opinion: pyStrip(text(obj, 'opinion', 'opinion')) };
    if (isSet(obj.created)) hashed.created = obj.created;
    return hashed;
  },
  'observed-data': (obj) => ({ objects: obj.object_refs ?? obj.objects ?? null }),
  report: (obj) => ({ name: pyLowerStrip(text(obj, 'name', 'report')), published: obj.published ?? null }),
  'security-coverage': (obj) => ({ covered_ref: pyLowerStrip(text(obj, 'covered_ref', 'security-coverage')) }),
  'threat-actor': (obj) => {
    const openctiType = obj.x_opencti_type ?? openctiAttribute(obj, 'type') ?? 'Threat-Actor-Group';
    return { name: pyLowerStrip(text(obj, 'name', 'threat-actor')), opencti_type: openctiType };
  },
  'marking-definition': (obj) => ({ definition_type: obj.definition_type ?? null, definition: obj.definition ?? null }),
  'external-reference': (obj) => {
    if (isSet(obj.url)) return { url: obj.url };
    if (isSet(obj.source_name) && isSet(obj.external_id)) return { source_name: obj.source_name, external_id: obj.external_id };
    return null;
  },
  'kill-chain-phase': (obj) => ({ phase_name: obj.phase_name ?? null, kill_chain_name: obj.kill_chain_name ?? null }),
  label: (obj) => ({ value: obj.value ?? null }),
  vocabulary: (obj) => ({ name: pyLowerStrip(text(obj, 'name', 'vocabulary')), category: obj.category ?? null }),
  relationship: (obj) => {
    const hashed: Record<string, unknown> = {
      relationship_type: obj.relationship_type ?? null,
      source_ref: obj.source_ref ?? null,
      target_ref: obj.target_ref ?? null,
    };
    if (isSet(obj.start_time)) {
      hashed.start_time = obj.start_time;
      if (isSet(obj.stop_time)) hashed.stop_time = obj.stop_time;
    }
    return hashed;
  },
  sighting: (obj) => {
    const hashed: Record<string, unknown> = {
      type: 'sighting',
      sighting_of_ref: obj.sighting_of_ref ?? null,
      where_sighted_refs: obj.where_sighted_refs ?? null,
    };
    if (isSet(obj.first_seen)) {
      hashed.first_seen = obj.first_seen;
      if (isSet(obj.last_seen)) hashed.last_seen = obj.last_seen;
    }
    return hashed;
  },
};

/** OpenCTI's custom type spellings that share a generator with a canonical prefix. */
const TYPE_ALIASES: Record<string, string> = {
  'x-opencti-case-incident': 'case-incident',
  'x-opencti-case-rfi': 'case-rfi',
  'x-opencti-case-rft': 'case-rft',
  'x-opencti-feedback': 'feedback',
  'x-opencti-task': 'task',
  'x-mitre-data-component': 'data-component',
  'x-mitre-data-source': 'data-source',
};

/** Id-contributing properties of each cyber observable (stix2 + pycti's custom ones). */
export const SCO_ID_PROPERTIES: Readonly<Record<string, readonly string[]>> = {
  artifact: ['hashes', 'payload_bin'],
  'autonomous-system': ['number'],
  directory: ['path'],
  'domain-name': ['value'],
  'email-addr': ['value'],
  'email-message': ['from_ref', 'subject', 'body'],
  file: ['hashes', 'name', 'parent_directory_ref', 'extensions'],
  'ipv4-addr': ['value'],
  'ipv6-addr': ['value'],
  'mac-addr': ['value'],
  url: ['value'],
  mutex: ['name'],
  'network-traffic': ['start', 'end', 'src_ref', 'dst_ref', 'src_port', 'dst_port', 'protocols', 'extensions'],
  process: [],
  software: ['name', 'cpe', 'swid', 'vendor', 'version'],
  'user-account': ['account_type', 'user_id', 'account_login'],
  'windows-registry-key': ['key', 'values'],
  'x509-certificate': ['hashes', 'serial_number'],
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

/** stix2's spellings of recognised hash algorithms (lookup key: lower-case, no separators). */
const HASH_NAMES: Record<string, string> = {
  md5: 'MD5',
  sha1: 'SHA-1',
  sha256: 'SHA-256',
  sha512: 'SHA-512',
  sha3256: 'SHA3-256',
  sha3512: 'SHA3-512',
  ssdeep: 'SSDEEP',
  tlsh: 'TLSH',
};
const HASH_PREFERENCE = ['MD5', 'SHA-1', 'SHA-256', 'SHA-512'];

/** Hash algorithm names in their STIX spelling (`sha256` → `SHA-256`); unknown names kept. */
export function normalizeHashes(hashes: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(hashes)) out[HASH_NAMES[name.toLowerCase().replace(/[-_]/g, '')] ?? name] = value;
  return out;
}

function scoContributor(properties: readonly string[]): Contributor | null {
  if (properties.length === 0) return null;
  return (obj) => {
    const hashed: Record<string, unknown> = {};
    for (const key of properties) {
      const value = obj[key];
      if (!isSet(value)) continue;
      if (key === 'hashes' && typeof value === 'object') {
        const normalized = normalizeHashes(value as Record<string, unknown>);
        const chosen = HASH_PREFERENCE.find((name) => name in normalized) ?? Object.keys(normalized)[0];
        if (chosen !== undefined) hashed.hashes = { [chosen]: normalized[chosen] };
      } else if ((key === 'start' || key === 'end') && typeof value === 'string') {
        hashed[key] = formatStixTimestamp(value);
      } else {
        hashed[key] = value;
      }
    }
    return Object.keys(hashed).length > 0 ? hashed : null;
  };
}

/** stix2's serialised timestamp form: `YYYY-MM-DDTHH:MM:SS[.s+]Z` (an offset of zero becomes Z). */
function formatStixTimestamp(value: string): string {
  return value.replace(/(?:\+00:00|\+0000)$/, 'Z');
}

/** Every STIX type whose id this module can compute deterministically. */
export function supportsDeterministicId(type: string): boolean {
  const canonical = TYPE_ALIASES[type] ?? type;
  return canonical in SDO_CONTRIBUTORS || (SCO_ID_PROPERTIES[canonical]?.length ?? 0) > 0;
}

/**
 * The canonical JSON text hashed for a (partial) STIX object, or null when the object has
 * no deterministic id (a fixed TLP marking, an external reference without url or
 * source+external id, an observable without any contributing property).
 */
export function idCanonicalText(obj: StixLike): string | null {
  const type = TYPE_ALIASES[obj.type] ?? obj.type;
  if (type === 'marking-definition' && obj.definition_type === 'TLP' && typeof obj.definition === 'string' && obj.definition in TLP_MARKING_IDS) return null;
  const contributor = SDO_CONTRIBUTORS[type] ?? (SCO_ID_PROPERTIES[type] ? scoContributor(SCO_ID_PROPERTIES[type]) : undefined);
  if (contributor === undefined)
    throw new InputError('STIX_ID_UNSUPPORTED_TYPE', `no deterministic id is defined for type "${obj.type}"`, { details: { type: obj.type } });
  if (contributor === null) return null;
  const hashed = contributor(obj);
  return hashed === null ? null : canonicalJson(hashed);
}

/**
 * The id pycti (or stix2, for observables) gives the object. Observables without any
 * contributing property get a random UUIDv4 id, as in stix2. Returns null only for an
 * external reference that has neither a url nor a source name with an external id.
 */
export function generateId(obj: StixLike): string | null {
  const type = TYPE_ALIASES[obj.type] ?? obj.type;
  if (type === 'marking-definition' && obj.definition_type === 'TLP' && typeof obj.definition === 'string' && obj.definition in TLP_MARKING_IDS) {
    return TLP_MARKING_IDS[obj.definition as TlpLevel];
  }
  const canonical = idCanonicalText(obj);
  if (canonical !== null) return `${type}--${uuidV5(canonical)}`;
  if (type === 'external-reference') return null;
  if (SCO_ID_PROPERTIES[type]) return `${type}--${uuidV4()}`;
  return null;
}

/** `generateId` for callers that need an id: a missing one is an input error. */
export function requireId(obj: StixLike): string {
  const id = generateId(obj);
  if (id === null)
    throw new InputError('STIX_ID_UNDEFINED', `cannot compute an id for this ${obj.type}: its identifying properties are missing`, {
      details: { type: obj.type },
    });
  return id;
}

// Per-type conveniences (pycti's `<Class>.generate_id` signatures).
export const externalReferenceId = (ref: { url?: string | null; source_name?: string | null; external_id?: string | null }): string | null =>
  generateId({ type: 'external-reference', ...ref });
export const killChainPhaseId = (phase: { kill_chain_name: string; phase_name: string }): string => requireId({ type: 'kill-chain-phase', ...phase });
export const labelId = (value: string): string => requireId({ type: 'label', value });
export const tlpMarkingId = (level: TlpLevel): string => TLP_MARKING_IDS[level];

/** pycti's `Report.generate_fixed_fake_id`: a stable id for a placeholder report. */
export function fixedFakeReportId(name: string, published?: string | null): string {
  const hashed: Record<string, unknown> = { name: pyLowerStrip(name), fake: 'fake' };
  if (isSet(published)) hashed.published = published;
  return `report--${uuidV5(canonicalJson(hashed))}`;
}
