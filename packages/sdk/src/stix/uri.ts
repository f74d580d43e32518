// Real feeds carry "URLs" that are not RFC 3986 URIs (a trailing space, an en dash), which
// STIX 2.1's `url` properties (format "uri") reject. The fix that keeps the meaning: trim,
// then percent-encode (UTF-8) every character a URI may not contain; valid URIs come back
// unchanged, so ids derived from them do not move.
const URI_CHARACTER = /[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]/;

export function toUri(text: string): string {
  let out = '';
  for (const char of text.trim()) out += URI_CHARACTER.test(char) ? char : encodeURIComponent(char);
  return out;
}
