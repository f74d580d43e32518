// Python's str semantics where JavaScript's differ (sdk-protocol §f.2): str.strip() removes
// the characters for which str.isspace() is true, which is not String#trim()'s set.
const PY_SPACE = '\\u0009-\\u000d\\u001c-\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const LEADING = new RegExp(`^[${PY_SPACE}]+`);
const TRAILING = new RegExp(`[${PY_SPACE}]+$`);

/** Python `s.strip()`. Keeps U+FEFF, removes U+001C–U+001F and U+0085. */
export function pyStrip(value: string): string {
  return value.replace(LEADING, '').replace(TRAILING, '');
}

/** Python `s.lower().strip()`, pycti's name normalisation. */
export function pyLowerStrip(value: string): string {
  return pyStrip(value.toLowerCase());
}

/**
 * Python's `json.dumps` default output (", " and ": " separators, non-ASCII escaped as
 * \uXXXX): how pycti serialises the AMQP messages and the connector state it pings, so
 * what an opencti-ts connector writes reads back identically in pycti and the platform.
 */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return asciiJsonString(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : value > 0 ? 'Infinity' : value < 0 ? '-Infinity' : 'NaN';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, inner]) => inner !== undefined);
    return `{${entries.map(([key, inner]) => `${asciiJsonString(key)}: ${pythonJsonDumps(inner)}`).join(', ')}}`;
  }
  return asciiJsonString(String(value));
}

function asciiJsonString(text: string): string {
  return JSON.stringify(text).replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
