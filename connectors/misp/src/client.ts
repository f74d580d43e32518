// The thin I/O edge: MISP's `POST /events/restSearch` through the SDK's HTTP client
// (time-to-headers and idle-read timeouts, bounded retries honouring Retry-After, a byte
// cap per page). The key is the whole Authorization header, as PyMISP sends it, and the
// SDK redacts header values from every log line and error. No STIX here.
import { createHttpClient, type HttpClient } from '@opencti-ts/sdk/api';
import { InputError } from '@opencti-ts/sdk/errors';
import type { Logger } from '@opencti-ts/sdk/log';
import { eventsOf, type MispEvent } from './convert/model.ts';

export interface MispClientOptions {
  baseUrl: string;
  key: string;
  sslVerify: boolean;
  /** MISP_REQUEST_TIMEOUT in ms (connect-to-headers and idle read). */
  timeoutMs: number;
  /** Largest search page accepted, in bytes. */
  maxBytes: number;
  logger?: Logger;
  signal?: AbortSignal;
  /** Test seam: the wait between retries. */
  sleep?: (ms: number) => Promise<void>;
}

/** The restSearch body minus `page` (connectors.md §1.3). */
export type SearchBody = Record<string, unknown>;

export interface MispClient {
  /** One page of `POST /events/restSearch` (1-based); an empty list ends the search. */
  searchPage(body: SearchBody, page: number): Promise<MispEvent[]>;
}

export const USER_AGENT = 'opencti-ts MISP connector (PyMISP-compatible)';

export function createMispClient(options: MispClientOptions, http?: HttpClient): MispClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const client =
    http ??
    createHttpClient({
      // PyMISP strips the key; the SDK adds the header value to its redactor.
      headers: { Authorization: options.key.trim(), Accept: 'application/json' },
      userAgent: USER_AGENT,
      sslVerify: options.sslVerify,
      connectTimeoutMs: options.timeoutMs,
      readTimeoutMs: options.timeoutMs,
      maxBytes: options.maxBytes,
      // 3 retries, 1 s exponential backoff, on 429/5xx and network errors, for http:// too (§1.2 Fix).
      retry: { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 8000 },
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
    });
  return {
    async searchPage(body, page) {
      const url = `${base}/events/restSearch`;
      const result = await client.postJson<unknown>(url, { ...body, page }, { idempotent: true, ...(options.signal ? { signal: options.signal } : {}) });
      if (result.notModified) return [];
      const answer = result.value;
      if (answer && typeof answer === 'object' && !Array.isArray(answer) && 'errors' in answer) {
        const errors = JSON.stringify((answer as { errors: unknown }).errors).slice(0, 500);
        throw new InputError('MISP_ERROR', `MISP refused the search: ${errors}`, { details: { page } });
      }
      if (!Array.isArray(answer) && !(answer && typeof answer === 'object' && Array.isArray((answer as { response?: unknown }).response)))
        throw new InputError('MISP_BAD_RESPONSE', `POST ${url} did not return a list of events`, { details: { page } });
      return eventsOf(answer);
    },
  };
}
