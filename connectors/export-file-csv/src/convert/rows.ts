// GraphQL nodes → pycti rows (`process_multiple_fields`, sdk-protocol §d.5): connections
// become lists of nodes and every reference list gets its `<key>Ids` twin, which is why the
// official CSV has both `objectMarking` and `objectMarkingIds` columns.
import type { Row } from './csv.ts';

// Keys pycti turns into `[node…]` + `<key>Ids` (lists or relay connections).
const MULTIPLE = [
  'objectMarking',
  'objectLabel',
  'killChainPhases',
  'externalReferences',
  'objects',
  'observables',
  'indicators',
  'importFiles',
  'reports',
  'notes',
  'opinions',
  'observedData',
  'stixCoreRelationships',
] as const;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function nodesOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (isRecord(value) && Array.isArray(value.edges))
    return value.edges.map((edge) => (isRecord(edge) ? edge.node : undefined)).filter((node) => node !== undefined);
  return [];
}

const idOf = (node: unknown): unknown => (isRecord(node) ? node.id : undefined);

/** One GraphQL node as pycti hands it to the connector. */
export function toRow(node: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const row: Record<string, unknown> = { ...node };
  if ('createdBy' in row) row.createdById = isRecord(row.createdBy) ? (row.createdBy.id ?? null) : null;
  for (const key of MULTIPLE) {
    if (!(key in row) || row[key] === null || row[key] === undefined) continue;
    const nodes = nodesOf(row[key]);
    row[key] = nodes;
    row[`${key}Ids`] = nodes.map(idOf);
  }
  return row;
}

/** Single exports: what the official connector removes before writing (connectors.md §5.3). */
export function forSingleExport(row: Row, role: 'content' | 'entity'): Record<string, unknown> {
  const { objectLabelIds: _labels, objectsIds: _objects, ...rest } = row;
  return role === 'entity' ? rest : { ...rest, ...('objectsIds' in row ? { objectsIds: row.objectsIds } : {}) };
}
