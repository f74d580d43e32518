// MISP tags → labels, markings, author override and threat entities (connectors.md
// §1.6.1–1.6.3, §1.6.7). Pure string rules, reproduced from the official connector.
import type { TlpLevel } from '@opencti-ts/sdk/stix';

const TLP_TAGS: Record<string, TlpLevel> = {
  'tlp:white': 'TLP:CLEAR',
  'tlp:clear': 'TLP:CLEAR',
  'tlp:green': 'TLP:GREEN',
  'tlp:amber': 'TLP:AMBER',
  'tlp:amber+strict': 'TLP:AMBER+STRICT',
  'tlp:red': 'TLP:RED',
};
const PAP_TAGS = new Set(['pap:clear', 'pap:green', 'pap:amber', 'pap:red']);

/** Tags that never become labels (they become entities, markings or the author). */
const NO_LABEL_PREFIXES = [
  'misp-galaxy:threat-actor',
  'misp-galaxy:mitre-threat-actor',
  'misp-galaxy:microsoft-activity-group',
  'misp-galaxy:mitre-enterprise-attack-threat-actor',
  'misp-galaxy:mitre-mobile-attack-intrusion-set',
  'misp-galaxy:mitre-intrusion-set',
  'misp-galaxy:mitre-enterprise-attack-intrusion-set',
  'misp-galaxy:mitre-malware',
  'misp-galaxy:mitre-enterprise-attack-malware',
  'misp-galaxy:mitre-attack-pattern',
  'misp-galaxy:mitre-enterprise-attack-attack-pattern',
  'misp-galaxy:mitre-tool',
  'misp-galaxy:tool',
  'misp-galaxy:ransomware',
  'misp-galaxy:malpedia',
  'misp-galaxy:sector',
  'misp-galaxy:country',
  'misp-galaxy:region',
  'marking',
  'creator',
  'intrusion-set',
  'malware',
  'tool',
  'mitre',
];

/** A marking a tag stands for: a TLP level, or an OpenCTI `TYPE:VALUE` marking (PAP, custom). */
export type TagMarking = { kind: 'tlp'; level: TlpLevel } | { kind: 'custom'; type: string; value: string };

/** tlp:* / pap:* (whole tag, case-insensitive). */
export function tlpPapMarking(tag: string): TagMarking | undefined {
  const lower = tag.toLowerCase();
  const tlp = TLP_TAGS[lower];
  if (tlp) return { kind: 'tlp', level: tlp };
  if (PAP_TAGS.has(lower)) return { kind: 'custom', type: 'PAP', value: `PAP:${lower.slice(4).toUpperCase()}` };
  return undefined;
}

/**
 * `marking:TYPE=VALUE` (MISP_MARKINGS_FROM_TAGS). Malformed tags give undefined (the official
 * connector crashes the run on them; §1.6.2 Fix).
 */
export function customMarking(tag: string): TagMarking | undefined {
  if (!tag.toLowerCase().startsWith('marking')) return undefined;
  const segments = tag.split(':');
  if (segments.length < 2) return undefined;
  const definition = segments.length > 2 ? `${segments[1]}:${segments[2]}` : (segments[1] ?? '');
  const parts = definition.split('=');
  if (parts.length < 2 || !parts[0] || !parts[1]) return undefined;
  return { kind: 'custom', type: parts[0], value: parts[1] };
}

/** `creator=NAME` (MISP_AUTHOR_FROM_TAGS): the text between the first and second `=`, quotes kept (parity). */
export function creatorName(tag: string): string | undefined {
  if (!tag.startsWith('creator') || !tag.includes('=')) return undefined;
  const name = tag.split('=')[1]?.trim();
  return name ? name : undefined;
}

/** The label a tag gives (§1.6.3), or undefined. */
export function tagLabel(tag: string, keepPrefixes: readonly string[]): string | undefined {
  if (keepPrefixes.some((prefix) => prefix !== '' && tag.startsWith(prefix))) return tag;
  if (TLP_TAGS[tag.toLowerCase()] || PAP_TAGS.has(tag.toLowerCase())) return undefined;
  if (NO_LABEL_PREFIXES.some((prefix) => tag.startsWith(prefix))) return undefined;
  let value = tag;
  if (tag.includes('="')) {
    const segment = tag.split('="')[1] ?? '';
    const candidate = segment.slice(0, -1).trim();
    if (candidate !== '') value = candidate;
  } else if (tag.includes(':')) {
    const candidate = (tag.split(':')[1] ?? '').trim();
    if (candidate !== '') value = candidate;
  }
  if (/^\d+$/.test(value)) value = tag.includes(':') ? tag.slice(tag.indexOf(':') + 1) : tag;
  if (value.includes('="')) value = value.replace('="', '-').slice(0, -1);
  value = value.trim();
  return value === '' ? undefined : value;
}

export type ThreatKind = 'intrusion-set' | 'tool' | 'malware' | 'attack-pattern' | 'sector';

const TAG_ENTITY_PREFIXES: readonly [ThreatKind, readonly string[]][] = [
  [
    'intrusion-set',
    [
      'misp-galaxy:threat-actor',
      'misp-galaxy:mitre-mobile-attack-intrusion-set',
      'misp-galaxy:microsoft-activity-group',
      'misp-galaxy:mitre-threat-actor',
      'misp-galaxy:mitre-enterprise-attack-threat-actor',
      'misp-galaxy:mitre-intrusion-set',
      'misp-galaxy:mitre-enterprise-attack-intrusion-set',
      'intrusion-set',
    ],
  ],
  ['tool', ['misp-galaxy:mitre-tool', 'misp-galaxy:mitre-enterprise-attack-tool', 'tool']],
  [
    'malware',
    [
      'misp-galaxy:mitre-malware',
      'misp-galaxy:mitre-enterprise-attack-malware',
      'misp-galaxy:misp-ransomware',
      'misp-galaxy:misp-tool',
      'misp-galaxy:misp-android',
      'misp-galaxy:misp-malpedia',
      'malware',
    ],
  ],
  ['attack-pattern', ['misp-galaxy:mitre-attack-pattern', 'misp-galaxy:attack-pattern', 'mitre-attack:attack-pattern', 'mitre:']],
  ['sector', ['misp-galaxy:sector']],
];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: string) => UUID.test(value);

/** Galaxy/tag name cleanup: ` - G0007` / ` - S0002` / ` - T1566` suffixes, `APT 28` → `APT28`. */
export function cleanName(kind: ThreatKind, name: string): string | undefined {
  let cleaned = name.trim();
  if (kind === 'intrusion-set') {
    cleaned = cleaned.includes(' - G') ? (cleaned.split(' - G')[0] ?? '') : cleaned.replace('APT ', 'APT');
    if (UUID.test(cleaned)) return undefined;
  } else if (kind === 'tool' || kind === 'malware') cleaned = cleaned.split(' - S')[0] ?? '';
  else if (kind === 'attack-pattern') cleaned = cleaned.split(' - T')[0] ?? '';
  cleaned = cleaned.trim();
  return cleaned === '' ? undefined : cleaned;
}

/** The threat entity a tag names (§1.6.7), or undefined. */
export function tagEntity(tag: string): { kind: ThreatKind; name: string } | undefined {
  for (const [kind, prefixes] of TAG_ENTITY_PREFIXES) {
    if (!prefixes.some((prefix) => tag.startsWith(prefix))) continue;
    if (kind === 'sector' && !tag.includes('="')) return undefined;
    let value: string;
    if (tag.includes('=')) {
      const after = tag.includes('="') ? tag.slice(tag.indexOf('="') + 2) : tag.slice(tag.indexOf('=') + 1);
      value = (tag.includes('="') ? after.slice(0, -1) : after).trim();
    } else value = tag.slice(tag.indexOf(':') + 1).trim();
    const name = kind === 'sector' ? value : cleanName(kind, value);
    return name ? { kind, name } : undefined;
  }
  return undefined;
}

/** A threat the platform already knows, found from a tag value (MISP_GUESS_THREAT_FROM_TAGS). */
export interface ThreatGuess {
  kind: 'intrusion-set' | 'malware' | 'tool' | 'attack-pattern';
  /** The platform's canonical name: the emitted object has the id pycti derives from it. */
  name: string;
}

/** OpenCTI entity types the guess looks up, and the STIX kind each gives. */
export const GUESS_TYPES: Readonly<Record<string, ThreatGuess['kind']>> = {
  'Intrusion-Set': 'intrusion-set',
  Malware: 'malware',
  Tool: 'tool',
  'Attack-Pattern': 'attack-pattern',
};

/**
 * The value a tag is looked up by (§1.6.7 Guessing): the part after the first `=` (quotes
 * removed) if any, then the part after the first `:` (quotes removed) if any, e.g.
 * `misp-galaxy:threat-actor="APT 28"` → `APT 28`, `Sofacy` → `Sofacy`. Trimmed (the
 * official connector is not: a padded value can never match a platform name).
 */
export function guessValue(tag: string): string | undefined {
  let value = tag.includes('=') ? (tag.split('=')[1] ?? '').replaceAll('"', '') : tag;
  value = value.includes(':') ? (value.split(':')[1] ?? '').replaceAll('"', '') : value;
  value = value.trim();
  return value === '' ? undefined : value;
}
