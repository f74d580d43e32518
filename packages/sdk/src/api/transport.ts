// The one place that builds axios instances: TLS settings, keep-alive, and proxies from
// HTTP(S)_PROXY / NO_PROXY through Node's own agent support (`proxyEnv`: CONNECT tunnels for
// https, NO_PROXY honoured), read from an injectable environment.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import { ConfigError } from '../errors/index.ts';

export interface TransportOptions {
  /** false disables certificate checks; a string is the path of a CA bundle (OPENCTI_SSL_VERIFY). */
  sslVerify?: boolean | string;
  /** Where to read proxy variables from; default `process.env`; `false` = never use a proxy. */
  env?: NodeJS.ProcessEnv | false;
  /** Env var named in the ConfigError when the CA file cannot be read. */
  sslVerifyEnvVar?: string;
  /** Mutual TLS: the client certificate and its key, PEM (one text may hold both). */
  clientCert?: ClientCertificate;
}

/** A TLS client certificate (mutual TLS), PEM. */
export interface ClientCertificate {
  cert: string | Buffer;
  key: string | Buffer;
  passphrase?: string;
}

const PROXY_VARS = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'] as const;

/** Only the proxy variables of an environment, or undefined when none is set. */
export function proxyEnvOf(env: NodeJS.ProcessEnv | false | undefined): Record<string, string> | undefined {
  if (env === false) return undefined;
  const source = env ?? process.env;
  const picked: Record<string, string> = {};
  for (const name of PROXY_VARS) {
    const value = source[name];
    if (value !== undefined && value !== '') picked[name] = value;
  }
  return Object.keys(picked).some((name) => !/no_proxy/i.test(name)) ? picked : undefined;
}

export function createAxios(options: TransportOptions = {}): AxiosInstance {
  const proxyEnv = proxyEnvOf(options.env);
  const tls: https.AgentOptions = {};
  if (options.sslVerify === false) tls.rejectUnauthorized = false;
  if (typeof options.sslVerify === 'string') {
    try {
      tls.ca = readFileSync(options.sslVerify);
    } catch (error) {
      throw new ConfigError([{ envVar: options.sslVerifyEnvVar ?? 'OPENCTI_SSL_VERIFY', message: `cannot read CA file ${options.sslVerify}` }], {
        cause: error,
      });
    }
  }
  if (options.clientCert) {
    tls.cert = options.clientCert.cert;
    tls.key = options.clientCert.key;
    if (options.clientCert.passphrase !== undefined) tls.passphrase = options.clientCert.passphrase;
  }
  return axios.create({
    httpAgent: new http.Agent({ keepAlive: true, ...(proxyEnv ? { proxyEnv } : {}) }),
    httpsAgent: new https.Agent({ keepAlive: true, ...tls, ...(proxyEnv ? { proxyEnv } : {}) }),
    // With proxy variables the agents tunnel (axios defers to an agent built with proxyEnv);
    // without them axios must not read process.env on its own.
    ...(proxyEnv ? {} : { proxy: false as const }),
    validateStatus: () => true,
    maxContentLength: -1,
    maxBodyLength: Number.POSITIVE_INFINITY,
  });
}

/** Lower-cased response headers as plain strings. */
export function headerRecord(headers: unknown): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  if (typeof headers !== 'object' || headers === null) return out;
  for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
    if (value === undefined || value === null) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}
