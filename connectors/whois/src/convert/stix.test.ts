import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createStixBuilders, TLP_MARKING_IDS, validateStixObject } from '@opencti-ts/sdk/stix';
import { oasisSchemasAvailable, validateStixWithOasis } from '@opencti-ts/testing';
import { describe, expect, it } from 'vitest';
import { mergeRegistrar, parseRdap } from './rdap.ts';
import { convertRecord, noteContent, type StixObject } from './stix.ts';

const fixture = (name: string): unknown => JSON.parse(readFileSync(path.join(import.meta.dirname, '../../test/fixtures', name), 'utf8'));
const b = createStixBuilders({ now: () => new Date('2026-11-29T00:00:00Z') });
const amber = TLP_MARKING_IDS['TLP:AMBER'];
const options = {
  markingId: amber,
  createNote: true,
  createRegistrar: true,
  createRegistrant: true,
  createContacts: true,
  newlyRegisteredDays: 30,
  now: new Date('2026-11-29T00:00:00Z'),
  builders: b,
};

function valid(objects: StixObject[]) {
  for (const object of objects) {
    expect(
      validateStixObject(object).filter((p) => p.severity === 'error'),
      object.id,
    ).toEqual([]);
    if (oasisSchemasAvailable()) expect(validateStixWithOasis(object), object.id).toEqual([]);
  }
}
const rel = (objects: StixObject[], description: string) => objects.filter((o) => o.type === 'relationship' && o.description === description);

describe('convertRecord', () => {
  const domain = b.domainName('shop.example-shop.com', { object_marking_refs: [amber] });
  const record = mergeRegistrar(
    parseRdap(fixture('rdap-domain-registry.json'), 'domain', 'example-shop.com'),
    parseRdap(fixture('rdap-domain-registrar.json'), 'domain', 'example-shop.com'),
  );
  const converted = convertRecord(record, { ...options, entity: domain, registrableDomain: 'example-shop.com' });
  const { objects } = converted;

  it('maps a domain: registrar, registrant + country, contacts, name servers, parent domain, Note', () => {
    valid([...objects, converted.author]);
    const registrar = objects.find((o) => o.type === 'identity' && o.name === 'Example Registrar, Inc.');
    expect(registrar?.id).toBe(b.organization({ name: 'Example Registrar, Inc.' }).id);
    expect(rel(objects, 'registrar')).toMatchObject([{ relationship_type: 'related-to', source_ref: domain.id, target_ref: registrar?.id }]);
    const registrant = objects.find((o) => o.type === 'identity' && o.name === 'Shady Shops Ltd');
    const country = objects.find((o) => o.type === 'location');
    expect(country).toMatchObject({ name: 'United Kingdom', country: 'GB', x_opencti_location_type: 'Country' });
    expect(rel(objects, 'registrant-country')).toMatchObject([{ relationship_type: 'located-at', source_ref: registrant?.id, target_ref: country?.id }]);
    expect(rel(objects, 'technical-contact').map((r) => r.target_ref)).toEqual([b.emailAddr('hostmaster@example-shop.com').id]);
    expect(rel(objects, 'name-server')).toHaveLength(2);
    expect(rel(objects, 'registrable-domain')).toMatchObject([{ target_ref: b.domainName('example-shop.com').id }]);
    // no redacted value became an observable
    expect(objects.some((o) => o.type === 'email-addr' && o.value === 'owner@example-shop.com')).toBe(false);
    // every new object: the author and the entity's TLP; no relationship times
    for (const object of objects) {
      expect(object.object_marking_refs).toEqual([amber]);
      expect(object.created_by_ref ?? object.x_opencti_created_by_ref).toBe(converted.author.id);
      expect(object.start_time).toBeUndefined();
    }
  });

  it('writes a Note with a stable id and the RDAP links as external references', () => {
    const note = objects.find((o) => o.type === 'note');
    expect(note).toMatchObject({ abstract: 'WHOIS/RDAP: example-shop.com', object_refs: [domain.id], labels: ['whois:privacy-protected'] });
    expect(((note?.external_references ?? []) as { url: string }[]).map((r) => r.url)).toEqual([
      'https://rdap.registry.test/com/v1/domain/EXAMPLE-SHOP.COM',
      'https://rdap.registrar.test/rdap/domain/EXAMPLE-SHOP.COM',
    ]);
    const later = createStixBuilders({ now: () => new Date('2027-01-01T00:00:00Z') });
    const again = convertRecord(record, { ...options, builders: later, entity: domain, registrableDomain: 'example-shop.com' }).objects.find(
      (o) => o.type === 'note',
    );
    expect(again?.id).toBe(note?.id);
    const changed = convertRecord({ ...record, statuses: ['active'] }, { ...options, entity: domain }).objects.find((o) => o.type === 'note');
    expect(changed?.id).not.toBe(note?.id);
    expect(noteContent(record)).toContain('| registrar IANA id | 1068 |');
  });

  it('labels the entity: newly registered and client hold; expired when past expiration', () => {
    expect(converted.entity?.labels).toEqual(['whois:newly-registered', 'whois:client-hold']);
    expect(converted.entity?.id).toBe(domain.id);
    const old = convertRecord(
      { ...record, registration: '2001-01-01T00:00:00Z', expiration: '2020-01-01T00:00:00Z', statuses: [] },
      { ...options, entity: domain },
    );
    expect(old.entity?.labels).toEqual(['whois:expired']);
  });

  it.each([
    ['registrar off', { createRegistrar: false }, (o: StixObject[]) => rel(o, 'registrar').length === 0],
    ['registrant off', { createRegistrant: false }, (o: StixObject[]) => rel(o, 'registrant').length === 0],
    ['contacts off', { createContacts: false }, (o: StixObject[]) => !o.some((x) => x.type === 'email-addr' || x.type === 'phone-number')],
    ['note off', { createNote: false }, (o: StixObject[]) => !o.some((x) => x.type === 'note')],
  ])('%s', (_name, override, check) => {
    expect(check(convertRecord(record, { ...options, ...override, entity: domain }).objects)).toBe(true);
  });

  it('maps an IP: network in CIDR form, origin AS, holder, abuse contact, country', () => {
    const ip = b.ipv4Addr('198.51.100.7', { object_marking_refs: [amber] });
    const result = convertRecord(parseRdap(fixture('rdap-ip.json'), 'ip', '198.51.100.7'), { ...options, entity: ip });
    valid(result.objects);
    expect(rel(result.objects, 'rdap-network NET-198-51-100-0-1')).toMatchObject([{ target_ref: b.ipv4Addr('198.51.100.0/24').id }]);
    expect(rel(result.objects, 'origin-as')).toMatchObject([{ relationship_type: 'belongs-to', target_ref: b.autonomousSystem(64500).id }]);
    expect(rel(result.objects, 'network-holder')).toHaveLength(1);
    expect(rel(result.objects, 'abuse-contact')).toHaveLength(1);
    expect(rel(result.objects, 'network-country')).toMatchObject([{ relationship_type: 'located-at', source_ref: ip.id }]);
    expect(result.objects.some((o) => o.type === 'phone-number')).toBe(false);
    expect(result.entity).toBeUndefined();
  });

  it('maps an AS: holder located in its country', () => {
    const as = b.autonomousSystem(64500, { object_marking_refs: [amber] });
    const result = convertRecord(parseRdap(fixture('rdap-autnum.json'), 'autnum', '64500'), { ...options, entity: as });
    valid(result.objects);
    expect(rel(result.objects, 'as-holder')).toHaveLength(1);
    expect(result.objects.find((o) => o.type === 'location')).toMatchObject({ country: 'NL' });
  });
});
