// The suite-wide secret scan (issue #4: "a test scans every log line of the suite for the token
// and API keys: none appear"). Tests give the SDK these canary secrets (token, API key, URL
// password, custom header, broker password); the vitest setup (vitest-secret-scan.ts) watches
// every log line the SDK's logger formats, whatever sink a test gave it, and everything written
// to stdout/stderr, and fails the test during which a canary appeared.

/** Distinctive values no real log line contains unless a secret leaked. */
export const TEST_SECRETS = {
  token: 'octs-canary-token-3f9c2d1e-7b4a-4e8f-9a6d-51c0b2e7f8a4',
  apiKey: 'octs-canary-apikey-b81e6c0d5f2a4397',
  urlPassword: 'octs-canary-urlpass-c4d7e9f1a2b3',
  header: 'octs-canary-header-9d2e4f6a8b0c',
  brokerPassword: 'octs-canary-mqpass-5e7a9c1b3d2f',
} as const;

/** The SDK logger calls the function stored under this key with every line it formats. */
export const LOG_TAP_KEY = Symbol.for('opencti-ts.log-tap');

interface ScanState {
  secrets: Set<string>;
  leaks: string[];
}

const STATE_KEY = Symbol.for('opencti-ts.secret-scan');
type ScanGlobal = typeof globalThis & { [STATE_KEY]?: ScanState; [LOG_TAP_KEY]?: (line: string) => void };

function state(): ScanState {
  const scope = globalThis as ScanGlobal;
  scope[STATE_KEY] ??= { secrets: new Set(Object.values(TEST_SECRETS)), leaks: [] };
  return scope[STATE_KEY];
}

/** Adds a value the scan must never see (a test's own secret). */
export function registerTestSecret(value: string): void {
  if (value.length >= 8) state().secrets.add(value);
}

/** The registered secrets found in `text` (raw or URL-encoded). */
export function secretsIn(text: string): string[] {
  return [...state().secrets].filter((secret) => text.includes(secret) || text.includes(encodeURIComponent(secret)));
}

function check(where: string, text: string): void {
  const found = secretsIn(text);
  if (found.length > 0) state().leaks.push(`${where}: ${found.join(', ')} in ${JSON.stringify(text.slice(0, 500))}`);
}

/**
 * Installs the scan once per process: the logger tap and wrappers around stdout/stderr.
 * Returns the leaks recorded since the previous call (and forgets them).
 */
export function installSecretScan(): { takeLeaks(): string[] } {
  const scope = globalThis as ScanGlobal;
  if (!scope[LOG_TAP_KEY]) {
    scope[LOG_TAP_KEY] = (line) => check('log line', line);
    for (const [name, stream] of [
      ['stdout', process.stdout],
      ['stderr', process.stderr],
    ] as const) {
      const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
      stream.write = ((chunk: unknown, ...rest: unknown[]) => {
        if (typeof chunk === 'string' || chunk instanceof Uint8Array) check(name, Buffer.from(chunk as string).toString('utf8'));
        return write(chunk, ...rest);
      }) as typeof stream.write;
    }
  }
  return {
    takeLeaks: () => state().leaks.splice(0),
  };
}
