export {
  type ApiClient,
  type ApiClientOptions,
  type ApiContext,
  type CallOptions,
  createApiClient,
  type DownloadOptions,
  type PlatformSchema,
} from './client.ts';
export * from './documents.ts';
export { graphqlError, networkError, PLATFORM_ERROR_NAMES, type PlatformErrorName, platformHttpError, safeCause, sourceHttpError } from './errors.ts';
export { APPLICANT_HEADER, DEFAULT_USER_AGENT, DRAFT_HEADER, type ParsedCustomHeaders, parseCustomHeaders } from './headers.ts';
export {
  createHttpClient,
  type Fetched,
  type GetOptions,
  type HttpClient,
  type HttpClientOptions,
  type HttpResult,
  type NotModified,
  type PostOptions,
} from './http.ts';
export {
  buildMultipartRequest,
  type MultipartRequest,
  type UploadData,
  type UploadFile,
  type UploadFiles,
  type UploadPathSource,
  type UploadStreamSource,
} from './multipart.ts';
export {
  backoffDelayMs,
  DEFAULT_RETRY_POLICY,
  decideRetry,
  NO_RETRY,
  parseRetryAfter,
  type RetryDecision,
  type RetryPolicy,
  resolveRetryPolicy,
} from './retry.ts';
export { type DocumentProblem, rootFieldBatchingRule, schemaFromSdl, validateDocuments } from './schema-check.ts';
export { readAll } from './streams.ts';
export type { ClientCertificate } from './transport.ts';
export { checkPlatformVersion, readPlatformVersion, TESTED_RANGE, type VersionCheck, type VersionStatus } from './version.ts';
