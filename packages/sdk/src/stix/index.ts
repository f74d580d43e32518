export * from './builders/index.ts';
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
export {
  allOf,
  anyOf,
  combineObservations,
  compare,
  type EmailMessagePatternInput,
  emailMessageComparison,
  equals,
  hashComparison,
  type NetworkTrafficPatternInput,
  networkTrafficComparison,
  observableComparison,
  observationPattern,
  type PatternExpression,
  type PatternOperator,
  type PatternPath,
  type PatternValue,
  path as patternPath,
  patternFromObservables,
  quoteString as quotePatternString,
} from './pattern.ts';
export {
  type PatternComparisonNode,
  type PatternLiteralNode,
  type PatternObjectPath,
  type PatternObservationNode,
  type PatternParseResult,
  type PatternQualifier,
  parseStixPattern,
  stixPatternProblems,
} from './pattern-grammar.ts';
export { pyLowerStrip, pyStrip } from './python-strings.ts';
export { type BundleSource, type ReadBundleOptions, readStixBundle, StixBundleReader, StixBundleScanner, splitStixBundle } from './reader.ts';
export {
  isSplitterSupportedId,
  type SplitBundle,
  type SplitObject,
  type SplitOptions,
  type SplitResult,
  serializeSplitBundle,
  splitBundle,
  splitBundlesAsJson,
  splitBundleText,
  splitObjects,
  splitObjectsAsync,
} from './splitter.ts';
export { toUri } from './uri.ts';
export { STIX_NAMESPACE, uuidV5 } from './uuid.ts';
export {
  type BundleValidator,
  createBundleValidator,
  formatStixProblem,
  type StixProblem,
  type StixProblemSeverity,
  stixReferences,
  validateStixBundle,
  validateStixObject,
} from './validate.ts';
