import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { sharedPath } from '@opencti-ts/testing';
import { describe, expect, it } from 'vitest';
import { isNotFound, mergeWhois, notWhoisText, parseWhois, referral, whoisFields } from './whois-text.ts';

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, '../../test/fixtures', name), 'utf8');

describe('whois text', () => {
  it.each([
    ['IANA', 'whois-iana-domain.txt', 'whois.registry.test'],
    ['a registry naming its registrar', 'whois-registry-domain.txt', 'whois.registrar.test'],
    ['a registrar (no referral)', 'whois-registrar-domain.txt', undefined],
    ['ARIN rwhois referral', 'ReferralServer:  rwhois://rwhois.isp.test:4321\nNetRange: 1.2.3.0 - 1.2.3.255\n', 'rwhois.isp.test:4321'],
  ])('referral of %s', (_name, input, expected) => {
    const raw = input.endsWith('.txt') ? fixture(input) : input;
    expect(referral(raw)).toBe(expected);
  });

  it('reads a registry answer', () => {
    const record = parseWhois(fixture('whois-registry-domain.txt'), 'domain', 'example-old.shop', 'whois.registry.test');
    expect(record).toMatchObject({
      source: 'whois',
      servers: ['whois.registry.test'],
      registrar: { name: 'Example Registrar, Inc.', ianaId: '1068' },
      registration: '2001-05-04T00:00:00Z',
      expiration: '2030-05-04T00:00:00Z',
      lastChanged: '2024-03-01T10:00:00Z',
      statuses: ['client transfer prohibited'],
      nameservers: ['ns1.dnshost.test', 'ns2.dnshost.test'],
      dnssec: true,
      contacts: [{ role: 'abuse', email: 'abuse@registrar.test' }],
    });
  });

  it('merges registry then registrar answers, dropping redacted values', () => {
    const registry = parseWhois(fixture('whois-registry-domain.txt'), 'domain', 'example-old.shop', 'r1');
    const registrar = parseWhois(fixture('whois-registrar-domain.txt'), 'domain', 'example-old.shop', 'r2');
    const merged = mergeWhois([registry, registrar].filter((r) => r !== undefined));
    expect(merged?.servers).toEqual(['r1', 'r2']);
    expect(merged?.holder).toEqual({ name: 'Old Shop GmbH', country: 'DE' });
    expect(merged?.registration).toBe('2001-05-04T00:00:00Z');
    expect(merged?.contacts).toEqual([
      { role: 'administrative', email: 'admin@example-old.shop' },
      { role: 'technical', phone: '+49.301234567' },
    ]);
    expect(merged?.privacyProtected).toBe(true);
  });

  it('reads an RPSL IP answer: range, CIDR, origin AS, country, abuse mailbox', () => {
    const record = parseWhois(fixture('whois-ripe-ip.txt'), 'ip', '192.0.2.1', 'whois.ripe.net');
    expect(record).toMatchObject({
      network: { start: '192.0.2.0', end: '192.0.2.255', cidrs: ['192.0.2.0/24'], name: 'DOC-NET-1' },
      originAutnums: [64501],
      country: 'NL',
      contacts: [{ role: 'abuse', email: 'abuse@docnet.test' }],
    });
  });

  it.each([
    ['no match', fixture('whois-notfound.txt'), true],
    ['NOT FOUND', 'NOT FOUND\n', true],
    ['a registered domain', fixture('whois-registry-domain.txt'), false],
  ])('not found: %s', (_name, raw, expected) => {
    expect(isNotFound(raw)).toBe(expected);
    if (expected) expect(parseWhois(raw, 'domain', 'free-domain.shop')).toBeUndefined();
  });

  it('reads JPRS brackets, dotted keys and indented blocks', () => {
    const fields = whoisFields(
      '[Domain Name]   EXAMPLE.JP\nExpires.......: 2030-01-01\nRegistrar:\n        Example Registrar Ltd\n        URL: http://x.test\n\nDomain servers in listed order:\n   ns1.a.test\n',
    );
    expect(fields.get('domain name')).toEqual(['EXAMPLE.JP']);
    expect(fields.get('expires')).toEqual(['2030-01-01']);
    expect(fields.get('registrar')).toEqual(['Example Registrar Ltd']);
    expect(fields.get('domain servers in listed order')).toEqual(['ns1.a.test']);
  });

  it.each([
    ['an HTTP status line', 'HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\n\r\nBad Request', 'an HTTP answer or a web page'],
    ['an HTML page', '<!DOCTYPE html>\n<html><body>Maintenance</body></html>', 'an HTTP answer or a web page'],
    ['binary data', Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 131 + 7) % 256)).toString('utf8'), 'binary data'],
    ['a registry answer', fixture('whois-registry-domain.txt'), undefined],
    ['a no-match answer', fixture('whois-notfound.txt'), undefined],
  ])('not whois text: %s', (_name, raw, expected) => {
    expect(notWhoisText(raw)).toBe(expected);
  });
});

const data = sharedPath('data/whois-rdap');

describe.skipIf(!data.available)('whois text on the real answers', () => {
  const read = (file: string) => readFileSync(path.join(data.available ? data.path : '', file), 'utf8');
  const files = (dir: string): string[] =>
    readdirSync(path.join(data.available ? data.path : '', dir)).flatMap((name) =>
      statSync(path.join(data.available ? data.path : '', dir, name)).isDirectory() ? files(path.join(dir, name)) : [path.join(dir, name)],
    );

  it("IANA's answer for something it does not know is no registration", () => {
    expect(parseWhois(read('whois/weppos/whois.iana.org/arpa/status_available.txt'), 'domain', 'u34jedzcq.arpa', 'whois.iana.org')).toBeUndefined();
  });

  it('no real registry answer is taken for noise', () => {
    const answers = [...files('whois'), ...files('ip').filter((file) => file.endsWith('.txt'))].filter((file) => !/\.(?:json|pre)$/.test(file));
    expect(answers.length).toBeGreaterThan(800);
    expect(answers.filter((file) => notWhoisText(read(file)) !== undefined)).toEqual([]);
  });
});
