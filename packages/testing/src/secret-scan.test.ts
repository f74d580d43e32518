import { describe, expect, it } from 'vitest';
import { installSecretScan, LOG_TAP_KEY, registerTestSecret, secretsIn, TEST_SECRETS } from './secret-scan.ts';

describe('the suite-wide secret scan', () => {
  it('records a canary written to stderr or seen by the log tap, then forgets it', () => {
    const scan = installSecretScan();
    scan.takeLeaks();
    process.stderr.write(`[secret-scan self-test] ${encodeURIComponent(TEST_SECRETS.token)}\n`);
    (globalThis as { [LOG_TAP_KEY]?: (line: string) => void })[LOG_TAP_KEY]?.(`{"message":"key ${TEST_SECRETS.apiKey}"}`);
    const leaks = scan.takeLeaks();
    expect(leaks).toHaveLength(2);
    expect(leaks[0]).toMatch(/^stderr: /);
    expect(leaks[1]).toMatch(/^log line: .*octs-canary-apikey/);
    expect(scan.takeLeaks()).toEqual([]);
  });

  it('knows every canary and the secrets a test registers, not ordinary text', () => {
    registerTestSecret('a-test-own-secret-42');
    expect(secretsIn(`x ${TEST_SECRETS.urlPassword} y a-test-own-secret-42`)).toEqual([TEST_SECRETS.urlPassword, 'a-test-own-secret-42']);
    expect(secretsIn('token=*** key=***')).toEqual([]);
  });
});
