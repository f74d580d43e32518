// One lookup = RDAP through the IANA bootstrap (then the registrar's RDAP server for thin
// registries), or the port-43 referral chain when there is no RDAP service (domains) or RDAP
// fails (IPs, ASes). HTTP goes through the SDK client (ctx.http); every request has a
// deadline, a byte cap and a per-server pace; results are cached in memory.
import { decideRetry, type HttpClient, type HttpResult, NO_RETRY, resolveRetryPolicy } from '@opencti-ts/sdk/api';
import { InputError, isOpenCtiTsError, isRetryable, TransientError } from '@opencti-ts/sdk/errors';
import type { Logger } from '@opencti-ts/sdk/log';
import { mergeRegistrar, parseRdap, registrarLink } from '../convert/rdap.ts';
import type { QueryKind, WhoisRecord } from '../convert/record.ts';
import { mergeWhois, notWhoisText, parseWhois, referral } from '../convert/whois-text.ts';
import { asnServer, type Bootstrap, type BootstrapRegistry, dnsServer, ipServer, parseBootstrap, parseIp } from './bootstrap.ts';
import { parseServer, type WhoisDialer, whoisQuery } from './whois43.ts';

export type LookupQuery = { kind: 'domain'; name: string } | { kind: 'ip'; address: string } | { kind: 'autnum'; number: number };

export interface RawAnswer {
  source: string;
  body: string;
  format: 'json' | 'text';
}

export type LookupResult = { found: true; record: WhoisRecord; raw: RawAnswer[] } | { found: false; source: string };

export interface LookupSettings {
  bootstrapUrl: string;
  bootstrapTtlMs: number;
  followRegistrar: boolean;
  port43Fallback: boolean;
  referralServer: string;
  timeoutMs: number;
  maxBytes: number;
  /** Requests per second to one server. */
  ratePerSecond: number;
  cacheTtlMs: number;
  /** Extra headers by RDAP host name. */
  rdapHeaders: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export interface LookupDeps {
  http: HttpClient;
  logger: Logger;
  /** Port-43 connection seam (tests). */
  dial?: WhoisDialer;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const MAX_WHOIS_HOPS = 3;
/** Tries of one RDAP request (the first and two retries), all within WHOIS_TIMEOUT. */
const RDAP_ATTEMPTS = 3;

/** A failed RDAP request as a work error: the server, what it did, the URL; retryable failures stay TransientError. */
export function rdapFailure(host: string, url: string, maxBytes: number, error: unknown): Error {
  if (!isOpenCtiTsError(error)) return error instanceof Error ? error : new TransientError('RDAP_FAILED', `RDAP server ${host} failed (GET ${url})`);
  const status = typeof error.details?.status === 'number' ? error.details.status : undefined;
  const options = { cause: error, details: { url, ...(status ? { status } : {}) } };
  if (error.code === 'FILE_TOO_LARGE') return new InputError('RDAP_TOO_LARGE', `RDAP server ${host} sent more than ${maxBytes} bytes (GET ${url})`, options);
  if (status === 429) return new TransientError('RDAP_RATE_LIMITED', `RDAP server ${host} is rate-limiting this connector (HTTP 429) (GET ${url})`, options);
  if (status !== undefined) {
    const message = `RDAP server ${host} answered HTTP ${status} (GET ${url})`;
    return status >= 500 ? new TransientError('RDAP_SERVER_ERROR', message, options) : new InputError('RDAP_HTTP_ERROR', message, options);
  }
  const errno = typeof error.details?.errno === 'string' ? error.details.errno : undefined;
  const message = `RDAP server ${host} failed: ${errno ?? error.message} (GET ${url})`;
  return isRetryable(error) ? new TransientError('RDAP_UNREACHABLE', message, options) : new InputError('RDAP_FAILED', message, options);
}

export function queryKey(query: LookupQuery): string {
  return query.kind === 'domain' ? `domain:${query.name}` : query.kind === 'ip' ? `ip:${query.address}` : `autnum:${query.number}`;
}

function queryText(query: LookupQuery): string {
  return query.kind === 'domain' ? query.name : query.kind === 'ip' ? query.address : String(query.number);
}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

export class WhoisLookup {
  readonly #settings: LookupSettings;
  readonly #deps: LookupDeps;
  readonly #now: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #bootstraps = new Map<BootstrapRegistry, { expires: number; value: Bootstrap }>();
  readonly #cache = new Map<string, { expires: number; value: LookupResult }>();
  readonly #nextSlot = new Map<string, number>();

  constructor(settings: LookupSettings, deps: LookupDeps) {
    this.#settings = settings;
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#sleep = deps.sleep ?? defaultSleep;
  }

  async lookup(query: LookupQuery, signal?: AbortSignal): Promise<LookupResult> {
    const key = queryKey(query);
    const cached = this.#cache.get(key);
    if (cached && cached.expires > this.#now()) return cached.value;
    const result = query.kind === 'domain' ? await this.#domain(query.name, signal) : await this.#numberResource(query, signal);
    if (this.#settings.cacheTtlMs > 0) {
      this.#cache.set(key, { expires: this.#now() + this.#settings.cacheTtlMs, value: result });
      if (this.#cache.size > 10_000) this.#cache.delete(this.#cache.keys().next().value as string);
    }
    return result;
  }

  async #domain(name: string, signal?: AbortSignal): Promise<LookupResult> {
    const bootstrap = await this.#bootstrapOrNull('dns', signal);
    const server = bootstrap ? dnsServer(bootstrap, name) : undefined;
    if (!server) {
      if (!this.#settings.port43Fallback)
        throw new InputError('NO_RDAP_SERVICE', `no RDAP service for ${name} in the IANA bootstrap and WHOIS_PORT43_FALLBACK is off`);
      return this.#whoisChain('domain', name, signal);
    }
    const url = `${server}domain/${encodeURIComponent(name)}`;
    const registry = await this.#rdap(url, signal);
    if (registry === null) return { found: false, source: url };
    const raw: RawAnswer[] = [{ source: registry.url, body: registry.body, format: 'json' }];
    let record = { ...parseRdap(registry.json, 'domain', name), servers: [registry.url] };
    const link = this.#settings.followRegistrar ? registrarLink(registry.json) : undefined;
    if (link && link !== registry.url) {
      try {
        const answer = await this.#rdap(link, signal);
        if (answer) {
          raw.push({ source: answer.url, body: answer.body, format: 'json' });
          record = mergeRegistrar(record, { ...parseRdap(answer.json, 'domain', name), servers: [answer.url] });
        }
      } catch (error) {
        // The registry's view is enough; the registrar's server is often slower or stricter.
        if (signal?.aborted) throw error;
        this.#deps.logger.warn('Registrar RDAP lookup failed, keeping the registry record', {
          url: link,
          code: isOpenCtiTsError(error) ? error.code : undefined,
        });
      }
    }
    return { found: true, record, raw };
  }

  async #numberResource(query: Exclude<LookupQuery, { kind: 'domain' }>, signal?: AbortSignal): Promise<LookupResult> {
    const ip = query.kind === 'ip' ? parseIp(query.address) : undefined;
    const registry: BootstrapRegistry = query.kind === 'autnum' ? 'asn' : ip?.bits === 128 ? 'ipv6' : 'ipv4';
    const bootstrap = await this.#bootstrapOrNull(registry, signal);
    const server = bootstrap ? (query.kind === 'ip' ? ipServer(bootstrap, query.address) : asnServer(bootstrap, query.number)) : undefined;
    const text = queryText(query);
    if (server) {
      const url = `${server}${query.kind === 'ip' ? 'ip' : 'autnum'}/${text}`;
      try {
        const answer = await this.#rdap(url, signal);
        if (answer === null) return { found: false, source: url };
        const record = { ...parseRdap(answer.json, query.kind, text), servers: [answer.url] };
        return { found: true, record, raw: [{ source: answer.url, body: answer.body, format: 'json' }] };
      } catch (error) {
        // NIRs (JPNIC, KRNIC...) and RIR outages: port 43 still answers.
        if (!this.#settings.port43Fallback || signal?.aborted) throw error;
        this.#deps.logger.warn('RDAP lookup failed, trying port 43', { url, code: isOpenCtiTsError(error) ? error.code : undefined });
      }
    } else if (!this.#settings.port43Fallback) {
      throw new InputError('NO_RDAP_SERVICE', `no RDAP service for ${text} in the IANA bootstrap and WHOIS_PORT43_FALLBACK is off`);
    }
    return this.#whoisChain(query.kind, query.kind === 'autnum' ? `AS${query.number}` : text, signal, text);
  }

  /**
   * IANA referral → registry → registrar (domains), at most MAX_WHOIS_HOPS answers after the root.
   * Once a server has given a record, a later hop that fails (down, silent, garbage) is logged and
   * the record kept: registrar servers are the flakiest, and the registry's view stands alone.
   */
  async #whoisChain(kind: QueryKind, question: string, signal?: AbortSignal, recordQuery = question): Promise<LookupResult> {
    const records: WhoisRecord[] = [];
    const raw: RawAnswer[] = [];
    const asked = new Set<string>();
    let server = this.#settings.referralServer;
    for (let hop = 0; hop <= MAX_WHOIS_HOPS && server && !asked.has(server); hop += 1) {
      asked.add(server);
      let body: string;
      try {
        body = await this.#whois(server, question, signal);
      } catch (error) {
        if (records.length === 0 || signal?.aborted) throw error;
        this.#deps.logger.warn('Referred whois server failed, keeping the record already read', {
          server,
          code: isOpenCtiTsError(error) ? error.code : undefined,
        });
        break;
      }
      if (body.trim() === '') {
        // Some registries (gandi.net, nic.lk) answer nothing at all for a free name.
        if (records.length === 0) return { found: false, source: `whois://${server} (empty answer)` };
        break;
      }
      const garbage = notWhoisText(body);
      if (garbage) {
        const error = new InputError('WHOIS_NOT_WHOIS', `whois server ${server} sent ${garbage}, not a whois answer, for ${question}`, { details: { server } });
        if (records.length === 0) throw error;
        this.#deps.logger.warn('Referred whois server sent no whois answer, keeping the record already read', { server, code: error.code });
        break;
      }
      raw.push({ source: `whois://${server}`, body, format: 'text' });
      const next = referral(body);
      // The root (IANA) answer only names the registry; every later answer is data.
      if (hop > 0 || !next) {
        const record = parseWhois(body, kind, recordQuery, server);
        if (!record) {
          if (records.length === 0) return { found: false, source: `whois://${server}` };
          break;
        }
        records.push(record);
      }
      server = next && !asked.has(next) ? next : '';
    }
    const record = mergeWhois(records);
    if (!record) return { found: false, source: `whois://${this.#settings.referralServer}` };
    return { found: true, record, raw };
  }

  async #bootstrapOrNull(registry: BootstrapRegistry, signal?: AbortSignal): Promise<Bootstrap | null> {
    const cached = this.#bootstraps.get(registry);
    if (cached && cached.expires > this.#now()) return cached.value;
    const base = this.#settings.bootstrapUrl.endsWith('/') ? this.#settings.bootstrapUrl : `${this.#settings.bootstrapUrl}/`;
    try {
      const answer = await this.#rdap(`${base}${registry}.json`, signal);
      if (answer === null) throw new InputError('RDAP_BOOTSTRAP_MISSING', `${base}${registry}.json does not exist`);
      const value = parseBootstrap(answer.json, registry);
      this.#bootstraps.set(registry, { expires: this.#now() + this.#settings.bootstrapTtlMs, value });
      return value;
    } catch (error) {
      // An expired copy beats none while IANA is unreachable.
      if (cached) return cached.value;
      if (!this.#settings.port43Fallback || signal?.aborted) throw error;
      this.#deps.logger.warn('RDAP bootstrap unavailable, using port 43', { registry, code: isOpenCtiTsError(error) ? error.code : undefined });
      return null;
    }
  }

  async #pace(server: string, signal?: AbortSignal): Promise<void> {
    const interval = 1000 / this.#settings.ratePerSecond;
    const now = this.#now();
    const slot = Math.max(now, this.#nextSlot.get(server) ?? 0);
    this.#nextSlot.set(server, slot + interval);
    if (slot > now) await this.#sleep(slot - now, signal);
  }

  /**
   * GET an RDAP document: null on 404, the parsed JSON otherwise. One deadline (WHOIS_TIMEOUT)
   * covers the request and its retries (429/5xx/network, Retry-After honoured), so a retry never
   * outlives it; every failure names the server and says what it did (timeout, status, refusal).
   */
  async #rdap(url: string, signal?: AbortSignal): Promise<{ json: unknown; body: string; url: string } | null> {
    const host = url.startsWith('file:') ? 'file' : new URL(url).host;
    await this.#pace(host, signal);
    const { timeoutMs } = this.#settings;
    const started = performance.now();
    const deadline = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([deadline, signal]) : deadline;
    const hostName = url.startsWith('file:') ? '' : new URL(url).hostname;
    const policy = resolveRetryPolicy({ maxAttempts: RDAP_ATTEMPTS, maxRetryAfterMs: Math.max(1000, timeoutMs) });
    const timedOut = () => new TransientError('RDAP_TIMEOUT', `RDAP server ${host} did not answer within ${timeoutMs} ms (GET ${url})`, { details: { url } });
    let answer: HttpResult<string>;
    for (let attempt = 1; ; attempt += 1) {
      try {
        answer = await this.#deps.http.getText(url, {
          headers: { Accept: 'application/rdap+json, application/json;q=0.9', ...this.#settings.rdapHeaders[hostName] },
          maxBytes: this.#settings.maxBytes,
          signal: combined,
          retry: NO_RETRY,
        });
        break;
      } catch (error) {
        if (signal?.aborted) throw error;
        if (deadline.aborted) throw timedOut();
        if (isOpenCtiTsError(error) && error.details?.status === 404) return null;
        const decision = decideRetry(policy, attempt, error, true);
        if (!decision.retry || performance.now() - started + decision.delayMs >= timeoutMs) throw rdapFailure(host, url, this.#settings.maxBytes, error);
        this.#deps.logger.debug('RDAP request failed, retrying', {
          url,
          attempt,
          delay_ms: decision.delayMs,
          code: isOpenCtiTsError(error) ? error.code : undefined,
        });
        await this.#sleep(decision.delayMs, combined);
        if (signal?.aborted) throw rdapFailure(host, url, this.#settings.maxBytes, error);
      }
    }
    if (answer.notModified) throw new InputError('RDAP_NOT_MODIFIED', `RDAP server ${host} answered 304 to an unconditional request (GET ${url})`);
    let json: unknown;
    try {
      json = JSON.parse(answer.value);
    } catch (error) {
      throw new InputError('RDAP_INVALID_JSON', `RDAP server ${host} did not return JSON (GET ${url})`, { cause: error });
    }
    return { json, body: answer.value, url: answer.url };
  }

  async #whois(server: string, question: string, signal?: AbortSignal): Promise<string> {
    await this.#pace(`whois:${parseServer(server).host}`, signal);
    return whoisQuery(server, question, {
      timeoutMs: this.#settings.timeoutMs,
      maxBytes: this.#settings.maxBytes,
      ...(signal ? { signal } : {}),
      ...(this.#deps.dial ? { dial: this.#deps.dial } : {}),
    });
  }
}
