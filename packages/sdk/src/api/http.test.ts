import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { InputError, TransientError } from '../errors/index.ts';
import { json, startServer, type TestServer } from './__fixtures__/server.ts';
import { createHttpClient, type HttpClientOptions } from './http.ts';
import { readAll } from './streams.ts';

const server: TestServer = await startServer();
const dir = await mkdtemp(path.join(tmpdir(), 'opencti-ts-http-'));
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  server.requests.length = 0;
});

const http = (options: HttpClientOptions = {}) => createHttpClient({ env: false, sleep: async () => {}, userAgent: 'opencti-ts/test', ...options });

describe('createHttpClient over HTTP', () => {
  it('gets JSON with validators and sends the user agent and headers', async () => {
    server.handle((_request, response) => json(response, 200, { a: 1 }, { ETag: '"v1"', 'Last-Modified': 'Wed, 01 Jan 2025 00:00:00 GMT' }));
    const result = await http({ headers: { 'X-Api-Key': 'k-secret' } }).getJson<{ a: number }>(`${server.url}/feed.json`);
    expect(result).toMatchObject({ notModified: false, value: { a: 1 }, status: 200, etag: '"v1"', lastModified: 'Wed, 01 Jan 2025 00:00:00 GMT' });
    expect(server.requests[0]?.headers['user-agent']).toBe('opencti-ts/test');
    expect(server.requests[0]?.headers['x-api-key']).toBe('k-secret');
  });

  it('sends conditional headers and returns notModified on 304', async () => {
    server.handle((request, response) => {
      if (request.headers['if-none-match'] === '"v1"') {
        response.writeHead(304, { ETag: '"v1"' });
        response.end();
      } else json(response, 200, {});
    });
    const result = await http().getText(`${server.url}/feed.json`, { etag: '"v1"', lastModified: 'Wed, 01 Jan 2025 00:00:00 GMT' });
    expect(result).toEqual({ notModified: true, etag: '"v1"', lastModified: undefined });
    expect(server.requests[0]?.headers['if-modified-since']).toBe('Wed, 01 Jan 2025 00:00:00 GMT');
  });

  it('retries 503 and then succeeds', async () => {
    let calls = 0;
    server.handle((_request, response) => {
      calls += 1;
      if (calls < 3) json(response, 503, {});
      else response.end('ok');
    });
    const result = await http().getText(`${server.url}/x`);
    expect(result.notModified === false && result.value).toBe('ok');
    expect(server.requests).toHaveLength(3);
  });

  it.each([
    [404, InputError, 'HTTP_CLIENT_ERROR', 1],
    [500, TransientError, 'HTTP_SERVER_ERROR', 2],
    [429, TransientError, 'RATE_LIMITED', 2],
  ])('HTTP %i → %s %s', async (status, type, code, attempts) => {
    server.handle((_request, response) => json(response, status, {}));
    const error = await http({ retry: { maxAttempts: 2 } })
      .getText(`${server.url}/x`)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect(error).toMatchObject({ code, details: { status } });
    expect(server.requests).toHaveLength(attempts);
  });

  it('POSTs a JSON body and parses the JSON answer; retries it only when declared idempotent', async () => {
    server.handle((request, response) => json(response, 200, { echo: JSON.parse(request.body.toString('utf8')) as unknown }));
    const result = await http({ headers: { Authorization: 'k-secret' } }).postJson<{ echo: unknown }>(`${server.url}/events/restSearch`, { page: 1 });
    expect(result).toMatchObject({ notModified: false, value: { echo: { page: 1 } }, status: 200 });
    expect(server.requests[0]).toMatchObject({ method: 'POST', headers: { 'content-type': 'application/json', authorization: 'k-secret' } });

    server.requests.length = 0;
    server.handle((_request, response) => json(response, 503, {}));
    await expect(http({ retry: { maxAttempts: 3 } }).postJson(`${server.url}/x`, {})).rejects.toMatchObject({ code: 'HTTP_SERVER_ERROR' });
    expect(server.requests).toHaveLength(1);
    server.requests.length = 0;
    await expect(http({ retry: { maxAttempts: 3 } }).postJson(`${server.url}/x`, {}, { idempotent: true })).rejects.toMatchObject({
      code: 'HTTP_SERVER_ERROR',
    });
    expect(server.requests).toHaveLength(3);
  });

  it('caps the body size', async () => {
    server.handle((_request, response) => {
      response.write(Buffer.alloc(4000));
      response.end(Buffer.alloc(4000));
    });
    await expect(http({ maxBytes: 5000 }).getText(`${server.url}/big`)).rejects.toMatchObject({ code: 'FILE_TOO_LARGE' });
  });

  it('rejects a body that is not JSON with InputError INVALID_JSON', async () => {
    server.handle((_request, response) => response.end('<html>'));
    await expect(http().getJson(`${server.url}/x`)).rejects.toMatchObject({ code: 'INVALID_JSON' });
  });

  it('times out when no headers arrive', async () => {
    server.handle(() => {});
    await expect(http({ connectTimeoutMs: 100, retry: { maxAttempts: 1 } }).getText(`${server.url}/slow`)).rejects.toMatchObject({ code: 'TIMEOUT' });
  });

  it('times out a body that stalls', async () => {
    server.handle((_request, response) => {
      response.write('partial');
    });
    const result = await http({ readTimeoutMs: 100 }).getStream(`${server.url}/stall`);
    if (result.notModified) throw new Error('unexpected 304');
    await expect(readAll(result.value)).rejects.toMatchObject({ code: 'TIMEOUT' });
  });
});

describe('proxies from HTTP_PROXY / NO_PROXY', () => {
  it('sends plain-http requests through the proxy, and bypasses it for NO_PROXY hosts', async () => {
    const proxy = await startServer((_request, response) => json(response, 200, { via: 'proxy' }));
    server.handle((_request, response) => json(response, 200, { via: 'direct' }));
    try {
      const proxied = await http({ env: { HTTP_PROXY: proxy.url } }).getJson(`http://feeds.example.invalid/data.json`);
      expect(proxied.notModified === false && proxied.value).toEqual({ via: 'proxy' });
      expect(proxy.requests[0]?.path).toBe('http://feeds.example.invalid/data.json');
      const direct = await http({ env: { HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' } }).getJson(`${server.url}/data.json`);
      expect(direct.notModified === false && direct.value).toEqual({ via: 'direct' });
      expect(proxy.requests).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });
});

describe('file:// URLs', () => {
  it('reads a local file with validators and answers notModified when unchanged', async () => {
    const file = path.join(dir, 'mirror.json');
    await writeFile(file, '{"mirror":true}');
    const mtime = new Date('2025-06-01T12:00:00Z');
    await utimes(file, mtime, mtime);
    const url = pathToFileURL(file).href;
    const first = await http().getJson(url);
    expect(first).toMatchObject({ notModified: false, value: { mirror: true }, lastModified: mtime.toUTCString() });
    expect(await http().getJson(url, { etag: first.etag })).toMatchObject({ notModified: true });
    expect(await http().getJson(url, { lastModified: mtime.toUTCString() })).toMatchObject({ notModified: true });
    expect(await http().getJson(url, { lastModified: new Date('2025-01-01').toUTCString() })).toMatchObject({ notModified: false });
    // Rewritten within the same second: Last-Modified (whole seconds) is unchanged, the ETag is not, and wins.
    await writeFile(file, '{"mirror":"v2"}');
    await utimes(file, new Date(mtime.getTime() + 500), new Date(mtime.getTime() + 500));
    expect(await http().getJson(url, { etag: first.etag, lastModified: first.lastModified })).toMatchObject({ notModified: false, value: { mirror: 'v2' } });
  });

  it.each([
    ['missing file', 'missing.json', {}, 'FILE_NOT_FOUND'],
    ['over the cap', 'big.json', { maxBytes: 3 }, 'FILE_TOO_LARGE'],
  ])('%s → %s', async (_label, name, options, code) => {
    await writeFile(path.join(dir, 'big.json'), '0123456789');
    await expect(http().getText(pathToFileURL(path.join(dir, name)).href, options)).rejects.toMatchObject({ code });
  });

  it('can be disabled', async () => {
    await expect(http({ allowFileUrls: false }).getText(pathToFileURL(path.join(dir, 'big.json')).href)).rejects.toMatchObject({ code: 'FILE_URL_REFUSED' });
  });
});
