// Conformance on the real registry answers in ../shared/data/whois-rdap: every RDAP domain,
// ip network and autnum response and every port-43 answer parses without throwing, and
// what it converts to validates with the SDK's validator and the OASIS STIX 2.1 schemas.
// The python-whois expected parses (richardpenman) bound the text parser's accuracy.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { createStixBuilders, TLP_MARKING_IDS, validateStixObject } from '@opencti-ts/sdk/stix';
import { sharedPath, validateStixWithOasis } from '@opencti-ts/testing';
import { describe, expect, it } from 'vitest';
import { parseRdap } from '../src/convert/rdap.ts';
import type { QueryKind, WhoisRecord } from '../src/convert/record.ts';
import { convertRecord, type StixObject } from '../src/convert/stix.ts';
import { parseWhois, referral } from '../src/convert/whois-text.ts';
import { asnServer, dnsServer, ipServer, parseBootstrap } from '../src/net/bootstrap.ts';

const root = sharedPath('data/whois-rdap');
const b = createStixBuilders({ now: () => new Date('2026-11-29T00:00:00Z') });
const marking = TLP_MARKING_IDS['TLP:GREEN'];

function files(dir: string, test: (name: string) => boolean): string[] {
  if (!root.available) return [];
  const full = path.join(root.path, dir);
  return readdirSync(full).flatMap((name) => {
    const file = path.join(full, name);
    if (statSync(file).isDirectory()) return files(path.join(dir, name), test);
    return test(name) ? [file] : [];
  });
}

function convertAndValidate(record: WhoisRecord, entity: StixObject) {
  const { objects } = convertRecord(record, {
    entity,
    markingId: marking,
    createNote: true,
    createRegistrar: true,
    createRegistrant: true,
    createContacts: true,
    newlyRegisteredDays: 30,
    builders: b,
  });
  for (const object of objects) {
    expect(
      validateStixObject(object).filter((p) => p.severity === 'error'),
      `${object.id} ${JSON.stringify(object)}`,
    ).toEqual([]);
    expect(validateStixWithOasis(object), object.id).toEqual([]);
  }
  return objects;
}

const entityFor = (kind: QueryKind, query: string): StixObject =>
  kind === 'domain' ? b.domainName(query) : kind === 'ip' ? (query.includes(':') ? b.ipv6Addr(query) : b.ipv4Addr(query)) : b.autonomousSystem(Number(query));

describe.skipIf(!root.available)('real RDAP responses', () => {
  const rdapFiles = [...files('rdap', (name) => name.endsWith('.json')), ...files('ip/ipwhois', (name) => name === 'rdap.json')];
  it.each(rdapFiles.map((file) => [path.relative(root.available ? root.path : '', file), file]))('%s', (_name, file) => {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      return; // the deliberately broken files (malformed.json, error_invalid_json.json)
    }
    const object = json as Record<string, unknown>;
    const kind: QueryKind | undefined =
      object.objectClassName === 'domain' || 'ldhName' in object
        ? 'domain'
        : object.objectClassName === 'ip network' || 'startAddress' in object
          ? 'ip'
          : object.objectClassName === 'autnum'
            ? 'autnum'
            : undefined;
    if (!kind || object.objectClassName === 'nameserver' || object.objectClassName === 'entity') {
      // not a lookup answer (entity, nameserver, help, error, search): a typed refusal, never a crash
      expect(() => parseRdap(json, 'domain', 'x.test')).toThrow(expect.objectContaining({ kind: 'input' }));
      return;
    }
    const query =
      kind === 'domain'
        ? String(object.ldhName).toLowerCase()
        : kind === 'ip'
          ? String(object.startAddress ?? '192.0.2.1').trim()
          : String(object.startAutnum ?? 64500);
    const record = parseRdap(json, kind, query);
    const objects = convertAndValidate(record, entityFor(kind, kind === 'ip' && query.includes('/') ? (query.split('/')[0] as string) : query));
    expect(objects.some((o) => o.type === 'note')).toBe(true);
  });

  it('AFNIC lemonde.fr: registrar, name servers, DNSSEC, no redacted contact', () => {
    const record = parseRdap(
      JSON.parse(readFileSync(path.join(root.available ? root.path : '', 'rdap/icann-rdap/responses/lemonde.fr.json'), 'utf8')),
      'domain',
      'lemonde.fr',
    );
    expect(record.registrar?.name).toBeTruthy();
    expect(record.nameservers.length).toBeGreaterThan(0);
    expect(record.registration).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('ARIN 192.198.0.0/22: network, origin AS 53301, holder, abuse contact', () => {
    const record = parseRdap(
      JSON.parse(readFileSync(path.join(root.available ? root.path : '', 'rdap/icann-rdap/responses/network_192_198_0_0.json'), 'utf8')),
      'ip',
      '192.198.1.1',
    );
    expect(record.network?.cidrs).toEqual(['192.198.0.0/22']);
    expect(record.originAutnums).toEqual([53301]);
    expect(record.holder?.name).toBe('Radio Link Internet');
    expect(record.contacts.find((c) => c.role === 'abuse')?.email).toBe('daniel.petsinger@radiolinkinternet.com');
  });

  it('RFC 9537 redaction example: redacted registrant data never becomes a contact', () => {
    const json = JSON.parse(readFileSync(path.join(root.available ? root.path : '', 'rdap/icann-rdap/responses/lookup_with_redaction.json'), 'utf8'));
    const record = parseRdap(json, 'domain', String(json.ldhName).toLowerCase());
    expect(record.privacyProtected).toBe(true);
    expect(record.contacts.filter((c) => c.role === 'registrant' && c.email)).toEqual([]);
  });
});

describe.skipIf(!root.available)('real port-43 answers', () => {
  const textFiles = [...files('whois', (name) => !name.endsWith('.json') && !name.endsWith('.pre')), ...files('ip', (name) => name.endsWith('.txt'))];

  it(`every answer parses and converts to valid STIX (${textFiles.length} files)`, { timeout: 120_000 }, () => {
    expect(textFiles.length).toBeGreaterThan(800);
    let parsed = 0;
    for (const file of textFiles) {
      const raw = readFileSync(file, 'utf8');
      const isIp = file.includes(`${path.sep}ip${path.sep}`) || file.includes('ip-registries');
      const record = parseWhois(raw, isIp ? 'ip' : 'domain', isIp ? '192.0.2.1' : 'example.test', 'whois.test');
      referral(raw);
      if (!record) continue;
      parsed += 1;
      convertAndValidate(record, isIp ? b.ipv4Addr('192.0.2.1') : b.domainName('example.test'));
    }
    expect(parsed).toBeGreaterThan(textFiles.length / 2);
  });

  it('likexian notfound answers are recognised as "no registration"', () => {
    const notFound = files('whois/likexian-whois-parser/notfound', () => true);
    const recognised = notFound.filter((file) => parseWhois(readFileSync(file, 'utf8'), 'domain', 'example.test') === undefined);
    expect(recognised.length / notFound.length).toBeGreaterThan(0.6);
  });

  it('python-whois expected parses: creation dates and registrars mostly agree', () => {
    const dir = path.join(root.available ? root.path : '', 'whois/richardpenman');
    let dates = 0;
    let datesOk = 0;
    let registrars = 0;
    let registrarsOk = 0;
    for (const domain of readdirSync(dir)) {
      const expected = JSON.parse(readFileSync(path.join(dir, domain, 'expected.json'), 'utf8')) as Record<string, unknown>;
      const record = parseWhois(readFileSync(path.join(dir, domain, 'response.txt'), 'utf8'), 'domain', domain);
      const created = Array.isArray(expected.creation_date) ? expected.creation_date[0] : expected.creation_date;
      if (typeof created === 'string') {
        dates += 1;
        if (record?.registration?.slice(0, 10) === created.slice(0, 10)) datesOk += 1;
      }
      if (typeof expected.registrar === 'string') {
        registrars += 1;
        if (record?.registrar?.name.toLowerCase() === expected.registrar.toLowerCase()) registrarsOk += 1;
      }
    }
    expect(datesOk / dates).toBeGreaterThan(0.7);
    expect(registrarsOk / registrars).toBeGreaterThan(0.7);
  });

  it('IANA referrals name the registry', () => {
    const iana = readFileSync(path.join(root.available ? root.path : '', 'whois/ip-registries/likexian-whois/whois_iana_org_171.txt'), 'utf8');
    expect(referral(iana)).toBe('whois.apnic.net');
  });
});

describe.skipIf(!root.available)('IANA bootstrap snapshot', () => {
  const dir = path.join(root.available ? root.path : '', 'reference/iana-bootstrap-openrdap-snapshot');
  const load = (name: string) => JSON.parse(readFileSync(path.join(dir, name), 'utf8'));
  it('resolves servers from the real registries', () => {
    expect(dnsServer(parseBootstrap(load('dns.json'), 'dns'), 'nic.cz')).toBe('https://rdap.nic.cz/');
    expect(ipServer(parseBootstrap(load('ipv4.json'), 'ipv4'), '41.1.2.3')).toBe('https://rdap.afrinic.net/rdap/');
    expect(asnServer(parseBootstrap(load('asn.json'), 'asn'), 2018)).toMatch(/^https:\/\//);
    parseBootstrap(load('ipv6.json'), 'ipv6');
    parseBootstrap(load('object-tags.json'), 'object-tags');
  });
  it('refuses malformed/dns_bad_services.json', () => {
    expect(() => parseBootstrap(load('malformed/dns_bad_services.json'), 'dns')).toThrow(expect.objectContaining({ code: 'RDAP_BOOTSTRAP_INVALID' }));
  });
  it('never routes a TLD to a non-http URL (malformed/dns_bad_url.json)', () => {
    const bootstrap = parseBootstrap(load('malformed/dns_bad_url.json'), 'dns');
    for (const service of bootstrap.services) for (const url of service.urls) expect(url).toMatch(/^https?:\/\/[^\s/]+/);
  });
});
