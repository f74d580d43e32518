// OpenCTI GraphQL client (sdk-protocol §d, platform-contract §2/§8): Bearer auth, pycti's
// headers, typed errors (GraphQL errors arrive with HTTP 200), bounded retries for transient
// failures of idempotent calls, a deadline on every call, multipart uploads and capped
// streamed downloads. The token is registered with the Redactor and never leaves in an error.
import type { Readable } from 'node:stream';
import type { AxiosInstance, AxiosResponse } from 'axios';
import { InputError, OpenCtiTsError, PlatformError } from '../errors/index.ts';
import { type Logger, Redactor, silentLogger } from '../log/index.ts';
import type { GraphqlDocument } from './documents.ts';
import { graphqlError, networkError, platformHttpError } from './errors.ts';
import { APPLICANT_HEADER, DEFAULT_USER_AGENT, DRAFT_HEADER, parseCustomHeaders } from './headers.ts';
import { buildMultipartRequest, hasStreamedFile, type MultipartBody, prepareMultipartBody, type UploadFiles } from './multipart.ts';
import { decideRetry, type RetryPolicy, resolveRetryPolicy } from './retry.ts';
import { capStream, readAll, tooLargeError } from './streams.ts';
import { createAxios, headerRecord } from './transport.ts';

export interface ApiClientOptions {
  /** OPENCTI_URL: the platform's base URL (with its base path, without `/graphql`). */
  url: string;
  /** OPENCTI_TOKEN. */
  token: string;
  /** OPENCTI_CUSTOM_HEADERS (`name: value; name2: value2`) or ready headers. */
  headers?: string | Readonly<Record<string, string>>;
  /** OPENCTI_SSL_VERIFY: boolean, or the path of a CA bundle. Default true. */
  sslVerify?: boolean | string;
  /** Deadline of one attempt (GraphQL call, or download until headers / between chunks). Default 300 000 ms as pycti. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  logger?: Logger;
  /** Default `opencti-ts/<sdk version>`. */
  userAgent?: string;
  /** Shared redactor; the token and custom header values are added to it. */
  redactor?: Redactor;
  /** Proxy variables source (HTTP(S)_PROXY, NO_PROXY), default process.env; false = no proxy. */
  env?: NodeJS.ProcessEnv | false;
  /** Initial context headers. */
  applicantId?: string;
  draftId?: string;
  /** Test seams. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface CallOptions {
  /** false drops `opencti-applicant-id` for this call; default from the document (false for work mutations). */
  impersonate?: boolean;
  /** Per-call retry override, e.g. `{ maxAttempts: 1 }` or `{ retryNonIdempotent: true }`. */
  retry?: Partial<RetryPolicy>;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface DownloadOptions {
  /** Fail with InputError FILE_TOO_LARGE past this many bytes (checked on Content-Length and while streaming). */
  maxBytes: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  retry?: Partial<RetryPolicy>;
}

export interface ApiContext {
  applicantId?: string | undefined;
  /** '' = explicitly no draft (pycti sends the empty header once a draft was ever set). */
  draftId?: string | undefined;
}

export interface PlatformSchema {
  version: string;
  /** Printed SDL. */
  schema: string;
}

export interface ApiClient {
  readonly url: string;
  query<TResult, TVariables>(document: GraphqlDocument<TResult, TVariables>, variables: TVariables, options?: CallOptions): Promise<TResult>;
  query<TResult = unknown>(document: string, variables?: Record<string, unknown>, options?: CallOptions): Promise<TResult>;
  /**
   * GraphQL multipart request: `files` fill the Upload variables of the same names. Files given
   * as `{ path }` or `{ size, open }` are streamed, and reopened when the call is retried.
   */
  upload<TResult, TVariables>(
    document: GraphqlDocument<TResult, TVariables>,
    variables: TVariables,
    files: UploadFiles,
    options?: CallOptions,
  ): Promise<TResult>;
  /** `GET <url><fileFetchPath>` (e.g. `/storage/get/import/global/x.json`), streamed with a size cap. */
  downloadFile(fileFetchPath: string, options: DownloadOptions): Promise<Readable>;
  /** The same, read into memory. */
  downloadFileBuffer(fileFetchPath: string, options: DownloadOptions): Promise<Buffer>;
  /** `GET <url>/schema` → `{version, schema}` (authenticated; introspection is off in production). */
  fetchSchema(options?: CallOptions): Promise<PlatformSchema>;
  setApplicantId(applicantId: string | undefined): void;
  setDraftId(draftId: string | null | undefined): void;
  getContext(): Readonly<ApiContext>;
  /** A client sharing this one's transport and settings with its own context headers. */
  withContext(context: ApiContext): ApiClient;
}

const DEFAULT_TIMEOUT_MS = 300_000;

interface Shared {
  axios: AxiosInstance;
  baseUrl: string;
  baseHeaders: Record<string, string>;
  redactor: Redactor;
  logger: Logger;
  timeoutMs: number;
  policy: RetryPolicy;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const logger = options.logger ?? silentLogger;
  const redactor = options.redactor ?? new Redactor();
  redactor.add(options.token);
  let custom: Record<string, string>;
  if (typeof options.headers === 'string') {
    const parsed = parseCustomHeaders(options.headers);
    for (const index of parsed.invalid) logger.warn('Ignored invalid header pair', { index });
    custom = parsed.headers;
  } else {
    custom = { ...(options.headers ?? {}) };
  }
  // Custom headers often carry gateway credentials.
  for (const value of Object.values(custom)) redactor.add(value);
  const shared: Shared = {
    axios: createAxios({ sslVerify: options.sslVerify ?? true, env: options.env, sslVerifyEnvVar: 'OPENCTI_SSL_VERIFY' }),
    baseUrl: options.url.replace(/\/+$/, ''),
    baseHeaders: { 'User-Agent': options.userAgent ?? DEFAULT_USER_AGENT, Authorization: `Bearer ${options.token}`, ...custom },
    redactor,
    logger,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    policy: resolveRetryPolicy(options.retry),
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    random: options.random ?? Math.random,
  };
  return makeClient(shared, { applicantId: options.applicantId, draftId: options.draftId });
}

function makeClient(shared: Shared, initial: ApiContext): ApiClient {
  const context: ApiContext = { ...initial };

  const headersFor = (impersonate: boolean): Record<string, string> => {
    const headers = { ...shared.baseHeaders };
    if (impersonate && context.applicantId) headers[APPLICANT_HEADER] = context.applicantId;
    if (context.draftId !== undefined) headers[DRAFT_HEADER] = context.draftId;
    return headers;
  };

  /** Runs `attempt` under the retry policy; each attempt gets its own deadline signal. */
  const withRetries = async <T>(
    operation: string,
    idempotent: boolean,
    call: { retry?: Partial<RetryPolicy>; timeoutMs?: number; signal?: AbortSignal },
    attempt: (signal: AbortSignal, timedOut: () => boolean) => Promise<T>,
  ): Promise<T> => {
    const policy = resolveRetryPolicy(shared.policy, call.retry);
    for (let number = 1; ; number += 1) {
      const deadline = new AbortController();
      let expired = false;
      const timer = setTimeout(() => {
        expired = true;
        deadline.abort();
      }, call.timeoutMs ?? shared.timeoutMs);
      const signal = call.signal ? AbortSignal.any([deadline.signal, call.signal]) : deadline.signal;
      try {
        return await attempt(signal, () => expired);
      } catch (error) {
        if (call.signal?.aborted) throw error;
        const decision = decideRetry(policy, number, error, idempotent, shared.random);
        if (!decision.retry) throw error;
        shared.logger.warn('OpenCTI API call failed, retrying', {
          operation,
          attempt: number,
          delay_ms: decision.delayMs,
          code: (error as { code?: unknown }).code,
        });
        await shared.sleep(decision.delayMs);
      } finally {
        clearTimeout(timer);
      }
    }
  };

  const post = async <T>(
    operation: string,
    idempotent: boolean,
    impersonate: boolean,
    body: { data: string | Buffer | MultipartBody; contentType: string },
    call: CallOptions,
  ): Promise<T> =>
    withRetries(operation, idempotent, call, async (signal, timedOut) => {
      // A streamed body is consumed by one attempt: each attempt opens its own.
      const streamed = typeof body.data === 'string' || Buffer.isBuffer(body.data) ? undefined : body.data;
      const stream = streamed?.open();
      let bodyError: unknown;
      stream?.once('error', (error: unknown) => {
        bodyError = error;
      });
      let response: AxiosResponse<string>;
      try {
        response = await shared.axios.request<string>({
          method: 'POST',
          url: `${shared.baseUrl}/graphql`,
          data: stream ?? body.data,
          headers: {
            ...headersFor(impersonate),
            'Content-Type': body.contentType,
            ...(streamed ? { 'Content-Length': String(streamed.contentLength) } : {}),
          },
          responseType: 'text',
          transformResponse: [(raw: unknown) => raw],
          maxRedirects: 0,
          signal,
        });
      } catch (error) {
        // Our own source failing (a file gone or changed) is not a network problem: no retry.
        if (bodyError instanceof OpenCtiTsError) throw bodyError;
        throw networkError(error, operation, shared.redactor, timedOut());
      } finally {
        // An answer before the whole body was read (e.g. 413) leaves the source open otherwise.
        stream?.destroy();
      }
      const text = typeof response.data === 'string' ? response.data : String(response.data ?? '');
      if (response.status < 200 || response.status >= 300) {
        throw platformHttpError(response.status, text, headerRecord(response.headers), { operation, redactor: shared.redactor });
      }
      let payload: unknown;
      try {
        payload = JSON.parse(text);
      } catch {
        throw new PlatformError('INVALID_RESPONSE', `${operation}: the platform answered with something other than JSON`, {
          retryable: true,
          details: { operation, status: response.status },
        });
      }
      const { data, errors } = (typeof payload === 'object' && payload !== null ? payload : {}) as { data?: unknown; errors?: unknown };
      if (Array.isArray(errors) && errors.length > 0) throw graphqlError(errors, operation, shared.redactor);
      return (data ?? null) as T;
    });

  const describe = (document: GraphqlDocument<unknown, unknown> | string) => {
    if (typeof document !== 'string') return document;
    // Raw documents: only a leading `query` is assumed safe to repeat.
    const body = document.replace(/^\s*(#[^\n]*\n\s*)*/, '');
    const match = /^(query|mutation)\s+([_A-Za-z][_0-9A-Za-z]*)?/.exec(body);
    const operationType = match?.[1] === 'mutation' ? 'mutation' : body.startsWith('{') || match?.[1] === 'query' ? 'query' : 'mutation';
    return { operationName: match?.[2] ?? 'anonymous', operationType, text: document, idempotent: operationType === 'query', impersonate: true } as const;
  };

  const downloadOnce = async (fileFetchPath: string, options: DownloadOptions): Promise<Readable> => {
    if (!fileFetchPath.startsWith('/')) {
      throw new InputError('INVALID_FILE_PATH', 'file_fetch must be a path on the platform (starting with "/")', { details: { fileFetchPath } });
    }
    const operation = `GET ${fileFetchPath}`;
    const idleMs = options.timeoutMs ?? shared.timeoutMs;
    return withRetries(operation, true, options, async (signal, timedOut) => {
      let response: AxiosResponse<Readable>;
      try {
        response = await shared.axios.request<Readable>({
          method: 'GET',
          url: `${shared.baseUrl}${fileFetchPath}`,
          headers: headersFor(true),
          responseType: 'stream',
          maxRedirects: 5,
          signal,
        });
      } catch (error) {
        throw networkError(error, operation, shared.redactor, timedOut());
      }
      const headers = headerRecord(response.headers);
      if (response.status < 200 || response.status >= 300) {
        const body = (await readAll(response.data, 4096).catch(() => Buffer.alloc(0))).toString('utf8');
        response.data.destroy();
        // The storage routes answer 503 for a missing or forbidden file: not worth retrying.
        if (response.status === 503 && body.includes('File not found or restricted')) {
          throw new PlatformError('FILE_NOT_FOUND', `${operation}: file not found or restricted`, { details: { status: 503, operation } });
        }
        throw platformHttpError(response.status, body, headers, { operation, redactor: shared.redactor });
      }
      const declared = Number(headers['content-length']);
      if (Number.isFinite(declared) && declared > options.maxBytes) {
        response.data.destroy();
        throw tooLargeError(options.maxBytes, operation);
      }
      return capStream(response.data, {
        maxBytes: options.maxBytes,
        idleTimeoutMs: idleMs,
        tooLarge: () => tooLargeError(options.maxBytes, operation),
        idle: () => networkError(undefined, operation, shared.redactor, true),
      });
    });
  };

  const client: ApiClient = {
    url: shared.baseUrl,
    query: async <T>(document: GraphqlDocument<unknown, unknown> | string, variables?: unknown, options: CallOptions = {}): Promise<T> => {
      const doc = describe(document);
      const body = JSON.stringify({ query: doc.text, variables: variables ?? {} });
      return post<T>(doc.operationName, doc.idempotent, options.impersonate ?? doc.impersonate, { data: body, contentType: 'application/json' }, options);
    },
    upload: async <T, V>(document: GraphqlDocument<T, V>, variables: V, files: UploadFiles, options: CallOptions = {}): Promise<T> => {
      const values = (variables ?? {}) as Record<string, unknown>;
      const impersonate = options.impersonate ?? document.impersonate;
      if (hasStreamedFile(files)) {
        const body = await prepareMultipartBody(document.text, values, files);
        return post<T>(document.operationName, document.idempotent, impersonate, { data: body, contentType: body.contentType }, options);
      }
      const request = buildMultipartRequest(document.text, values, files);
      return post<T>(document.operationName, document.idempotent, impersonate, { data: request.body, contentType: request.contentType }, options);
    },
    downloadFile: downloadOnce,
    downloadFileBuffer: async (fileFetchPath, options) => readAll(await downloadOnce(fileFetchPath, options), options.maxBytes),
    fetchSchema: async (options: CallOptions = {}) =>
      withRetries('GET /schema', true, options, async (signal, timedOut) => {
        let response: AxiosResponse<string>;
        try {
          response = await shared.axios.request<string>({
            method: 'GET',
            url: `${shared.baseUrl}/schema`,
            headers: headersFor(false),
            responseType: 'text',
            transformResponse: [(raw: unknown) => raw],
            signal,
          });
        } catch (error) {
          throw networkError(error, 'GET /schema', shared.redactor, timedOut());
        }
        const text = String(response.data ?? '');
        if (response.status < 200 || response.status >= 300) {
          throw platformHttpError(response.status, text, headerRecord(response.headers), { operation: 'GET /schema', redactor: shared.redactor });
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        const { version, schema } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as { version?: unknown; schema?: unknown };
        if (typeof schema !== 'string') {
          throw new PlatformError('INVALID_RESPONSE', 'GET /schema did not return {version, schema}', { details: { status: response.status } });
        }
        return { version: typeof version === 'string' ? version : 'unknown', schema };
      }),
    setApplicantId: (applicantId) => {
      context.applicantId = applicantId || undefined;
    },
    setDraftId: (draftId) => {
      context.draftId = draftId === undefined ? undefined : (draftId ?? '');
    },
    getContext: () => ({ ...context }),
    withContext: (next) => makeClient(shared, { ...context, ...next }),
  } as ApiClient;
  return client;
}
