// The connector's configuration: the SDK base for an external import plus the `misp:`
// section, with the official image's names and defaults (connectors.md §1.1) so this image
// is a drop-in replacement in an existing compose file. One schema drives validation,
// types, secret redaction, config.yml.sample, the README table and the compose environment.
import { readFileSync } from 'node:fs';
import { baseConfig, bool, defineConfig, enumOf, float, int, list, secret, str, url } from '@opencti-ts/sdk/config';

const base = baseConfig('EXTERNAL_IMPORT');

/** `1:90;2:60;3:30;4:50` → level → score; the official connector refuses to start on any violation. */
export function parseThreatLevelScores(text: string): Map<number, number> | string {
  const scores = new Map<number, number>();
  for (const pair of text.split(';').map((part) => part.trim())) {
    if (pair === '') continue;
    const match = /^(\d+)\s*:\s*(\d+)$/.exec(pair);
    if (!match) return `"${pair}" is not LEVEL:SCORE`;
    const level = Number(match[1]);
    const score = Number(match[2]);
    if (level < 1 || level > 4) return `threat level ${level} is not 1..4`;
    if (score > 100) return `score ${score} is not 0..100`;
    scores.set(level, score);
  }
  if (!scores.has(4)) return 'level 4 (the fallback) is mandatory';
  return scores;
}

/**
 * MISP_CLIENT_CERT: one PEM file with the client certificate and its private key (what
 * PyMISP's `cert=` path takes). The PEM text, or why it cannot be used (never its content).
 */
export function readClientCert(path: string): { pem: string } | string {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    return `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`;
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) return `${path} holds no PEM certificate`;
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) return `${path} holds no PEM private key: put the certificate and its key in one file`;
  return { pem };
}

const UNITS: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12 };

/** `MISP_BATCH_SIZE_LIMIT` (`500KB`, `10MB`, decimal units) → bytes, or an error message. */
export function parseSizeLimit(text: string): number | string {
  const match = /^(\d+(?:\.\d+)?)(B|KB|MB|GB|TB)$/i.exec(text.trim());
  if (!match) return `"${text}" is not a size such as 500KB or 10MB`;
  return Math.floor(Number(match[1]) * (UNITS[(match[2] ?? 'B').toUpperCase()] ?? 1));
}

const levels = (values: string[], allowed: readonly string[]) => {
  const bad = values.filter((value) => !allowed.includes(value));
  return bad.length > 0 ? `unknown value(s) ${bad.join(', ')} (allowed: ${allowed.join(', ')})` : undefined;
};

/** The `misp:` section (MISP_*), also read alone by the offline `convert` command. */
export const mispSection = {
  url: url().example('https://misp.example.org').describe('MISP base URL.'),
  key: secret()
    .check((value) => (value.trim() === '' ? 'must not be blank' : undefined))
    .describe('MISP automation key, sent as the whole Authorization header (redacted in logs).'),
  ssl_verify: bool().default(false).describe('Verify the MISP TLS certificate (the official model default is false).'),
  client_cert: str()
    .optional()
    .check((value) => {
      const read = readClientCert(value);
      return typeof read === 'string' ? read : undefined;
    })
    .describe('Path of a PEM file holding the client certificate and its private key, for MISP servers that require mutual TLS.')
    .advanced(),
  reference_url: str().optional().describe('Base of the event links in external references; unset or empty = MISP_URL.'),
  interval: int({ min: 1 }).optional().describe('Deprecated: minutes between runs; used when CONNECTOR_DURATION_PERIOD is unset.').advanced(),
  create_reports: bool().default(true).describe('One Report per event (and a Note per event report).'),
  create_indicators: bool().default(true).describe('One Indicator per supported attribute (only when observables are created).'),
  create_observables: bool().default(true).describe('Observables for each supported attribute.'),
  create_object_observables: bool().default(false).describe('One Text observable per MISP object.'),
  datetime_attribute: enumOf(['date', 'timestamp', 'publish_timestamp', 'sighting_timestamp'])
    .default('timestamp')
    .describe('Event field used as its date for ordering, dedupe and state.'),
  date_filter_field: enumOf(['date_from', 'timestamp', 'publish_timestamp'])
    .default('timestamp')
    .alias('MISP_DATE_FIELD_FILTER', { yaml: 'misp.date_field_filter' })
    .describe('Server-side search filter used with the state date.'),
  report_description_attribute_filter: str()
    .default('')
    .alias('MISP_REPORT_DESCRIPTION_ATTRIBUTE_FILTERS', { yaml: 'misp.report_description_attribute_filters' })
    .describe('k=v,k=v: the first event attribute matching all pairs gives the report description.'),
  create_tags_as_labels: bool().default(true).describe('Tags become labels.'),
  guess_threat_from_tags: bool()
    .default(false)
    .alias('MISP_GUESS_THREATS_FROM_TAGS', { yaml: 'misp.guess_threats_from_tags' })
    .describe(
      'Look every tag value up in OpenCTI (Intrusion-Set, Malware, Tool, Attack-Pattern by name, alias or MITRE id) and link the threat found, under its OpenCTI name.',
    ),
  author_from_tags: bool().default(false).describe('A creator=NAME tag overrides the author.'),
  markings_from_tags: bool().default(false).describe('marking:TYPE=VALUE tags become custom markings.'),
  keep_original_tags_as_label: list().default([]).describe('Tags starting with one of these prefixes are kept verbatim as labels.'),
  enforce_warning_list: bool().default(false).describe('Ask MISP to drop attributes that hit warning lists.'),
  report_type: str()
    .default('misp-event')
    .alias('MISP_REPORT_CLASS', { deprecated: true, yaml: 'misp.report_class' })
    .describe('report_types[0] of each Report.'),
  import_from_date: str()
    .optional()
    .describe('Start of the first run: ISO date/datetime (naive = UTC) or an ISO duration (P30D = now − 30 days). Unset: now − 10 days.'),
  import_tags: list().default([]).describe('Server-side: events carrying one of these tags.'),
  import_tags_not: list().default([]).describe('Server-side: exclude events carrying any of these tags.'),
  import_creator_orgs: list().default([]).describe('Server-side: creator organisations (name, id or uuid).'),
  import_creator_orgs_not: list().default([]).describe('Server-side: excluded creator organisations.'),
  import_owner_orgs: list().default([]).describe('Client-side: keep only events whose owner Org.name is listed (exact).'),
  import_owner_orgs_not: list().default([]).describe('Client-side: skip events whose owner Org.name is listed.'),
  import_keyword: str().optional().describe('Server-side full-text search (value + searchall).'),
  import_distribution_levels: list()
    .default([])
    .check((values) => levels(values, ['0', '1', '2', '3', '4', '5']))
    .describe('Client-side: event distribution levels kept (empty = all).'),
  import_threat_levels: list()
    .default([])
    .check((values) => levels(values, ['1', '2', '3', '4']))
    .describe('Client-side: event threat levels kept (empty = all).'),
  threat_level_score_mapping: str()
    .default('1:90;2:60;3:30;4:50')
    .check((value) => {
      const parsed = parseThreatLevelScores(value);
      return typeof parsed === 'string' ? parsed : undefined;
    })
    .describe('Threat level → score, as L:S;L:S (levels 1..4, level 4 mandatory, scores 0..100).'),
  import_only_published: bool().default(false).describe('Client-side: skip unpublished events.'),
  import_with_attachments: bool().default(false).describe('Request attachment data; PDF attachments of category External analysis become files on the Report.'),
  import_to_ids_no_score: int({ min: 0, max: 100 }).optional().describe('Score of indicators whose attribute has to_ids=false (0 is honoured).'),
  import_unsupported_observables_as_text: bool().default(false).describe('Unmapped attribute types become a Text observable "<value> (type=<type>)".'),
  import_unsupported_observables_as_text_transparent: bool()
    .default(true)
    .describe('Per-object Text observable: true = first attribute value alone, false = "<object name> (<type>=<value>)".'),
  propagate_labels: bool().default(false).describe('Event labels are added to every attribute observable/indicator.'),
  attribute_timestamp_filtering: bool()
    .default(false)
    .describe(
      'Delta mode for long-lived events: for an event OpenCTI already has, send only the attributes changed since the last run (state last_attribute_timestamp); tags, galaxies and the report always.',
    ),
  batch_count: int({ min: 1 }).default(9999).describe('Objects per chunk sent.'),
  batch_size_limit: str()
    .optional()
    .check((value) => {
      const parsed = parseSizeLimit(value);
      return typeof parsed === 'string' ? parsed : undefined;
    })
    .describe('Largest serialized chunk (B, KB, MB, GB, TB; decimal units).'),
  request_timeout: float({ min: 0 }).optional().describe('HTTP timeout of MISP calls in seconds (opencti-ts: unset means 300 s, never "forever").'),
  search_limit: int({ min: 1 }).default(10).describe('Events per search page.'),
  max_response_mb: int({ min: 1 }).default(200).describe('Largest MISP search page accepted, in MB (opencti-ts addition).').advanced(),
};

export const mispConfig = defineConfig({
  ...base,
  connector: {
    ...base.connector,
    id: base.connector.id.default('fae73097-aa2c-4460-96ee-1aa975ce1945'),
    name: base.connector.name.default('MISP'),
    scope: base.connector.scope.default(['misp']),
    duration_period: base.connector.duration_period.describe(
      'Pause between the end of a run and the next, ISO-8601 (default PT5M, or MISP_INTERVAL minutes when only that is set); 0 runs once.',
    ),
  },
  misp: mispSection,
});
