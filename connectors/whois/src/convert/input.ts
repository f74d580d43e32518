// What to look up for an enriched entity: the value of a Domain-Name / Hostname / IP / AS
// (or the host of a Url, or the value in an Indicator's pattern), normalised for the query.
// Pure; an entity that cannot be looked up is an InputError with a stable code.
import { domainToASCII, domainToUnicode } from 'node:url';
import { InputError } from '@opencti-ts/sdk/errors';
import { getDomain } from 'tldts';
import { parseIp } from '../net/bootstrap.ts';
import type { LookupQuery } from '../net/lookup.ts';

export interface PlannedLookup {
  query: LookupQuery;
  /** For domains: the name as entered (A-label), before reduction to the registrable domain. */
  enteredName?: string;
  /** For domains: the registrable domain when it differs from the entered name. */
  registrableDomain?: string;
}

/** OpenCTI entity type of a STIX object (`domain-name` → `Domain-Name`). */
export function openctiType(stixType: string): string {
  const known: Record<string, string> = {
    'domain-name': 'Domain-Name',
    hostname: 'Hostname',
    'ipv4-addr': 'IPv4-Addr',
    'ipv6-addr': 'IPv6-Addr',
    'autonomous-system': 'Autonomous-System',
    url: 'Url',
    indicator: 'Indicator',
  };
  return known[stixType] ?? stixType;
}

/** Lower-case A-label form of a domain, or undefined when it is not a host name. */
export function normalizeDomain(value: string): string | undefined {
  const trimmed = value.trim().replace(/\.$/, '').toLowerCase();
  if (trimmed === '' || trimmed.length > 253) return undefined;
  const ascii = domainToASCII(trimmed);
  if (!ascii || !/^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/.test(ascii)) return undefined;
  return ascii;
}

export function unicodeDomain(ascii: string): string {
  return domainToUnicode(ascii) || ascii;
}

function domainPlan(value: string, registrable: boolean): PlannedLookup {
  const name = normalizeDomain(value);
  if (!name) throw new InputError('WHOIS_BAD_DOMAIN', `"${value.slice(0, 100)}" is not a domain name`);
  if (!registrable) return { query: { kind: 'domain', name }, enteredName: name };
  const reduced = getDomain(name, { allowPrivateDomains: false });
  if (!reduced) throw new InputError('WHOIS_PUBLIC_SUFFIX', `${name} is a public suffix or has no registrable part`);
  return { query: { kind: 'domain', name: reduced }, enteredName: name, ...(reduced !== name ? { registrableDomain: reduced } : {}) };
}

function ipPlan(value: string): PlannedLookup {
  const address = value.trim().split('/')[0] ?? '';
  const ip = parseIp(address);
  if (!ip) throw new InputError('WHOIS_BAD_IP', `"${value.slice(0, 100)}" is not an IP address`);
  return { query: { kind: 'ip', address: address.toLowerCase() } };
}

function hostPlan(host: string, registrable: boolean): PlannedLookup {
  const bare = host.replace(/^\[|\]$/g, '');
  return parseIp(bare) ? ipPlan(bare) : domainPlan(bare, registrable);
}

/** The value of the first `type:value = '…'` comparison of a STIX pattern. */
function patternValue(pattern: string): { type: string; value: string } | undefined {
  const match = /\[\s*(domain-name|hostname|ipv4-addr|ipv6-addr|url|x-opencti-hostname):value\s*=\s*'((?:[^'\\]|\\.)*)'/i.exec(pattern);
  return match ? { type: (match[1] as string).toLowerCase(), value: (match[2] as string).replace(/\\(.)/g, '$1') } : undefined;
}

/** Plans the lookup for an entity; InputError when its type or value cannot be looked up. */
export function planLookup(entity: Record<string, unknown>, options: { registrableDomain: boolean }): PlannedLookup {
  const type = String(entity.type ?? '');
  const value = typeof entity.value === 'string' ? entity.value : undefined;
  switch (type) {
    case 'domain-name':
    case 'hostname':
      if (!value) break;
      return domainPlan(value, options.registrableDomain);
    case 'ipv4-addr':
    case 'ipv6-addr':
      if (!value) break;
      return ipPlan(value);
    case 'autonomous-system': {
      const number = typeof entity.number === 'number' ? entity.number : Number(String(entity.name ?? '').replace(/^AS/i, ''));
      if (!Number.isInteger(number) || number < 0 || number > 4294967295) throw new InputError('WHOIS_BAD_ASN', 'the Autonomous-System has no valid number');
      return { query: { kind: 'autnum', number } };
    }
    case 'url': {
      if (!value) break;
      let host: string;
      try {
        host = new URL(value).hostname;
      } catch {
        throw new InputError('WHOIS_BAD_URL', `"${value.slice(0, 100)}" is not a URL`);
      }
      return hostPlan(host, options.registrableDomain);
    }
    case 'indicator': {
      const found = typeof entity.pattern === 'string' ? patternValue(entity.pattern) : undefined;
      if (!found) throw new InputError('WHOIS_NO_INDICATOR_VALUE', 'the indicator pattern has no domain, hostname, URL or IP value');
      if (found.type === 'url') return planLookup({ type: 'url', value: found.value }, options);
      if (found.type.endsWith('-addr')) return ipPlan(found.value);
      return domainPlan(found.value, options.registrableDomain);
    }
    default:
      throw new InputError('WHOIS_UNSUPPORTED_TYPE', `entities of type ${type || 'unknown'} cannot be looked up`);
  }
  throw new InputError('WHOIS_NO_VALUE', `the ${type} has no value`);
}
