// IANA RDAP bootstrap registries (RFC 9224): which RDAP server answers for a TLD, an address
// block or an AS number. Pure: the parsed files in, a base URL out.
import { InputError } from '@opencti-ts/sdk/errors';

export type BootstrapRegistry = 'dns' | 'ipv4' | 'ipv6' | 'asn' | 'object-tags';

export interface Bootstrap {
  /** [keys, base URLs]; object-tags entries are [contacts, tags, URLs] and keep the tags as keys. */
  services: { keys: string[]; urls: string[] }[];
}

const strings = (value: unknown): string[] | undefined =>
  Array.isArray(value) && value.every((item) => typeof item === 'string') ? (value as string[]) : undefined;

/** Validates a bootstrap file; anything but `{"services": [[[keys], [urls]], ...]}` is an InputError. */
export function parseBootstrap(json: unknown, registry: BootstrapRegistry): Bootstrap {
  const fail = (why: string): never => {
    throw new InputError('RDAP_BOOTSTRAP_INVALID', `the RDAP bootstrap file ${registry}.json is invalid: ${why}`);
  };
  if (typeof json !== 'object' || json === null || !Array.isArray((json as { services?: unknown }).services)) return fail('no "services" list');
  const services = (json as { services: unknown[] }).services.map((service, index) => {
    if (!Array.isArray(service)) return fail(`service ${index} is not a list`);
    const parts = service.map(strings);
    if (parts.some((part) => part === undefined) || parts.length < 2) return fail(`service ${index} is not lists of strings`);
    const keys = (registry === 'object-tags' ? parts[1] : parts[0]) as string[];
    const urls = (parts.at(-1) as string[]).filter((url) => /^https?:\/\/[^\s/]+/i.test(url));
    if (urls.length === 0) return fail(`service ${index} has no http(s) URL`);
    return { keys: keys.map((key) => key.toLowerCase()), urls };
  });
  if (services.length === 0) return fail('no service');
  return { services };
}

/** The https URL when there is one, with a trailing slash. */
function baseUrl(urls: readonly string[]): string {
  const url = urls.find((candidate) => candidate.toLowerCase().startsWith('https:')) ?? (urls[0] as string);
  return url.endsWith('/') ? url : `${url}/`;
}

/** RDAP base for a domain: the longest matching label suffix (`co.uk` before `uk`). */
export function dnsServer(bootstrap: Bootstrap, domain: string): string | undefined {
  const labels = domain.toLowerCase().replace(/\.$/, '').split('.');
  for (let i = 0; i < labels.length; i += 1) {
    const suffix = labels.slice(i).join('.');
    const service = bootstrap.services.find((entry) => entry.keys.includes(suffix));
    if (service) return baseUrl(service.urls);
  }
  return undefined;
}

/** An IPv4 or IPv6 address as a number and its bit width; undefined when not an address. */
export function parseIp(address: string): { value: bigint; bits: 32 | 128 } | undefined {
  const text = address.trim();
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(text)) {
    const parts = text.split('.').map(Number);
    if (parts.some((part) => part > 255)) return undefined;
    return { value: parts.reduce((acc, part) => (acc << 8n) | BigInt(part), 0n), bits: 32 };
  }
  if (!/^[0-9a-f:.]+$/i.test(text) || !text.includes(':')) return undefined;
  let head = text;
  let tail4: number[] = [];
  const v4 = /:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (v4) {
    const parsed = parseIp(v4[1] as string);
    if (!parsed) return undefined;
    tail4 = [Number(parsed.value >> 16n), Number(parsed.value & 0xffffn)];
    head = `${text.slice(0, v4.index)}:0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(halves[0] as string);
  const right = halves.length === 2 ? groups(halves[1] as string) : [];
  const missing = 8 - left.length - right.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return undefined;
  const all = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right];
  if (all.some((group) => !/^[0-9a-f]{1,4}$/i.test(group))) return undefined;
  const numbers = all.map((group) => Number.parseInt(group, 16));
  if (tail4.length === 2) numbers.splice(6, 2, ...tail4);
  return { value: numbers.reduce((acc, group) => (acc << 16n) | BigInt(group), 0n), bits: 128 };
}

/** RDAP base for an address: the longest prefix containing it. */
export function ipServer(bootstrap: Bootstrap, address: string): string | undefined {
  const ip = parseIp(address);
  if (!ip) return undefined;
  let best: { length: number; urls: string[] } | undefined;
  for (const service of bootstrap.services) {
    for (const key of service.keys) {
      const [prefix, lengthText] = key.split('/');
      const network = parseIp(prefix ?? '');
      const length = Number(lengthText ?? network?.bits ?? 0);
      if (!network || network.bits !== ip.bits || !Number.isInteger(length) || length < 0 || length > ip.bits) continue;
      const shift = BigInt(ip.bits - length);
      if (ip.value >> shift === network.value >> shift && (!best || length > best.length)) best = { length, urls: service.urls };
    }
  }
  return best ? baseUrl(best.urls) : undefined;
}

/** RDAP base for an AS number (ranges `a-b` or single numbers). */
export function asnServer(bootstrap: Bootstrap, asn: number): string | undefined {
  for (const service of bootstrap.services) {
    for (const key of service.keys) {
      const [low, high] = key.split('-').map(Number);
      if (low !== undefined && asn >= low && asn <= (high ?? low)) return baseUrl(service.urls);
    }
  }
  return undefined;
}

/** RDAP base for an entity handle with a registered tag suffix (`ABC123-ARIN`). */
export function tagServer(bootstrap: Bootstrap, handle: string): string | undefined {
  const tag = handle.split('-').at(-1)?.toLowerCase();
  const service = tag ? bootstrap.services.find((entry) => entry.keys.includes(tag)) : undefined;
  return service ? baseUrl(service.urls) : undefined;
}

/** `074.125.0.0/016` → `74.125.0.0/16`; undefined when not an address with a valid prefix length. */
export function canonicalCidr(cidr: string): string | undefined {
  const [prefix, lengthText] = cidr.trim().split('/');
  const ip = parseIp(prefix ?? '');
  const length = Number(lengthText);
  if (!ip || lengthText === undefined || !/^\d{1,3}$/.test(lengthText) || length > ip.bits) return undefined;
  if (ip.bits === 128) return `${(prefix as string).toLowerCase()}/${length}`;
  const octets = [24n, 16n, 8n, 0n].map((shift) => String((ip.value >> shift) & 255n));
  return `${octets.join('.')}/${length}`;
}
