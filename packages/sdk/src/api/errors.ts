// Mapping of API failures onto the SDK's typed errors. Pure functions: the client hands them
// what it received; nothing here touches the network. Messages are redacted, and causes are
// rebuilt as plain errors because transport errors carry the request (with its token).
import { InputError, PlatformError, TransientError } from '../errors/index.ts';
import type { Redactor } from '../log/index.ts';
import { parseRetryAfter } from './retry.ts';

/** Error names the platform puts in `errors[].name` that the SDK knows by code. */
export const PLATFORM_ERROR_NAMES = [
  'AUTH_REQUIRED',
  'AUTH_FAILURE',
  'OTP_REQUIRED',
  'FORBIDDEN_ACCESS',
  'FUNCTIONAL_ERROR',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'DRAFT_LOCKED',
  'ALREADY_DELETED_ERROR',
  'MISSING_REFERENCE_ERROR',
  'LOCK_ERROR',
  'VALIDATION_ERROR',
  'UNSUPPORTED_ERROR',
  'DATABASE_ERROR',
  'RESOURCE_NOT_FOUND',
] as const;
export type PlatformErrorName = (typeof PLATFORM_ERROR_NAMES)[number];

/** Platform errors that pass by themselves (the worker retries lock errors too). */
const RETRYABLE_PLATFORM_NAMES: ReadonlySet<string> = new Set(['LOCK_ERROR']);

/** One entry of a GraphQL `errors` array, as far as we read it. */
export interface GraphqlErrorEntry {
  name?: string;
  message?: string;
  extensions?: { code?: string; [key: string]: unknown };
  data?: Record<string, unknown>;
}

function asEntry(value: unknown): GraphqlErrorEntry {
  return typeof value === 'object' && value !== null ? (value as GraphqlErrorEntry) : { message: String(value) };
}

/**
 * `errors[0]` of an HTTP 200 GraphQL answer → PlatformError. Code = the platform's error name
 * when we know it, else `GRAPHQL_ERROR` (the raw name stays in `details.platformName`).
 * pycti raises on the first entry only (sdk-protocol §d.1); so do we, keeping a count.
 */
export function graphqlError(errors: readonly unknown[], operationName: string | undefined, redactor: Redactor): PlatformError {
  const first = asEntry(errors[0]);
  const name = first.name ?? first.extensions?.code ?? 'GRAPHQL_ERROR';
  const code = (PLATFORM_ERROR_NAMES as readonly string[]).includes(name) ? name : 'GRAPHQL_ERROR';
  const message = redactor.redact(first.message ?? name);
  const { input: _input, ...data } = first.data ?? {};
  return new PlatformError(code, `${operationName ?? 'GraphQL request'} failed: ${message}`, {
    retryable: RETRYABLE_PLATFORM_NAMES.has(name),
    details: redactor.redactValue({
      operationName,
      platformName: name,
      ...(Object.keys(data).length > 0 ? { data } : {}),
      ...(errors.length > 1 ? { errorCount: errors.length } : {}),
    }),
  });
}

const MAX_BODY_IN_MESSAGE = 500;

/** A non-2xx answer of the OpenCTI platform (GraphQL or file routes). */
export function platformHttpError(
  status: number,
  body: string,
  headers: Record<string, string | undefined>,
  context: { operation: string; redactor: Redactor },
): PlatformError {
  const excerpt = context.redactor.redact(body.slice(0, MAX_BODY_IN_MESSAGE)).trim();
  const retryAfterMs = parseRetryAfter(headers['retry-after']);
  const details = { status, operation: context.operation, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  const message = `${context.operation} failed with HTTP ${status}${excerpt ? `: ${excerpt}` : ''}`;
  if (status === 429) return new PlatformError('RATE_LIMITED', message, { retryable: true, details });
  if (status === 502 || status === 503 || status === 504) return new PlatformError('PLATFORM_UNAVAILABLE', message, { retryable: true, details });
  if (status === 401) return new PlatformError('AUTH_REQUIRED', message, { details });
  if (status === 403) return new PlatformError('FORBIDDEN_ACCESS', message, { details });
  if (status === 404) return new PlatformError('NOT_FOUND', message, { details });
  if (status >= 500) return new PlatformError('PLATFORM_HTTP_ERROR', message, { details });
  return new PlatformError('HTTP_ERROR', message, { details });
}

/** A non-2xx answer of a connector's source (feeds, RDAP, MISP...). */
export function sourceHttpError(status: number, url: string, headers: Record<string, string | undefined>, redactor: Redactor): TransientError | InputError {
  const retryAfterMs = parseRetryAfter(headers['retry-after']);
  const details = { status, url: redactor.redact(url), ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  const message = `GET ${redactor.redact(url)} failed with HTTP ${status}`;
  if (status === 429) return new TransientError('RATE_LIMITED', message, { details });
  if (status >= 500) return new TransientError('HTTP_SERVER_ERROR', message, { details });
  return new InputError('HTTP_CLIENT_ERROR', message, { details });
}

/** Error codes of transport failures that are worth retrying. */
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ECONNABORTED', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT']);

/** Strips everything from a transport error but a redacted message and its code. */
export function safeCause(error: unknown, redactor: Redactor): Error {
  const message = error instanceof Error ? error.message : String(error);
  const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
  const clean = new Error(redactor.redact(message));
  clean.name = error instanceof Error ? error.name : 'Error';
  if (code !== undefined) Object.assign(clean, { code });
  clean.stack = `${clean.name}: ${clean.message}`;
  return clean;
}

/** Certificate problems: retrying cannot help, the TLS settings (OPENCTI_SSL_VERIFY, CA) must change. */
const TLS_CODE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL/;

/** A failure before any HTTP answer (refused, reset, DNS, timeout) → TransientError; TLS → PlatformError. */
export function networkError(error: unknown, operation: string, redactor: Redactor, timedOut = false): TransientError | PlatformError {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
  const cause = safeCause(error, redactor);
  if (code !== undefined && TLS_CODE.test(code)) {
    return new PlatformError('TLS_ERROR', `${operation} failed: ${cause.message}`, { cause, details: { operation, errno: code } });
  }
  if (timedOut || (code !== undefined && TIMEOUT_CODES.has(code))) {
    return new TransientError('TIMEOUT', `${operation} timed out`, { cause, details: { operation } });
  }
  return new TransientError('NETWORK_ERROR', `${operation} failed: ${cause.message}`, { cause, details: { operation, ...(code ? { errno: code } : {}) } });
}
