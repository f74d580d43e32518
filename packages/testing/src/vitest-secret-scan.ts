// Vitest setup file of every package (vitest.shared.ts): a canary secret seen in a log line or
// on stdout/stderr fails the test during which it appeared (or the file, when it appears after
// the last test).
import { afterAll, afterEach } from 'vitest';
import { installSecretScan } from './secret-scan.ts';

const scan = installSecretScan();

function failOnLeaks(): void {
  const leaks = scan.takeLeaks();
  if (leaks.length > 0) throw new Error(`a test secret reached the logs:\n${leaks.join('\n')}`);
}

afterEach(failOnLeaks);
afterAll(failOnLeaks);
