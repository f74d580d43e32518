// The platform reads of a run, through the SDK's documents (validated against the real
// schema): MISP_GUESS_THREAT_FROM_TAGS's threat lookup by name, alias or MITRE id, and
// MISP_ATTRIBUTE_TIMESTAMP_FILTERING's "is this event already in OpenCTI" check by the
// event's external reference. The answers go to the pure converter as data.
import { type ApiClient, EXTERNAL_REFERENCES, STIX_DOMAIN_OBJECT_NAMES } from '@opencti-ts/sdk/api';
import { GUESS_TYPES, type ThreatGuess } from './convert/tags.ts';

/** The first Intrusion-Set, Malware, Tool or Attack-Pattern whose name, MITRE id or an alias is `value` (§1.6.7). */
export async function lookupThreat(api: ApiClient, value: string): Promise<ThreatGuess | undefined> {
  const answer = await api.query(STIX_DOMAIN_OBJECT_NAMES, {
    types: Object.keys(GUESS_TYPES),
    filters: { mode: 'and', filters: [{ key: ['name', 'x_mitre_id', 'aliases', 'x_opencti_aliases'], values: [value] }], filterGroups: [] },
    first: 1,
  });
  const node = answer.stixDomainObjects?.edges[0]?.node;
  const kind = node ? GUESS_TYPES[node.entity_type] : undefined;
  return kind && node?.name ? { kind, name: node.name } : undefined;
}

/** Whether OpenCTI has the event: an external reference with source_name MISP and the event uuid as external_id (§1.4.6). */
export async function isEventKnown(api: ApiClient, uuid: string): Promise<boolean> {
  const answer = await api.query(EXTERNAL_REFERENCES, {
    filters: {
      mode: 'and',
      filters: [
        { key: 'source_name', values: ['MISP'] },
        { key: 'external_id', values: [uuid] },
      ],
      filterGroups: [],
    },
    first: 1,
  });
  return (answer.externalReferences?.edges.length ?? 0) > 0;
}
