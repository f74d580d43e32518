// Typed constructors for the STIX objects the connectors emit. Plain JSON-ready objects out.

import { type BuilderClock, createDomainBuilders } from './domain.ts';
import * as observables from './observables.ts';

export type { CommonOptions, ExternalReference, KillChainPhase, TimestampInput } from './common.ts';
export { formatTimestamp } from './common.ts';
export {
  type BuilderClock,
  createDomainBuilders,
  type DomainCommon,
  externalReference,
  type IdentityInput,
  killChainPhase,
  type LocationType,
  type NamedInput,
  type OpinionValue,
  type PapLevel,
  type ScoreOption,
} from './domain.ts';
export {
  type ArtifactInput,
  checkHashes,
  type EmailMessageInput,
  type FileInput,
  type NetworkTrafficInput,
  type ObservableCommon,
  type ObservableOptions,
  observable,
  type ProcessInput,
  type RegistryValue,
  type SoftwareInput,
  type UserAccountInput,
  type ValueObservableType,
  valueObservable,
  type X509CertificateInput,
} from './observables.ts';

/**
 * Every builder, with `created`/`modified` (and custom markings' `created`) taken from
 * `clock.now` unless given: `const stix = createStixBuilders({ now: () => new Date(0) })`.
 */
export function createStixBuilders(clock: BuilderClock = {}) {
  const { processObservable, ...scos } = observables;
  return {
    ...createDomainBuilders(clock),
    ...scos,
    process: processObservable,
  };
}

export type StixBuilders = ReturnType<typeof createStixBuilders>;

/** The builders on the system clock. */
export const stixBuilders: StixBuilders = createStixBuilders();
