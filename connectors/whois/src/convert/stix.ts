// The normalised record → STIX 2.1 (connectors.md §3.7). Pure: record and options in,
// objects out; ids from the SDK builders (pycti ids for SDOs/SROs, stix2 ids for SCOs), so
// the same registrar or country deduplicates across domains and across connectors.
import { createStixBuilders, type StixBuilders } from '@opencti-ts/sdk/stix';
import { canonicalCidr } from '../net/bootstrap.ts';
import { countryName, type WhoisRecord } from './record.ts';

export type StixObject = { id: string; type: string } & Record<string, unknown>;

export const AUTHOR_NAME = 'WHOIS / RDAP';

export interface ConvertOptions {
  /** The enriched entity (passed through, labels added for domains). */
  entity: StixObject;
  /** Marking of every new object: the entity's TLP marking id. */
  markingId: string;
  /** The registrable domain when the entity was a subdomain / hostname. */
  registrableDomain?: string;
  createNote: boolean;
  createRegistrar: boolean;
  createRegistrant: boolean;
  createContacts: boolean;
  /** 0 disables the label. */
  newlyRegisteredDays: number;
  /** Raw answers to attach to the Note. */
  attachments?: { name: string; mimeType: string; content: string }[];
  /** Labels and "now" comparisons; injectable for tests. */
  now?: Date;
  builders?: StixBuilders;
}

export interface Converted {
  objects: StixObject[];
  /** The entity with its new labels, when it got any. */
  entity: StixObject | undefined;
  author: StixObject;
}

const DAY_MS = 86_400_000;

export function authorIdentity(builders: StixBuilders = createStixBuilders()): StixObject {
  return builders.organization({ name: AUTHOR_NAME, description: 'Registration data (RDAP and WHOIS) looked up by the opencti-ts whois connector.' });
}

/** Labels the proposal puts on an enriched domain. */
export function domainLabels(record: WhoisRecord, now: Date, newlyRegisteredDays: number): string[] {
  const labels: string[] = [];
  const registered = record.registration ? Date.parse(record.registration) : Number.NaN;
  if (newlyRegisteredDays > 0 && !Number.isNaN(registered) && now.getTime() - registered < newlyRegisteredDays * DAY_MS && now.getTime() >= registered)
    labels.push('whois:newly-registered');
  const expires = record.expiration ? Date.parse(record.expiration) : Number.NaN;
  if (!Number.isNaN(expires) && expires < now.getTime()) labels.push('whois:expired');
  if (record.statuses.includes('client hold')) labels.push('whois:client-hold');
  if (record.statuses.includes('server hold')) labels.push('whois:server-hold');
  if (record.statuses.includes('redemption period')) labels.push('whois:redemption-period');
  return labels;
}

/** The Note's content: a markdown table with sorted keys and no fetch time, so equal data gives the same Note id. */
export function noteContent(record: WhoisRecord): string {
  const rows: [string, string][] = [];
  const add = (key: string, value: string | number | boolean | undefined | readonly (string | number)[]) => {
    if (value === undefined) return;
    const text = Array.isArray(value) ? value.join(', ') : String(value);
    if (text !== '') rows.push([key, text]);
  };
  add('query', record.query);
  add('unicode name', record.unicodeName);
  add('source', record.source);
  add('servers', record.servers);
  add('handle', record.handle);
  add('registrar', record.registrar?.name);
  add('registrar IANA id', record.registrar?.ianaId);
  add('holder', record.holder?.name);
  add('holder country', record.holder?.country);
  add('registration', record.registration);
  add('expiration', record.expiration);
  add('last changed', record.lastChanged);
  add('last database update', record.lastDatabaseUpdate);
  add('statuses', [...record.statuses].sort());
  add('dnssec', record.dnssec === undefined ? undefined : record.dnssec ? 'signed' : 'unsigned');
  add('name servers', [...record.nameservers].sort());
  add('port 43 server', record.port43);
  add('network range', record.network?.start && record.network.end ? `${record.network.start} - ${record.network.end}` : undefined);
  add('network cidrs', record.network?.cidrs);
  add('network name', record.network?.name);
  add('network type', record.network?.type);
  add('network parent', record.network?.parentHandle);
  add(
    'autnum range',
    record.autnum ? (record.autnum.start === record.autnum.end ? String(record.autnum.start) : `${record.autnum.start}-${record.autnum.end}`) : undefined,
  );
  add('autnum name', record.autnum?.name);
  add(
    'origin AS',
    record.originAutnums.map((n) => `AS${n}`),
  );
  add('country', record.country);
  for (const contact of record.contacts) {
    add(`contact ${contact.role} email`, contact.email);
    add(`contact ${contact.role} phone`, contact.phone);
  }
  add('privacy protected', record.privacyProtected ? 'yes' : undefined);
  add('redacted fields', [...record.redactions].sort());
  rows.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  return ['| field | value |', '| --- | --- |', ...rows.map(([key, value]) => `| ${cell(key)} | ${cell(value)} |`)].join('\n');
}

export function convertRecord(record: WhoisRecord, options: ConvertOptions): Converted {
  const b = options.builders ?? createStixBuilders();
  const now = options.now ?? new Date();
  const author = authorIdentity(b);
  const common = { created_by_ref: author.id, object_marking_refs: [options.markingId] };
  const objects: StixObject[] = [];
  const entityId = options.entity.id;
  const related = (target: string, description: string, source = entityId, type = 'related-to') => {
    objects.push(b.relationship({ relationship_type: type, source_ref: source, target_ref: target, description, ...common }));
  };
  const country = (code: string | undefined) => {
    if (!code) return undefined;
    const location = b.country({ name: countryName(code), country: code, ...common });
    if (!objects.some((object) => object.id === location.id)) objects.push(location);
    return location.id;
  };

  if (record.kind === 'domain' && options.registrableDomain && options.registrableDomain !== options.entity.value) {
    const parent = b.domainName(options.registrableDomain, common);
    objects.push(parent);
    related(parent.id, 'registrable-domain');
  }
  if (record.kind === 'domain' && options.createRegistrar && record.registrar) {
    const registrar = b.organization({ name: record.registrar.name, ...common });
    objects.push(registrar);
    related(registrar.id, 'registrar');
  }
  if (options.createRegistrant && record.holder) {
    const holder = b.organization({ name: record.holder.name, ...common });
    objects.push(holder);
    related(holder.id, record.kind === 'domain' ? 'registrant' : record.kind === 'ip' ? 'network-holder' : 'as-holder');
    // A registrant's country locates the registrant, not the domain (connectors.md §3.7).
    if (record.kind !== 'ip') {
      const countryId = country(record.holder.country ?? (record.kind === 'autnum' ? record.country : undefined));
      if (countryId) related(countryId, 'registrant-country', holder.id, 'located-at');
    }
  }
  if (options.createContacts) {
    for (const contact of record.contacts) {
      if (record.kind !== 'domain' && contact.role !== 'abuse') continue;
      const description = `${contact.role}-contact`;
      if (contact.email) {
        const email = b.emailAddr(contact.email, common);
        if (!objects.some((object) => object.id === email.id)) objects.push(email);
        related(email.id, description);
      }
      if (contact.phone && record.kind === 'domain') {
        const phone = b.phoneNumber(contact.phone, common);
        if (!objects.some((object) => object.id === phone.id)) objects.push(phone);
        related(phone.id, description);
      }
    }
  }
  if (record.kind === 'domain') {
    for (const nameserver of record.nameservers) {
      if (nameserver === options.entity.value) continue;
      const ns = b.domainName(nameserver, common);
      objects.push(ns);
      related(ns.id, 'name-server');
    }
  }
  if (record.kind === 'ip' && record.network) {
    for (const cidr of record.network.cidrs.map(canonicalCidr).filter((value): value is string => value !== undefined)) {
      const network = cidr.includes(':') ? b.ipv6Addr(cidr, common) : b.ipv4Addr(cidr, common);
      if (network.id === entityId) continue;
      objects.push(network);
      related(network.id, `rdap-network${record.handle ? ` ${record.handle}` : ''}`);
    }
    for (const number of record.originAutnums) {
      const as = b.autonomousSystem(number, common);
      objects.push(as);
      related(as.id, 'origin-as', entityId, 'belongs-to');
    }
    const countryId = country(record.country);
    if (countryId) related(countryId, 'network-country', entityId, 'located-at');
  }

  if (options.createNote) {
    const externalReferences = record.links.map((link) => ({
      source_name: link.rel === 'self' ? 'RDAP' : 'RDAP (related)',
      url: link.url,
    }));
    const files = (options.attachments ?? []).map((file) => ({
      name: file.name,
      mime_type: file.mimeType,
      data: Buffer.from(file.content, 'utf8').toString('base64'),
      no_trigger_import: true,
    }));
    objects.push(
      b.note({
        abstract: `WHOIS/RDAP: ${record.unicodeName ?? record.query}`,
        content: noteContent(record),
        object_refs: [entityId],
        note_types: ['external'],
        ...(externalReferences.length > 0 ? { external_references: externalReferences } : {}),
        ...(record.privacyProtected ? { labels: ['whois:privacy-protected'] } : {}),
        ...(files.length > 0 ? { custom: { x_opencti_files: files } } : {}),
        ...common,
      }),
    );
  }

  let entity: StixObject | undefined;
  if (record.kind === 'domain') {
    const labels = domainLabels(record, now, options.newlyRegisteredDays);
    const current = Array.isArray(options.entity.labels) ? (options.entity.labels as string[]) : [];
    const added = labels.filter((label) => !current.includes(label));
    if (added.length > 0) entity = { ...options.entity, labels: [...current, ...added] };
  }
  return { objects, entity, author };
}
