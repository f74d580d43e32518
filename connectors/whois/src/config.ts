// The connector's configuration: the SDK base for an enrichment connector plus the `whois:`
// section of the proposal in connectors.md §3.7 (there is no official whois connector to be
// a drop-in for; names and defaults follow the proposal's table).
import { baseConfig, bool, defineConfig, duration, float, int, json, list, str } from '@opencti-ts/sdk/config';
import { normalizeTlp } from '@opencti-ts/sdk/runtime';

/** WHOIS_RDAP_HEADERS as a typed map, or undefined when it has another shape. */
export function rdapHeaders(value: unknown): Record<string, Record<string, string>> | undefined {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) return undefined;
  const out: Record<string, Record<string, string>> = {};
  for (const [host, headers] of Object.entries(value)) {
    if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) return undefined;
    if (!Object.values(headers).every((header) => typeof header === 'string')) return undefined;
    out[host.toLowerCase()] = headers as Record<string, string>;
  }
  return out;
}

const base = baseConfig('INTERNAL_ENRICHMENT');

/** OpenCTI entity types the connector enriches by default. */
export const DEFAULT_SCOPE = ['Domain-Name', 'Hostname', 'IPv4-Addr', 'IPv6-Addr', 'Autonomous-System'];

export const whoisConfig = defineConfig({
  ...base,
  connector: {
    ...base.connector,
    name: base.connector.name.default('WHOIS / RDAP'),
    scope: list()
      .default(DEFAULT_SCOPE)
      .describe('Entity types enriched: Domain-Name, Hostname, IPv4-Addr, IPv6-Addr, Autonomous-System, and optionally Url and Indicator (value extraction).'),
  },
  whois: {
    max_tlp: str()
      .default('TLP:AMBER')
      .check((value) =>
        normalizeTlp(value) ? undefined : 'must be a TLP level (TLP:CLEAR, TLP:GREEN, TLP:AMBER, TLP:AMBER+STRICT, TLP:RED, or the bare level)',
      )
      .describe('Highest TLP of an entity sent to registries; above it the entity is not looked up. Accepts TLP:X and bare x.'),
    rdap_bootstrap_url: str()
      .default('https://data.iana.org/rdap/')
      .describe('Base URL of the IANA RDAP bootstrap files (dns.json, ipv4.json, ipv6.json, asn.json, object-tags.json); http(s):// or file:// for a mirror.'),
    rdap_bootstrap_ttl: duration().default(86_400_000).describe('How long the bootstrap files are cached.'),
    rdap_follow_registrar: bool().default(true).describe("Follow the registry's related link to the registrar's RDAP server (thin registries such as .com)."),
    rdap_headers: json()
      .optional()
      .secret()
      .check((value) => (rdapHeaders(value) ? undefined : 'must be a JSON object of host name → {header: value}'))
      .describe('Extra headers per RDAP server, as JSON {"rdap.example.net": {"Authorization": "Bearer …"}} (for services that need an API key; redacted).')
      .advanced(),
    port43_fallback: bool().default(true).describe('Use classic WHOIS (TCP port 43) when there is no RDAP service or RDAP fails.'),
    port43_referral_server: str().default('whois.iana.org').describe('Referral root of port-43 lookups (host or host:port).'),
    timeout: duration().default(10_000).describe('Per request (connect + read), for RDAP and port 43, as an ISO-8601 duration.'),
    max_response_bytes: int({ min: 1024 }).default(1_048_576).describe('Hard cap on one response, in bytes.'),
    rate_limit: float({ min: 0.01 }).default(1).describe('Requests per second to one server (politeness); 429 answers are retried after their Retry-After.'),
    cache_ttl: duration().default(21_600_000).describe('In-memory cache of lookup results per query (0 disables).'),
    registrable_domain: bool().default(true).describe('Reduce hostnames and subdomains to the registrable domain with the Public Suffix List.'),
    create_note: bool().default(true).describe('Attach the normalised record to the entity as a Note.'),
    create_registrar: bool().default(true).describe('Create the registrar as an Identity (organization).'),
    create_registrant: bool().default(true).describe('Create the registrant / network or AS holder as an Identity (organization), unless redacted.'),
    create_contacts: bool().default(true).describe('Create Email-Addr / Phone-Number observables for non-redacted contacts.'),
    newly_registered_days: int({ min: 0 }).default(30).describe('A domain registered fewer days ago gets the whois:newly-registered label (0 disables).'),
    attach_raw: bool().default(false).describe('Attach the raw RDAP JSON / WHOIS text to the Note as a file.'),
  },
});
