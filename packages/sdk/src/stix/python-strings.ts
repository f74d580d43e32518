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
