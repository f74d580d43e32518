// The normalised registration record both RDAP and port-43 answers are reduced to, and the
// rules shared by both parsers (redaction placeholders, countries, e-mail and phone shapes).

export type QueryKind = 'domain' | 'ip' | 'autnum';

export type ContactRole = 'registrant' | 'administrative' | 'technical' | 'abuse' | 'billing';

export interface Contact {
  role: ContactRole;
  name?: string;
  organization?: string;
  email?: string;
  phone?: string;
}

export interface Party {
  name: string;
  /** IANA Registrar ID (registrars only). */
  ianaId?: string;
  handle?: string;
  /** ISO 3166-1 alpha-2. */
  country?: string;
}

export interface WhoisRecord {
  kind: QueryKind;
  /** What was asked (A-label domain, address, AS number). */
  query: string;
  /** The domain's U-label when it differs from the query. */
  unicodeName?: string;
  source: 'rdap' | 'whois';
  /** RDAP URLs or whois servers the record was read from, in order. */
  servers: string[];
  handle?: string;
  registrar?: Party;
  /** Registrant organisation (domains), network holder (IPs), AS holder (AS). */
  holder?: Party;
  contacts: Contact[];
  nameservers: string[];
  registration?: string;
  expiration?: string;
  lastChanged?: string;
  lastDatabaseUpdate?: string;
  statuses: string[];
  dnssec?: boolean;
  port43?: string;
  network?: { start?: string; end?: string; cidrs: string[]; name?: string; type?: string; ipVersion?: 'v4' | 'v6'; parentHandle?: string };
  autnum?: { start: number; end: number; name?: string; type?: string };
  originAutnums: number[];
  /** Country of the network / AS (alpha-2). */
  country?: string;
  /** RDAP self / related URLs, for the Note's external references. */
  links: { url: string; rel: string }[];
  /** Some data was withheld (RFC 9537 `redacted`, placeholders, privacy services). */
  privacyProtected: boolean;
  /** Names of redacted fields, as the server described them. */
  redactions: string[];
}

export function emptyRecord(kind: QueryKind, query: string, source: 'rdap' | 'whois'): WhoisRecord {
  return {
    kind,
    query,
    source,
    servers: [],
    contacts: [],
    nameservers: [],
    statuses: [],
    originAutnums: [],
    links: [],
    privacyProtected: false,
    redactions: [],
  };
}

// Placeholders registries and registrars put instead of personal data (GDPR, privacy proxies).
const REDACTED_PATTERNS = [
  /redacted/i,
  /data protected/i,
  /not disclosed/i,
  /withheld/i,
  /privacy/i,
  /private (?:registration|person)/i,
  /whois ?guard/i,
  /domains by proxy/i,
  /contact privacy/i,
  /perfect privacy/i,
  /identity protect/i,
  /proxy service/i,
  /statutory masking/i,
  /gdpr masked/i,
  /please query the rdds/i,
  /^n\/?a$/i,
  /^none$/i,
  /^-+$/,
];

/** True for a value that stands for withheld data, not real data. */
export function isRedactedValue(value: string | undefined): boolean {
  if (value === undefined) return true;
  const text = value.trim();
  if (text === '') return true;
  return REDACTED_PATTERNS.some((pattern) => pattern.test(text));
}

const EMAIL = /^[^\s@<>()",;:]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/i;

/** A plain mailbox (lower-cased domain), or undefined for anything else (web forms, placeholders). */
export function cleanEmail(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const text = value.trim().replace(/^mailto:/i, '');
  if (!EMAIL.test(text) || isRedactedValue(text)) return undefined;
  const at = text.lastIndexOf('@');
  return `${text.slice(0, at)}@${text.slice(at + 1).toLowerCase()}`;
}

/** `tel:+44.2033880600`, `+1-507-417-4176` → `+44.2033880600` / `+1-507-417-4176`; undefined when not a phone number. */
export function cleanPhone(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const text = value
    .trim()
    .replace(/^tel:/i, '')
    .replace(/;ext=.*$/i, '');
  if (!/^\+?[0-9][0-9 .()-]{5,}$/.test(text) || isRedactedValue(text)) return undefined;
  return text;
}

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
let byName: Map<string, string> | undefined;

function countryCodes(): Map<string, string> {
  if (byName) return byName;
  byName = new Map();
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  for (const a of letters)
    for (const b of letters) {
      const code = `${a}${b}`;
      const name = regionNames.of(code);
      if (name && name !== code) byName.set(name.toLowerCase(), code);
    }
  // Spellings registries use that CLDR does not.
  for (const [name, code] of [
    ['united states of america', 'US'],
    ['usa', 'US'],
    ['great britain', 'GB'],
    ['england', 'GB'],
    ['russian federation', 'RU'],
    ['korea, republic of', 'KR'],
    ['republic of korea', 'KR'],
    ['the netherlands', 'NL'],
    ['viet nam', 'VN'],
  ] as const)
    byName.set(name, code);
  return byName;
}

/** An ISO 3166-1 alpha-2 code from a code or an English country name; undefined when unknown. */
export function countryCode(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^[A-Za-z]{2}$/.test(text)) {
    const code = text.toUpperCase();
    if (code === 'EU' || code === 'ZZ') return undefined;
    const name = regionNames.of(code);
    return name && name !== code ? code : undefined;
  }
  return countryCodes().get(text.toLowerCase());
}

/** The English name of a country code (the Location's name). */
export function countryName(code: string): string {
  return regionNames.of(code) ?? code;
}

/** An ISO-8601 instant in UTC (seconds precision), or undefined for an unparseable date. */
export function isoDate(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const text = value.trim();
  let time = Date.parse(text);
  if (Number.isNaN(time)) {
    // 05-jan-1996, 2008.03.28, 2018/03/12, 20080328
    const dmy = /^(\d{1,2})[-. /]([a-z]{3})[-. /](\d{4})/i.exec(text);
    const ymd = /^(\d{4})[./-]?(\d{2})[./-]?(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(text);
    if (dmy) time = Date.parse(`${dmy[1]} ${dmy[2]} ${dmy[3]} UTC`);
    else if (ymd) time = Date.UTC(Number(ymd[1]), Number(ymd[2]) - 1, Number(ymd[3]), Number(ymd[4] ?? 0), Number(ymd[5] ?? 0), Number(ymd[6] ?? 0));
  } else if (!/[zZ]|[+-]\d{2}:?\d{2}$|GMT|UTC|[A-Z]{3}$/.test(text) && /\d{2}:\d{2}/.test(text)) {
    // A date-time without a zone: registries mean UTC, Date.parse would read it as local time.
    time = Date.parse(`${text.replace(' ', 'T')}Z`);
  } else if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    time = Date.parse(`${text}T00:00:00Z`);
  }
  if (Number.isNaN(time)) return undefined;
  const year = new Date(time).getUTCFullYear();
  if (year < 1980 || year > 2200) return undefined;
  return new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Statuses in one spelling: EPP camelCase (`clientHold`) and RDAP words (`client hold`) → `client hold`. */
export function normalizeStatus(value: string): string {
  return value
    .trim()
    .replace(/\s*\(?https?:\/\/\S+\)?$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[_\s]+/g, ' ')
    .toLowerCase();
}

export function uniq<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
