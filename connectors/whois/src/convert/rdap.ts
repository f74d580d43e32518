// RDAP (RFC 9083) responses → the normalised record. Pure: JSON in, record out. Tolerant of
// what registries really send (missing members, jCards with odd shapes, RFC 9537 redactions).
import { InputError } from '@opencti-ts/sdk/errors';
import {
  type Contact,
  type ContactRole,
  cleanEmail,
  cleanPhone,
  countryCode,
  emptyRecord,
  isoDate,
  isRedactedValue,
  normalizeStatus,
  type Party,
  type QueryKind,
  uniq,
  type WhoisRecord,
} from './record.ts';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const array = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);

/** A parsed jCard: the properties a whois record needs. */
export interface VCard {
  kind?: string;
  fn?: string;
  org?: string;
  emails: string[];
  phones: string[];
  country?: string;
}

/** Reads a jCard (`["vcard", [[name, params, type, value...], ...]]`); malformed parts are skipped. */
export function parseJCard(value: unknown): VCard {
  const card: VCard = { emails: [], phones: [] };
  const properties = Array.isArray(value) && value[0] === 'vcard' ? array(value[1]) : [];
  for (const property of properties) {
    if (!Array.isArray(property) || property.length < 4 || typeof property[0] !== 'string') continue;
    const name = property[0].toLowerCase();
    const params = isObject(property[1]) ? property[1] : {};
    const raw = property[3];
    const first = Array.isArray(raw) ? raw.find((item) => typeof item === 'string' && item.trim() !== '') : raw;
    switch (name) {
      case 'kind':
        card.kind = text(first);
        break;
      case 'fn':
        card.fn = text(first);
        break;
      case 'org':
        card.org = text(first);
        break;
      case 'email':
        if (text(raw)) card.emails.push(text(raw) as string);
        break;
      case 'tel':
        if (text(raw)) card.phones.push(text(raw) as string);
        break;
      case 'adr': {
        const parts = Array.isArray(raw) ? raw : [];
        const label = text(params.label);
        const cc = text(params.cc);
        card.country = countryCode(cc) ?? countryCode(text(parts[6])) ?? (label ? countryCode(label.split('\n').at(-1)) : undefined) ?? card.country;
        break;
      }
      case 'iso-3166-1-alpha-2':
        card.country = countryCode(text(raw)) ?? card.country;
        break;
    }
  }
  return card;
}

interface RdapEntity {
  roles: string[];
  handle?: string;
  card: VCard;
  ianaId?: string;
  /** The entity says its data was removed (remarks / status). */
  removed: boolean;
  children: RdapEntity[];
}

function parseEntity(value: Json, depth: number): RdapEntity {
  const remarks = array(value.remarks).filter(isObject);
  const removed =
    array(value.status).some((status) => /removed|private|proxy/i.test(String(status))) ||
    remarks.some((remark) => /redacted|removed|privacy/i.test(String(remark.title ?? '')));
  const publicIds = array(value.publicIds).filter(isObject);
  const ianaId = text(publicIds.find((id) => /iana registrar id/i.test(String(id.type ?? '')))?.identifier);
  const children =
    depth < 4
      ? array(value.entities)
          .filter(isObject)
          .map((child) => parseEntity(child, depth + 1))
      : [];
  return {
    roles: array(value.roles).map((role) => String(role).toLowerCase()),
    ...(text(value.handle) ? { handle: text(value.handle) as string } : {}),
    card: parseJCard(value.vcardArray),
    ...(ianaId ? { ianaId } : {}),
    removed,
    children,
  };
}

const CONTACT_ROLES: readonly ContactRole[] = ['registrant', 'administrative', 'technical', 'abuse', 'billing'];

/** RFC 9537 `redacted` names ("Registrant Email", "Tech Phone") as `role field` pairs. */
function redactedFields(response: Json): { names: string[]; fields: Set<string> } {
  const names: string[] = [];
  const fields = new Set<string>();
  for (const entry of array(response.redacted).filter(isObject)) {
    const name = isObject(entry.name) ? (text(entry.name.description) ?? text(entry.name.type)) : undefined;
    if (!name) continue;
    names.push(name);
    const lower = name.toLowerCase();
    const role = lower.startsWith('registrant')
      ? 'registrant'
      : lower.startsWith('tech')
        ? 'technical'
        : lower.startsWith('admin')
          ? 'administrative'
          : undefined;
    if (!role) continue;
    if (/organi[sz]ation/.test(lower)) fields.add(`${role} org`);
    else if (/name/.test(lower)) fields.add(`${role} fn`);
    else if (/email/.test(lower)) fields.add(`${role} email`);
    else if (/phone|fax/.test(lower)) fields.add(`${role} tel`);
    else if (/country/.test(lower)) fields.add(`${role} country`);
  }
  return { names, fields };
}

function eventDate(events: unknown, action: RegExp): string | undefined {
  const event = array(events)
    .filter(isObject)
    .find((item) => action.test(String(item.eventAction ?? '')));
  return isoDate(text(event?.eventDate));
}

function selfAndRelated(value: Json): { url: string; rel: string }[] {
  return array(value.links)
    .filter(isObject)
    .filter((link) => (link.rel === 'self' || link.rel === 'related') && text(link.href)?.startsWith('http'))
    .map((link) => ({ url: text(link.href) as string, rel: String(link.rel) }));
}

/** The registrar's RDAP URL a registry points to (`related` link of type rdap+json), if different from self. */
export function registrarLink(response: unknown): string | undefined {
  if (!isObject(response)) return undefined;
  const links = array(response.links).filter(isObject);
  const self = text(links.find((link) => link.rel === 'self')?.href);
  const related = links.find(
    (link) => link.rel === 'related' && /rdap\+json/i.test(String(link.type ?? 'application/rdap+json')) && text(link.href) && text(link.href) !== self,
  );
  return text(related?.href);
}

function partyFrom(entity: RdapEntity, redacted: Set<string>, role: string): Party | undefined {
  const name = redacted.has(`${role} org`) ? undefined : (entity.card.org ?? (entity.card.kind === 'individual' ? undefined : entity.card.fn));
  if (!name || isRedactedValue(name)) return undefined;
  return {
    name,
    ...(entity.ianaId ? { ianaId: entity.ianaId } : {}),
    ...(entity.handle ? { handle: entity.handle } : {}),
    ...(entity.card.country && !redacted.has(`${role} country`) ? { country: entity.card.country } : {}),
  };
}

/** Parses an RDAP response of the class `kind` expects; an error response or another class is an InputError. */
export function parseRdap(response: unknown, kind: QueryKind, query: string): WhoisRecord {
  if (!isObject(response)) throw new InputError('RDAP_INVALID', 'the RDAP answer is not a JSON object');
  const objectClass = text(response.objectClassName);
  const expected = kind === 'domain' ? 'domain' : kind === 'ip' ? 'ip network' : 'autnum';
  // Some RIR answers (older RIPE) omit objectClassName: accept them when their shape fits.
  const shaped = kind === 'ip' ? 'startAddress' in response : kind === 'autnum' ? 'startAutnum' in response : 'ldhName' in response;
  if (objectClass !== expected && !(objectClass === undefined && shaped)) {
    const error = typeof response.errorCode === 'number' ? ` (error ${response.errorCode}: ${text(response.title) ?? ''})` : '';
    throw new InputError('RDAP_UNEXPECTED_OBJECT', `the RDAP answer is not a ${expected} object${error || ` (got ${objectClass ?? 'no objectClassName'})`}`);
  }
  const record = emptyRecord(kind, query, 'rdap');
  const { names, fields } = redactedFields(response);
  record.redactions = names;
  const handle = text(response.handle);
  if (handle) record.handle = handle;
  const unicode = text(response.unicodeName);
  if (kind === 'domain' && unicode && unicode.toLowerCase() !== query) record.unicodeName = unicode.toLowerCase();
  const port43 = text(response.port43);
  if (port43) record.port43 = port43;
  record.statuses = uniq(array(response.status).map((status) => normalizeStatus(String(status))));
  const registration = eventDate(response.events, /^registration$/i);
  const expiration = eventDate(response.events, /^expiration$/i);
  const lastChanged = eventDate(response.events, /^last changed$/i);
  const lastUpdate = eventDate(response.events, /^last update of rdap database$/i);
  if (registration) record.registration = registration;
  if (expiration) record.expiration = expiration;
  if (lastChanged) record.lastChanged = lastChanged;
  if (lastUpdate) record.lastDatabaseUpdate = lastUpdate;
  const secure = isObject(response.secureDNS) ? response.secureDNS : isObject(response.secureDns) ? response.secureDns : undefined;
  if (secure && typeof secure.delegationSigned === 'boolean') record.dnssec = secure.delegationSigned;
  record.links = selfAndRelated(response);
  record.nameservers = uniq(
    array(response.nameservers)
      .filter(isObject)
      .map((ns) => text(ns.ldhName)?.toLowerCase().replace(/\.$/, ''))
      .filter((name): name is string => name !== undefined),
  );

  const entities = array(response.entities)
    .filter(isObject)
    .map((entity) => parseEntity(entity, 0));
  // Contacts nested in an entity (the registrar's abuse contact) count under their own roles.
  const all = entities.flatMap((entity) => [entity, ...entity.children]);
  record.privacyProtected = names.length > 0 || entities.some((entity) => entity.removed);

  const registrar = entities.find((entity) => entity.roles.includes('registrar'));
  if (registrar) {
    const name = registrar.card.fn ?? registrar.card.org;
    if (name && !isRedactedValue(name))
      record.registrar = { name, ...(registrar.ianaId ? { ianaId: registrar.ianaId } : {}), ...(registrar.handle ? { handle: registrar.handle } : {}) };
  }
  const holder = entities.find((entity) => entity.roles.includes('registrant'));
  if (holder) {
    const party = partyFrom(holder, fields, 'registrant');
    if (party) record.holder = party;
    else record.privacyProtected = true;
  }

  const contacts: Contact[] = [];
  for (const entity of all) {
    for (const role of entity.roles) {
      if (!(CONTACT_ROLES as readonly string[]).includes(role)) continue;
      const contactRole = role as ContactRole;
      const email = fields.has(`${contactRole} email`) ? undefined : entity.card.emails.map(cleanEmail).find((value) => value !== undefined);
      const phone = fields.has(`${contactRole} tel`) ? undefined : entity.card.phones.map(cleanPhone).find((value) => value !== undefined);
      const name = entity.card.fn && !isRedactedValue(entity.card.fn) && !fields.has(`${contactRole} fn`) ? entity.card.fn : undefined;
      if (!email && !phone) continue;
      contacts.push({ role: contactRole, ...(name ? { name } : {}), ...(email ? { email } : {}), ...(phone ? { phone } : {}) });
    }
  }
  record.contacts = contacts;

  if (kind === 'ip') {
    const cidrs = array(response.cidr0_cidrs)
      .filter(isObject)
      .map((cidr) => {
        const prefix = text(cidr.v4prefix) ?? text(cidr.v6prefix);
        return prefix && typeof cidr.length === 'number' ? `${prefix}/${cidr.length}` : undefined;
      })
      .filter((cidr): cidr is string => cidr !== undefined);
    const ipVersion = response.ipVersion === 'v6' ? 'v6' : response.ipVersion === 'v4' ? 'v4' : undefined;
    record.network = {
      cidrs,
      ...(text(response.startAddress) ? { start: text(response.startAddress) as string } : {}),
      ...(text(response.endAddress) ? { end: text(response.endAddress) as string } : {}),
      ...(text(response.name) ? { name: text(response.name) as string } : {}),
      ...(text(response.type) ? { type: text(response.type) as string } : {}),
      ...(ipVersion ? { ipVersion } : {}),
      ...(text(response.parentHandle) ? { parentHandle: text(response.parentHandle) as string } : {}),
    };
    record.originAutnums = uniq(
      array(response.arin_originas0_originautnums).filter((n): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 4294967295),
    );
  }
  if (kind === 'autnum') {
    const start = typeof response.startAutnum === 'number' ? response.startAutnum : Number(query);
    const end = typeof response.endAutnum === 'number' ? response.endAutnum : start;
    record.autnum = {
      start,
      end,
      ...(text(response.name) ? { name: text(response.name) as string } : {}),
      ...(text(response.type) ? { type: text(response.type) as string } : {}),
    };
  }
  const country = countryCode(text(response.country));
  if (country) record.country = country;
  else if (kind !== 'domain' && record.holder?.country) record.country = record.holder.country;
  return record;
}

/**
 * Registry and registrar views of one domain: the registrar wins for contacts and the
 * registrant, the registry for dates and statuses (connectors.md §3.7).
 */
export function mergeRegistrar(registry: WhoisRecord, registrar: WhoisRecord): WhoisRecord {
  return {
    ...registry,
    servers: uniq([...registry.servers, ...registrar.servers]),
    registrar: registry.registrar ?? registrar.registrar,
    holder: registrar.holder ?? registry.holder,
    contacts: registrar.contacts.length > 0 ? registrar.contacts : registry.contacts,
    nameservers: registry.nameservers.length > 0 ? registry.nameservers : registrar.nameservers,
    statuses: registry.statuses.length > 0 ? registry.statuses : registrar.statuses,
    links: [...registry.links, ...registrar.links].filter((link, index, all) => all.findIndex((other) => other.url === link.url) === index),
    privacyProtected: registry.privacyProtected || registrar.privacyProtected,
    redactions: uniq([...registry.redactions, ...registrar.redactions]),
    ...((registry.registration ?? registrar.registration) ? { registration: registry.registration ?? registrar.registration } : {}),
    ...((registry.expiration ?? registrar.expiration) ? { expiration: registry.expiration ?? registrar.expiration } : {}),
  };
}
