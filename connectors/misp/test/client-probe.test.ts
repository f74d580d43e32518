// PyMISP's start-up probes as the connector's client makes them (connectors.md §1.2 step 3),
// over real HTTP against test/misp-server.ts: what is fatal (no answer, 5xx, garbage, a refused
// key, no user) and what is only logged (a 4xx on servers/getVersion). Errors name the MISP
// URL and never carry the key.
import type http from 'node:http';
import { isOpenCtiTsError } from '@opencti-ts/sdk/errors';
import { describe, expect, it } from 'vitest';
import { createMispClient } from '../src/client.ts';
import { closedUrl, ME_ANSWER, startMispServer, VERSION_ANSWER } from './misp-server.ts';

const KEY = 'probe-test-key-0f3a';
type Answer = (request: http.IncomingMessage, response: http.ServerResponse) => void;
const json =
  (status: number, value: unknown): Answer =>
  (_request, response) =>
    void response.writeHead(status, { 'content-type': 'application/json' }).end(typeof value === 'string' ? value : JSON.stringify(value));

/** A MISP answering the two routes as given (key checks aside). */
async function probeAgainst(version: Answer, me: Answer, key = KEY) {
  const server = await startMispServer({
    key: KEY,
    events: () => [],
    raw: (request, response) => (request.url === '/servers/getVersion' ? version : me)(request, response),
  });
  const retries: number[] = [];
  try {
    const client = createMispClient({
      baseUrl: server.url,
      key,
      sslVerify: false,
      timeoutMs: 2000,
      maxBytes: 1_000_000,
      sleep: async (ms) => void retries.push(ms),
    });
    const result = await client.probe().then(
      (probe) => ({ probe, error: undefined }),
      (error: unknown) => ({ probe: undefined, error }),
    );
    return { ...result, url: server.url, requests: server.requests.map((r) => `${r.method} ${r.path}`), retries };
  } finally {
    await server.close();
  }
}

describe('MispClient.probe', () => {
  it('asks servers/getVersion then users/view/me, with the key, and reports the version and role', async () => {
    const server = await startMispServer({ key: KEY, events: () => [] });
    try {
      const probe = await createMispClient({ baseUrl: `${server.url}/`, key: ` ${KEY} `, sslVerify: false, timeoutMs: 2000, maxBytes: 1_000_000 }).probe();
      expect(probe).toEqual({ version: VERSION_ANSWER.version, role: ME_ANSWER.Role.name });
      expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /servers/getVersion', 'GET /users/view/me']);
    } finally {
      await server.close();
    }
  });

  it('only logs a 4xx answer to servers/getVersion (as PyMISP) when the key is accepted', async () => {
    const { probe, error } = await probeAgainst(json(404, { name: 'Not Found' }), json(200, ME_ANSWER));
    expect(error).toBeUndefined();
    expect(probe).toEqual({ role: 'User' });
  });

  it.each([
    [
      'a refused key',
      json(403, { name: 'Authentication failed' }),
      json(403, { name: 'Authentication failed' }),
      'MISP_KEY_REFUSED',
      /refused the key \(users\/view\/me answered HTTP 403\)/,
    ],
    ['garbage instead of JSON', json(200, '<html>login</html>'), json(200, ME_ANSWER), 'MISP_UNREACHABLE', /servers\/getVersion.*did not return JSON/],
    ['a server error', json(500, { message: 'boom' }), json(200, ME_ANSWER), 'MISP_UNREACHABLE', /servers\/getVersion.*HTTP 500/],
    ['an answer without a user', json(200, VERSION_ANSWER), json(200, { saved: true }), 'MISP_BAD_RESPONSE', /did not answer users\/view\/me with a user/],
    [
      'an errors answer for the user',
      json(200, VERSION_ANSWER),
      json(200, { errors: 'no' }),
      'MISP_BAD_RESPONSE',
      /did not answer users\/view\/me with a user/,
    ],
  ])('%s is fatal, with an error naming the URL and not the key', async (_name, version, me, code, message) => {
    const { error, url } = await probeAgainst(version, me);
    expect(isOpenCtiTsError(error) && error.code).toBe(code);
    expect(String((error as Error).message)).toMatch(message);
    expect(String((error as Error).message)).toContain(url);
    expect(JSON.stringify(error) + String((error as Error).message)).not.toContain(KEY);
  });

  it('retries a server error three times before giving up', async () => {
    const { error, requests, retries } = await probeAgainst(json(503, {}), json(200, ME_ANSWER));
    expect(isOpenCtiTsError(error) && error.code).toBe('MISP_UNREACHABLE');
    expect(requests).toEqual(Array(4).fill('GET /servers/getVersion'));
    expect(retries).toHaveLength(3);
  });

  it('an unreachable MISP is fatal', async () => {
    const url = await closedUrl();
    const error = await createMispClient({ baseUrl: url, key: KEY, sslVerify: false, timeoutMs: 2000, maxBytes: 1_000_000, sleep: async () => {} })
      .probe()
      .catch((caught: unknown) => caught);
    expect(isOpenCtiTsError(error) && error.code).toBe('MISP_UNREACHABLE');
    expect(String((error as Error).message)).toContain(url);
  });
});
