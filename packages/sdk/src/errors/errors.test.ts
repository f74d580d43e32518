import { describe, expect, it } from 'vitest';
import { BugError, ConfigError, InputError, isRetryable, PlatformError, TransientError, toOpenCtiTsError } from './index.ts';

describe('error taxonomy', () => {
  it('lists every configuration problem at once, each named by its env var', () => {
    const error = new ConfigError([
      { envVar: 'OPENCTI_URL', message: 'is required' },
      { envVar: 'CONNECTOR_DURATION_PERIOD', message: 'is not an ISO-8601 duration' },
    ]);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.kind).toBe('config');
    expect(error.message).toContain('2 problems');
    expect(error.message).toContain('OPENCTI_URL: is required');
    expect(error.message).toContain('CONNECTOR_DURATION_PERIOD: is not an ISO-8601 duration');
  });

  it.each([
    [new TransientError('NETWORK', 'reset'), true],
    [new PlatformError('INTERNAL', '500', { retryable: true }), true],
    [new PlatformError('AUTH_REQUIRED', 'no'), false],
    [new InputError('BAD_JSON', 'nope'), false],
    [new BugError('UNEXPECTED', 'x'), false],
  ])('decides whether %s is retryable', (error, retryable) => {
    expect(isRetryable(error)).toBe(retryable);
  });

  it('wraps foreign errors as bugs and keeps the cause', () => {
    const cause = new TypeError('boom');
    const wrapped = toOpenCtiTsError(cause);
    expect(wrapped).toBeInstanceOf(BugError);
    expect(wrapped.cause).toBe(cause);
    const typed = new InputError('BAD', 'bad');
    expect(toOpenCtiTsError(typed)).toBe(typed);
  });
});
