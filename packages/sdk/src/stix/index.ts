export { canonicalJson, type JsonValue } from './canonical.ts';
export {
  externalReferenceId,
  fixedFakeReportId,
  generateId,
  idCanonicalText,
  killChainPhaseId,
  labelId,
  normalizeHashes,
  OPENCTI_SCO_EXTENSION,
  OPENCTI_SDO_EXTENSION,
  openctiAttribute,
  requireId,
  SCO_ID_PROPERTIES,
  type StixLike,
  supportsDeterministicId,
  TLP_MARKING_IDS,
  type TlpLevel,
  tlpMarkingId,
} from './ids.ts';
export { pyLowerStrip, pyStrip } from './python-strings.ts';
export { STIX_NAMESPACE, uuidV5 } from './uuid.ts';
