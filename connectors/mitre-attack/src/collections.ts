// Which collections a run imports, in the official order, and what the worker may import
// from them (connectors.md §2.6: never a free-form scope as entities_types).
import { DEFAULT_ENTITY_TYPES } from './config.ts';

export interface CollectionSource {
  name: 'enterprise' | 'mobile' | 'ics' | 'capec';
  url: string;
}

export interface CollectionUrls {
  enterprise_file_url: string;
  mobile_attack_file_url: string;
  ics_attack_file_url: string;
  capec_file_url: string;
}

/** Enabled collections; `false` (any case) disables one, as in the official connector. */
export function enabledCollections(urls: CollectionUrls): CollectionSource[] {
  const all: CollectionSource[] = [
    { name: 'enterprise', url: urls.enterprise_file_url },
    { name: 'mobile', url: urls.mobile_attack_file_url },
    { name: 'ics', url: urls.ics_attack_file_url },
    { name: 'capec', url: urls.capec_file_url },
  ];
  return all.filter((source) => source.url.trim().toLowerCase() !== 'false' && source.url.trim() !== '');
}

const STIX_TYPE = /^(x-[a-z0-9-]+|[a-z][a-z0-9-]*)$/;

/**
 * The `entities_types` sent with every bundle: the operator's scope when it is a list of
 * STIX types, else the default list (the legacy scope `mitre` made the Python worker drop
 * every object, issue #7178).
 */
export function entitiesTypes(scope: readonly string[]): { types: string[]; replaced: boolean } {
  const usable = scope.length > 0 && scope.every((type) => STIX_TYPE.test(type) && type !== 'mitre' && type !== 'not-applicable');
  return usable ? { types: [...scope], replaced: false } : { types: [...DEFAULT_ENTITY_TYPES], replaced: true };
}
