// Port-43 whois answers → the normalised record. Pure: text in, record out. Registries use
// `Key: value`, RPSL `key:    value`, `Key.......: value`, JPRS `[Key] value`, indented
// blocks (a key alone on its line, values below) and free text: the parser reads every
// key/value shape into one multimap and picks fields by a table of known key spellings.
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
  type QueryKind,
  uniq,
  type WhoisRecord,
} from './record.ts';

/** Lower-cased key → values in order of appearance. */
export type WhoisFields = Map<string, string[]>;

const KEY_VALUE = /^\s*([A-Za-z][A-Za-z0-9 ./_()'&-]{0,60}?)\s*(?:\.{2,}\s*)?:\s*(.*)$/;
const JPRS = /^\s*(?:[a-z]\.\s*)?\[([^\]]{1,60})\]\s*(.*)$/;

export function whoisFields(raw: string): WhoisFields {
  const fields: WhoisFields = new Map();
  const add = (key: string, value: string) => {
    const name = key.trim().toLowerCase().replace(/\s+/g, ' ');
    const clean = value.trim();
    if (clean === '') return;
    const list = fields.get(name);
    if (list) list.push(clean);
    else fields.set(name, [clean]);
  };
  const lines = raw.replace(/\r\n?/g, '\n').split('\n');
  let blockKey: string | undefined;
  for (const line of lines) {
    if (/^\s*[%#;]/.test(line) || /^\s*>>>/.test(line)) {
      blockKey = undefined;
      continue;
    }
    if (line.trim() === '') {
      blockKey = undefined;
      continue;
    }
    const jprs = JPRS.exec(line);
    if (jprs) {
      add(jprs[1] as string, jprs[2] as string);
      blockKey = undefined;
      continue;
    }
    const indented = /^\s+/.test(line);
    const match = KEY_VALUE.exec(line);
    // A URL or a time is not a key ("http://..."; "10:20").
    if (match && !/^https?$/i.test(match[1] as string) && !(blockKey && indented && !/:\s/.test(line) && !/:$/.test(line))) {
      const value = match[2] as string;
      if (value.trim() === '') blockKey = match[1] as string;
      else {
        add(match[1] as string, value);
        if (!indented) blockKey = undefined;
      }
      continue;
    }
    if (blockKey && indented) add(blockKey, line);
  }
  return fields;
}

const first = (fields: WhoisFields, keys: readonly string[]): string | undefined => {
  for (const key of keys) {
    const value = fields.get(key)?.find((item) => item.trim() !== '');
    if (value !== undefined) return value;
  }
  return undefined;
};
const all = (fields: WhoisFields, keys: readonly string[]): string[] => keys.flatMap((key) => fields.get(key) ?? []);

const REGISTRAR_KEYS = [
  'registrar',
  'sponsoring registrar',
  'registrar name',
  'registrar organization',
  'registrar-name',
  'authorized agency',
  'registration service provider',
];
const CREATED_KEYS = [
  'creation date',
  'created',
  'created on',
  'created date',
  'registered',
  'registered on',
  'registration date',
  'registration time',
  'domain registration date',
  'domain create date',
  'domain record activated',
  'record created',
  'commencement date',
  'registered date',
  '登録年月日',
  'created-date',
  'creation-date',
  'fecha de registro',
  'activated',
];
const EXPIRES_KEYS = [
  'registry expiry date',
  'registrar registration expiration date',
  'expiration date',
  'expiry date',
  'expires',
  'expires on',
  'expire date',
  'expiry',
  'paid-till',
  'renewal date',
  'expiration time',
  'domain expiration date',
  'record expires on',
  '有効期限',
  'free-date',
  'fecha de vencimiento',
];
const UPDATED_KEYS = [
  'updated date',
  'last updated',
  'last updated on',
  'last update',
  'last-update',
  'last modified',
  'last-modified',
  'changed',
  'modified',
  'updated',
  '最終更新',
];
const NAMESERVER_KEYS = [
  'name server',
  'name servers',
  'nameserver',
  'nameservers',
  'nserver',
  'dns',
  'ns',
  'host name',
  'hostname',
  'primary server',
  'secondary server',
  'ネームサーバ',
];
const STATUS_KEYS = ['domain status', 'status', 'state', 'registration status', '状態'];
const HOLDER_KEYS = [
  'registrant organization',
  'registrant organisation',
  'registrant',
  'org',
  'org-name',
  'orgname',
  'organisation',
  'organization',
  'owner',
  'holder',
  'descr',
];
const COUNTRY_KEYS = ['registrant country', 'registrant country/economy', 'country', 'country-code'];

/** Contacts by role: the keys that carry their e-mail and phone. */
const CONTACT_KEYS: readonly [ContactRole, string[], string[]][] = [
  ['registrant', ['registrant email', 'registrant e-mail', 'owner-email'], ['registrant phone', 'registrant phone number', 'owner-phone']],
  ['administrative', ['admin email', 'admin e-mail', 'administrative contact email', 'admin-email'], ['admin phone', 'admin-phone']],
  ['technical', ['tech email', 'tech e-mail', 'technical contact email', 'tech-email'], ['tech phone', 'tech-phone']],
  [
    'abuse',
    ['registrar abuse contact email', 'abuse-mailbox', 'orgabuseemail', 'abuse email', 'abuse contact email'],
    ['registrar abuse contact phone', 'orgabusephone', 'abuse phone'],
  ],
];

// Answers that mean "no such registration" (likexian notfound, weppos status_available).
const NOT_FOUND = [
  /^\s*no match/im,
  /^\s*not found/im,
  /no (?:data|entries|object|matching record|information|match)\b.* found/i,
  /^\s*no entries found/im,
  /domain (?:name )?not found/i,
  /^%?\s*object does not exist/im,
  /is (?:available|free)(?: for registration)?/i,
  /^\s*status:\s*(?:free|available|avail)\s*$/im,
  /^\s*no match for/im,
  /nothing found/i,
  /^\s*invalid query/im,
  /the queried object does not exist/i,
  /no such domain/i,
  // IANA, for a TLD or a block it does not know.
  /this query returned 0 objects/i,
];

/** True when the answer says the object is not registered. */
export function isNotFound(raw: string, fields: WhoisFields = whoisFields(raw)): boolean {
  if (first(fields, REGISTRAR_KEYS) || first(fields, CREATED_KEYS) || first(fields, ['inetnum', 'inet6num', 'netrange', 'aut-num'])) return false;
  return NOT_FOUND.some((pattern) => pattern.test(raw));
}

/** The next server to ask: IANA's `refer:`/`whois:`, a registry's `Registrar WHOIS Server:`; host[:port] without scheme. */
export function referral(raw: string, fields: WhoisFields = whoisFields(raw)): string | undefined {
  const rwhois = /ReferralServer:\s*(?:r?whois:\/\/)([^\s/]+)/i.exec(raw);
  const value = first(fields, ['refer', 'registrar whois server', 'whois server', 'whois']) ?? (rwhois?.[1] as string | undefined);
  if (!value) return undefined;
  const host = value
    .trim()
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
  return /^[a-z0-9.-]+(?::\d+)?$/.test(host) && host.includes('.') ? host : undefined;
}

function cleanNameserver(value: string): string | undefined {
  const name = value
    .trim()
    .split(/[\s,]+/)[0]
    ?.toLowerCase()
    .replace(/\.$/, '');
  return name && /^[a-z0-9-]+(?:\.[a-z0-9-]+)+$/.test(name) && !/^\d+(?:\.\d+){3}$/.test(name) ? name : undefined;
}

function asNumbers(values: readonly string[]): number[] {
  return values
    .map((value) => /(?:AS)?\s*(\d{1,10})/i.exec(value)?.[1])
    .filter((value): value is string => value !== undefined)
    .map(Number)
    .filter((n) => n >= 0 && n <= 4294967295);
}

/** Parses one answer; `server` is recorded as its source. Undefined when the answer says "not found". */
export function parseWhois(raw: string, kind: QueryKind, query: string, server?: string): WhoisRecord | undefined {
  // Thin registries may list look-alike hosts first ("Server Name: IMDB.COM.MORE.INFO…"): start at the queried name.
  const escaped = query.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const start = kind === 'domain' ? new RegExp(`^\\s*domain name:\\s*${escaped}\\s*$`, 'im').exec(raw) : null;
  const fields = whoisFields(start ? raw.slice(start.index) : raw);
  if (isNotFound(raw, fields)) return undefined;
  const record = emptyRecord(kind, query, 'whois');
  if (server) record.servers.push(server);
  const registrarName = first(fields, REGISTRAR_KEYS);
  if (registrarName && !isRedactedValue(registrarName) && kind === 'domain') {
    const ianaId = first(fields, ['registrar iana id', 'sponsoring registrar iana id']);
    record.registrar = { name: registrarName, ...(ianaId && /^\d+$/.test(ianaId) ? { ianaId } : {}) };
  }
  const created = isoDate(first(fields, CREATED_KEYS));
  const expires = isoDate(first(fields, EXPIRES_KEYS));
  const updated = isoDate(first(fields, UPDATED_KEYS));
  if (created) record.registration = created;
  if (expires) record.expiration = expires;
  if (updated) record.lastChanged = updated;
  if (kind === 'domain') {
    record.nameservers = uniq(
      all(fields, NAMESERVER_KEYS)
        .map(cleanNameserver)
        .filter((name): name is string => name !== undefined),
    );
    record.statuses = uniq(
      all(fields, STATUS_KEYS)
        .flatMap((value) => value.split(/,\s*/))
        .map(normalizeStatus)
        .filter((status) => status !== '' && status.length < 60),
    );
    const dnssec = first(fields, ['dnssec']);
    if (dnssec) record.dnssec = /^(?:signed|yes|true|signeddelegation)/i.test(dnssec.replace(/\s/g, ''));
  }
  const holderName = first(fields, HOLDER_KEYS);
  const country = countryCode(first(fields, COUNTRY_KEYS));
  if (holderName && !isRedactedValue(holderName)) record.holder = { name: holderName, ...(country ? { country } : {}) };
  else if (holderName) record.privacyProtected = true;
  if (country && kind !== 'domain') record.country = country;
  if ([...fields.values()].flat().some((value) => isRedactedValue(value) && /redacted|privacy|protected|withheld/i.test(value))) record.privacyProtected = true;

  const contacts: Contact[] = [];
  for (const [role, emailKeys, phoneKeys] of CONTACT_KEYS) {
    const email = all(fields, emailKeys)
      .map(cleanEmail)
      .find((value) => value !== undefined);
    const phone = all(fields, phoneKeys)
      .map(cleanPhone)
      .find((value) => value !== undefined);
    if (email || phone) contacts.push({ role, ...(email ? { email } : {}), ...(phone ? { phone } : {}) });
  }
  // RIPE-style "% Abuse contact for '…' is 'abuse@…'".
  const abuse = /abuse contact for .* is '([^']+)'/i.exec(raw)?.[1];
  if (abuse && !contacts.some((contact) => contact.role === 'abuse')) {
    const email = cleanEmail(abuse);
    if (email) contacts.push({ role: 'abuse', email });
  }
  record.contacts = contacts;

  if (kind === 'ip') {
    const range = first(fields, ['inetnum', 'inet6num', 'netrange', 'ip-network', 'ipv4 address']);
    const [start, end] = range ? range.split(/\s+-\s+/) : [];
    const cidrs = all(fields, ['cidr', 'route', 'route6'])
      .flatMap((value) => value.split(/,\s*/))
      .filter((value) => /^[0-9a-f:.]+\/\d{1,3}$/i.test(value.trim()))
      .map((value) => value.trim());
    if (range && !end && /\//.test(range)) cidrs.push(range.trim());
    const name = first(fields, ['netname', 'network name', 'net-name']);
    const handle = first(fields, ['nethandle', 'inetnum-handle']);
    if (handle) record.handle = handle;
    record.network = {
      cidrs: uniq(cidrs),
      ...(start && end ? { start: start.trim(), end: end.trim() } : {}),
      ...(name ? { name } : {}),
      ...(first(fields, ['nettype', 'status']) ? { type: first(fields, ['nettype', 'status']) as string } : {}),
    };
    record.originAutnums = uniq(asNumbers(all(fields, ['originas', 'origin'])));
  }
  if (kind === 'autnum') {
    const number = asNumbers(all(fields, ['aut-num', 'asnumber', 'as number', 'autnum']))[0] ?? Number(query);
    const name = first(fields, ['as-name', 'asname', 'as name']);
    record.autnum = { start: number, end: number, ...(name ? { name } : {}) };
  }
  return record;
}

/**
 * Why an answer is not whois text at all, or undefined when it is: an HTTP server or a web page
 * on port 43, or binary data (NULs, control bytes, invalid UTF-8). Registries never send these;
 * parsing them would pass noise off as a registration record.
 */
export function notWhoisText(raw: string): string | undefined {
  if (/^\s*(?:HTTP\/\d|<!doctype\b|<html\b)/i.test(raw)) return 'an HTTP answer or a web page';
  // Tab, LF and CR are text; any other control character or U+FFFD (invalid UTF-8) is not.
  let binary = 0;
  for (let i = 0; i < raw.length; i += 1) {
    const code = raw.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0xfffd) binary += 1;
  }
  if (binary > raw.length / 20) return 'binary data';
  return undefined;
}

/** Registry then registrar answers of one domain: the later (registrar) answer fills what the registry left out. */
export function mergeWhois(records: readonly WhoisRecord[]): WhoisRecord | undefined {
  const [head, ...rest] = records;
  if (!head) return undefined;
  let merged = head;
  for (const next of rest) {
    merged = {
      ...next,
      ...merged,
      servers: uniq([...merged.servers, ...next.servers]),
      registrar: merged.registrar ?? next.registrar,
      holder: next.holder ?? merged.holder,
      contacts: next.contacts.length > 0 ? next.contacts : merged.contacts,
      nameservers: merged.nameservers.length > 0 ? merged.nameservers : next.nameservers,
      statuses: merged.statuses.length > 0 ? merged.statuses : next.statuses,
      privacyProtected: merged.privacyProtected || next.privacyProtected,
      originAutnums: uniq([...merged.originAutnums, ...next.originAutnums]),
    } as WhoisRecord;
  }
  return merged;
}
