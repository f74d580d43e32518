import { readFileSync } from 'node:fs';
import { oasisSchemasAvailable, sharedPath, validateStixWithOasis } from '@opencti-ts/testing';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../errors/index.ts';
import { generateId, TLP_MARKING_IDS } from '../ids.ts';
import { patternFromObservables } from '../pattern.ts';
import { validateStixBundle, validateStixObject } from '../validate.ts';
import { createStixBuilders, externalReference, killChainPhase } from './index.ts';

const NOW = new Date('2024-03-01T12:34:56.789Z');
const stix = createStixBuilders({ now: () => NOW });
const SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const author = stix.organization({ name: 'ACME CERT', x_opencti_organization_type: 'csirt' });
const amber = stix.tlpMarking('TLP:AMBER');
const common = {
  created_by_ref: author.id,
  object_marking_refs: [amber.id],
  labels: ['phishing'],
  confidence: 75,
  external_references: [externalReference({ source_name: 'MISP', url: 'https://misp.example/events/view/1', external_id: '1' })],
};
const obsOptions = {
  created_by_ref: author.id,
  object_marking_refs: [amber.id],
  labels: ['phishing'],
  x_opencti_score: 80,
  x_opencti_description: 'seen in a campaign',
};

const ip = stix.ipv4Addr('198.51.100.7', obsOptions);
const sender = stix.emailAddr('a@example.org', obsOptions);
const file = stix.file({ name: 'a.exe', hashes: { sha256: SHA256 } }, obsOptions);
const malware = stix.malware({ name: 'Emotet', aliases: ['Geodo'], malware_types: ['trojan'], ...common });
const intrusionSet = stix.intrusionSet({ name: 'APT28', aliases: ['Sofacy'], first_seen: '2010-01-01T00:00:00Z', ...common });
const country = stix.country({ name: 'France', country: 'FR', ...common });
const indicator = stix.indicator({
  pattern: patternFromObservables([file]) as string,
  name: 'a.exe',
  valid_from: '2024-03-01T00:00:00Z',
  valid_until: '2024-06-01T00:00:00Z',
  x_opencti_main_observable_type: 'StixFile',
  x_opencti_score: 80,
  x_opencti_detection: true,
  kill_chain_phases: [killChainPhase({ kill_chain_name: 'mitre-attack', phase_name: 'execution' })],
  ...common,
});

/** Every builder, each producing one representative object. */
const built: [string, Record<string, unknown>][] = [
  ['organization', author],
  ['individual', stix.individual({ name: 'Jane Doe', x_opencti_firstname: 'Jane', x_opencti_lastname: 'Doe', ...common })],
  ['system', stix.system({ name: 'Sensor 1', ...common })],
  ['sector', stix.sector({ name: 'Finance', description: 'Banks', ...common })],
  ['identity (any class)', stix.identity({ name: 'Acme EDR', identity_class: 'securityplatform' })],
  ['TLP:CLEAR', stix.tlpMarking('TLP:CLEAR')],
  ['TLP:WHITE', stix.tlpMarking('TLP:WHITE')],
  ['TLP:GREEN', stix.tlpMarking('TLP:GREEN')],
  ['TLP:AMBER', amber],
  ['TLP:AMBER+STRICT', stix.tlpMarking('TLP:AMBER+STRICT')],
  ['TLP:RED', stix.tlpMarking('TLP:RED')],
  ['PAP:RED', stix.papMarking('PAP:RED')],
  ['custom marking', stix.openctiMarking('ORG', 'ORG:INTERNAL')],
  ['statement marking', stix.statementMarking('Copyright 2024 ACME', { name: 'ACME copyright' })],
  ['report', stix.report({ name: 'Event 1', published: '2024-03-01T00:00:00Z', report_types: ['threat-report'], object_refs: [malware.id, ip.id], ...common })],
  ['note', stix.note({ content: 'Registrar: X', abstract: 'WHOIS', object_refs: [ip.id], ...common })],
  ['opinion', stix.opinion({ opinion: 'agree', explanation: 'confirmed', object_refs: [malware.id], ...common })],
  ['indicator', indicator],
  ['indicator (yara)', stix.indicator({ pattern: 'rule x { condition: true }', pattern_type: 'yara', x_opencti_main_observable_type: 'Text' })],
  ['malware', malware],
  ['tool', stix.tool({ name: 'Mimikatz', tool_types: ['credential-exploitation'], ...common })],
  ['threat-actor group', stix.threatActorGroup({ name: 'Fancy Bear', threat_actor_types: ['nation-state'], ...common })],
  ['threat-actor individual', stix.threatActorIndividual({ name: 'John Smith', ...common })],
  ['intrusion-set', intrusionSet],
  [
    'campaign',
    stix.campaign({ name: 'Operation X', objective: 'espionage', first_seen: '2024-01-01T00:00:00Z', last_seen: '2024-02-01T00:00:00Z', ...common }),
  ],
  [
    'attack-pattern',
    stix.attackPattern({
      name: 'Phishing',
      x_mitre_id: 'T1566',
      kill_chain_phases: [{ kill_chain_name: 'mitre-attack', phase_name: 'initial-access', x_opencti_order: 3 }],
      x_mitre_platforms: ['Windows'],
      ...common,
    }),
  ],
  ['course-of-action', stix.courseOfAction({ name: 'User Training', x_mitre_id: 'M1017', ...common })],
  ['vulnerability', stix.vulnerability({ name: 'CVE-2021-44228', x_opencti_cvss_base_score: 10, x_opencti_score: 90, ...common })],
  ['country', country],
  ['region', stix.region({ name: 'Western Europe', ...common })],
  ['city', stix.city({ name: 'Paris', country: 'FR', ...common })],
  ['administrative area', stix.administrativeArea({ name: 'Ile-de-France', country: 'FR' })],
  ['position', stix.position({ latitude: 48.8566, longitude: 2.3522, name: 'Office' })],
  [
    'relationship',
    stix.relationship({ relationship_type: 'indicates', source_ref: indicator.id, target_ref: malware.id, description: 'from MISP', ...common }),
  ],
  [
    'relationship with times',
    stix.relationship({
      relationship_type: 'targets',
      source_ref: intrusionSet.id,
      target_ref: country.id,
      start_time: '2020-01-01T00:00:00Z',
      stop_time: '2021-01-01T00:00:00Z',
    }),
  ],
  [
    'sighting',
    stix.sighting({
      sighting_of_ref: indicator.id,
      where_sighted_refs: [author.id],
      first_seen: '2024-03-01T00:00:00Z',
      count: 3,
      x_opencti_negative: false,
      ...common,
    }),
  ],
  ['ipv4-addr', ip],
  ['ipv6-addr', stix.ipv6Addr('2001:db8::1', obsOptions)],
  ['domain-name', stix.domainName('x.example', obsOptions)],
  ['url', stix.url('http://x.example/a?b=1', obsOptions)],
  ['email-addr', sender],
  ['mac-addr', stix.macAddr('00:00:5e:00:53:af', obsOptions)],
  ['hostname', stix.hostname('host.x.example', obsOptions)],
  ['text', stix.text('443', obsOptions)],
  ['user-agent', stix.userAgent('Mozilla/5.0', obsOptions)],
  ['cryptocurrency-wallet', stix.cryptocurrencyWallet('1BoatSLRHtKNngkdXEeobR76b53LETtpyT', obsOptions)],
  ['phone-number', stix.phoneNumber('+33 1 23 45 67 89', obsOptions)],
  ['credential', stix.credential('hunter2', obsOptions)],
  ['tracking-number', stix.trackingNumber('1Z999AA10123456784', obsOptions)],
  ['cryptographic-key', stix.cryptographicKey('-----BEGIN PUBLIC KEY-----', obsOptions)],
  ['autonomous-system', stix.autonomousSystem(64496, { ...obsOptions, name: 'Example AS' })],
  ['directory', stix.directory('C:\\Windows\\Temp', obsOptions)],
  ['mutex', stix.mutex('Global\\x', obsOptions)],
  ['file', file],
  ['artifact', stix.artifact({ payload_bin: 'aGVsbG8=', mime_type: 'text/plain' }, obsOptions)],
  [
    'email-message',
    stix.emailMessage({ subject: 'Invoice', from_ref: sender.id, to_refs: [sender.id], date: '2024-03-01T00:00:00Z', is_multipart: true }, obsOptions),
  ],
  ['network-traffic', stix.networkTraffic({ dst_ref: ip.id, dst_port: 443, protocols: ['TCP'], start: '2024-03-01T00:00:00Z' }, obsOptions)],
  ['process', stix.process({ pid: 4, command_line: 'cmd.exe /c x' }, obsOptions)],
  ['software', stix.software({ name: 'Word', vendor: 'Microsoft', version: '2019', cpe: 'cpe:2.3:a:microsoft:word:2019:*:*:*:*:*:*:*' }, obsOptions)],
  ['user-account', stix.userAccount({ account_login: 'octocat', account_type: 'github' }, obsOptions)],
  [
    'windows-registry-key',
    stix.windowsRegistryKey({ key: 'HKEY_LOCAL_MACHINE\\Software\\Run', values: [{ name: 'x', data: 'y', data_type: 'REG_SZ' }] }, obsOptions),
  ],
  ['x509-certificate', stix.x509Certificate({ serial_number: '01', issuer: 'CN=x', hashes: { 'SHA-1': 'a'.repeat(40) } }, obsOptions)],
  ['payment-card', stix.paymentCard('4111111111111111', obsOptions)],
  ['bank-account', stix.bankAccount('FR7630006000011234567890189', obsOptions)],
  ['media-content', stix.mediaContent('https://x.example/post/1', { ...obsOptions, title: 'Post' })],
  ['persona', stix.persona('jdoe', 'twitter', obsOptions)],
];

describe('every builder emits valid STIX 2.1', () => {
  it.each(built)('%s passes the SDK validator', (_name, obj) => {
    expect(validateStixObject(obj)).toEqual([]);
  });

  it.skipIf(!oasisSchemasAvailable()).each(built)('%s passes the OASIS JSON schemas', (_name, obj) => {
    expect(validateStixWithOasis(obj)).toEqual([]);
  });

  it('builds a self-contained bundle with every object', () => {
    const objects = built.map(([, obj]) => obj);
    const unique = objects.filter((obj, index) => objects.findIndex((other) => other.id === obj.id) === index);
    expect(validateStixBundle({ type: 'bundle', id: 'bundle--5d0092c5-5f74-4287-9642-33f4c354e56d', objects: unique })).toEqual([]);
  });

  it('computes every id the way pycti/stix2 would (generateId over the object)', () => {
    for (const [name, obj] of built) {
      if (obj.type === 'process') continue; // random, as in stix2
      // Markings have fixed or (type, value) ids; note/opinion ids leave out a clock-stamped created.
      if (obj.type === 'marking-definition' || obj.type === 'note' || obj.type === 'opinion') continue;
      expect(obj.id, name).toBe(generateId(obj as { type: string }));
    }
  });

  it('emits JSON-ready objects (a JSON round trip changes nothing; no null or empty list)', () => {
    for (const [name, obj] of built) {
      expect(JSON.parse(JSON.stringify(obj)), name).toEqual(obj);
      for (const value of Object.values(obj)) {
        expect(value, name).not.toBeNull();
        if (Array.isArray(value)) expect(value.length, name).toBeGreaterThan(0);
      }
    }
  });
});

describe('STIX defaults and OpenCTI properties', () => {
  it('stamps created/modified from the injected clock with millisecond precision', () => {
    expect(malware).toMatchObject({ spec_version: '2.1', created: '2024-03-01T12:34:56.789Z', modified: '2024-03-01T12:34:56.789Z' });
    const later = stix.malware({ name: 'x', created: '2024-01-01T00:00:00Z', modified: new Date('2024-01-02T00:00:00.5Z') });
    expect(later).toMatchObject({ created: '2024-01-01T00:00:00.000Z', modified: '2024-01-02T00:00:00.500Z' });
  });

  it('converts offsets to Z and keeps sub-second precision on other timestamps', () => {
    const report = stix.report({ name: 'r', published: '2024-03-01T02:00:00.120+02:00', object_refs: [malware.id] });
    expect(report.published).toBe('2024-03-01T00:00:00.12Z');
  });

  it('hashes timestamps verbatim in ids (pycti), whatever the property shows', () => {
    const published = '2024-03-01T00:00:00+00:00';
    const report = stix.report({ name: 'Event 1', published, object_refs: [malware.id] });
    expect(report.published).toBe('2024-03-01T00:00:00Z');
    expect(report.id).toBe(generateId({ type: 'report', name: 'Event 1', published }));
    expect(report.id).not.toBe(generateId({ type: 'report', name: 'Event 1', published: '2024-03-01T00:00:00Z' }));
  });

  it('gives a note without explicit created the id of its content alone', () => {
    const note = stix.note({ content: 'x', object_refs: [ip.id] });
    expect(note.id).toBe(generateId({ type: 'note', content: 'x' }));
    expect(stix.note({ content: 'x', object_refs: [ip.id], created: '2024-01-01T00:00:00Z' }).id).toBe(
      generateId({ type: 'note', content: 'x', created: '2024-01-01T00:00:00Z' }),
    );
  });

  it('puts the OpenCTI observable properties on SCOs (author as x_opencti_created_by_ref)', () => {
    expect(ip).toEqual({
      type: 'ipv4-addr',
      spec_version: '2.1',
      id: generateId({ type: 'ipv4-addr', value: '198.51.100.7' }),
      value: '198.51.100.7',
      object_marking_refs: [amber.id],
      x_opencti_score: 80,
      x_opencti_description: 'seen in a campaign',
      x_opencti_created_by_ref: author.id,
      labels: ['phishing'],
    });
  });

  it('normalises hash names and keeps OpenCTI typing on indicators, locations and threat actors', () => {
    expect(file.hashes).toEqual({ 'SHA-256': SHA256 });
    expect(indicator).toMatchObject({
      pattern_type: 'stix',
      x_opencti_main_observable_type: 'StixFile',
      x_opencti_score: 80,
      valid_from: '2024-03-01T00:00:00Z',
    });
    expect(country).toMatchObject({ x_opencti_location_type: 'Country', country: 'FR' });
    expect(stix.region({ name: 'Europe' })).toMatchObject({ region: 'Europe', x_opencti_location_type: 'Region' });
    expect(stix.threatActorIndividual({ name: 'x' }).x_opencti_type).toBe('Threat-Actor-Individual');
    expect(stix.threatActorIndividual({ name: 'x' }).id).not.toBe(stix.threatActorGroup({ name: 'x' }).id);
    expect(stix.malware({ name: 'x' }).is_family).toBe(true);
    expect(stix.emailMessage({ subject: 's' }).is_multipart).toBe(false);
  });

  it('derives the attack-pattern id from x_mitre_id and the position id from coordinates', () => {
    expect(stix.attackPattern({ name: 'Phishing', x_mitre_id: 'T1566' }).id).toBe(stix.attackPattern({ name: 'Other name', x_mitre_id: 'T1566' }).id);
    expect(stix.position({ latitude: 1, longitude: 2 }).id).toBe(stix.position({ latitude: 1, longitude: 2, name: 'elsewhere' }).id);
  });

  it('lets a connector override the id and add custom properties', () => {
    const note = stix.note({ content: 'c', object_refs: [ip.id], id: 'note--2b2f6ae1-8a6d-5b8b-9c10-0e0f6f1b3b6a', custom: { x_whois_raw: 'raw' } });
    expect(note).toMatchObject({ id: 'note--2b2f6ae1-8a6d-5b8b-9c10-0e0f6f1b3b6a', x_whois_raw: 'raw' });
  });
});

describe('markings', () => {
  it.each([
    ['TLP:GREEN', 'green'],
    ['TLP:AMBER', 'amber'],
    ['TLP:RED', 'red'],
    ['TLP:WHITE', 'white'],
  ] as const)('%s is the stix2 standard object', (level, tlp) => {
    expect(stix.tlpMarking(level)).toEqual({
      type: 'marking-definition',
      spec_version: '2.1',
      id: TLP_MARKING_IDS[level],
      created: '2017-01-20T00:00:00.000Z',
      definition_type: 'tlp',
      name: level,
      definition: { tlp },
    });
  });

  it.each(['TLP:CLEAR', 'TLP:AMBER+STRICT'] as const)('%s is OpenCTI custom statement object with its fixed id', (level) => {
    expect(stix.tlpMarking(level)).toEqual({
      type: 'marking-definition',
      spec_version: '2.1',
      id: TLP_MARKING_IDS[level],
      created: '2024-03-01T12:34:56.789Z',
      definition_type: 'statement',
      definition: { statement: 'custom' },
      x_opencti_definition_type: 'TLP',
      x_opencti_definition: level,
    });
  });

  it('gives PAP and custom markings the pycti MarkingDefinition id of (type, value)', () => {
    const pap = stix.papMarking('PAP:AMBER');
    expect(pap.id).toBe(generateId({ type: 'marking-definition', definition_type: 'PAP', definition: 'PAP:AMBER' }));
    expect(pap).toMatchObject({ definition_type: 'statement', x_opencti_definition_type: 'PAP', x_opencti_definition: 'PAP:AMBER' });
  });
});

describe('invalid input is an InputError naming the field', () => {
  it.each([
    ['empty name', () => stix.malware({ name: '  ' }), 'malware', 'name'],
    ['author that is not an identity', () => stix.malware({ name: 'x', created_by_ref: malware.id }), 'malware', 'created_by_ref'],
    ['marking that is not a marking', () => stix.tool({ name: 'x', object_marking_refs: [author.id] }), 'tool', 'object_marking_refs[0]'],
    ['confidence above 100', () => stix.campaign({ name: 'x', confidence: 101 }), 'campaign', 'confidence'],
    ['bad timestamp', () => stix.report({ name: 'x', published: '01/02/2024', object_refs: [ip.id] }), 'report', 'published'],
    ['report without refs', () => stix.report({ name: 'x', published: '2024-01-01T00:00:00Z', object_refs: [] }), 'report', 'object_refs'],
    ['modified before created', () => stix.tool({ name: 'x', created: '2024-01-02T00:00:00Z', modified: '2024-01-01T00:00:00Z' }), 'tool', 'modified'],
    ['invalid STIX pattern', () => stix.indicator({ pattern: "[file:name = 'x'" }), 'indicator', 'pattern'],
    [
      'valid_until before valid_from',
      () => stix.indicator({ pattern: "[url:value = 'x']", valid_from: '2024-01-02T00:00:00Z', valid_until: '2024-01-01T00:00:00Z' }),
      'indicator',
      'valid_until',
    ],
    ['sha256 of the wrong length', () => stix.file({ hashes: { sha256: 'abc' } }), 'file', 'hashes.SHA-256'],
    ['file without name or hash', () => stix.file({}), 'file', 'name'],
    ['score out of range', () => stix.url('http://x/', { x_opencti_score: 150 }), 'url', 'x_opencti_score'],
    ['port out of range', () => stix.networkTraffic({ dst_ref: ip.id, dst_port: 70000, protocols: ['tcp'] }), 'network-traffic', 'dst_port'],
    ['traffic to a file', () => stix.networkTraffic({ dst_ref: file.id, protocols: ['tcp'] }), 'network-traffic', 'dst_ref'],
    ['city without country or coordinates', () => stix.city({ name: 'Paris' }), 'location', 'country'],
    ['latitude out of range', () => stix.position({ latitude: 91, longitude: 0 }), 'location', 'latitude'],
    [
      'relationship to a marking',
      () => stix.relationship({ relationship_type: 'uses', source_ref: malware.id, target_ref: amber.id }),
      'relationship',
      'target_ref',
    ],
    [
      'relationship type with spaces',
      () => stix.relationship({ relationship_type: 'Uses It', source_ref: malware.id, target_ref: ip.id }),
      'relationship',
      'relationship_type',
    ],
    ['sighted at a malware', () => stix.sighting({ sighting_of_ref: indicator.id, where_sighted_refs: [malware.id] }), 'sighting', 'where_sighted_refs[0]'],
    ['opinion outside the vocabulary', () => stix.opinion({ opinion: 'maybe' as 'agree', object_refs: [ip.id] }), 'opinion', 'opinion'],
    [
      'external reference without source',
      () => stix.tool({ name: 'x', external_references: [{ source_name: '', url: 'x' }] }),
      'tool',
      'external_references[0].source_name',
    ],
    ['custom property with a bad name', () => stix.tool({ name: 'x', custom: { 'X-Foo': 1 } }), 'tool', 'X-Foo'],
    ['id of another type', () => stix.tool({ name: 'x', id: malware.id }), 'tool', 'id'],
    ['unknown PAP', () => stix.papMarking('PAP:BLUE' as 'PAP:RED'), 'marking-definition', 'definition'],
  ])('%s', (_name, build, type, field) => {
    let caught: unknown;
    try {
      build();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as InputError).code).toBe('STIX_BUILDER_INPUT');
    expect((caught as InputError).details).toEqual({ type, field });
  });
});

describe('parity with the pycti id vectors', () => {
  interface Vector {
    function: string;
    input: Record<string, unknown>;
    id: string | null;
  }
  const located = sharedPath('data/vectors/stix-ids.json');
  const vectors: Vector[] = located.available ? JSON.parse(readFileSync(located.path, 'utf8')) : [];
  const unwrap = (value: unknown): unknown =>
    value && typeof value === 'object' && '$datetime' in (value as Record<string, unknown>) ? (value as Record<string, string>).$datetime : value;
  const build: Record<string, (input: Record<string, unknown>) => { id: string }> = {
    'Identity.generate_id': (input) => stix.identity({ name: input.name as string, identity_class: input.identity_class as string }),
    'Malware.generate_id': (input) => stix.malware({ name: input.name as string }),
    'IntrusionSet.generate_id': (input) => stix.intrusionSet({ name: input.name as string }),
    'Campaign.generate_id': (input) => stix.campaign({ name: input.name as string }),
    'Tool.generate_id': (input) => stix.tool({ name: input.name as string }),
    'Vulnerability.generate_id': (input) => stix.vulnerability({ name: input.name as string }),
    'AttackPattern.generate_id': (input) =>
      stix.attackPattern({ name: input.name as string, x_mitre_id: (input.x_mitre_id ?? undefined) as string | undefined }),
    'ThreatActorGroup.generate_id': (input) => stix.threatActorGroup({ name: input.name as string }),
    'ThreatActorIndividual.generate_id': (input) => stix.threatActorIndividual({ name: input.name as string }),
    'Report.generate_id': (input) => stix.report({ name: input.name as string, published: unwrap(input.published) as string, object_refs: [ip.id] }),
    'Indicator.generate_id': (input) => stix.indicator({ pattern: input.pattern as string, pattern_type: 'stix' }),
    'StixCoreRelationship.generate_id': (input) =>
      stix.relationship({
        relationship_type: input.relationship_type as string,
        source_ref: input.source_ref as string,
        target_ref: input.target_ref as string,
        start_time: (unwrap(input.start_time) ?? undefined) as string | undefined,
        stop_time: (unwrap(input.stop_time) ?? undefined) as string | undefined,
      }),
    'stix2 IPv4Address constructor (SCO deterministic id)': (input) => stix.ipv4Addr(input.value as string),
    'stix2 DomainName constructor (SCO deterministic id)': (input) => stix.domainName(input.value as string),
    'stix2 CustomObservableHostname constructor (SCO deterministic id)': (input) => stix.hostname(input.value as string),
    'stix2 File constructor (SCO deterministic id)': (input) => stix.file(input as { name?: string; hashes?: Record<string, string> }),
  };

  it.skipIf(!located.available)('builders reproduce the ids pycti/stix2 computed (inputs the builders accept)', () => {
    let checked = 0;
    for (const vector of vectors) {
      const builder = build[vector.function];
      if (!builder || vector.id === null) continue;
      let obj: { id: string };
      try {
        obj = builder(vector.input);
      } catch (error) {
        // Inputs stix2 would also refuse (empty names, malformed patterns or hashes...).
        if (error instanceof InputError) continue;
        throw error;
      }
      expect(obj.id, `${vector.function} ${JSON.stringify(vector.input)}`).toBe(vector.id);
      checked += 1;
    }
    expect(checked).toBeGreaterThan(60);
  });
});
