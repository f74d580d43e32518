// Request headers of the OpenCTI API client (sdk-protocol §d.1, platform-contract §2).
import { createRequire } from 'node:module';

/** `opencti-ts/<sdk version>`: our product token, where pycti sends `pycti/<version>`. */
export const DEFAULT_USER_AGENT = `opencti-ts/${sdkVersion()}`;

function sdkVersion(): string {
  // Same relative path from src/api and dist/api.
  const manifest: unknown = createRequire(import.meta.url)('../../package.json');
  const version = typeof manifest === 'object' && manifest !== null ? (manifest as { version?: unknown }).version : undefined;
  return typeof version === 'string' ? version : '0.0.0';
}

export interface ParsedCustomHeaders {
  headers: Record<string, string>;
  /** Positions (0-based, among non-empty pieces) of pieces without `:`, skipped. */
  invalid: number[];
}

/**
 * `OPENCTI_CUSTOM_HEADERS` as pycti reads it: trim, split on `;`, skip empty pieces, split each
 * on the first `:`, trim name and value; a piece without `:` is skipped (and warned about).
 */
export function parseCustomHeaders(value: string | undefined): ParsedCustomHeaders {
  const headers: Record<string, string> = {};
  const invalid: number[] = [];
  const pieces = (value ?? '')
    .trim()
    .split(';')
    .filter((piece) => piece.trim() !== '');
  pieces.forEach((piece, index) => {
    const colon = piece.indexOf(':');
    if (colon < 0) {
      invalid.push(index);
      return;
    }
    const name = piece.slice(0, colon).trim();
    if (name === '') {
      invalid.push(index);
      return;
    }
    headers[name] = piece.slice(colon + 1).trim();
  });
  return { headers, invalid };
}

/** Context headers the platform reads (platform-contract §2). */
export const APPLICANT_HEADER = 'opencti-applicant-id';
export const DRAFT_HEADER = 'opencti-draft-id';
