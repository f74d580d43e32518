// One enrichment, independent of the runtime: gate (scope, TLP), plan, look up, convert.
// The connector's handler and the offline `lookup` command both call it.

import type { ConfigOf } from '@opencti-ts/sdk/config';
import { InputError } from '@opencti-ts/sdk/errors';
import { entityTlp, isTlpAllowed, type StixObject } from '@opencti-ts/sdk/runtime';
import { createStixBuilders, type StixBuilders } from '@opencti-ts/sdk/stix';
import { rdapHeaders, type whoisConfig } from './config.ts';
import { openctiType, planLookup, unicodeDomain } from './convert/input.ts';
import { convertRecord } from './convert/stix.ts';
import type { LookupResult, LookupSettings, WhoisLookup } from './net/lookup.ts';

export type WhoisConfig = ConfigOf<typeof whoisConfig>;

export type EnrichOutcome =
  /** Nothing to look up or refused before any external call: `reason` goes on the work. */
  | { status: 'skipped'; reason: string; error?: InputError }
  | { status: 'not-found'; reason: string }
  | { status: 'enriched'; objects: StixObject[]; created: number; summary: string };

export function lookupSettings(config: WhoisConfig): LookupSettings {
  const w = config.whois;
  return {
    bootstrapUrl: w.rdap_bootstrap_url,
    bootstrapTtlMs: w.rdap_bootstrap_ttl,
    followRegistrar: w.rdap_follow_registrar,
    port43Fallback: w.port43_fallback,
    referralServer: w.port43_referral_server,
    timeoutMs: w.timeout,
    maxBytes: w.max_response_bytes,
    ratePerSecond: w.rate_limit,
    cacheTtlMs: w.cache_ttl,
    rdapHeaders: rdapHeaders(w.rdap_headers) ?? {},
  };
}

export interface EnrichInput {
  entity: StixObject;
  /** The bundle around the entity (markings, author...), passed back with the new objects. */
  stixObjects: readonly StixObject[];
  /** OpenCTI type from the message (`Domain-Name`), else derived from the STIX type. */
  entityType?: string | null;
}

export async function enrich(
  input: EnrichInput,
  config: WhoisConfig,
  lookup: WhoisLookup,
  options: { signal?: AbortSignal; now?: Date; builders?: StixBuilders } = {},
): Promise<EnrichOutcome> {
  const { entity } = input;
  const entityType = input.entityType ?? openctiType(entity.type);
  const scope = config.connector.scope.map((item) => item.toLowerCase());
  if (!scope.includes(entityType.toLowerCase()) && !scope.includes(openctiType(entity.type).toLowerCase()))
    return { status: 'skipped', reason: `${entityType} is not in the connector scope (${config.connector.scope.join(', ')}); nothing to do` };
  // The TLP gate comes before any external call.
  const tlp = entityTlp(entity, input.stixObjects);
  if (!isTlpAllowed(tlp.level, config.whois.max_tlp)) {
    const reason = `Do not send any data, TLP of the entity (${tlp.level}) is greater than MAX TLP (${config.whois.max_tlp})`;
    return { status: 'skipped', reason, error: new InputError('WHOIS_TLP_REFUSED', reason) };
  }
  let plan: ReturnType<typeof planLookup>;
  try {
    plan = planLookup(entity, { registrableDomain: config.whois.registrable_domain });
  } catch (error) {
    if (error instanceof InputError) return { status: 'skipped', reason: error.message, error };
    throw error;
  }
  const result: LookupResult = await lookup.lookup(plan.query, options.signal);
  const label = plan.query.kind === 'domain' ? plan.query.name : plan.query.kind === 'ip' ? plan.query.address : `AS${plan.query.number}`;
  if (!result.found) return { status: 'not-found', reason: `No registration data for ${label} (${result.source})` };

  const record = { ...result.record };
  if (record.kind === 'domain' && !record.unicodeName) {
    const unicode = unicodeDomain(record.query);
    if (unicode !== record.query) record.unicodeName = unicode;
  }
  const b = options.builders ?? createStixBuilders();
  const marking = tlp.markingId ?? b.tlpMarking('TLP:CLEAR').id;
  const converted = convertRecord(record, {
    entity,
    markingId: marking,
    ...(plan.registrableDomain ? { registrableDomain: plan.registrableDomain } : {}),
    createNote: config.whois.create_note,
    createRegistrar: config.whois.create_registrar,
    createRegistrant: config.whois.create_registrant,
    createContacts: config.whois.create_contacts,
    newlyRegisteredDays: config.whois.newly_registered_days,
    ...(config.whois.attach_raw
      ? {
          attachments: result.raw.map((answer, index) => ({
            name: `whois-${label}-${index + 1}.${answer.format === 'json' ? 'json' : 'txt'}`,
            mimeType: answer.format === 'json' ? 'application/json' : 'text/plain',
            content: answer.body,
          })),
        }
      : {}),
    ...(options.now ? { now: options.now } : {}),
    builders: b,
  });
  // The incoming bundle always goes back (playbooks continue with it), the entity with its new labels.
  const objects: StixObject[] = input.stixObjects.some((object) => object.id === entity.id) ? [...input.stixObjects] : [entity, ...input.stixObjects];
  if (converted.entity) objects[objects.findIndex((object) => object.id === entity.id)] = converted.entity;
  const known = new Set(objects.map((object) => object.id));
  const extra: StixObject[] = [];
  if (!tlp.markingId) extra.push(b.tlpMarking('TLP:CLEAR'));
  extra.push(converted.author, ...converted.objects);
  let created = 0;
  for (const object of extra) {
    if (known.has(object.id)) continue;
    known.add(object.id);
    objects.push(object);
    created += 1;
  }
  const summary = `${record.source === 'rdap' ? 'RDAP' : 'WHOIS'} record of ${label} from ${record.servers.join(', ') || 'unknown server'}: ${converted.objects.length} object(s)`;
  return { status: 'enriched', objects, created, summary };
}
