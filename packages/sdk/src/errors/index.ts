/**
 * The SDK's error taxonomy. Every error carries a stable `code` (never match on message
 * text) and a `kind` that says whose fault it is and what the runtime does next:
 *
 * | kind      | class          | the runtime...                                        |
 * |-----------|----------------|--------------------------------------------------------|
 * | config    | ConfigError    | exits with status 2 at start-up, every problem listed |
 * | input     | InputError     | marks the work in error and keeps running             |
 * | transient | TransientError | retries with backoff (bounded)                        |
 * | platform  | PlatformError  | reports it; retried only when `retryable`             |
 * | bug       | BugError       | reports it on the work; a defect of ours              |
 */
export type ErrorKind = 'config' | 'input' | 'transient' | 'platform' | 'bug';

export interface ErrorOptions {
  cause?: unknown;
  /** Extra structured context for logs (never secrets: loggers redact by value anyway). */
  details?: Record<string, unknown>;
}

export abstract class OpenCtiTsError extends Error {
  abstract readonly kind: ErrorKind;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
    this.name = new.target.name;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, kind: this.kind, code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

/** One configuration problem, named by the environment variable that fixes it. */
export interface ConfigIssue {
  envVar: string;
  message: string;
}

export class ConfigError extends OpenCtiTsError {
  readonly kind = 'config' as const;
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], options: ErrorOptions = {}) {
    const lines = issues.map((issue) => `  - ${issue.envVar}: ${issue.message}`);
    super('CONFIG_INVALID', `Invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`, options);
    this.issues = issues;
  }
}

/** Bad data from outside (a file, a feed, a message): the work fails, the connector goes on. */
export class InputError extends OpenCtiTsError {
  readonly kind = 'input' as const;
}

/** A failure that may pass (network, broker restart, 5xx): safe to retry. */
export class TransientError extends OpenCtiTsError {
  readonly kind = 'transient' as const;
}

/** The platform refused or failed a request (auth, validation, missing entity). */
export class PlatformError extends OpenCtiTsError {
  readonly kind = 'platform' as const;
  readonly retryable: boolean;

  constructor(code: string, message: string, options: ErrorOptions & { retryable?: boolean } = {}) {
    super(code, message, options);
    this.retryable = options.retryable ?? false;
  }
}

/** An invariant of ours was broken. */
export class BugError extends OpenCtiTsError {
  readonly kind = 'bug' as const;
}

export function isOpenCtiTsError(error: unknown): error is OpenCtiTsError {
  return error instanceof OpenCtiTsError;
}

/** Whether an operation that failed with `error` may be tried again. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof TransientError) return true;
  if (error instanceof PlatformError) return error.retryable;
  return false;
}

/** Wraps anything thrown into the taxonomy, keeping typed errors as they are. */
export function toOpenCtiTsError(error: unknown): OpenCtiTsError {
  if (error instanceof OpenCtiTsError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new BugError('UNEXPECTED', message, { cause: error });
}
