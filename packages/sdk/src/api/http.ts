// Outbound HTTP for connectors (feeds, RDAP, MISP...), who may not import axios themselves:
// GET with a time-to-headers and an idle-read timeout, bounded retries of transient failures,
// a byte cap, conditional requests (ETag / Last-Modified → `{ notModified: true }` on 304),
// proxies from HTTP(S)_PROXY / NO_PROXY, and `file://` URLs for air-gapped mirrors.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { AxiosResponse } from 'axios';
import { InputError } from '../errors/index.ts';
import { type Logger, Redactor, silentLogger } from '../log/index.ts';
import { networkError, sourceHttpError } from './errors.ts';
import { DEFAULT_USER_AGENT } from './headers.ts';
import { decideRetry, type RetryPolicy, resolveRetryPolicy } from './retry.ts';
import { capStream, readAll, tooLargeError } from './streams.ts';
import { type ClientCertificate, createAxios, headerRecord } from './transport.ts';

export interface HttpClientOptions {
  /** Until the response headers arrive (connect + TLS + server think time). Default 30 000 ms. */
  connectTimeoutMs?: number;
  /** Longest silence while reading a body. Default 60 000 ms. */
  readTimeoutMs?: number;
  /** Default: the SDK retry policy (every GET is idempotent). */
  retry?: Partial<RetryPolicy>;
  /** Default cap on a body. Default 256 MiB. */
  maxBytes?: number;
  userAgent?: string;
  /** Sent on every request (e.g. an API key header); their values are redacted. */
  headers?: Readonly<Record<string, string>>;
  logger?: Logger;
  redactor?: Redactor;
  /** Proxy variables source, default process.env; false = no proxy. */
  env?: NodeJS.ProcessEnv | false;
  sslVerify?: boolean | string;
  /** Mutual TLS: a client certificate and key presented to https:// servers. */
  clientCert?: ClientCertificate;
  /** Accept `file://` URLs. Default true. */
  allowFileUrls?: boolean;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface GetOptions {
  headers?: Readonly<Record<string, string>>;
  /** Validator from a previous answer → `If-None-Match`. */
  etag?: string;
  /** Validator from a previous answer → `If-Modified-Since`. */
  lastModified?: string;
  maxBytes?: number;
  retry?: Partial<RetryPolicy>;
  signal?: AbortSignal;
}

/** A POST with a JSON body (search APIs such as MISP's restSearch). */
export interface PostOptions extends GetOptions {
  /** The call only reads (a search): retry it like a GET. Default false. */
  idempotent?: boolean;
}

export interface NotModified {
  notModified: true;
  etag?: string | undefined;
  lastModified?: string | undefined;
}

export interface Fetched<T> {
  notModified: false;
  value: T;
  status: number;
  /** Final URL after redirects. */
  url: string;
  contentType?: string | undefined;
  etag?: string | undefined;
  lastModified?: string | undefined;
}

export type HttpResult<T> = Fetched<T> | NotModified;

export interface HttpClient {
  getStream(url: string, options?: GetOptions): Promise<HttpResult<Readable>>;
  getText(url: string, options?: GetOptions): Promise<HttpResult<string>>;
  getJson<T = unknown>(url: string, options?: GetOptions): Promise<HttpResult<T>>;
  /** POSTs `body` as JSON and parses the JSON answer (same timeouts, cap and retries as GET). */
  postJson<T = unknown>(url: string, body: unknown, options?: PostOptions): Promise<HttpResult<T>>;
}

const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const logger = options.logger ?? silentLogger;
  const redactor = options.redactor ?? new Redactor();
  for (const value of Object.values(options.headers ?? {})) redactor.add(value);
  const instance = createAxios({ sslVerify: options.sslVerify ?? true, env: options.env, ...(options.clientCert ? { clientCert: options.clientCert } : {}) });
  const policy = resolveRetryPolicy(options.retry);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
  const readTimeoutMs = options.readTimeoutMs ?? 60_000;

  const fetchOnce = async (
    url: string,
    call: GetOptions,
    maxBytes: number,
    signal: AbortSignal,
    expired: () => boolean,
    post?: { body: string },
  ): Promise<HttpResult<Readable>> => {
    const method = post ? 'POST' : 'GET';
    const operation = `${method} ${redactor.redact(url)}`;
    const headers: Record<string, string> = {
      'User-Agent': options.userAgent ?? DEFAULT_USER_AGENT,
      ...(post ? { 'Content-Type': 'application/json', Accept: 'application/json' } : {}),
      ...options.headers,
      ...call.headers,
    };
    if (call.etag) headers['If-None-Match'] = call.etag;
    if (call.lastModified) headers['If-Modified-Since'] = call.lastModified;
    let response: AxiosResponse<Readable>;
    try {
      response = await instance.request<Readable>({
        method,
        url,
        headers,
        responseType: 'stream',
        maxRedirects: 5,
        signal,
        ...(post ? { data: post.body } : {}),
      });
    } catch (error) {
      throw networkError(error, operation, redactor, expired());
    }
    const answer = headerRecord(response.headers);
    const validators = { etag: answer.etag, lastModified: answer['last-modified'] };
    if (response.status === 304) {
      response.data.destroy();
      return { notModified: true, ...validators };
    }
    if (response.status < 200 || response.status >= 300) {
      response.data.destroy();
      throw sourceHttpError(response.status, url, answer, redactor);
    }
    const declared = Number(answer['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      response.data.destroy();
      throw tooLargeError(maxBytes, operation);
    }
    const finalUrl: unknown = (response.request as { res?: { responseUrl?: unknown } } | undefined)?.res?.responseUrl;
    const value = capStream(response.data, {
      maxBytes,
      idleTimeoutMs: readTimeoutMs,
      tooLarge: () => tooLargeError(maxBytes, operation),
      idle: () => networkError(undefined, operation, redactor, true),
    });
    return {
      notModified: false,
      value,
      status: response.status,
      url: typeof finalUrl === 'string' ? finalUrl : url,
      contentType: answer['content-type'],
      ...validators,
    };
  };

  const request = async (url: string, call: GetOptions = {}, post?: { body: string; idempotent: boolean }): Promise<HttpResult<Readable>> => {
    const maxBytes = call.maxBytes ?? options.maxBytes ?? DEFAULT_MAX_BYTES;
    if (post && !/^https?:\/\//i.test(url))
      throw new InputError('INVALID_URL', 'only http(s):// URLs accept a POST', { details: { url: redactor.redact(url) } });
    if (url.startsWith('file:')) {
      if (options.allowFileUrls === false) throw new InputError('FILE_URL_REFUSED', 'file:// URLs are disabled for this client', { details: { url } });
      return readLocalFile(url, call, maxBytes);
    }
    if (!/^https?:\/\//i.test(url))
      throw new InputError('INVALID_URL', 'only http(s):// and file:// URLs are supported', { details: { url: redactor.redact(url) } });
    const retryPolicy = resolveRetryPolicy(policy, call.retry);
    for (let attempt = 1; ; attempt += 1) {
      const deadline = new AbortController();
      let expired = false;
      const timer = setTimeout(() => {
        expired = true;
        deadline.abort();
      }, connectTimeoutMs);
      const signal = call.signal ? AbortSignal.any([deadline.signal, call.signal]) : deadline.signal;
      try {
        return await fetchOnce(url, call, maxBytes, signal, () => expired, post);
      } catch (error) {
        if (call.signal?.aborted) throw error;
        const decision = decideRetry(retryPolicy, attempt, error, post ? post.idempotent : true, random);
        if (!decision.retry) throw error;
        logger.warn('HTTP request failed, retrying', {
          url: redactor.redact(url),
          attempt,
          delay_ms: decision.delayMs,
          code: (error as { code?: unknown }).code,
        });
        await sleep(decision.delayMs);
      } finally {
        clearTimeout(timer);
      }
    }
  };

  const getStream = (url: string, call: GetOptions = {}): Promise<HttpResult<Readable>> => request(url, call);

  const readText = async (result: HttpResult<Readable>): Promise<HttpResult<string>> => {
    if (result.notModified) return result;
    const body = await readAll(result.value);
    return { ...result, value: body.toString('utf8') };
  };

  const parseJson = <T>(result: HttpResult<string>, operation: string, url: string): HttpResult<T> => {
    if (result.notModified) return result;
    try {
      return { ...result, value: JSON.parse(result.value) as T };
    } catch (error) {
      throw new InputError('INVALID_JSON', `${operation} ${redactor.redact(url)} did not return JSON`, {
        cause: error,
        details: { url: redactor.redact(url) },
      });
    }
  };

  const getText = async (url: string, call: GetOptions = {}): Promise<HttpResult<string>> => readText(await request(url, call));

  const getJson = async <T>(url: string, call: GetOptions = {}): Promise<HttpResult<T>> => parseJson<T>(await getText(url, call), 'GET', url);

  const postJson = async <T>(url: string, body: unknown, call: PostOptions = {}): Promise<HttpResult<T>> =>
    parseJson<T>(await readText(await request(url, call, { body: JSON.stringify(body), idempotent: call.idempotent ?? false })), 'POST', url);

  return { getStream, getText, getJson, postJson };
}

/** `file://` with the same contract: validators from size and mtime, 304-like answer when unchanged. */
async function readLocalFile(url: string, call: GetOptions, maxBytes: number): Promise<HttpResult<Readable>> {
  let path: string;
  try {
    path = fileURLToPath(url);
  } catch (error) {
    throw new InputError('INVALID_URL', `not a local file URL: ${url}`, { cause: error });
  }
  const info = await stat(path).catch((error: unknown) => {
    throw new InputError('FILE_NOT_FOUND', `cannot read ${path}`, { cause: error, details: { path } });
  });
  if (!info.isFile()) throw new InputError('FILE_NOT_FOUND', `${path} is not a file`, { details: { path } });
  const etag = `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
  const lastModified = info.mtime.toUTCString();
  const since = call.lastModified ? Date.parse(call.lastModified) : Number.NaN;
  // As in HTTP (RFC 9110 §13.2.2), an ETag decides alone: a file rewritten within the same
  // second keeps its Last-Modified (whole seconds) but not its ETag.
  const unchanged = call.etag ? call.etag === etag : !Number.isNaN(since) && Math.floor(info.mtimeMs / 1000) * 1000 <= since;
  if (unchanged) {
    return { notModified: true, etag, lastModified };
  }
  if (info.size > maxBytes) throw tooLargeError(maxBytes, path);
  const value = capStream(createReadStream(path), {
    maxBytes,
    tooLarge: () => tooLargeError(maxBytes, path),
    idle: () => tooLargeError(maxBytes, path),
  });
  return { notModified: false, value, status: 200, url, etag, lastModified };
}
