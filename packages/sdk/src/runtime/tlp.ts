// pycti's max-TLP rule (sdk-protocol §h.1) and the entity's TLP (connectors.md §3.1), used by
// enrichment connectors before any external call: an entity marked above the configured
// maximum is not sent out.
import { TLP_MARKING_IDS, type TlpLevel } from '../stix/ids.ts';
import type { StixObject } from './messages.ts';

const ALLOWED: Record<string, readonly string[]> = {
  'TLP:RED': ['TLP:WHITE', 'TLP:CLEAR', 'TLP:GREEN', 'TLP:AMBER', 'TLP:AMBER+STRICT', 'TLP:RED'],
  'TLP:AMBER+STRICT': ['TLP:WHITE', 'TLP:CLEAR', 'TLP:GREEN', 'TLP:AMBER', 'TLP:AMBER+STRICT'],
  'TLP:AMBER': ['TLP:WHITE', 'TLP:CLEAR', 'TLP:GREEN', 'TLP:AMBER'],
  'TLP:GREEN': ['TLP:WHITE', 'TLP:CLEAR', 'TLP:GREEN'],
  'TLP:WHITE': ['TLP:WHITE', 'TLP:CLEAR'],
  'TLP:CLEAR': ['TLP:WHITE', 'TLP:CLEAR'],
};

/** True when `tlp` may be processed under `maxTlp` (case-insensitive; a missing side allows). */
export function isTlpAllowed(tlp: string | null | undefined, maxTlp: string | null | undefined): boolean {
  if (!tlp || !maxTlp) return true;
  const max = normalizeTlp(maxTlp) ?? maxTlp.toUpperCase();
  return ALLOWED[max]?.includes(normalizeTlp(tlp) ?? tlp.toUpperCase()) ?? false;
}

const LEVELS: readonly TlpLevel[] = ['TLP:CLEAR', 'TLP:WHITE', 'TLP:GREEN', 'TLP:AMBER', 'TLP:AMBER+STRICT', 'TLP:RED'];

/** `TLP:AMBER`, `amber`, `tlp:amber+strict` → the canonical level; undefined when not a TLP level. */
export function normalizeTlp(value: string): TlpLevel | undefined {
  const upper = value.trim().toUpperCase();
  const candidate = upper.startsWith('TLP:') ? upper : `TLP:${upper}`;
  return LEVELS.find((level) => level === candidate);
}

const BY_ID = new Map<string, TlpLevel>(
  Object.entries(TLP_MARKING_IDS)
    .filter(([level]) => level !== 'TLP:WHITE')
    .map(([level, id]) => [id, level as TlpLevel]),
);

/** TLP level a marking-definition object stands for, if it is a TLP marking. */
function tlpOfMarking(marking: StixObject): TlpLevel | undefined {
  const known = BY_ID.get(marking.id);
  if (known) return known;
  if (String(marking.x_opencti_definition_type ?? '').toUpperCase() === 'TLP') return normalizeTlp(String(marking.x_opencti_definition ?? ''));
  if (marking.definition_type === 'tlp') {
    const definition = marking.definition as { tlp?: unknown } | undefined;
    if (typeof definition?.tlp === 'string') return normalizeTlp(definition.tlp);
  }
  return undefined;
}

export interface EntityTlp {
  level: TlpLevel;
  /** The marking's id (to mark new objects with), undefined for an unmarked entity. */
  markingId: string | undefined;
}

/** The entity's TLP: its last TLP marking, resolved through the bundle around it; none → TLP:CLEAR. */
export function entityTlp(entity: StixObject, objects: readonly StixObject[]): EntityTlp {
  const refs = Array.isArray(entity.object_marking_refs) ? entity.object_marking_refs.filter((ref): ref is string => typeof ref === 'string') : [];
  const markings = new Map(objects.filter((object) => object.type === 'marking-definition').map((object) => [object.id, object]));
  let found: EntityTlp | undefined;
  for (const ref of refs) {
    const marking = markings.get(ref);
    const level = BY_ID.get(ref) ?? (marking ? tlpOfMarking(marking) : undefined);
    if (level) found = { level, markingId: ref };
  }
  return found ?? { level: 'TLP:CLEAR', markingId: undefined };
}
