import { describe, expect, it } from 'vitest';
import { InputError, PlatformError, TransientError } from '../errors/index.ts';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, decideRetry, parseRetryAfter, resolveRetryPolicy } from './retry.ts';

const policy = resolveRetryPolicy();
const transient = new TransientError('NETWORK_ERROR', 'reset');

describe('backoff', () => {
  it.each([
    // retry, random, expected: window = min(30 000, 500·2^(retry-1)), floor 100
    [1, 1, 500],
    [2, 1, 1000],
    [3, 0.5, 1000],
    [10, 1, 30_000],
    [1, 0, 100],
    [4, 0.01, 100],
  ])('retry %i with random %f waits %i ms', (retry, random, expected) => {
    expect(backoffDelayMs(policy, retry, () => random)).toBe(expected);
  });
});

describe('decideRetry', () => {
  it.each([
    ['transient, idempotent', transient, true, 1, true],
    ['retryable platform error', new PlatformError('PLATFORM_UNAVAILABLE', '503', { retryable: true }), true, 1, true],
    ['auth error', new PlatformError('AUTH_REQUIRED', 'no'), true, 1, false],
    ['input error', new InputError('FILE_TOO_LARGE', 'big'), true, 1, false],
    ['plain error', new Error('x'), true, 1, false],
    ['non-idempotent call', transient, false, 1, false],
    ['attempts exhausted', transient, true, DEFAULT_RETRY_POLICY.maxAttempts, false],
  ])('%s → retry %s', (_label, error, idempotent, attempt, _expected) => {
    expect(decideRetry(policy, attempt, error, idempotent).retry).toBe(_expected);
  });

  it('retries non-idempotent calls when the policy allows it', () => {
    expect(decideRetry(resolveRetryPolicy({ retryNonIdempotent: true }), 1, transient, false).retry).toBe(true);
  });

  it('waits at least Retry-After, and gives up when it exceeds maxRetryAfterMs', () => {
    const limited = (ms: number) => new PlatformError('RATE_LIMITED', '429', { retryable: true, details: { retryAfterMs: ms } });
    expect(decideRetry(policy, 1, limited(5000), true, () => 0)).toEqual({ retry: true, delayMs: 5000 });
    expect(decideRetry(policy, 1, limited(120_000), true)).toEqual({ retry: false });
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it.each([
    ['7', 7000],
    ['Thu, 01 Jan 2026 00:00:10 GMT', 10_000],
    ['Wed, 31 Dec 2025 00:00:00 GMT', 0],
    ['soon', undefined],
    [undefined, undefined],
  ])('%s → %s', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});
