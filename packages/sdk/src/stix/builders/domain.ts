// Builders for STIX domain objects, relationships, sightings and marking definitions, as the
// five connectors emit them through pycti/stix2: pycti's deterministic ids (ids.ts),
// `spec_version: "2.1"`, created/modified from an injectable clock (millisecond precision,
// modified defaults to created), OpenCTI's `x_opencti_*` properties at the top level.
import { generateId, requireId, TLP_MARKING_IDS, type TlpLevel } from '../ids.ts';
import { stixPatternProblems } from '../pattern-grammar.ts';
import {
  type CommonOptions,
  checkCustom,
  checkExternalReference,
  checkKillChainPhase,
  compact,
  type ExternalReference,
  formatTimestamp,
  idTimestamp,
  inputError,
  type KillChainPhase,
  optionalInteger,
  optionalNumber,
  optionalRef,
  optionalRefs,
  optionalText,
  optionalTextList,
  requireRef,
  requireText,
  type TimestampInput,
} from './common.ts';

// A type alias (not an interface) so outputs are assignable to Record<string, unknown>.
export type DomainCommon<T extends string> = {
  type: T;
  spec_version: '2.1';
  id: string;
  created: string;
  modified: string;
  created_by_ref?: string;
  object_marking_refs?: string[];
  labels?: string[];
  confidence?: number;
  external_references?: ExternalReference[];
  revoked?: boolean;
  lang?: string;
  [custom: `x_${string}`]: unknown;
};

/** OpenCTI score on SDOs that carry one (indicators, and any SDO through `custom`). */
export interface ScoreOption {
  x_opencti_score?: number;
}

export interface BuilderClock {
  /** The current time; stix2 stamps `created`/`modified` with it. */
  now?: () => Date;
}

/** STIX 2.1 TLP marking objects exactly as python-stix2 defines them (TLP_WHITE/GREEN/AMBER/RED). */
const STIX2_TLP_CREATED = '2017-01-20T00:00:00.000Z';
function stix2Tlp(level: 'white' | 'green' | 'amber' | 'red') {
  const name = `TLP:${level.toUpperCase()}` as 'TLP:WHITE' | 'TLP:GREEN' | 'TLP:AMBER' | 'TLP:RED';
  return {
    type: 'marking-definition' as const,
    spec_version: '2.1' as const,
    id: TLP_MARKING_IDS[name],
    created: STIX2_TLP_CREATED,
    definition_type: 'tlp' as const,
    name,
    definition: { tlp: level },
  };
}

export type PapLevel = 'PAP:CLEAR' | 'PAP:GREEN' | 'PAP:AMBER' | 'PAP:RED';
export type LocationType = 'Country' | 'Region' | 'City' | 'Administrative-Area' | 'Position';
export type OpinionValue = 'strongly-disagree' | 'disagree' | 'neutral' | 'agree' | 'strongly-agree';

export interface IdentityInput extends CommonOptions {
  name: string;
  description?: string;
  roles?: readonly string[];
  sectors?: readonly string[];
  contact_information?: string;
  x_opencti_aliases?: readonly string[];
  /** Organization only: e.g. vendor, csirt, partner. */
  x_opencti_organization_type?: string;
  x_opencti_reliability?: string;
  /** Individual only. */
  x_opencti_firstname?: string;
  x_opencti_lastname?: string;
}

export interface NamedInput extends CommonOptions {
  name: string;
  description?: string;
  aliases?: readonly string[];
  first_seen?: TimestampInput;
  last_seen?: TimestampInput;
}

/** The builders, bound to a clock. `createStixBuilders({ now: () => fixedDate })` in tests. */
export function createDomainBuilders(clock: BuilderClock = {}) {
  const now = clock.now ?? (() => new Date());

  /** The common part of an SDO/SRO; `idSource` is what the deterministic id is computed from. */
  function sdo<T extends string, P extends Record<string, unknown>>(
    type: T,
    props: P,
    options: CommonOptions,
    idSource?: Record<string, unknown>,
  ): DomainCommon<T> & P {
    const created = formatTimestamp(type, 'created', options.created ?? now(), 'millisecond');
    const modified = options.modified === undefined ? created : formatTimestamp(type, 'modified', options.modified, 'millisecond');
    if (modified < created) throw inputError(type, 'modified', 'must not be earlier than created');
    const body = compact({ ...props });
    const id = options.id !== undefined ? requireRef(type, 'id', options.id, [type]) : requireId({ type, ...body, ...idSource });
    const common = compact({
      created_by_ref: optionalRef(type, 'created_by_ref', options.created_by_ref, ['identity']),
      object_marking_refs: optionalRefs(type, 'object_marking_refs', options.object_marking_refs, ['marking-definition']),
      labels: optionalTextList(type, 'labels', options.labels),
      confidence: optionalInteger(type, 'confidence', options.confidence, 0, 100),
      external_references: options.external_references?.map((ref, index) => checkExternalReference(type, `external_references[${index}]`, ref)),
      revoked: options.revoked,
      lang: optionalText(type, 'lang', options.lang),
    });
    return { type, spec_version: '2.1', id, created, modified, ...body, ...common, ...checkCustom(type, options.custom) } as unknown as DomainCommon<T> & P;
  }

  const time = (type: string, field: string, value: TimestampInput | undefined) => (value === undefined ? undefined : formatTimestamp(type, field, value));
  function ordered(type: string, first: [string, string | undefined], last: [string, string | undefined]): void {
    if (first[1] !== undefined && last[1] !== undefined && Date.parse(last[1]) < Date.parse(first[1]))
      throw inputError(type, last[0], `must not be earlier than ${first[0]}`);
  }
  const killChain = (type: string, phases: readonly KillChainPhase[] | undefined) =>
    phases?.map((phase, index) => checkKillChainPhase(type, `kill_chain_phases[${index}]`, phase));

  function identity(identityClass: string, input: IdentityInput) {
    const type = 'identity';
    return sdo(
      type,
      {
        name: requireText(type, 'name', input.name),
        description: optionalText(type, 'description', input.description),
        roles: optionalTextList(type, 'roles', input.roles),
        identity_class: requireText(type, 'identity_class', identityClass),
        sectors: optionalTextList(type, 'sectors', input.sectors),
        contact_information: optionalText(type, 'contact_information', input.contact_information),
        x_opencti_aliases: optionalTextList(type, 'x_opencti_aliases', input.x_opencti_aliases),
        x_opencti_organization_type: optionalText(type, 'x_opencti_organization_type', input.x_opencti_organization_type),
        x_opencti_reliability: optionalText(type, 'x_opencti_reliability', input.x_opencti_reliability),
        x_opencti_firstname: optionalText(type, 'x_opencti_firstname', input.x_opencti_firstname),
        x_opencti_lastname: optionalText(type, 'x_opencti_lastname', input.x_opencti_lastname),
      },
      input,
    );
  }

  function location(
    locationType: LocationType,
    input: CommonOptions & {
      name?: string;
      description?: string;
      country?: string;
      region?: string;
      city?: string;
      administrative_area?: string;
      latitude?: number;
      longitude?: number;
      precision?: number;
      street_address?: string;
      postal_code?: string;
    },
  ) {
    const type = 'location';
    const latitude = optionalNumber(type, 'latitude', input.latitude, -90, 90);
    const longitude = optionalNumber(type, 'longitude', input.longitude, -180, 180);
    if ((latitude === undefined) !== (longitude === undefined))
      throw inputError(type, latitude === undefined ? 'latitude' : 'longitude', 'latitude and longitude go together');
    const name = locationType === 'Position' ? optionalText(type, 'name', input.name) : requireText(type, 'name', input.name);
    // stix2 requires region, country or coordinates; Region/Country default them from the name.
    const region = optionalText(type, 'region', input.region) ?? (locationType === 'Region' ? name : undefined);
    const country = optionalText(type, 'country', input.country) ?? (locationType === 'Country' ? name : undefined);
    if (region === undefined && country === undefined && latitude === undefined)
      throw inputError(type, locationType === 'Position' ? 'latitude' : 'country', `a ${locationType} location needs country, region or latitude/longitude`);
    return sdo(
      type,
      {
        name,
        description: optionalText(type, 'description', input.description),
        latitude,
        longitude,
        precision: optionalNumber(type, 'precision', input.precision, 0, Number.MAX_VALUE),
        region,
        country,
        administrative_area: optionalText(type, 'administrative_area', input.administrative_area),
        city: optionalText(type, 'city', input.city),
        street_address: optionalText(type, 'street_address', input.street_address),
        postal_code: optionalText(type, 'postal_code', input.postal_code),
        x_opencti_location_type: locationType,
      },
      input,
    );
  }

  function named<T extends string, E extends Record<string, unknown>>(type: T, input: NamedInput, extra: E) {
    const firstSeen = time(type, 'first_seen', input.first_seen);
    const lastSeen = time(type, 'last_seen', input.last_seen);
    ordered(type, ['first_seen', firstSeen], ['last_seen', lastSeen]);
    return sdo(
      type,
      {
        name: requireText(type, 'name', input.name),
        description: optionalText(type, 'description', input.description),
        aliases: optionalTextList(type, 'aliases', input.aliases),
        first_seen: firstSeen,
        last_seen: lastSeen,
        ...extra,
      },
      input,
    );
  }

  function threatActor(
    openctiType: 'Threat-Actor-Group' | 'Threat-Actor-Individual',
    input: NamedInput & {
      threat_actor_types?: readonly string[];
      roles?: readonly string[];
      goals?: readonly string[];
      sophistication?: string;
      resource_level?: string;
      primary_motivation?: string;
    },
  ) {
    const type = 'threat-actor';
    return named(type, input, {
      threat_actor_types: optionalTextList(type, 'threat_actor_types', input.threat_actor_types),
      roles: optionalTextList(type, 'roles', input.roles),
      goals: optionalTextList(type, 'goals', input.goals),
      sophistication: optionalText(type, 'sophistication', input.sophistication),
      resource_level: optionalText(type, 'resource_level', input.resource_level),
      primary_motivation: optionalText(type, 'primary_motivation', input.primary_motivation),
      x_opencti_type: openctiType,
    });
  }

  /** A marking with OpenCTI's `x_opencti_definition_type`/`x_opencti_definition` (TLP:CLEAR, TLP:AMBER+STRICT, PAP, custom). */
  function openctiMarking(definitionType: string, definition: string, options: Pick<CommonOptions, 'created' | 'created_by_ref' | 'external_references'> = {}) {
    const type = 'marking-definition';
    requireText(type, 'x_opencti_definition_type', definitionType);
    requireText(type, 'x_opencti_definition', definition);
    const id = generateId({ type, definition_type: definitionType, definition }) as string;
    return compact({
      type,
      spec_version: '2.1' as const,
      id,
      created_by_ref: optionalRef(type, 'created_by_ref', options.created_by_ref, ['identity']),
      created: formatTimestamp(type, 'created', options.created ?? now(), 'millisecond'),
      external_references: options.external_references?.map((ref, index) => checkExternalReference(type, `external_references[${index}]`, ref)),
      definition_type: 'statement' as const,
      definition: { statement: 'custom' },
      x_opencti_definition_type: definitionType,
      x_opencti_definition: definition,
    });
  }

  return {
    identity: (input: IdentityInput & { identity_class: string }) => identity(input.identity_class, input),
    organization: (input: IdentityInput) => identity('organization', input),
    individual: (input: IdentityInput) => identity('individual', input),
    system: (input: IdentityInput) => identity('system', input),
    /** A sector is an identity of class `class` in OpenCTI. */
    sector: (input: IdentityInput) => identity('class', input),

    /**
     * The marking object connectors send for a TLP level: stix2's standard objects for
     * WHITE/GREEN/AMBER/RED; OpenCTI's custom statement objects for CLEAR and AMBER+STRICT
     * (TLP 2.0 levels STIX 2.1 does not define), with OpenCTI's fixed ids.
     */
    tlpMarking(level: TlpLevel) {
      switch (level) {
        case 'TLP:WHITE':
          return stix2Tlp('white');
        case 'TLP:GREEN':
          return stix2Tlp('green');
        case 'TLP:AMBER':
          return stix2Tlp('amber');
        case 'TLP:RED':
          return stix2Tlp('red');
        case 'TLP:CLEAR':
        case 'TLP:AMBER+STRICT':
          return { ...openctiMarking('TLP', level), id: TLP_MARKING_IDS[level] };
        default:
          throw inputError('marking-definition', 'definition', `unknown TLP level "${String(level)}"`);
      }
    },
    papMarking: (level: PapLevel) => {
      if (!['PAP:CLEAR', 'PAP:GREEN', 'PAP:AMBER', 'PAP:RED'].includes(level))
        throw inputError('marking-definition', 'definition', `unknown PAP level "${String(level)}"`);
      return openctiMarking('PAP', level);
    },
    /** Any `TYPE:VALUE` marking (MISP `marking:TYPE=VALUE` tags): id from (type, value). */
    openctiMarking,
    /** A STIX statement marking (copyright, terms of use); id from ('statement', text). */
    statementMarking(statement: string, options: Pick<CommonOptions, 'created' | 'created_by_ref'> & { name?: string } = {}) {
      const type = 'marking-definition';
      requireText(type, 'definition.statement', statement);
      return compact({
        type,
        spec_version: '2.1' as const,
        id: generateId({ type, definition_type: 'statement', definition: statement }) as string,
        created_by_ref: optionalRef(type, 'created_by_ref', options.created_by_ref, ['identity']),
        created: formatTimestamp(type, 'created', options.created ?? now(), 'millisecond'),
        name: optionalText(type, 'name', options.name),
        definition_type: 'statement' as const,
        definition: { statement },
      });
    },

    report(
      input: CommonOptions & {
        name: string;
        published: TimestampInput;
        object_refs: readonly string[];
        description?: string;
        report_types?: readonly string[];
        x_opencti_files?: readonly Record<string, unknown>[];
        x_opencti_content?: string;
      } & ScoreOption,
    ) {
      const type = 'report';
      const objectRefs = optionalRefs(type, 'object_refs', input.object_refs);
      if (!objectRefs) throw inputError(type, 'object_refs', 'a report must reference at least one object');
      if (input.published === undefined) throw inputError(type, 'published', 'is required');
      return sdo(
        type,
        {
          name: requireText(type, 'name', input.name),
          description: optionalText(type, 'description', input.description),
          report_types: optionalTextList(type, 'report_types', input.report_types),
          published: formatTimestamp(type, 'published', input.published),
          object_refs: objectRefs,
          x_opencti_score: optionalInteger(type, 'x_opencti_score', input.x_opencti_score, 0, 100),
          x_opencti_content: optionalText(type, 'x_opencti_content', input.x_opencti_content),
          x_opencti_files: input.x_opencti_files && input.x_opencti_files.length > 0 ? input.x_opencti_files.map((entry) => ({ ...entry })) : undefined,
        },
        input,
        { published: idTimestamp(input.published) },
      );
    },

    /** pycti's Note id hashes `created` only when the caller gives it. */
    note(
      input: CommonOptions & {
        content: string;
        object_refs: readonly string[];
        abstract?: string;
        authors?: readonly string[];
        note_types?: readonly string[];
      },
    ) {
      const type = 'note';
      const objectRefs = optionalRefs(type, 'object_refs', input.object_refs);
      if (!objectRefs) throw inputError(type, 'object_refs', 'a note must reference at least one object');
      return sdo(
        type,
        {
          abstract: optionalText(type, 'abstract', input.abstract),
          content: requireText(type, 'content', input.content),
          authors: optionalTextList(type, 'authors', input.authors),
          note_types: optionalTextList(type, 'note_types', input.note_types),
          object_refs: objectRefs,
        },
        input,
        { created: input.created === undefined ? undefined : idTimestamp(input.created) },
      );
    },

    opinion(input: CommonOptions & { opinion: OpinionValue; object_refs: readonly string[]; explanation?: string; authors?: readonly string[] }) {
      const type = 'opinion';
      const objectRefs = optionalRefs(type, 'object_refs', input.object_refs);
      if (!objectRefs) throw inputError(type, 'object_refs', 'an opinion must reference at least one object');
      if (!['strongly-disagree', 'disagree', 'neutral', 'agree', 'strongly-agree'].includes(input.opinion))
        throw inputError(type, 'opinion', 'must be one of strongly-disagree, disagree, neutral, agree, strongly-agree');
      return sdo(
        type,
        {
          explanation: optionalText(type, 'explanation', input.explanation),
          authors: optionalTextList(type, 'authors', input.authors),
          opinion: input.opinion,
          object_refs: objectRefs,
        },
        input,
        { created: input.created === undefined ? undefined : idTimestamp(input.created) },
      );
    },

    /** `valid_from` defaults to `created`; STIX patterns are checked with the grammar. */
    indicator(
      input: CommonOptions &
        ScoreOption & {
          pattern: string;
          pattern_type?: string;
          pattern_version?: string;
          name?: string;
          description?: string;
          indicator_types?: readonly string[];
          valid_from?: TimestampInput;
          valid_until?: TimestampInput;
          kill_chain_phases?: readonly KillChainPhase[];
          /** OpenCTI's type of the main observable: StixFile, IPv4-Addr, Domain-Name, Url, Text, ... */
          x_opencti_main_observable_type?: string;
          x_opencti_detection?: boolean;
        },
    ) {
      const type = 'indicator';
      const pattern = requireText(type, 'pattern', input.pattern);
      const patternType = optionalText(type, 'pattern_type', input.pattern_type) ?? 'stix';
      if (patternType === 'stix') {
        const problems = stixPatternProblems(pattern);
        if (problems.length > 0) throw inputError(type, 'pattern', `not a valid STIX pattern: ${problems.join('; ')}`);
      }
      const validFrom = formatTimestamp(type, 'valid_from', input.valid_from ?? input.created ?? now());
      const validUntil = time(type, 'valid_until', input.valid_until);
      if (validUntil !== undefined && Date.parse(validUntil) <= Date.parse(validFrom)) throw inputError(type, 'valid_until', 'must be later than valid_from');
      return sdo(
        type,
        {
          name: optionalText(type, 'name', input.name),
          description: optionalText(type, 'description', input.description),
          indicator_types: optionalTextList(type, 'indicator_types', input.indicator_types),
          pattern,
          pattern_type: patternType,
          pattern_version: optionalText(type, 'pattern_version', input.pattern_version),
          valid_from: validFrom,
          valid_until: validUntil,
          kill_chain_phases: killChain(type, input.kill_chain_phases),
          x_opencti_score: optionalInteger(type, 'x_opencti_score', input.x_opencti_score, 0, 100),
          x_opencti_detection: input.x_opencti_detection,
          x_opencti_main_observable_type: optionalText(type, 'x_opencti_main_observable_type', input.x_opencti_main_observable_type),
        },
        input,
      );
    },

    /** `is_family` defaults to true (what the connectors emit for galaxy/tag malware). */
    malware(
      input: NamedInput & {
        is_family?: boolean;
        malware_types?: readonly string[];
        kill_chain_phases?: readonly KillChainPhase[];
        architecture_execution_envs?: readonly string[];
        implementation_languages?: readonly string[];
        capabilities?: readonly string[];
      },
    ) {
      const type = 'malware';
      return named(type, input, {
        malware_types: optionalTextList(type, 'malware_types', input.malware_types),
        is_family: input.is_family ?? true,
        kill_chain_phases: killChain(type, input.kill_chain_phases),
        architecture_execution_envs: optionalTextList(type, 'architecture_execution_envs', input.architecture_execution_envs),
        implementation_languages: optionalTextList(type, 'implementation_languages', input.implementation_languages),
        capabilities: optionalTextList(type, 'capabilities', input.capabilities),
      });
    },

    tool(
      input: Omit<NamedInput, 'first_seen' | 'last_seen'> & {
        tool_types?: readonly string[];
        tool_version?: string;
        kill_chain_phases?: readonly KillChainPhase[];
        x_opencti_aliases?: readonly string[];
      },
    ) {
      const type = 'tool';
      return named(type, input, {
        tool_types: optionalTextList(type, 'tool_types', input.tool_types),
        tool_version: optionalText(type, 'tool_version', input.tool_version),
        kill_chain_phases: killChain(type, input.kill_chain_phases),
        x_opencti_aliases: optionalTextList(type, 'x_opencti_aliases', input.x_opencti_aliases),
      });
    },

    threatActorGroup: (input: Parameters<typeof threatActor>[1]) => threatActor('Threat-Actor-Group', input),
    threatActorIndividual: (input: Parameters<typeof threatActor>[1]) => threatActor('Threat-Actor-Individual', input),

    intrusionSet(
      input: NamedInput & {
        goals?: readonly string[];
        resource_level?: string;
        primary_motivation?: string;
        secondary_motivations?: readonly string[];
        x_opencti_aliases?: readonly string[];
      },
    ) {
      const type = 'intrusion-set';
      return named(type, input, {
        goals: optionalTextList(type, 'goals', input.goals),
        resource_level: optionalText(type, 'resource_level', input.resource_level),
        primary_motivation: optionalText(type, 'primary_motivation', input.primary_motivation),
        secondary_motivations: optionalTextList(type, 'secondary_motivations', input.secondary_motivations),
        x_opencti_aliases: optionalTextList(type, 'x_opencti_aliases', input.x_opencti_aliases),
      });
    },

    campaign(input: NamedInput & { objective?: string }) {
      const type = 'campaign';
      return named(type, input, { objective: optionalText(type, 'objective', input.objective) });
    },

    /** The id comes from `x_mitre_id` when given (pycti), else from the name. */
    attackPattern(
      input: Omit<NamedInput, 'first_seen' | 'last_seen'> & {
        x_mitre_id?: string;
        kill_chain_phases?: readonly KillChainPhase[];
        x_mitre_platforms?: readonly string[];
        x_mitre_detection?: string;
        x_opencti_aliases?: readonly string[];
      },
    ) {
      const type = 'attack-pattern';
      return named(type, input, {
        kill_chain_phases: killChain(type, input.kill_chain_phases),
        // pycti would hash an empty x_mitre_id as is; an empty id is a mistake, not an id.
        x_mitre_id: input.x_mitre_id === undefined ? undefined : requireText(type, 'x_mitre_id', input.x_mitre_id),
        x_mitre_platforms: optionalTextList(type, 'x_mitre_platforms', input.x_mitre_platforms),
        x_mitre_detection: optionalText(type, 'x_mitre_detection', input.x_mitre_detection),
        x_opencti_aliases: optionalTextList(type, 'x_opencti_aliases', input.x_opencti_aliases),
      });
    },

    courseOfAction(input: CommonOptions & { name: string; description?: string; x_mitre_id?: string; x_opencti_aliases?: readonly string[] }) {
      const type = 'course-of-action';
      return sdo(
        type,
        {
          name: requireText(type, 'name', input.name),
          description: optionalText(type, 'description', input.description),
          x_mitre_id: optionalText(type, 'x_mitre_id', input.x_mitre_id),
          x_opencti_aliases: optionalTextList(type, 'x_opencti_aliases', input.x_opencti_aliases),
        },
        input,
      );
    },

    vulnerability(
      input: CommonOptions &
        ScoreOption & {
          name: string;
          description?: string;
          x_opencti_cvss_base_score?: number;
          x_opencti_cvss_base_severity?: string;
          x_opencti_epss_score?: number;
          x_opencti_cisa_kev?: boolean;
        },
    ) {
      const type = 'vulnerability';
      return sdo(
        type,
        {
          name: requireText(type, 'name', input.name),
          description: optionalText(type, 'description', input.description),
          x_opencti_score: optionalInteger(type, 'x_opencti_score', input.x_opencti_score, 0, 100),
          x_opencti_cvss_base_score: optionalNumber(type, 'x_opencti_cvss_base_score', input.x_opencti_cvss_base_score, 0, 10),
          x_opencti_cvss_base_severity: optionalText(type, 'x_opencti_cvss_base_severity', input.x_opencti_cvss_base_severity),
          x_opencti_epss_score: optionalNumber(type, 'x_opencti_epss_score', input.x_opencti_epss_score, 0, 1),
          x_opencti_cisa_kev: input.x_opencti_cisa_kev,
        },
        input,
      );
    },

    /** `country` defaults to the name (give the ISO code when known). */
    country: (input: Parameters<typeof location>[1]) => location('Country', input),
    /** `region` defaults to the name. */
    region: (input: Parameters<typeof location>[1]) => location('Region', input),
    /** A city needs `country` or coordinates (stix2 rule). */
    city: (input: Parameters<typeof location>[1]) => location('City', input),
    administrativeArea: (input: Parameters<typeof location>[1]) => location('Administrative-Area', input),
    /** Id from latitude/longitude (pycti's Position rule). */
    position: (input: Parameters<typeof location>[1] & { latitude: number; longitude: number }) => location('Position', input),

    relationship(
      input: CommonOptions & {
        relationship_type: string;
        source_ref: string;
        target_ref: string;
        description?: string;
        start_time?: TimestampInput;
        stop_time?: TimestampInput;
      },
    ) {
      const type = 'relationship';
      const relationshipType = requireText(type, 'relationship_type', input.relationship_type);
      if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(relationshipType)) throw inputError(type, 'relationship_type', 'must be lower-case words joined by "-"');
      const startTime = time(type, 'start_time', input.start_time);
      const stopTime = time(type, 'stop_time', input.stop_time);
      if (startTime !== undefined && stopTime !== undefined && Date.parse(stopTime) <= Date.parse(startTime))
        throw inputError(type, 'stop_time', 'must be later than start_time');
      const invalid = ['bundle', 'marking-definition', 'language-content', 'relationship', 'sighting'];
      const sourceRef = requireRef(type, 'source_ref', input.source_ref);
      const targetRef = requireRef(type, 'target_ref', input.target_ref);
      for (const [field, ref] of [
        ['source_ref', sourceRef],
        ['target_ref', targetRef],
      ] as const) {
        if (invalid.includes(ref.slice(0, ref.indexOf('--')))) throw inputError(type, field, 'must reference an SDO or SCO');
      }
      return sdo(
        type,
        {
          relationship_type: relationshipType,
          description: optionalText(type, 'description', input.description),
          source_ref: sourceRef,
          target_ref: targetRef,
          start_time: startTime,
          stop_time: stopTime,
        },
        input,
        {
          start_time: input.start_time === undefined ? undefined : idTimestamp(input.start_time),
          stop_time: input.stop_time === undefined ? undefined : idTimestamp(input.stop_time),
        },
      );
    },

    sighting(
      input: CommonOptions & {
        sighting_of_ref: string;
        where_sighted_refs?: readonly string[];
        observed_data_refs?: readonly string[];
        first_seen?: TimestampInput;
        last_seen?: TimestampInput;
        count?: number;
        description?: string;
        x_opencti_negative?: boolean;
      },
    ) {
      const type = 'sighting';
      const firstSeen = time(type, 'first_seen', input.first_seen);
      const lastSeen = time(type, 'last_seen', input.last_seen);
      ordered(type, ['first_seen', firstSeen], ['last_seen', lastSeen]);
      const sightingOf = requireRef(type, 'sighting_of_ref', input.sighting_of_ref);
      if (['bundle', 'marking-definition', 'relationship', 'sighting', 'language-content'].includes(sightingOf.slice(0, sightingOf.indexOf('--'))))
        throw inputError(type, 'sighting_of_ref', 'must reference an SDO');
      const whereSighted = optionalRefs(type, 'where_sighted_refs', input.where_sighted_refs, ['identity', 'location']);
      return sdo(
        type,
        {
          description: optionalText(type, 'description', input.description),
          first_seen: firstSeen,
          last_seen: lastSeen,
          count: optionalInteger(type, 'count', input.count, 0, 999999999),
          sighting_of_ref: sightingOf,
          observed_data_refs: optionalRefs(type, 'observed_data_refs', input.observed_data_refs, ['observed-data']),
          where_sighted_refs: whereSighted,
          x_opencti_negative: input.x_opencti_negative,
        },
        input,
        {
          first_seen: input.first_seen === undefined ? undefined : idTimestamp(input.first_seen),
          last_seen: input.last_seen === undefined ? undefined : idTimestamp(input.last_seen),
        },
      );
    },
  };
}

/** An embedded external reference (no id; `externalReferenceId` gives OpenCTI's). */
export function externalReference(input: ExternalReference): ExternalReference {
  const checked = checkExternalReference('external-reference', 'external_reference', input);
  if (checked.url === undefined && checked.external_id === undefined && checked.description === undefined)
    throw inputError('external-reference', 'url', 'needs at least one of url, external_id or description');
  return checked;
}

export function killChainPhase(input: KillChainPhase): KillChainPhase {
  return checkKillChainPhase('kill-chain-phase', 'kill_chain_phase', input);
}
