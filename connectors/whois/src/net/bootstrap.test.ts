import { describe, expect, it } from 'vitest';
import { asnServer, dnsServer, ipServer, parseBootstrap, parseIp, tagServer } from './bootstrap.ts';

const dns = parseBootstrap(
  {
    services: [
      [['uk'], ['https://rdap.uk.test/']],
      [['co.uk'], ['http://co.test', 'https://rdap.co.test']],
      [['com', 'net'], ['https://rdap.verisign.test/com/v1/']],
    ],
  },
  'dns',
);
const ipv4 = parseBootstrap(
  {
    services: [
      [['198.0.0.0/8'], ['https://rdap.arin.test/registry/']],
      [['198.51.100.0/24'], ['https://rdap.ripe.test/']],
    ],
  },
  'ipv4',
);
const ipv6 = parseBootstrap(
  {
    services: [
      [['2001:db8::/32'], ['https://rdap.apnic.test/']],
      [['2001::/16'], ['https://rdap.iana.test/']],
    ],
  },
  'ipv6',
);
const asn = parseBootstrap({ services: [[['1-1000', '64500'], ['https://rdap.as.test/']]] }, 'asn');

describe('RDAP bootstrap', () => {
  it.each([
    ['www.example.co.uk', 'https://rdap.co.test/'],
    ['example.uk', 'https://rdap.uk.test/'],
    ['EXAMPLE.NET.', 'https://rdap.verisign.test/com/v1/'],
    ['example.invalid', undefined],
  ])('dns %s → %s (longest label match, https preferred)', (name, expected) => expect(dnsServer(dns, name)).toBe(expected));

  it.each([
    ['198.51.100.7', ipv4, 'https://rdap.ripe.test/'],
    ['198.51.101.7', ipv4, 'https://rdap.arin.test/registry/'],
    ['10.0.0.1', ipv4, undefined],
    ['2001:db8::1', ipv6, 'https://rdap.apnic.test/'],
    ['2001:4860::8888', ipv6, 'https://rdap.iana.test/'],
  ])('ip %s (longest prefix)', (address, bootstrap, expected) => expect(ipServer(bootstrap, address)).toBe(expected));

  it.each([
    [500, 'https://rdap.as.test/'],
    [64500, 'https://rdap.as.test/'],
    [64501, undefined],
  ])('asn %s', (number, expected) => expect(asnServer(asn, number)).toBe(expected));

  it('object tags', () => {
    const tags = parseBootstrap({ services: [[['info@arin.test'], ['ARIN'], ['https://rdap.arin.test/registry/']]] }, 'object-tags');
    expect(tagServer(tags, 'ABC123-ARIN')).toBe('https://rdap.arin.test/registry/');
  });

  it.each([
    ['no services', {}],
    ['a service that is not lists', { services: ['x'] }],
    ['no http URL', { services: [[['com'], ['ftp://x']]] }],
    ['empty services', { services: [] }],
  ])('refuses a bootstrap with %s', (_name, json) => {
    expect(() => parseBootstrap(json, 'dns')).toThrow(expect.objectContaining({ code: 'RDAP_BOOTSTRAP_INVALID' }));
  });

  it.each([
    ['192.0.2.1', 32],
    ['::ffff:192.0.2.1', 128],
    ['2001:db8::', 128],
    ['256.1.1.1', undefined],
    ['2001:db8:::1', undefined],
    ['example.com', undefined],
  ])('parseIp %s', (text, bits) => expect(parseIp(text)?.bits).toBe(bits));
});
