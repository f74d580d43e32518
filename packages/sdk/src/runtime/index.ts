export { pythonJsonDumps } from '../stix/python-strings.ts';
export {
  type CommandOutput,
  type ConnectorCliOptions,
  connectorRoot,
  defineOfflineCommand,
  type OfflineCommand,
  type OfflineCommandContext,
  type OfflineCommandSpec,
  type OfflineRunContext,
  type OfflineValues,
  runConnectorCli,
  runConnectorMain,
} from './cli.ts';
export { type ConnectorInfo, infoDatetime, initialConnectorInfo } from './connector-info.ts';
export {
  type ConnectorContext,
  type ConnectorDefinition,
  defineConnector,
  type EnrichmentDefinition,
  type ExportFileContext,
  type ExportFileDefinition,
  type ExternalImportDefinition,
  type HandlerResult,
  type ImportFileContext,
  type ImportFileDefinition,
  type JobContext,
  type RunContext,
  type SetupContext,
} from './define.ts';
export { type DirectoryBundleContext, directoryFileName, writeDirectoryBundle } from './directory.ts';
export { HEARTBEAT_INTERVAL_MS, pingOnce, startHeartbeat } from './heartbeat.ts';
export {
  type ConnectorKind,
  type EnrichmentEvent,
  type ExportFileEvent,
  type ExportListParams,
  type ImportFileEvent,
  type Job,
  type JobEvent,
  type JobInternal,
  type PlaybookContext,
  parseJob,
  type StixObject,
} from './messages.ts';
export { type ConnectorMetrics, type ConnectorRunState, createMetrics } from './metrics.ts';
export { type ObservabilityServer, type ReadinessChecks, startObservabilityServer } from './observability.ts';
export { PlatformSession } from './platform.ts';
export { abortableSleep, runSchedule, type ScheduleDeps, type ScheduleOptions } from './schedule.ts';
export { type BundleInput, type SendJobContext, type SendOptions, type SendResult, type StixBundle, sendBundle } from './sender.ts';
export { type RunningConnector, type StartOptions, startConnector } from './start.ts';
export { ConnectorState, type StateObject } from './state.ts';
export { type EntityTlp, entityTlp, isTlpAllowed, normalizeTlp } from './tlp.ts';
