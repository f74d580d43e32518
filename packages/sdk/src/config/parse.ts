// Pure parsers for configuration values (sdk-protocol §a.1, §a.3). Each takes what a
// source produced — a string from the environment or a `_FILE`, or any YAML value — and
// returns the typed value or a message. Messages never echo the value: the loader adds
// it for non-secret fields only.
//
// Where we differ from pycti on purpose (pycti keeps unknown spellings as truthy strings):
// - Booleans: the six pycti spellings (yes/true/True, no/false/False) and YAML booleans
//   work, and so do the spellings the connectors SDK (pydantic) accepts, in any case:
//   true/false, yes/no, on/off, 1/0. `CONNECTOR_AUTO=0` is therefore false (pycti would
//   send the truthy string "0"). Anything else ("maybe", "ja", "2") is an error.
// - Lists: split on commas, items trimmed, empty items dropped (pycti splits
//   CONNECTOR_SCOPE without trimming: "a, b" → ["a", " b"]). YAML sequences are accepted.
// - Durations: ISO-8601 `PnW` or `P[nD][T[nH][nM][n[.f]S]]`, or a bare number of seconds
//   (`0`, `3600`, YAML integers). Years and months (`P1Y`, `P1M`) are refused: their
//   length is ambiguous. Results are whole seconds (fraction truncated, as pycti),
//   returned in milliseconds.

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

export const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const fail = <T = never>(message: string): Parsed<T> => ({ ok: false, message });

const TRUE_WORDS = new Set(['true', 'yes', 'on', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'off', '0']);

export function parseBoolean(raw: unknown): Parsed<boolean> {
  if (typeof raw === 'boolean') return ok(raw);
  if (raw === 1 || raw === 0) return ok(raw === 1);
  if (typeof raw === 'string') {
    const word = raw.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return ok(true);
    if (FALSE_WORDS.has(word)) return ok(false);
  }
  return fail('must be a boolean: true/false (also yes/no, on/off, 1/0)');
}

/** Text for string-like fields: YAML scalars (numbers, booleans) are taken as their text. */
export function parseString(raw: unknown): Parsed<string> {
  if (typeof raw === 'string') return ok(raw);
  if (typeof raw === 'number' || typeof raw === 'boolean' || typeof raw === 'bigint') return ok(String(raw));
  return fail('must be a text value, not a YAML list or mapping');
}

export interface NumberBounds {
  min?: number;
  max?: number;
}

function bounded(value: number, bounds: NumberBounds): Parsed<number> {
  if (bounds.min !== undefined && value < bounds.min) return fail(`must be at least ${bounds.min}`);
  if (bounds.max !== undefined && value > bounds.max) return fail(`must be at most ${bounds.max}`);
  return ok(value);
}

export function parseInteger(raw: unknown, bounds: NumberBounds = {}): Parsed<number> {
  if (typeof raw === 'number' && Number.isSafeInteger(raw)) return bounded(raw, bounds);
  if (typeof raw === 'string' && /^[+-]?\d+$/.test(raw.trim())) {
    const value = Number(raw.trim());
    if (Number.isSafeInteger(value)) return bounded(value, bounds);
  }
  return fail('must be an integer');
}

export function parseFloatNumber(raw: unknown, bounds: NumberBounds = {}): Parsed<number> {
  if (typeof raw === 'number' && Number.isFinite(raw)) return bounded(raw, bounds);
  if (typeof raw === 'string' && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw.trim())) return bounded(Number(raw.trim()), bounds);
  return fail('must be a number');
}

/** Comma-separated text or a YAML sequence → trimmed, non-empty items. */
export function parseList(raw: unknown): Parsed<string[]> {
  const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : undefined;
  if (!items) return fail('must be a comma-separated list');
  const out: string[] = [];
  for (const item of items) {
    const text = parseString(item);
    if (!text.ok) return fail('must be a list of text values');
    const trimmed = text.value.trim();
    if (trimmed !== '') out.push(trimmed);
  }
  return ok(out);
}

const ISO_DURATION = /^P(?:(\d+(?:\.\d+)?)W|(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?)$/;

/** ISO-8601 duration or bare seconds → milliseconds (whole seconds). `0`/`PT0S` → 0 (run-and-terminate). */
export function parseDuration(raw: unknown): Parsed<number> {
  if (typeof raw === 'number') return Number.isFinite(raw) && raw >= 0 ? ok(Math.trunc(raw) * 1000) : fail('must be a non-negative duration');
  if (typeof raw !== 'string') return fail('must be an ISO-8601 duration such as PT5M, P1D, P1W');
  const text = raw.trim().toUpperCase();
  if (/^\d+(\.\d+)?$/.test(text)) return ok(Math.trunc(Number(text)) * 1000);
  const match = ISO_DURATION.exec(text);
  // "P" and "PT" alone match the pattern with every group empty: not a duration.
  if (!match || text === 'P' || text.endsWith('T')) {
    const hint = /^P.*[YM]/.test(text) && !text.includes('T') ? ' (years and months are not accepted: use days or weeks)' : '';
    return fail(`must be an ISO-8601 duration such as PT5M, P1D, P1DT12H or P1W${hint}`);
  }
  const [, weeks, days, hours, minutes, seconds] = match;
  const total = Number(weeks ?? 0) * 604_800 + Number(days ?? 0) * 86_400 + Number(hours ?? 0) * 3_600 + Number(minutes ?? 0) * 60 + Number(seconds ?? 0);
  return ok(Math.trunc(total) * 1000);
}

/** Milliseconds → the shortest ISO-8601 duration (`PT5M`, `P1D`, `P1DT12H`, `PT0S`), for docs and samples. */
export function formatDuration(ms: number): string {
  let seconds = Math.trunc(ms / 1000);
  if (seconds === 0) return 'PT0S';
  if (seconds % 604_800 === 0) return `P${seconds / 604_800}W`;
  const days = Math.floor(seconds / 86_400);
  seconds -= days * 86_400;
  const hours = Math.floor(seconds / 3_600);
  seconds -= hours * 3_600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  const time = `${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}${seconds ? `${seconds}S` : ''}`;
  return `P${days ? `${days}D` : ''}${time ? `T${time}` : ''}`;
}

export function parseUrl(raw: unknown): Parsed<string> {
  const text = parseString(raw);
  if (!text.ok) return text;
  const value = text.value.trim();
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail('must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail('must be an http(s) URL');
  return ok(value);
}

export function parseEnum<V extends string>(raw: unknown, values: readonly V[], ignoreCase: boolean): Parsed<V> {
  const text = parseString(raw);
  if (text.ok) {
    const wanted = ignoreCase ? text.value.trim().toLowerCase() : text.value.trim();
    const found = values.find((value) => (ignoreCase ? value.toLowerCase() : value) === wanted);
    if (found !== undefined) return ok(found);
  }
  return fail(`must be one of ${values.join(', ')}${ignoreCase ? ' (any case)' : ''}`);
}

/** JSON text from the environment; any YAML value as is. */
export function parseJson(raw: unknown): Parsed<unknown> {
  if (typeof raw !== 'string') return ok(raw);
  try {
    return ok(JSON.parse(raw) as unknown);
  } catch {
    return fail('must be valid JSON');
  }
}

/**
 * `OPENCTI_SSL_VERIFY`: a boolean, or the path of a CA bundle (pycti hands the value to
 * requests' `verify`). Near-boolean words that are not official spellings are refused
 * rather than taken as a file name.
 */
export function parseBooleanOrPath(raw: unknown): Parsed<boolean | string> {
  const bool = parseBoolean(raw);
  if (bool.ok) return bool;
  const text = parseString(raw);
  if (!text.ok) return fail('must be true, false or the path of a CA bundle');
  if (/^(t|f|y|n|enabled?|disabled?)$/i.test(text.value.trim())) return fail('must be true, false or the path of a CA bundle');
  return ok(text.value.trim());
}
