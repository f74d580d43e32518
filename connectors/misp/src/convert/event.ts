// One MISP event → STIX 2.1 objects (connectors.md §1.6), as a pure function. Ids are
// pycti's (SDOs/SROs) and stix2's (observables) through the SDK builders, so a re-import
// updates the same objects. Problems are contained per attribute (§1.8.1 Fix): the
// attribute is skipped and a warning returned, the rest of the event still converts.
import { isIP, isIPv4 } from 'node:net';
import { InputError } from '@opencti-ts/sdk/errors';
import { createStixBuilders, type ExternalReference, patternFromObservables } from '@opencti-ts/sdk/stix';
import {
  dayDate,
  list,
  type MispAttribute,
  type MispCluster,
  type MispEvent,
  type MispEventReport,
  type MispGalaxy,
  type MispObject,
  tagNames,
  text,
  truthy,
  unixDate,
} from './model.ts';
import {
  cleanName,
  creatorName,
  customMarking,
  guessValue,
  isUuid,
  type TagMarking,
  type ThreatGuess,
  type ThreatKind,
  tagEntity,
  tagLabel,
  tlpPapMarking,
} from './tags.ts';

export type StixObject = { id: string; type: string } & Record<string, unknown>;

export interface ConvertOptions {
  /** Base of the event link (MISP_REFERENCE_URL, else MISP_URL). */
  referenceUrl: string;
  createReports: boolean;
  createIndicators: boolean;
  createObservables: boolean;
  createObjectObservables: boolean;
  createTagsAsLabels: boolean;
  authorFromTags: boolean;
  markingsFromTags: boolean;
  keepOriginalTagsAsLabel: readonly string[];
  reportType: string;
  /** `k=v,k=v` (spaces inside values are kept: §1.6.13 Fix). */
  reportDescriptionAttributeFilter: string;
  threatLevelScores: ReadonlyMap<number, number>;
  importToIdsNoScore?: number | undefined;
  unsupportedAsText: boolean;
  unsupportedAsTextTransparent: boolean;
  propagateLabels: boolean;
  importWithAttachments: boolean;
  /**
   * MISP_GUESS_THREAT_FROM_TAGS: the platform's answers, by tag value (`guessValue`), looked
   * up by the run before converting (convert stays pure). Undefined: no guessing.
   */
  threatGuesses?: ReadonlyMap<string, ThreatGuess> | undefined;
  /** Clock for `created` of objects MISP gives no date for (tests fix it). */
  now?: () => Date;
}

export const DEFAULT_CONVERT_OPTIONS: ConvertOptions = {
  referenceUrl: 'https://misp.example.org',
  createReports: true,
  createIndicators: true,
  createObservables: true,
  createObjectObservables: false,
  createTagsAsLabels: true,
  authorFromTags: false,
  markingsFromTags: false,
  keepOriginalTagsAsLabel: [],
  reportType: 'misp-event',
  reportDescriptionAttributeFilter: '',
  threatLevelScores: new Map([
    [1, 90],
    [2, 60],
    [3, 30],
    [4, 50],
  ]),
  unsupportedAsText: false,
  unsupportedAsTextTransparent: true,
  propagateLabels: false,
  importWithAttachments: false,
};

export interface ConvertedEvent {
  /** The author identity (sent first in every bundle). */
  author: StixObject;
  /** The event markings (sent with the author). */
  markings: StixObject[];
  /** Everything else, deduplicated, in production order (§1.6.14). */
  objects: StixObject[];
  /** One line per attribute or element skipped (the rest of the event is converted). */
  warnings: string[];
  /** Attribute types with no mapping, and how many attributes had them (not errors: parity skips them). */
  unsupported: Map<string, number>;
}

/** Why a whole event cannot be converted (no author, no uuid...): the event is skipped, the run goes on. */
const skipped = (reason: string) => new InputError('MISP_EVENT_SKIPPED', reason);

const INDICATOR_TYPES = new Set([
  'artifact',
  'autonomous-system',
  'directory',
  'domain-name',
  'email-addr',
  'email-message',
  'file',
  'hostname',
  'ipv4-addr',
  'ipv6-addr',
  'mac-addr',
  'mutex',
  'network-traffic',
  'phone-number',
  'process',
  'software',
  'text',
  'url',
  'user-account',
  'user-agent',
  'windows-registry-key',
  'x509-certificate',
]);

/** OpenCTI's entity type names for `x_opencti_main_observable_type`. */
const OPENCTI_TYPES: Record<string, string> = {
  file: 'StixFile',
  'ipv4-addr': 'IPv4-Addr',
  'ipv6-addr': 'IPv6-Addr',
  'domain-name': 'Domain-Name',
  hostname: 'Hostname',
  url: 'Url',
  'email-addr': 'Email-Addr',
  'email-message': 'Email-Message',
  text: 'Text',
  'windows-registry-key': 'Windows-Registry-Key',
  'phone-number': 'Phone-Number',
  'user-account': 'User-Account',
};

const HASH_KEYS: Record<string, string> = { md5: 'MD5', sha1: 'SHA-1', sha256: 'SHA-256' };

interface Level {
  markingIds: string[];
  markingObjects: StixObject[];
  labels: string[];
}

interface Entities {
  intrusionSets: StixObject[];
  malwares: StixObject[];
  tools: StixObject[];
  attackPatterns: StixObject[];
  sectors: StixObject[];
  countries: StixObject[];
  regions: StixObject[];
}

const emptyEntities = (): Entities => ({ intrusionSets: [], malwares: [], tools: [], attackPatterns: [], sectors: [], countries: [], regions: [] });
const allEntities = (e: Entities) => [...e.intrusionSets, ...e.malwares, ...e.tools, ...e.attackPatterns, ...e.sectors, ...e.countries, ...e.regions];

export function convertEvent(event: MispEvent, options: ConvertOptions = DEFAULT_CONVERT_OPTIONS): ConvertedEvent {
  const b = createStixBuilders(options.now ? { now: options.now } : {});
  const uuid = text(event.uuid);
  const info = text(event.info) ?? '';
  if (!uuid) throw skipped('the event has no uuid');
  const warnings: string[] = [];
  const unsupported = new Map<string, number>();
  const out: StixObject[] = [];
  const seen = new Set<string>();
  const push = (...objects: StixObject[]) => {
    for (const object of objects) {
      if (seen.has(object.id)) continue;
      seen.add(object.id);
      out.push(object);
    }
  };

  // --- Event tags: author, labels, markings (§1.6.1–1.6.3, event loop order) ---
  const eventTags = tagNames(event.Tag);
  let authorName = text(event.Orgc?.name);
  const eventLabels: string[] = [];
  const eventMarkingTags: TagMarking[] = [];
  for (const tag of eventTags) {
    if (options.authorFromTags) {
      const creator = creatorName(tag);
      if (creator) {
        authorName = creator;
        continue;
      }
    }
    const label = options.createTagsAsLabels ? tagLabel(tag, options.keepOriginalTagsAsLabel) : undefined;
    if (label) {
      if (!eventLabels.includes(label)) eventLabels.push(label);
      continue;
    }
    const custom = options.markingsFromTags ? customMarking(tag) : undefined;
    if (custom) eventMarkingTags.push(custom);
    else if (options.markingsFromTags && tag.toLowerCase().startsWith('marking')) warnings.push(`event ${uuid}: malformed marking tag "${tag}" ignored`);
    const standard = tlpPapMarking(tag);
    if (standard) eventMarkingTags.push(standard);
  }
  if (!authorName?.trim()) throw skipped(`event ${uuid} has no creator organisation (Orgc) and no creator tag`);
  const author = b.organization({ name: authorName }) as StixObject;
  const markingObject = (marking: TagMarking): StixObject =>
    (marking.kind === 'tlp' ? b.tlpMarking(marking.level) : b.openctiMarking(marking.type, marking.value)) as StixObject;
  const eventMarkings = uniqueById((eventMarkingTags.length > 0 ? eventMarkingTags : [{ kind: 'tlp', level: 'TLP:CLEAR' } as TagMarking]).map(markingObject));
  const eventLevel: Level = { markingIds: eventMarkings.map((m) => m.id), markingObjects: eventMarkings, labels: eventLabels };

  // --- External references (§1.6.4); Choice: single slash between base and path ---
  const eventRef: ExternalReference = {
    source_name: 'MISP',
    description: info || undefined,
    external_id: uuid,
    url: `${options.referenceUrl.replace(/\/+$/, '')}/events/view/${uuid}`,
  } as ExternalReference;
  const topAttributes = list<MispAttribute>(event.Attribute).filter((attribute) => !truthy(attribute.deleted));
  const linkRef = (attribute: MispAttribute): ExternalReference | undefined =>
    attribute.type === 'link' && attribute.category === 'External analysis' && text(attribute.value)
      ? { source_name: 'External analysis', external_id: text(attribute.uuid), url: text(attribute.value) as string }
      : undefined;
  const externalRefs = [eventRef, ...topAttributes.flatMap((attribute) => linkRef(attribute) ?? [])].map(compactRef);

  const threatLevel = Number(text(event.threat_level_id));
  const score = Number.isInteger(threatLevel) ? (options.threatLevelScores.get(threatLevel) ?? options.threatLevelScores.get(4)) : undefined;
  const objects = list<MispObject>(event.Object);
  const withRelationships = topAttributes.length + objects.length < 10_000;
  const common = { created_by_ref: author.id };

  // --- Galaxies and tags → entities (§1.6.6, §1.6.7) ---
  function entitiesOf(galaxies: unknown, tags: readonly string[], level: Level, where: string): Entities {
    const entities = emptyEntities();
    const base = { ...common, object_marking_refs: level.markingIds };
    for (const galaxy of list<MispGalaxy>(galaxies)) {
      for (const cluster of list<MispCluster>(galaxy.GalaxyCluster)) {
        try {
          galaxyEntity(galaxy, cluster, base, entities);
        } catch (error) {
          warnings.push(`${where}: galaxy cluster "${text(cluster.value) ?? '?'}" skipped: ${messageOf(error)}`);
        }
      }
    }
    for (const tag of tags) {
      const names = allEntities(entities).map((entity) => String(entity.name ?? ''));
      if (names.some((name) => name !== '' && tag.includes(name))) continue;
      try {
        // The platform's threat first, then the prefix rules unless they name the same one (parity).
        const value = options.threatGuesses ? guessValue(tag) : undefined;
        const guess = value === undefined ? undefined : options.threatGuesses?.get(value);
        const guessed = guess && !isUuid(guess.name) ? guess.name : undefined;
        if (guess && guessed) addEntity(guess.kind, guessed, base, entities);
        const found = tagEntity(tag);
        if (found && found.name !== guessed) addEntity(found.kind, found.name, base, entities);
      } catch (error) {
        warnings.push(`${where}: tag "${tag}" skipped: ${messageOf(error)}`);
      }
    }
    return entities;
  }

  function addEntity(kind: ThreatKind, name: string, base: { created_by_ref: string; object_marking_refs: string[] }, entities: Entities) {
    if (kind === 'intrusion-set') entities.intrusionSets.push(b.intrusionSet({ name, ...base }) as StixObject);
    else if (kind === 'tool') entities.tools.push(b.tool({ name, ...base }) as StixObject);
    else if (kind === 'malware') entities.malwares.push(b.malware({ name, is_family: true, ...base }) as StixObject);
    else if (kind === 'attack-pattern') entities.attackPatterns.push(b.attackPattern({ name, ...base }) as StixObject);
    else entities.sectors.push(b.sector({ name, ...base }) as StixObject);
  }

  function galaxyEntity(galaxy: MispGalaxy, cluster: MispCluster, base: { created_by_ref: string; object_marking_refs: string[] }, entities: Entities) {
    const namespace = text(galaxy.namespace);
    const galaxyName = text(galaxy.name) ?? '';
    const value = text(cluster.value) ?? '';
    const description = text(cluster.description) || undefined;
    const meta = cluster.meta && typeof cluster.meta === 'object' ? cluster.meta : {};
    const synonyms = Array.isArray(meta.synonyms) ? meta.synonyms.filter((s): s is string => typeof s === 'string' && s !== '') : [];
    const withDescription = description ? { description } : {};
    if (
      (namespace === 'mitre-attack' && galaxyName === 'Intrusion Set') ||
      (namespace === 'misp' && ['Threat Actor', 'Microsoft Activity Group actor', 'ESET Threat Actor'].includes(galaxyName))
    ) {
      const name = cleanName('intrusion-set', value);
      if (!name) return;
      entities.intrusionSets.push(
        b.intrusionSet({
          name,
          ...withDescription,
          ...base,
          labels: ['intrusion-set'],
          x_opencti_aliases: synonyms.length > 0 ? synonyms : [name],
        }) as StixObject,
      );
    } else if (namespace === 'mitre-attack' && galaxyName === 'Tool') {
      const name = cleanName('tool', value);
      if (!name) return;
      entities.tools.push(
        b.tool({ name, ...withDescription, ...base, labels: ['tool'], x_opencti_aliases: synonyms.length > 0 ? synonyms : [name] }) as StixObject,
      );
    } else if (
      (namespace === 'mitre-attack' && galaxyName === 'Malware') ||
      (namespace === 'misp' && ['Tool', 'Ransomware', 'Android', 'Malpedia'].includes(galaxyName))
    ) {
      const name = cleanName('malware', value);
      if (!name) return;
      entities.malwares.push(
        b.malware({ name, is_family: true, ...withDescription, ...base, aliases: synonyms.length > 0 ? synonyms : [name], labels: [galaxyName] }) as StixObject,
      );
    } else if (namespace === 'mitre-attack' && galaxyName === 'Attack Pattern') {
      const name = cleanName('attack-pattern', value);
      if (!name) return;
      const externalIds = Array.isArray(meta.external_id) ? meta.external_id.filter((s): s is string => typeof s === 'string' && s !== '') : [];
      entities.attackPatterns.push(
        b.attackPattern({
          name,
          ...withDescription,
          ...base,
          ...(externalIds[0] ? { x_mitre_id: externalIds[0] } : {}),
          x_opencti_aliases: synonyms.length > 0 ? synonyms : [name],
        }) as StixObject,
      );
    } else if (namespace === 'misp' && galaxyName === 'Sector') {
      if (value) entities.sectors.push(b.sector({ name: value, ...withDescription, ...base }) as StixObject);
    } else if (namespace === 'misp' && galaxyName === 'Country') {
      const iso = Array.isArray(meta.ISO) ? text(meta.ISO[0]) : text(meta.ISO);
      const name = description ?? value;
      if (name) entities.countries.push(b.country({ name, ...(iso ? { country: iso } : {}), description: 'Imported from MISP tag', ...base }) as StixObject);
    } else if (namespace === 'misp' && text(galaxy.type) === 'region' && galaxyName === 'Regions UN M49') {
      const name = value.includes(' - ') ? value.slice(value.indexOf(' - ') + 3) : value;
      if (name) entities.regions.push(b.region({ name, ...base }) as StixObject);
    }
  }

  // --- Attribute → observables, indicator, relationships (§1.6.8–1.6.10) ---
  const eventObservables: StixObject[] = [];
  const eventIndicators: StixObject[] = [];

  function attributeLevel(attribute: MispAttribute): Level {
    const tags = tagNames(attribute.Tag);
    const markings: TagMarking[] = [];
    const labels: string[] = [];
    for (const tag of tags) {
      const custom = options.markingsFromTags ? customMarking(tag) : undefined;
      if (custom) markings.push(custom);
      const standard = tlpPapMarking(tag);
      if (standard) markings.push(standard);
      const label = options.createTagsAsLabels ? tagLabel(tag, options.keepOriginalTagsAsLabel) : undefined;
      if (label && !labels.includes(label)) labels.push(label);
    }
    if (markings.length === 0) return { markingIds: eventLevel.markingIds, markingObjects: eventLevel.markingObjects, labels };
    const objects = uniqueById(markings.map(markingObject));
    return { markingIds: objects.map((m) => m.id), markingObjects: objects, labels };
  }

  function convertAttribute(attribute: MispAttribute, inObject: boolean): StixObject[] {
    const produced: StixObject[] = [];
    const type = text(attribute.type) ?? '';
    const category = text(attribute.category) ?? '';
    const value = text(attribute.value) ?? '';
    const comment = text(attribute.comment) ?? '';
    if (type === 'attachment' || (type === 'link' && category === 'External analysis')) return produced;
    const level = attributeLevel(attribute);
    const labels = inObject || options.propagateLabels ? unique([...eventLabels, ...level.labels]) : level.labels;
    produced.push(...level.markingObjects);
    const where = `attribute ${text(attribute.uuid) ?? '?'} (${type})`;
    const entities = entitiesOf(attribute.Galaxy, tagNames(attribute.Tag), level, where);
    produced.push(...allEntities(entities));
    const markingRefs = level.markingIds;
    const base = { created_by_ref: author.id, object_marking_refs: markingRefs, external_references: externalRefs };
    if (type === 'threat-actor' && category === 'Attribution' && value) {
      produced.push(b.intrusionSet({ name: value, ...(comment ? { description: comment } : {}), ...base, ...(labels.length ? { labels } : {}) }) as StixObject);
    }
    if (type === 'full-name' && value) {
      produced.push(
        b.individual({
          name: value,
          ...(comment ? { description: comment } : {}),
          created_by_ref: author.id,
          external_references: externalRefs,
          ...(labels.length ? { labels } : {}),
        }) as StixObject,
      );
      return produced;
    }
    const observables = options.createObservables
      ? observablesOf(type, value, {
          ...base,
          ...(labels.length ? { labels } : {}),
          ...(comment ? { x_opencti_description: comment } : {}),
          ...(score !== undefined ? { x_opencti_score: score } : {}),
        })
      : [];
    if (observables === null) {
      unsupported.set(type, (unsupported.get(type) ?? 0) + 1);
      return produced;
    }
    produced.push(...observables);
    eventObservables.push(...observables);
    const main = observables[0];
    let indicator: StixObject | undefined;
    if (main && options.createIndicators && INDICATOR_TYPES.has(main.type)) {
      const timestamp = unixDate(attribute.timestamp) ?? dayDate(event.date) ?? new Date(0);
      const toIds = truthy(attribute.to_ids);
      const indicatorScore = !toIds && options.importToIdsNoScore !== undefined ? options.importToIdsNoScore : score;
      const native = ['yara', 'sigma', 'pcre', 'snort', 'suricata'].includes(type);
      const pattern = native ? value : patternFromObservables(observables);
      if (pattern) {
        const mainType = OPENCTI_TYPES[main.type] ?? main.type;
        indicator = b.indicator({
          pattern,
          pattern_type: native ? type : 'stix',
          name: !native && value.length > 2 ? value : comment.length > 2 ? comment : mainType,
          ...(comment ? { description: comment } : {}),
          valid_from: timestamp,
          created: timestamp,
          modified: timestamp,
          ...base,
          ...(labels.length ? { labels } : {}),
          x_opencti_main_observable_type: mainType,
          x_opencti_detection: toIds,
          ...(indicatorScore !== undefined ? { x_opencti_score: indicatorScore } : {}),
        }) as StixObject;
        produced.push(indicator);
        eventIndicators.push(indicator);
      }
    }
    if (withRelationships) {
      const rel = (relationship_type: string, source: StixObject, target: StixObject, description?: string) =>
        b.relationship({
          relationship_type,
          source_ref: source.id,
          target_ref: target.id,
          ...(description ? { description } : {}),
          created_by_ref: author.id,
          object_marking_refs: markingRefs,
        }) as StixObject;
      const threats = [...entities.intrusionSets, ...entities.malwares, ...entities.tools];
      const places = [...entities.countries, ...entities.sectors];
      if (indicator) for (const observable of observables) produced.push(rel('based-on', indicator, observable));
      for (const observable of observables) for (const target of [...threats, ...places]) produced.push(rel('related-to', observable, target, comment));
      if (indicator) {
        for (const target of threats) produced.push(rel('indicates', indicator, target, comment));
        for (const target of places) produced.push(rel('related-to', indicator, target, comment));
      }
      const users = entities.malwares.length > 0 ? entities.malwares : entities.intrusionSets;
      for (const source of users) for (const target of entities.attackPatterns) produced.push(rel('uses', source, target));
    }
    return produced;
  }

  /** The observables of an attribute; null when the type has no mapping (and no Text fallback). */
  function observablesOf(type: string, value: string, options0: Record<string, unknown>): StixObject[] | null {
    const o = options0 as Parameters<typeof b.text>[1];
    const ip = (v: string) => (isIPv4Network(v) ? b.ipv4Addr(v, o) : b.ipv6Addr(v, o)) as StixObject;
    const parts = (n: number) => {
      const split = value.split('|');
      if (split.length !== n) throw new InputError('MISP_COMPOSITE_ARITY', `"${value}" should have ${n} parts separated by "|"`);
      return split;
    };
    switch (type) {
      case 'ip-src':
      case 'ip-dst':
        return [ip(value)];
      case 'ip-src|port':
      case 'ip-dst|port': {
        const [address = '', port = ''] = parts(2);
        return [ip(address), b.text(port, o) as StixObject];
      }
      case 'domain':
        return [b.domainName(value, o) as StixObject];
      case 'domain|ip': {
        const [domain = '', address = ''] = parts(2);
        return [b.domainName(domain, o) as StixObject, ip(address)];
      }
      case 'hostname':
        return [b.hostname(value, o) as StixObject];
      case 'hostname|port': {
        const [host = '', port = ''] = parts(2);
        return [b.hostname(host, o) as StixObject, b.text(port, o) as StixObject];
      }
      case 'url':
        return [b.url(value, o) as StixObject];
      case 'email':
      case 'email-src':
      case 'email-dst':
      case 'whois-registrant-email':
        return [b.emailAddr(value, o) as StixObject];
      case 'email-subject':
        return [b.emailMessage({ subject: value, is_multipart: true }, o) as StixObject];
      case 'filename':
      case 'pdb':
        return [b.file({ name: value }, o) as StixObject];
      case 'md5':
      case 'sha1':
      case 'sha256':
        return [b.file({ hashes: { [HASH_KEYS[type] as string]: value } }, o) as StixObject];
      case 'filename|md5':
      case 'filename|sha1':
      case 'filename|sha256': {
        const [name = '', hash = ''] = parts(2);
        return [b.file({ name, hashes: { [HASH_KEYS[type.slice(9)] as string]: hash } }, o) as StixObject];
      }
      case 'regkey':
        return [b.windowsRegistryKey({ key: value }, o) as StixObject];
      case 'phone-number':
        return [b.phoneNumber(value, o) as StixObject];
      case 'text':
      case 'windows-scheduled-task':
        return [b.text(value, o) as StixObject];
      case 'github-username':
        return [b.userAccount({ account_login: value, account_type: 'github' }, o) as StixObject];
      default:
        return options.unsupportedAsText && value ? [b.text(`${value} (type=${type})`, o) as StixObject] : null;
    }
  }

  const safely = (attribute: MispAttribute, inObject: boolean): StixObject[] => {
    try {
      return convertAttribute(attribute, inObject);
    } catch (error) {
      warnings.push(`event ${uuid} attribute ${text(attribute.uuid) ?? '?'} (${text(attribute.type) ?? '?'}) skipped: ${messageOf(error)}`);
      return [];
    }
  };

  // 1. event galaxies and tags
  const eventEntities = entitiesOf(event.Galaxy, eventTags, eventLevel, `event ${uuid}`);
  push(...allEntities(eventEntities));
  // 2. top-level attributes
  for (const attribute of topAttributes) push(...safely(attribute, false));
  // 3. objects
  for (const object of objects) {
    const attributes = list<MispAttribute>(object.Attribute).filter((attribute) => !truthy(attribute.deleted));
    let objectObservable: StixObject | undefined;
    if (options.createObjectObservables && attributes.length > 0) {
      const first = attributes[0] as MispAttribute;
      const value = options.unsupportedAsTextTransparent
        ? (text(first.value) ?? '')
        : `${text(object.name) ?? 'object'} (${text(first.type) ?? ''}=${text(first.value) ?? ''})`;
      const links = attributes.flatMap((attribute) => linkRef(attribute) ?? []).map(compactRef);
      try {
        objectObservable = b.text(value, {
          created_by_ref: author.id,
          object_marking_refs: eventLevel.markingIds,
          ...(eventLabels.length ? { labels: eventLabels } : {}),
          ...(links.length ? { external_references: links } : {}),
          ...(score !== undefined ? { x_opencti_score: score } : {}),
          custom: text(object.description) ? { description: text(object.description) } : {},
        }) as StixObject;
        push(objectObservable);
        eventObservables.push(objectObservable);
      } catch (error) {
        warnings.push(`event ${uuid} object ${text(object.uuid) ?? '?'}: text observable skipped: ${messageOf(error)}`);
      }
    }
    for (const attribute of attributes) {
      const produced = safely(attribute, true);
      push(...produced);
      if (objectObservable && withRelationships) {
        for (const observable of produced.filter((p) => isObservable(p) && p.id !== objectObservable.id)) {
          push(
            b.relationship({
              relationship_type: 'related-to',
              source_ref: objectObservable.id,
              target_ref: observable.id,
              created_by_ref: author.id,
              object_marking_refs: eventLevel.markingIds,
            }) as StixObject,
          );
        }
      }
    }
  }
  // 4. event-level relationships
  if (withRelationships) {
    const e = eventEntities;
    const users = e.malwares.length > 0 ? e.malwares : e.intrusionSets;
    for (const source of users)
      for (const target of e.attackPatterns) push(relationship(b, 'uses', source, target, author.id, (source.object_marking_refs as string[]) ?? []));
    const threats = [...e.intrusionSets, ...e.malwares, ...e.tools];
    const places = [...e.countries, ...e.regions, ...e.sectors];
    for (const observable of uniqueById(eventObservables)) {
      for (const target of [...threats, ...places])
        push(relationship(b, 'related-to', observable, target, author.id, markingsOf(observable), text(observable.x_opencti_description)));
    }
    for (const indicator of uniqueById(eventIndicators)) {
      for (const target of threats) push(relationship(b, 'indicates', indicator, target, author.id, markingsOf(indicator), text(indicator.description)));
      for (const target of places) push(relationship(b, 'related-to', indicator, target, author.id, markingsOf(indicator), text(indicator.description)));
    }
  }
  // 5. report and notes (§1.6.13)
  if (options.createReports) {
    // Fix: an event with no content gets no report (the official one points at a placeholder).
    // Choice: marking definitions are not listed in object_refs (they are on every object).
    const refs = out.filter((object) => object.type !== 'marking-definition').map((object) => object.id);
    const day = text(event.date);
    const published = dayDate(day) ? `${day}T00:00:00+00:00` : undefined;
    if (!published) warnings.push(`event ${uuid}: no valid date, no report created`);
    else if (refs.length > 0) {
      const publishedDate = dayDate(day) as Date;
      const modifiedDate = unixDate(event.timestamp);
      const report = b.report({
        name: info || uuid,
        description: reportDescription(topAttributes, options.reportDescriptionAttributeFilter) ?? (info || undefined),
        published,
        created: publishedDate,
        modified: modifiedDate && modifiedDate > publishedDate ? modifiedDate : publishedDate,
        report_types: [options.reportType],
        object_refs: refs,
        created_by_ref: author.id,
        object_marking_refs: eventLevel.markingIds,
        external_references: externalRefs,
        ...(eventLabels.length ? { labels: eventLabels } : {}),
        ...(options.importWithAttachments ? { x_opencti_files: pdfFiles(event) } : {}),
      }) as StixObject;
      push(report);
      for (const eventReport of list<MispEventReport>(event.EventReport)) {
        if (truthy(eventReport.deleted)) continue;
        const content = text(eventReport.content);
        const created = unixDate(eventReport.timestamp);
        if (!content || !created) continue;
        try {
          push(
            b.note({
              content: rewriteMentions(content),
              ...(text(eventReport.name) ? { abstract: text(eventReport.name) } : {}),
              created,
              modified: created,
              object_refs: [report.id],
              created_by_ref: author.id,
              object_marking_refs: eventLevel.markingIds,
            }) as StixObject,
          );
        } catch (error) {
          warnings.push(`event ${uuid}: event report "${text(eventReport.name) ?? '?'}" skipped: ${messageOf(error)}`);
        }
      }
    }
  }
  // Event markings travel with the author; drop them from the flat list to send them once.
  const markingIds = new Set(eventMarkings.map((m) => m.id));
  return { author, markings: eventMarkings, objects: out.filter((object) => !markingIds.has(object.id)), warnings, unsupported };
}

function relationship(
  b: ReturnType<typeof createStixBuilders>,
  type: string,
  source: StixObject,
  target: StixObject,
  authorId: string,
  markings: string[],
  description?: string,
): StixObject {
  return b.relationship({
    relationship_type: type,
    source_ref: source.id,
    target_ref: target.id,
    ...(description ? { description } : {}),
    created_by_ref: authorId,
    object_marking_refs: markings,
  }) as StixObject;
}

const markingsOf = (object: StixObject): string[] => (Array.isArray(object.object_marking_refs) ? (object.object_marking_refs as string[]) : []);

const OBSERVABLE_TYPES = new Set([
  'ipv4-addr',
  'ipv6-addr',
  'domain-name',
  'hostname',
  'url',
  'email-addr',
  'email-message',
  'file',
  'windows-registry-key',
  'phone-number',
  'text',
  'user-account',
]);
const isObservable = (object: StixObject) => OBSERVABLE_TYPES.has(object.type);

/** IPv4 address or network (CIDR; host bits tolerated), as Python's ip_network(strict=False). */
export function isIPv4Network(value: string): boolean {
  const [address = '', prefix, ...rest] = value.split('/');
  if (rest.length > 0 || !isIPv4(address)) return false;
  return prefix === undefined || (/^\d{1,2}$/.test(prefix) && Number(prefix) <= 32);
}

/** Used by tests: whether a value is any IP address. */
export const isIpAddress = (value: string) => isIP(value) !== 0;

function reportDescription(attributes: readonly MispAttribute[], filter: string): string | undefined {
  if (filter.trim() === '') return undefined;
  const pairs = filter.split(',').flatMap((pair) => {
    const index = pair.indexOf('=');
    return index > 0 ? [[pair.slice(0, index).trim(), pair.slice(index + 1).trim()] as const] : [];
  });
  if (pairs.length === 0) return undefined;
  const match = attributes.find((attribute) => pairs.every(([key, value]) => text((attribute as Record<string, unknown>)[key]) === value));
  return match ? text(match.value) : undefined;
}

function pdfFiles(event: MispEvent): Record<string, unknown>[] {
  const attributes = [...list<MispAttribute>(event.Attribute), ...list<MispObject>(event.Object).flatMap((object) => list<MispAttribute>(object.Attribute))];
  return attributes
    .filter(
      (a) =>
        a.type === 'attachment' && a.category === 'External analysis' && /\.pdf$/i.test(text(a.value) ?? '') && typeof a.data === 'string' && a.data !== '',
    )
    .map((a) => ({ name: text(a.value), data: a.data, mime_type: 'application/pdf', no_trigger_import: true }));
}

/** MISP event-report mentions → OpenCTI links (§1.6.13). */
export function rewriteMentions(content: string): string {
  return content
    .replace(/@\[(object|attribute)\]\(([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\)/g, '[$1:$2](/dashboard/search/$2)')
    .replace(/@\[tag\]\(([A-Za-z0-9:"'=-]+)\)/g, 'tag:$1');
}

function compactRef(ref: ExternalReference): ExternalReference {
  return Object.fromEntries(Object.entries(ref).filter(([, value]) => value !== undefined && value !== '')) as unknown as ExternalReference;
}

function uniqueById<T extends { id: string }>(objects: readonly T[]): T[] {
  const seen = new Set<string>();
  return objects.filter((object) => !seen.has(object.id) && seen.add(object.id));
}

const unique = (values: readonly string[]) => [...new Set(values)];

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export type { MispEvent } from './model.ts';
