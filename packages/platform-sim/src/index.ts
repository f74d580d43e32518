export { Broker, type BrokerNames, brokerNames, queueArguments } from './broker.ts';
export {
  CLIENT_DOCUMENTS,
  type ExportAskInput,
  type FileView,
  type FilterGroup,
  GraphqlRequestError,
  type ListExportAskInput,
  PlatformClient,
  StorageRequestError,
  type WaitOptions,
  WaitTimeoutError,
  type WorkView,
} from './client.ts';
export { FileStore, mimeTypeOf, type StoredFile } from './files.ts';
export { createSchema, formatError, rootFieldLimitRule, runGraphql, SCHEMA_SDL } from './graphql.ts';
export { type E2ePlatform, type HarnessOptions, startPlatform } from './harness.ts';
export { enrichmentMessage, importMessage, listExportMessage, singleExportMessage, toStix } from './jobs.ts';
export { CONNECTOR_ROLE_CAPABILITIES, entityTypeOf, grants, type User } from './model.ts';
export { ADMIN_ID, type ConnectorRecord, Platform, type PlatformOptions } from './platform.ts';
export {
  AUTOMATION_MANAGER_USER_ID,
  type PlaybookBundle,
  type PlaybookDriver,
  type PlaybookExecution,
  type PlaybookStepContext,
  type PlaybookStepInput,
  type PlaybookStepMessage,
  Playbooks,
} from './playbooks.ts';
export { type PlatformSim, type PlatformSimOptions, startPlatformSim } from './sim.ts';
export { type Entity, KnowledgeStore, paginate } from './store.ts';
export { splitBundle, Worker } from './worker.ts';
export { type Work, WorkStore } from './works.ts';
