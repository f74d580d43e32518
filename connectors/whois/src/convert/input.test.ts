import { describe, expect, it } from 'vitest';
import { planLookup } from './input.ts';

describe('planLookup', () => {
  it.each([
    [
      { type: 'domain-name', value: 'WWW.Example.CO.UK.' },
      { query: { kind: 'domain', name: 'example.co.uk' }, registrableDomain: 'example.co.uk', enteredName: 'www.example.co.uk' },
    ],
    [{ type: 'hostname', value: 'mail.bücher.de' }, { query: { kind: 'domain', name: 'xn--bcher-kva.de' } }],
    [{ type: 'domain-name', value: 'example.com' }, { query: { kind: 'domain', name: 'example.com' } }],
    [{ type: 'ipv4-addr', value: '198.51.100.0/24' }, { query: { kind: 'ip', address: '198.51.100.0' } }],
    [{ type: 'ipv6-addr', value: '2001:DB8::1' }, { query: { kind: 'ip', address: '2001:db8::1' } }],
    [{ type: 'autonomous-system', number: 64500 }, { query: { kind: 'autnum', number: 64500 } }],
    [{ type: 'url', value: 'https://login.evil.example.net/x?y' }, { query: { kind: 'domain', name: 'example.net' } }],
    [{ type: 'url', value: 'http://[2001:db8::5]/' }, { query: { kind: 'ip', address: '2001:db8::5' } }],
    [{ type: 'indicator', pattern: "[domain-name:value = 'bad.example.org']" }, { query: { kind: 'domain', name: 'example.org' } }],
    [{ type: 'indicator', pattern: "[ipv4-addr:value = '203.0.113.5']" }, { query: { kind: 'ip', address: '203.0.113.5' } }],
  ])('%j', (entity, expected) => expect(planLookup(entity, { registrableDomain: true })).toMatchObject(expected));

  it('keeps the name when WHOIS_REGISTRABLE_DOMAIN=false', () => {
    expect(planLookup({ type: 'domain-name', value: 'a.b.example.com' }, { registrableDomain: false }).query).toEqual({
      kind: 'domain',
      name: 'a.b.example.com',
    });
  });

  it.each([
    [{ type: 'domain-name', value: 'not a domain' }, 'WHOIS_BAD_DOMAIN'],
    [{ type: 'domain-name', value: 'co.uk' }, 'WHOIS_PUBLIC_SUFFIX'],
    [{ type: 'ipv4-addr', value: '999.1.1.1' }, 'WHOIS_BAD_IP'],
    [{ type: 'url', value: 'not a url' }, 'WHOIS_BAD_URL'],
    [{ type: 'indicator', pattern: "[file:hashes.MD5 = 'abc']" }, 'WHOIS_NO_INDICATOR_VALUE'],
    [{ type: 'malware', name: 'x' }, 'WHOIS_UNSUPPORTED_TYPE'],
    [{ type: 'domain-name' }, 'WHOIS_NO_VALUE'],
  ])('refuses %j', (entity, code) => expect(() => planLookup(entity, { registrableDomain: true })).toThrow(expect.objectContaining({ code })));
});
