// The thin I/O edge: MISP's `POST /events/restSearch` and PyMISP's start-up probes through
// the SDK's HTTP client (time-to-headers and idle-read timeouts, bounded retries honouring
// Retry-After, a byte cap per page, mutual TLS). The key is the whole Authorization header,
// as PyMISP sends it, and the SDK redacts header values from every log line and error. No
// STIX here.
import { createHttpClient, type HttpClient } from '@opencti-ts/sdk/api';
import { InputError, isOpenCtiTsError, TransientError } from '@opencti-ts/sdk/errors';
import { type Logger, silentLogger } from '@opencti-ts/sdk/log';
import { eventsOf, type MispEvent } from './convert/model.ts';

export interface MispClientOptions {
  baseUrl: string;
  key: string;
  sslVerify: boolean;
  /** MISP_CLIENT_CERT's PEM (certificate and private key), for mutual TLS. */
  clientCertPem?: string | undefined;
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

/** What the start-up probes learnt. */
export interface MispProbe {
  /** MISP's version, when `servers/getVersion` answered it. */
  version?: string | undefined;
  /** The key's user role, from `users/view/me`. */
  role?: string | undefined;
}

export interface MispClient {
  /** One page of `POST /events/restSearch` (1-based); an empty list ends the search. */
  searchPage(body: SearchBody, page: number): Promise<MispEvent[]>;
  /**
   * PyMISP's constructor checks (§1.2 step 3): `servers/getVersion` must answer JSON (a 4xx
   * is only logged, as PyMISP), then `users/view/me` must accept the key. Throws an error
   * naming the MISP URL (never the key) when MISP is unreachable or refuses the key.
   * `attributes/describeTypes.json` is not asked: the mapping has its own type table and
   * PyMISP tolerates its failure anyway.
   */
  probe(): Promise<MispProbe>;
}

export const USER_AGENT = 'opencti-ts MISP connector (PyMISP-compatible)';

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
/** An HTTP 4xx answer (the SDK's error for it), as opposed to no answer, a 5xx or garbage. */
const isClientError = (error: unknown) => isOpenCtiTsError(error) && error.code === 'HTTP_CLIENT_ERROR';
const statusOf = (error: unknown) => (isOpenCtiTsError(error) ? error.details?.status : undefined);

export function createMispClient(options: MispClientOptions, http?: HttpClient): MispClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const logger = options.logger ?? silentLogger;
  const client =
    http ??
    createHttpClient({
      // PyMISP strips the key; the SDK adds the header value to its redactor.
      headers: { Authorization: options.key.trim(), Accept: 'application/json' },
      userAgent: USER_AGENT,
      sslVerify: options.sslVerify,
      ...(options.clientCertPem ? { clientCert: { cert: options.clientCertPem, key: options.clientCertPem } } : {}),
      connectTimeoutMs: options.timeoutMs,
      readTimeoutMs: options.timeoutMs,
      maxBytes: options.maxBytes,
      // 3 retries, 1 s exponential backoff, on 429/5xx and network errors, for http:// too (§1.2 Fix).
      retry: { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 8000 },
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
    });
  const call = options.signal ? { signal: options.signal } : {};
  const unreachable = (route: string, error: unknown) =>
    new TransientError('MISP_UNREACHABLE', `MISP at ${base} cannot be used (${route}): ${messageOf(error)}`, { cause: error, details: { url: base } });

  return {
    async searchPage(body, page) {
      const url = `${base}/events/restSearch`;
      const result = await client.postJson<unknown>(url, { ...body, page }, { idempotent: true, ...call });
      if (result.notModified) return [];
      const answer = result.value;
      if (isRecord(answer) && 'errors' in answer) {
        const errors = JSON.stringify(answer.errors).slice(0, 500);
        throw new InputError('MISP_ERROR', `MISP refused the search: ${errors}`, { details: { page } });
      }
      if (!Array.isArray(answer) && !(isRecord(answer) && Array.isArray(answer.response)))
        throw new InputError('MISP_BAD_RESPONSE', `POST ${url} did not return a list of events`, { details: { page } });
      return eventsOf(answer);
    },

    async probe() {
      const probe: MispProbe = {};
      try {
        const version = await client.getJson<unknown>(`${base}/servers/getVersion`, call);
        if (!version.notModified && isRecord(version.value)) {
          if ('errors' in version.value) logger.warn('MISP answered servers/getVersion with an error', { url: base });
          if (typeof version.value.version === 'string') probe.version = version.value.version;
        }
      } catch (error) {
        // PyMISP only logs an `errors` answer (HTTP 4xx) here; no answer, a 5xx or garbage is fatal.
        if (!isClientError(error)) throw unreachable('servers/getVersion', error);
        logger.warn('MISP refused servers/getVersion', { url: base, status: statusOf(error) });
      }
      let me: unknown;
      try {
        const answer = await client.getJson<unknown>(`${base}/users/view/me`, call);
        me = answer.notModified ? undefined : answer.value;
      } catch (error) {
        if (isClientError(error))
          throw new InputError(
            'MISP_KEY_REFUSED',
            `MISP at ${base} refused the key (users/view/me answered HTTP ${String(statusOf(error) ?? '4xx')}): check MISP_KEY and that its user may read events`,
            { cause: error, details: { url: base } },
          );
        throw unreachable('users/view/me', error);
      }
      if (!isRecord(me) || 'errors' in me || !isRecord(me.User))
        throw new InputError('MISP_BAD_RESPONSE', `MISP at ${base} did not answer users/view/me with a user: is MISP_URL the MISP base URL?`, {
          details: { url: base },
        });
      if (isRecord(me.Role) && typeof me.Role.name === 'string') probe.role = me.Role.name;
      return probe;
    },
  };
}
