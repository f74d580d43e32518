// pycti's max-TLP rule (sdk-protocol §h.1), used by enrichment connectors before any
// external call: an entity marked above the configured maximum is not sent out.
const ALLOWED: Record<string, readonly string[]> = {
  'TLP:RED': ['TLP:WHITE', 'TLP:CLEAR', 'TLP:GREEN', 'TLP:AMBER', 'TLP:AMBER+STRICT', 'TLP:RED'],
  'TLP:AMBER+STRICT': ['TLP:WHITE', 'TLP:CLEAR', 'TLP:GREEN', 'TLP:AMBER', 'TLP:AMBER+STRICT'],
  'TLP:AMBER': ['TLP:WHITE', 'TLP:CLEAR', 'TLP:GREEN', 'TLP:AMBER'],
  'TLP:GREEN': ['TLP:WHITE', 'TLP:CLEAR', 'TLP:GREEN'],
  'TLP:WHITE': ['TLP:WHITE', 'TLP:CLEAR'],
  'TLP:CLEAR': ['TLP:WHITE', 'TLP:CLEAR'],
};

/** True when `tlp` may be processed under `maxTlp` (case-insensitive; a missing side allows). */
export function isTlpAllowed(tlp: string | null | undefined, maxTlp: string | null | undefined): boolean {
  if (!tlp || !maxTlp) return true;
  return ALLOWED[maxTlp.toUpperCase()]?.includes(tlp.toUpperCase()) ?? false;
}
