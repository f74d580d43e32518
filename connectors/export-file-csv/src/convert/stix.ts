// STIX 2.1 objects → rows shaped like pycti's, for the offline `export` command: what the
// platform would hold for each object (internal id and type from the OpenCTI extension
// when present, references resolved inside the bundle to their display values).
import { InputError } from '@opencti-ts/sdk/errors';
import { OPENCTI_SCO_EXTENSION, OPENCTI_SDO_EXTENSION } from '@opencti-ts/sdk/stix';
import type { Row } from './csv.ts';
import { toRow } from './rows.ts';

type StixObject = Record<string, unknown> & { id: string; type: string };

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

// STIX types whose OpenCTI entity type is not the title-cased STIX type.
const ENTITY_TYPES: Readonly<Record<string, string>> = {
  file: 'StixFile',
  'ipv4-addr': 'IPv4-Addr',
  'ipv6-addr': 'IPv6-Addr',
  'x509-certificate': 'X509-Certificate',
  'threat-actor': 'Threat-Actor-Group',
  identity: 'Organization',
  location: 'Location',
  relationship: 'stix-core-relationship',
  sighting: 'stix-sighting-relationship',
};

const titleCase = (type: string) =>
  type
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('-');

function extensionOf(object: StixObject): Record<string, unknown> {
  const extensions = isRecord(object.extensions) ? object.extensions : {};
  const found = extensions[OPENCTI_SDO_EXTENSION] ?? extensions[OPENCTI_SCO_EXTENSION];
  return isRecord(found) ? found : {};
}

// Properties replaced by their OpenCTI counterparts.
const DROPPED = new Set([
  'type',
  'id',
  'extensions',
  'created_by_ref',
  'object_marking_refs',
  'labels',
  'external_references',
  'object_refs',
  'source_ref',
  'target_ref',
]);

/** One STIX object as a row; `byId` resolves references (author, markings, relationship ends). */
export function stixToRow(object: StixObject, byId: ReadonlyMap<string, StixObject>): Record<string, unknown> {
  const extension = extensionOf(object);
  const node: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) if (!DROPPED.has(key)) node[key] = value;
  node.id = typeof extension.id === 'string' ? extension.id : object.id;
  node.standard_id = object.id;
  node.entity_type = typeof extension.type === 'string' ? extension.type : (ENTITY_TYPES[object.type] ?? titleCase(object.type));
  if (typeof extension.created_at === 'string') node.created_at = extension.created_at;
  if (typeof extension.updated_at === 'string') node.updated_at = extension.updated_at;
  const ref = (id: unknown) => (typeof id === 'string' ? byId.get(id) : undefined);
  const display = (target: StixObject | undefined, id: unknown) =>
    target ? { id, name: target.name, value: target.value, definition: target.definition, entity_type: target.type } : { id };
  if ('created_by_ref' in object) node.createdBy = object.created_by_ref ? display(ref(object.created_by_ref), object.created_by_ref) : null;
  if (Array.isArray(object.object_marking_refs))
    node.objectMarking = object.object_marking_refs.map((id) => ({ id, definition: ref(id)?.name ?? ref(id)?.definition ?? null }));
  if (Array.isArray(object.labels)) node.objectLabel = object.labels.map((value) => ({ id: value, value }));
  if (Array.isArray(object.external_references)) node.externalReferences = object.external_references;
  if (Array.isArray(object.object_refs)) node.objects = object.object_refs.map((id) => ({ id }));
  if ('source_ref' in object) node.from = display(ref(object.source_ref), object.source_ref);
  if ('target_ref' in object) node.to = display(ref(object.target_ref), object.target_ref);
  return toRow(node);
}

/** Rows of an input file: a STIX bundle, a list of STIX objects or GraphQL nodes, or a GraphQL list answer. */
export function rowsOfDocument(document: unknown): Row[] {
  let items: unknown[];
  if (Array.isArray(document)) items = document;
  else if (isRecord(document) && Array.isArray(document.objects)) items = document.objects;
  else if (isRecord(document) && isRecord(document.data)) {
    const connection = Object.values(document.data)[0];
    items = isRecord(connection) && Array.isArray(connection.edges) ? connection.edges.map((edge) => (isRecord(edge) ? edge.node : edge)) : [];
  } else throw new InputError('INPUT_NOT_A_LIST', 'the file is neither a STIX bundle, a list of entities nor a GraphQL list answer');
  const objects = items.filter(isRecord);
  if (objects.length !== items.length) throw new InputError('INPUT_ITEM_INVALID', 'every item of the list must be an object');
  const stix = (item: Record<string, unknown>): item is StixObject => typeof item.type === 'string' && typeof item.id === 'string' && !('entity_type' in item);
  const byId = new Map(objects.filter(stix).map((item) => [item.id, item]));
  // The bundle's markings and authors are references, not rows of their own.
  return objects.filter((item) => !(stix(item) && item.type === 'marking-definition')).map((item) => (stix(item) ? stixToRow(item, byId) : toRow(item)));
}
