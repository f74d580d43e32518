// The connector's configuration: the SDK base for an external import plus the `mitre:`
// section, with the official image's names and defaults (connectors.md §2.1) so this image
// is a drop-in replacement in an existing compose file.
import { baseConfig, bool, defineConfig, int, list, str } from '@opencti-ts/sdk/config';

const base = baseConfig('EXTERNAL_IMPORT');
const ATTACK_DATA = 'https://raw.githubusercontent.com/mitre-attack/attack-stix-data/master';

/** What the official connector registers as its scope and sends as `entities_types`. */
export const DEFAULT_ENTITY_TYPES = [
  'tool',
  'report',
  'malware',
  'identity',
  'campaign',
  'intrusion-set',
  'attack-pattern',
  'course-of-action',
  'x-mitre-data-source',
  'x-mitre-data-component',
  'x-mitre-matrix',
  'x-mitre-tactic',
  'x-mitre-collection',
];

const collectionUrl = (what: string, url: string) =>
  str().default(url).describe(`URL of the ${what} collection (https://, http:// or file:// for a mirrored file); false disables it.`);

/** The `mitre:` section (MITRE_*), also read alone by the offline `convert` command. */
export const mitreSection = {
  interval: int({ min: 1 }).default(7).describe('Days between two runs (used when CONNECTOR_DURATION_PERIOD is not set).'),
  remove_statement_marking: bool().default(false).describe("Remove MITRE's copyright statement markings from every object."),
  enterprise_file_url: collectionUrl('Enterprise ATT&CK', `${ATTACK_DATA}/enterprise-attack/enterprise-attack.json`),
  mobile_attack_file_url: collectionUrl('Mobile ATT&CK', `${ATTACK_DATA}/mobile-attack/mobile-attack.json`),
  ics_attack_file_url: collectionUrl('ICS ATT&CK', `${ATTACK_DATA}/ics-attack/ics-attack.json`),
  capec_file_url: collectionUrl('CAPEC', 'https://raw.githubusercontent.com/mitre/cti/master/capec/2.1/stix-capec.json'),
  max_file_size_mb: int({ min: 1 }).default(512).describe('Largest collection file accepted, in MB (a larger download fails the run).').advanced(),
};

export const mitreConfig = defineConfig({
  ...base,
  connector: {
    ...base.connector,
    id: base.connector.id.default('mitre--c9dacf68-b0e6-476d-a24f-4269b1b9cd25'),
    name: base.connector.name.default('MITRE ATT&CK'),
    scope: list().default(DEFAULT_ENTITY_TYPES).describe('STIX types imported (sent as entities_types); the legacy value "mitre" means the default list.'),
  },
  mitre: mitreSection,
});
