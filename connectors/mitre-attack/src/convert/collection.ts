// The transformations the official MITRE connector applies to each downloaded collection
// (connectors.md §2.3), as one pure function: revoked objects and their relationships
// removed, optional removal of MITRE's copyright statement markings, kill-chain phases
// ordered and doubled with a versioned chain. STIX 2.0 collections (older releases, CAPEC)
// are brought to 2.1 without changing any id.
import { toUri } from '@opencti-ts/sdk/stix';
import { ATTACK_CHAINS, phaseOrder } from './kill-chains.ts';

export type StixObject = { id: string; type: string } & Record<string, unknown>;

/** MITRE's copyright statement markings: ATT&CK and CAPEC. */
export const MITRE_STATEMENT_MARKINGS = [
  'marking-definition--fa42a846-8d90-4e51-bc29-71d5b4802168',
  'marking-definition--17d82bb2-eeeb-4898-bda5-3ddbcd2b799d',
];

export interface ConvertOptions {
  /** Where the collection came from: a URL containing "capec" marks a CAPEC file. */
  sourceUrl: string;
  removeStatementMarking: boolean;
}

export interface ConvertResult {
  objects: StixObject[];
  /** Major version of the ATT&CK collection (`x-mitre-collection.x_mitre_version`), if any. */
  collectionMajor: number | undefined;
  stats: { input: number; revoked: number; droppedRelationships: number; upgradedFrom20: number };
  /** One per distinct ATT&CK (chain, phase) without a known order. */
  warnings: string[];
}

export function convertCollection(input: readonly StixObject[], options: ConvertOptions): ConvertResult {
  const revoked = new Set(input.filter((object) => object.revoked === true || object.x_capec_status === 'Deprecated').map((object) => object.id));
  const isCapec = options.sourceUrl.toLowerCase().includes('capec');
  const collection = input.find((object) => object.type === 'x-mitre-collection');
  const collectionMajor = isCapec ? undefined : majorVersion(collection?.x_mitre_version);
  const warnings = new Set<string>();
  const output: StixObject[] = [];
  let droppedRelationships = 0;
  let upgradedFrom20 = 0;

  for (const original of input) {
    if (revoked.has(original.id)) continue;
    if (original.type === 'relationship' && (revoked.has(String(original.source_ref)) || revoked.has(String(original.target_ref)))) {
      droppedRelationships += 1;
      continue;
    }
    if (
      original.type === 'sighting' &&
      (revoked.has(String(original.sighting_of_ref)) || asStrings(original.where_sighted_refs).some((ref) => revoked.has(ref)))
    ) {
      droppedRelationships += 1;
      continue;
    }
    if (options.removeStatementMarking && MITRE_STATEMENT_MARKINGS.includes(original.id)) continue;
    let object: StixObject = original;
    if (object.spec_version === undefined) {
      object = upgradeTo21(object);
      upgradedFrom20 += 1;
    }
    if (options.removeStatementMarking && Array.isArray(object.object_marking_refs)) object = withoutStatementMarkings(object);
    object = withValidReferences(object);
    if (object.type === 'attack-pattern' && Array.isArray(object.kill_chain_phases)) {
      object = { ...object, kill_chain_phases: orderKillChainPhases(object.kill_chain_phases, collectionMajor, warnings) };
    }
    output.push(object);
  }
  return {
    objects: output,
    collectionMajor,
    stats: { input: input.length, revoked: revoked.size, droppedRelationships, upgradedFrom20 },
    warnings: [...warnings],
  };
}

function majorVersion(version: unknown): number | undefined {
  if (typeof version !== 'string' && typeof version !== 'number') return undefined;
  const major = Number.parseInt(String(version).split('.')[0] ?? '', 10);
  return Number.isFinite(major) ? major : undefined;
}

const asStrings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);

function withoutStatementMarkings(object: StixObject): StixObject {
  const refs = asStrings(object.object_marking_refs).filter((ref) => !MITRE_STATEMENT_MARKINGS.includes(ref));
  const { object_marking_refs: _dropped, ...rest } = object;
  return (refs.length > 0 ? { ...rest, object_marking_refs: refs } : rest) as StixObject;
}

/**
 * MITRE data carries a few values STIX 2.1 rejects: reference URLs with stray spaces or
 * non-ASCII characters (made URIs with `toUri`) and empty `*_ref` strings (removed: an empty
 * reference is no reference). Objects without such values are returned as they are.
 */
function withValidReferences(object: StixObject): StixObject {
  let out = object;
  const references = object.external_references;
  if (Array.isArray(references) && references.some((ref) => typeof ref?.url === 'string' && toUri(ref.url) !== ref.url)) {
    out = { ...out, external_references: references.map((ref) => (typeof ref?.url === 'string' ? { ...ref, url: toUri(ref.url) } : ref)) };
  }
  const emptyRefs = Object.keys(object).filter((key) => key.endsWith('_ref') && object[key] === '');
  if (emptyRefs.length > 0) out = Object.fromEntries(Object.entries(out).filter(([key]) => !emptyRefs.includes(key))) as StixObject;
  return out;
}

interface KillChainPhase {
  kill_chain_name: string;
  phase_name: string;
  x_opencti_order?: number;
}

function orderKillChainPhases(phases: unknown[], collectionMajor: number | undefined, warnings: Set<string>): KillChainPhase[] {
  const out: KillChainPhase[] = [];
  for (const phase of phases) {
    if (!phase || typeof phase !== 'object') continue;
    const { kill_chain_name: chain, phase_name: name } = phase as Record<string, unknown>;
    if (typeof chain !== 'string' || typeof name !== 'string') continue;
    const order = phaseOrder(chain, name, collectionMajor);
    const isAttackChain = (ATTACK_CHAINS as readonly string[]).includes(chain);
    if (order === undefined && isAttackChain) warnings.add(`no kill-chain order for phase "${name}" of "${chain}"`);
    const rebuilt: KillChainPhase =
      order === undefined ? { kill_chain_name: chain, phase_name: name } : { kill_chain_name: chain, phase_name: name, x_opencti_order: order };
    out.push(rebuilt);
    if (isAttackChain && collectionMajor !== undefined) out.push({ ...rebuilt, kill_chain_name: `${chain}-v${collectionMajor}` });
  }
  return out;
}

/**
 * STIX 2.0 → 2.1 for what MITRE publishes: `spec_version` added, malware families marked
 * (`is_family`, required in 2.1), 2.0 `labels` on malware/tool kept as they are. Ids,
 * timestamps and references do not change.
 */
export function upgradeTo21(object: StixObject): StixObject {
  const upgraded: StixObject = { ...object, spec_version: '2.1' };
  if (object.type === 'malware' && upgraded.is_family === undefined) upgraded.is_family = true;
  return upgraded;
}
