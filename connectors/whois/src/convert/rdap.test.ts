import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeRegistrar, parseJCard, parseRdap, registrarLink } from './rdap.ts';

const fixture = (name: string): unknown => JSON.parse(readFileSync(path.join(import.meta.dirname, '../../test/fixtures', name), 'utf8'));

describe('parseRdap', () => {
  it('reads a thin registry domain: registrar with IANA id, dates, statuses, name servers, DNSSEC, registrar link', () => {
    const json = fixture('rdap-domain-registry.json');
    const record = parseRdap(json, 'domain', 'example-shop.com');
    expect(record).toMatchObject({
      kind: 'domain',
      source: 'rdap',
      handle: '2138514_DOMAIN_COM-VRSN',
      registrar: { name: 'Example Registrar, Inc.', ianaId: '1068' },
      registration: '2026-11-20T10:00:00Z',
      expiration: '2027-11-20T10:00:00Z',
      lastChanged: '2026-11-21T08:00:00Z',
      lastDatabaseUpdate: '2026-11-28T12:00:00Z',
      statuses: ['client transfer prohibited', 'client hold'],
      nameservers: ['ns1.dnshost.test', 'ns2.dnshost.test'],
      dnssec: false,
    });
    // the registrar's abuse contact, nested in the registrar entity, counts as an abuse contact
    expect(record.contacts).toEqual([{ role: 'abuse', email: 'abuse@registrar.test', phone: '+1.5555550100' }]);
    expect(registrarLink(json)).toBe('https://rdap.registrar.test/rdap/domain/EXAMPLE-SHOP.COM');
  });

  it('honours RFC 9537 redactions and placeholders: no redacted e-mail, phone or name survives', () => {
    const record = parseRdap(fixture('rdap-domain-registrar.json'), 'domain', 'example-shop.com');
    expect(record.holder).toEqual({ name: 'Shady Shops Ltd', country: 'GB' });
    expect(record.privacyProtected).toBe(true);
    expect(record.redactions).toEqual(['Registrant Email', 'Tech Phone']);
    // registrant e-mail redacted by the `redacted` member, tech phone too, admin values are placeholders
    expect(record.contacts).toEqual([{ role: 'technical', name: 'Tech Person', email: 'hostmaster@example-shop.com' }]);
  });

  it('merges registry and registrar views: registrar wins for contacts and registrant, registry for dates and statuses', () => {
    const registry = parseRdap(fixture('rdap-domain-registry.json'), 'domain', 'example-shop.com');
    const registrar = parseRdap(fixture('rdap-domain-registrar.json'), 'domain', 'example-shop.com');
    const merged = mergeRegistrar(registry, registrar);
    expect(merged.registrar?.name).toBe('Example Registrar, Inc.');
    expect(merged.holder?.name).toBe('Shady Shops Ltd');
    expect(merged.contacts.map((c) => c.role)).toEqual(['technical']);
    expect(merged.registration).toBe('2026-11-20T10:00:00Z');
    expect(merged.statuses).toContain('client hold');
    expect(merged.links.map((l) => l.rel)).toEqual(['self', 'related']);
  });

  it.each([
    [
      'ip network',
      'rdap-ip.json',
      'ip',
      '198.51.100.7',
      {
        network: { cidrs: ['198.51.100.0/24'], name: 'DOC-NET-3', start: '198.51.100.0', end: '198.51.100.255' },
        originAutnums: [64500],
        country: 'NL',
        holder: { name: 'Documentation Networks B.V.' },
      },
    ],
    [
      'autnum',
      'rdap-autnum.json',
      'autnum',
      '64500',
      { autnum: { start: 64500, end: 64500, name: 'DOCNET-AS' }, holder: { name: 'Documentation Networks B.V.', country: 'NL' }, country: 'NL' },
    ],
  ] as const)('reads an %s response', (_name, file, kind, query, expected) => {
    const record = parseRdap(fixture(file), kind, query);
    expect(record).toMatchObject(expected);
    expect(record.contacts.find((c) => c.role === 'abuse')?.email).toBe('abuse@docnet.test');
  });

  it.each([
    ['an error response', { errorCode: 404, title: 'Not Found' }, 'RDAP_UNEXPECTED_OBJECT'],
    ['another object class', { objectClassName: 'entity' }, 'RDAP_UNEXPECTED_OBJECT'],
    ['not an object', [1, 2], 'RDAP_INVALID'],
  ])('refuses %s with a typed error', (_name, json, code) => {
    expect(() => parseRdap(json, 'domain', 'example.test')).toThrow(expect.objectContaining({ code }));
  });

  it('skips malformed jCard properties instead of failing', () => {
    expect(parseJCard(['vcard', [['fn'], 'x', ['email', {}, 'text', 'a@b.test'], ['fn', {}, 'text', 'Name']]])).toEqual({
      emails: ['a@b.test'],
      phones: [],
      fn: 'Name',
    });
    expect(parseJCard('nope')).toEqual({ emails: [], phones: [] });
  });
});
