// STIX ↔ OpenCTI type vocabulary the stand-in needs: entity types, parent types and the
// GraphQL type names entities resolve to.

const SDO: Record<string, string> = {
  'attack-pattern': 'Attack-Pattern',
  campaign: 'Campaign',
  'course-of-action': 'Course-Of-Action',
  grouping: 'Grouping',
  incident: 'Incident',
  indicator: 'Indicator',
  infrastructure: 'Infrastructure',
  'intrusion-set': 'Intrusion-Set',
  malware: 'Malware',
  'malware-analysis': 'Malware-Analysis',
  note: 'Note',
  'observed-data': 'Observed-Data',
  opinion: 'Opinion',
  report: 'Report',
  tool: 'Tool',
  vulnerability: 'Vulnerability',
  'x-mitre-data-component': 'Data-Component',
  'x-mitre-data-source': 'Data-Source',
  'x-opencti-case-incident': 'Case-Incident',
  'case-incident': 'Case-Incident',
  'x-opencti-case-rfi': 'Case-Rfi',
  'case-rfi': 'Case-Rfi',
  'x-opencti-case-rft': 'Case-Rft',
  'case-rft': 'Case-Rft',
  'x-opencti-task': 'Task',
  task: 'Task',
  'x-opencti-feedback': 'Feedback',
  feedback: 'Feedback',
  channel: 'Channel',
  event: 'Event',
  narrative: 'Narrative',
  language: 'Language',
};

const SCO: Record<string, string> = {
  'autonomous-system': 'Autonomous-System',
  directory: 'Directory',
  'domain-name': 'Domain-Name',
  'email-addr': 'Email-Addr',
  'email-message': 'Email-Message',
  'email-mime-part-type': 'Email-Mime-Part-Type',
  artifact: 'Artifact',
  file: 'StixFile',
  'x509-certificate': 'X509-Certificate',
  'ipv4-addr': 'IPv4-Addr',
  'ipv6-addr': 'IPv6-Addr',
  'mac-addr': 'Mac-Addr',
  mutex: 'Mutex',
  'network-traffic': 'Network-Traffic',
  process: 'Process',
  software: 'Software',
  url: 'Url',
  'user-account': 'User-Account',
  'windows-registry-key': 'Windows-Registry-Key',
  'windows-registry-value-type': 'Windows-Registry-Value-Type',
  'cryptographic-key': 'Cryptographic-Key',
  'cryptocurrency-wallet': 'Cryptocurrency-Wallet',
  hostname: 'Hostname',
  text: 'Text',
  'user-agent': 'User-Agent',
  'bank-account': 'Bank-Account',
  credential: 'Credential',
  'tracking-number': 'Tracking-Number',
  'phone-number': 'Phone-Number',
  'payment-card': 'Payment-Card',
  'media-content': 'Media-Content',
  persona: 'Persona',
  'ssh-key': 'SSH-Key',
};

const IDENTITY: Record<string, string> = { organization: 'Organization', individual: 'Individual', class: 'Sector', system: 'System', group: 'Organization' };
const LOCATION: Record<string, string> = {
  city: 'City',
  country: 'Country',
  region: 'Region',
  position: 'Position',
  'administrative-area': 'Administrative-Area',
};

export type Category = 'sdo' | 'sco' | 'relationship' | 'sighting' | 'marking' | 'meta';

export interface TypeInfo {
  entityType: string;
  category: Category;
  parentTypes: string[];
  graphqlType: string;
}

/** The OpenCTI entity type of a STIX object (`x-opencti-` prefixes accepted), or undefined. */
export function entityTypeOf(stix: Record<string, unknown>): TypeInfo | undefined {
  const raw = String(stix.type ?? '');
  const type = raw.startsWith('x-opencti-') && SCO[raw.slice('x-opencti-'.length)] ? raw.slice('x-opencti-'.length) : raw;
  if (type === 'relationship') return info('stix-core-relationship', 'relationship');
  if (type === 'sighting') return info('stix-sighting-relationship', 'sighting');
  if (type === 'marking-definition') return info('Marking-Definition', 'marking');
  if (type === 'label') return info('Label', 'meta');
  if (type === 'kill-chain-phase') return info('Kill-Chain-Phase', 'meta');
  if (type === 'external-reference') return info('External-Reference', 'meta');
  if (type === 'identity') {
    const cls = String(stix.x_opencti_type ?? stix.identity_class ?? 'organization').toLowerCase();
    return info(IDENTITY[cls] ?? (cls === 'sector' ? 'Sector' : 'Organization'), 'sdo', ['Identity']);
  }
  if (type === 'location') {
    const kind = String(stix.x_opencti_location_type ?? '').toLowerCase();
    const entity = LOCATION[kind] ?? (stix.country ? 'City' : stix.region ? 'Country' : 'Position');
    return info(entity, 'sdo', ['Location']);
  }
  if (type === 'threat-actor') {
    const entity =
      String(stix.resource_level ?? '') === 'individual' || stix.x_opencti_type === 'Threat-Actor-Individual'
        ? 'Threat-Actor-Individual'
        : 'Threat-Actor-Group';
    return info(entity, 'sdo', ['Threat-Actor']);
  }
  const sdo = SDO[type];
  if (sdo) return info(sdo, 'sdo', sdo.startsWith('Case-') ? ['Container', 'Case'] : isContainer(sdo) ? ['Container'] : []);
  const sco = SCO[type];
  if (sco) return info(sco, 'sco');
  return undefined;
}

const CONTAINERS = new Set(['Report', 'Grouping', 'Note', 'Opinion', 'Observed-Data', 'Task', 'Feedback']);
const isContainer = (entityType: string) => CONTAINERS.has(entityType);

function info(entityType: string, category: Category, extra: string[] = []): TypeInfo {
  const base =
    category === 'sdo'
      ? ['Basic-Object', 'Stix-Object', 'Stix-Core-Object', 'Stix-Domain-Object']
      : category === 'sco'
        ? ['Basic-Object', 'Stix-Object', 'Stix-Core-Object', 'Stix-Cyber-Observable']
        : category === 'relationship'
          ? ['basic-relationship', 'stix-relationship']
          : category === 'sighting'
            ? ['basic-relationship', 'stix-relationship']
            : ['Basic-Object', 'Stix-Object', 'Stix-Meta-Object'];
  return { entityType, category, parentTypes: [...base, ...extra], graphqlType: graphqlTypeName(entityType) };
}

/** `IPv4-Addr` → `IPv4Addr`, `stix-core-relationship` → `StixCoreRelationship`. */
export function graphqlTypeName(entityType: string): string {
  if (entityType === 'SSH-Key') return 'SSHKey';
  return entityType
    .split('-')
    .map((part) => (part.length > 0 ? part[0]!.toUpperCase() + part.slice(1) : part))
    .join('');
}

/** The value the platform shows for an observable (`observable_value`). */
export function observableValue(stix: Record<string, unknown>): string {
  for (const key of [
    'value',
    'name',
    'number',
    'path',
    'key',
    'iban',
    'card_number',
    'account_login',
    'user_id',
    'subject',
    'body',
    'persona_name',
    'title',
    'url',
  ]) {
    const value = stix[key];
    if (typeof value === 'string' || typeof value === 'number') return String(value);
  }
  const hashes = stix.hashes;
  if (hashes && typeof hashes === 'object') {
    const first = Object.values(hashes as Record<string, unknown>)[0];
    if (typeof first === 'string') return first;
  }
  return String(stix.id ?? '');
}

/** Whether `required` capability is granted by `owned` (substring rule of the platform; BYPASS grants all). */
export function grants(owned: readonly string[], required: string): boolean {
  return owned.some((capability) => capability === 'BYPASS' || capability.includes(required));
}

export const CONNECTOR_ROLE_CAPABILITIES = [
  'KNOWLEDGE_KNUPDATE_KNDELETE',
  'KNOWLEDGE_KNUPDATE_KNMERGE',
  'KNOWLEDGE_KNUPDATE_KNBYPASSFIELDS',
  'KNOWLEDGE_KNUPLOAD',
  'KNOWLEDGE_KNASKIMPORT',
  'KNOWLEDGE_KNGETEXPORT_KNASKEXPORT',
  'KNOWLEDGE_KNENRICHMENT',
  'CONNECTORAPI',
  'KNOWLEDGE_KNUPDATE_KNBYPASSREFERENCE',
  'MODULES_MODMANAGE',
  'TAXIIAPI',
  'INGESTION',
  'SETTINGS_SETMARKINGS',
  'SETTINGS_SETLABELS',
  'SETTINGS_SETVOCABULARIES',
  'SETTINGS_SETKILLCHAINPHASES',
] as const;

export interface User {
  id: string;
  name: string;
  user_email: string;
  api_token: string;
  capabilities: string[];
}

export const nowIso = (): string => new Date().toISOString();
