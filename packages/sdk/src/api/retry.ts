// Retry policy for outbound HTTP (OpenCTI API and connector sources), as code and as a table.
//
// | setting             | default  | meaning                                                        |
// |---------------------|----------|----------------------------------------------------------------|
// | maxAttempts         | 5        | total tries including the first (1 = never retry)              |
// | baseDelayMs         | 500      | backoff before retry n is drawn from [0, base·2^(n-1)]         |
// | maxDelayMs          | 30 000   | cap of that window                                             |
// | minDelayMs          | 100      | floor: never retry sooner than this                            |
// | maxRetryAfterMs     | 60 000   | a 429/503 `Retry-After` up to this is honoured exactly; longer → give up |
// | retryNonIdempotent  | false    | also retry mutations that are not marked idempotent            |
//
// What is retried: TransientError (network failure, timeout) and PlatformError with
// `retryable` (HTTP 429, 502, 503, 504; LOCK_ERROR from the platform). Never: auth
// (AUTH_REQUIRED, FORBIDDEN_ACCESS), validation, functional errors, other 4xx/5xx.
// Only idempotent operations are retried unless the call (or the policy) says otherwise,
// because a mutation whose answer was lost may already have been applied.
import { isRetryable } from '../errors/index.ts';

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  minDelayMs: number;
  maxRetryAfterMs: number;
  retryNonIdempotent: boolean;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  minDelayMs: 100,
  maxRetryAfterMs: 60_000,
  retryNonIdempotent: false,
});

/** A policy that never retries (per-call override `retry: NO_RETRY`). */
export const NO_RETRY: Readonly<Partial<RetryPolicy>> = Object.freeze({ maxAttempts: 1 });

export function resolveRetryPolicy(...overrides: Array<Partial<RetryPolicy> | undefined>): RetryPolicy {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY };
  for (const override of overrides) {
    if (!override) continue;
    for (const [key, value] of Object.entries(override)) if (value !== undefined) Object.assign(policy, { [key]: value });
  }
  policy.maxAttempts = Math.max(1, Math.floor(policy.maxAttempts));
  return policy;
}

/**
 * Delay before retry number `retry` (1 = first retry): full jitter over an exponential window
 * capped at `maxDelayMs`, never below `minDelayMs`. `random` is injectable for tests.
 */
export function backoffDelayMs(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const window = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.max(policy.minDelayMs, Math.floor(random() * window));
}

/** Server hint carried by an error (`details.retryAfterMs`), if any. */
export function retryAfterOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('details' in error)) return undefined;
  const details = (error as { details?: unknown }).details;
  if (typeof details !== 'object' || details === null) return undefined;
  const value = (details as Record<string, unknown>).retryAfterMs;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

export type RetryDecision = { retry: true; delayMs: number } | { retry: false };

/** Whether to try again after `error` on attempt `attempt` (1-based), and after how long. */
export function decideRetry(policy: RetryPolicy, attempt: number, error: unknown, idempotent: boolean, random: () => number = Math.random): RetryDecision {
  if (attempt >= policy.maxAttempts) return { retry: false };
  if (!idempotent && !policy.retryNonIdempotent) return { retry: false };
  if (!isRetryable(error)) return { retry: false };
  const delay = backoffDelayMs(policy, attempt, random);
  const hint = retryAfterOf(error);
  if (hint === undefined) return { retry: true, delayMs: delay };
  // The server told us when: retrying sooner is pointless, waiting longer than we allow is giving up.
  if (hint > policy.maxRetryAfterMs) return { retry: false };
  return { retry: true, delayMs: Math.max(delay, hint) };
}

/** Parses `Retry-After` (seconds or an HTTP date) into milliseconds from `now`. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
