// Kill-chain phase orders of the official connector (connectors.md §2.3), so OpenCTI shows
// tactics in matrix order, and the versioned second chain (`mitre-attack-v18`) it adds.
const ENTERPRISE_BEFORE_19 = [
  'reconnaissance',
  'resource-development',
  'initial-access',
  'execution',
  'persistence',
  'privilege-escalation',
  'defense-evasion',
  'credential-access',
  'discovery',
  'lateral-movement',
  'collection',
  'command-and-control',
  'exfiltration',
  'impact',
];
// ATT&CK 19 split defense-evasion into stealth and defense-impairment.
const ENTERPRISE_FROM_19 = [...ENTERPRISE_BEFORE_19.slice(0, 6), 'stealth', 'defense-impairment', ...ENTERPRISE_BEFORE_19.slice(7)];
const MOBILE = [
  'initial-access',
  'execution',
  'persistence',
  'privilege-escalation',
  'defense-evasion',
  'credential-access',
  'discovery',
  'lateral-movement',
  'collection',
  'command-and-control',
  'exfiltration',
  'impact',
];
const ICS = [
  'initial-access',
  'execution',
  'persistence',
  'privilege-escalation',
  'evasion',
  'discovery',
  'lateral-movement',
  'collection',
  'command-and-control',
  'inhibit-response-function',
  'impair-process-control',
  'impact',
];

/** The ATT&CK kill chains that get a versioned twin. */
export const ATTACK_CHAINS = ['mitre-attack', 'mitre-mobile-attack', 'mitre-ics-attack'] as const;

/** `x_opencti_order` of a phase, or undefined when the chain/phase pair has no order. */
export function phaseOrder(chain: string, phase: string, collectionMajor: number | undefined): number | undefined {
  const table =
    chain === 'mitre-attack'
      ? collectionMajor !== undefined && collectionMajor < 19
        ? ENTERPRISE_BEFORE_19
        : ENTERPRISE_FROM_19
      : chain === 'mitre-mobile-attack'
        ? MOBILE
        : chain === 'mitre-ics-attack'
          ? ICS
          : undefined;
  const index = table?.indexOf(phase) ?? -1;
  return index >= 0 ? index : undefined;
}
