// Secrets never reach a log line or an error message: every text that leaves the process
// through the logger (and every error the SDK builds from a foreign one) passes through a
// Redactor that knows the configured secret values and hides passwords in URLs.
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi;
const BEARER = /(bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi;
export const REDACTED = '***';

export class Redactor {
  readonly #secrets = new Set<string>();

  constructor(secrets: Iterable<string | undefined> = []) {
    for (const secret of secrets) this.add(secret);
  }

  /** Registers a secret value; values shorter than 4 characters are ignored (too common to hide). */
  add(secret: string | undefined): void {
    if (secret && secret.length >= 4) this.#secrets.add(secret);
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.#secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out.replace(URL_PASSWORD, `$1${REDACTED}@`).replace(BEARER, `$1${REDACTED}`);
  }

  /** Deep copy of a JSON-like value with every string redacted. */
  redactValue<T>(value: T): T {
    return redactDeep(value, this, new WeakSet()) as T;
  }
}

function redactDeep(value: unknown, redactor: Redactor, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactor.redact(value);
  if (value instanceof Error) return redactor.redact(value.stack ?? `${value.name}: ${value.message}`);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, redactor, seen));
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, redactDeep(inner, redactor, seen)]));
}
