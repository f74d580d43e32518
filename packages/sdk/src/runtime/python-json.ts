// Python's `json.dumps` default output (", " and ": " separators, non-ASCII escaped as
// \uXXXX): the form pycti gives the connector state it pings, so that a state written by
// an opencti-ts connector reads back identically in the platform's UI and in pycti.
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
