import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { sharedPath } from '@opencti-ts/testing';
import { Kind, type OperationDefinitionNode, parse } from 'graphql';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { isRetryable, PlatformError, TransientError } from '../errors/index.ts';
import { createLogger } from '../log/index.ts';
import { formParts, json, startServer, type TestServer } from './__fixtures__/server.ts';
import { type ApiClientOptions, createApiClient } from './client.ts';
import { DOCUMENTS, type GraphqlDocument, HEALTH_CHECK, STIX_CORE_OBJECT, UPLOAD_PENDING, WORK_ADD_EXPECTATIONS, WORK_TO_PROCESSED } from './documents.ts';
import { DEFAULT_USER_AGENT } from './headers.ts';
import { readAll } from './streams.ts';

const TOKEN = '11111111-2222-4333-8444-555555555555';
const server: TestServer = await startServer();
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  server.handle((_request, response) => json(response, 200, { data: { ok: true } }));
});

const delays: number[] = [];
const client = (overrides: Partial<ApiClientOptions> = {}) =>
  createApiClient({
    url: `${server.url}/`,
    token: TOKEN,
    headers: 'X-Custom-Team: cti',
    env: false,
    sleep: async (ms) => {
      delays.push(ms);
    },
    random: () => 0.5,
    ...overrides,
  });

const operationOf = (body: Buffer | string) => {
  const parsed = JSON.parse(body.toString()) as { query: string; variables: unknown };
  const operation = parse(parsed.query).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  return { name: operation?.name?.value, type: operation?.operation, variables: parsed.variables, keys: Object.keys(parsed) };
};

describe('request shape', () => {
  it('sends pycti headers with our user agent and a {query, variables} JSON body', async () => {
    const result = await client().query(HEALTH_CHECK, {});
    expect(result).toEqual({ ok: true });
    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/graphql');
    expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request?.headers['user-agent']).toMatch(/^opencti-ts\/\d+\.\d+\.\d+/);
    expect(request?.headers['user-agent']).toBe(DEFAULT_USER_AGENT);
    expect(request?.headers['x-custom-team']).toBe('cti');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(operationOf(request?.body ?? '')).toEqual({ name: 'healthCheck', type: 'query', variables: {}, keys: ['query', 'variables'] });
  });

  it('sends the applicant header when impersonating and drops it for work mutations; keeps the draft header', async () => {
    const api = client({ applicantId: 'user-1' });
    api.setDraftId('draft-9');
    await api.query(STIX_CORE_OBJECT, { id: 'x' });
    await api.query(WORK_TO_PROCESSED, { id: 'w', message: 'done', inError: false });
    await api.query(STIX_CORE_OBJECT, { id: 'x' }, { impersonate: false });
    const [read, work, explicit] = server.requests;
    expect(read?.headers['opencti-applicant-id']).toBe('user-1');
    expect(read?.headers['opencti-draft-id']).toBe('draft-9');
    expect(work?.headers['opencti-applicant-id']).toBeUndefined();
    expect(work?.headers['opencti-draft-id']).toBe('draft-9');
    expect(explicit?.headers['opencti-applicant-id']).toBeUndefined();
  });

  it('keeps context per derived client and sends an empty draft header once the draft is cleared', async () => {
    const api = client();
    const job = api.withContext({ applicantId: 'requester' });
    job.setDraftId(null);
    await api.query(HEALTH_CHECK, {});
    await job.query(HEALTH_CHECK, {});
    expect(server.requests[0]?.headers['opencti-applicant-id']).toBeUndefined();
    expect(server.requests[0]?.headers['opencti-draft-id']).toBeUndefined();
    expect(server.requests[1]?.headers['opencti-applicant-id']).toBe('requester');
    expect(server.requests[1]?.headers['opencti-draft-id']).toBe('');
  });
});

// ------------------------------------------------------------------ pycti transcript

interface TranscriptHttp {
  method: string;
  path: string;
  headers: Record<string, string>;
  variables?: Record<string, unknown>;
  operation_type?: string;
  operation_name?: string;
  multipart?: Array<{ name: string; value?: unknown; filename?: string; content_type?: string; content?: string }>;
}
const transcriptFile = sharedPath('data/vectors/helper/transcript.json');
const transcript: TranscriptHttp[] = transcriptFile.available
  ? (JSON.parse(readFileSync(transcriptFile.path, 'utf8')) as { transcript: Array<{ http?: TranscriptHttp[] }> }).transcript.flatMap((s) => s.http ?? [])
  : [];
const byName = new Map<string, GraphqlDocument<unknown, unknown>>(Object.values(DOCUMENTS).map((d) => [d.operationName, d]));
const graphqlCalls = transcript.filter((entry) => entry.path === '/graphql' && !entry.multipart);
const uploads = transcript.filter((entry) => entry.multipart);

const comparableHeaders = (headers: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(headers)
      .filter(([name]) => !/^(user-agent|content-type)$/i.test(name))
      .map(([name, value]) => [name.toLowerCase(), value]),
  );

describe.skipIf(!transcriptFile.available)('matches the requests pycti made (transcript.json)', () => {
  it('knows every operation pycti sent', () => {
    const missing = transcript.filter((entry) => entry.operation_name && !byName.has(entry.operation_name)).map((entry) => entry.operation_name);
    expect(missing).toEqual([]);
    expect(graphqlCalls.length).toBeGreaterThan(10);
  });

  it.each(graphqlCalls.map((entry, index) => [`${index} ${entry.operation_name}`, entry] as const))('%s', async (_label, entry) => {
    const document = byName.get(entry.operation_name ?? '');
    if (!document) throw new Error(`no document ${entry.operation_name}`);
    const api = client();
    if ('opencti-draft-id' in entry.headers) api.setDraftId(entry.headers['opencti-draft-id']);
    await api.query(document, entry.variables ?? {});
    const request = server.requests[0];
    expect(operationOf(request?.body ?? '')).toMatchObject({ name: entry.operation_name, type: entry.operation_type, variables: entry.variables });
    expect(request?.headers['content-type']).toBe(entry.headers['Content-Type']);
    expect(Object.fromEntries(Object.entries(request?.headers ?? {}).filter(([name]) => name in comparableHeaders(entry.headers)))).toEqual(
      comparableHeaders(entry.headers),
    );
  });

  it.each(uploads.map((entry) => [entry.operation_name, entry] as const))('multipart %s: parts, order, map and file as pycti', async (_name, entry) => {
    const document = byName.get(entry.operation_name ?? '');
    const parts = entry.multipart ?? [];
    const operations = parts.find((part) => part.name === 'operations')?.value as { variables: Record<string, unknown> };
    const filePart = parts.find((part) => part.name === '0');
    if (!document || !filePart) throw new Error('transcript entry incomplete');
    const { file: _file, ...variables } = operations.variables;
    await client().upload(document, { ...variables, file: null } as never, {
      file: { name: filePart.filename ?? '', data: filePart.content ?? '', mimeType: filePart.content_type },
    });
    const request = server.requests[0];
    if (!request) throw new Error('no request');
    expect(String(request.headers['content-type'])).toMatch(/^multipart\/form-data; boundary=[0-9a-f]{32}$/);
    expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const received = await formParts(request);
    expect(received.map((part) => part.name)).toEqual(['operations', 'map', '0']);
    const sentOperations = JSON.parse(received[0]?.value ?? '{}') as { query: string; variables: unknown };
    expect(Object.keys(sentOperations)).toEqual(['query', 'variables']);
    expect(sentOperations.variables).toEqual(operations.variables);
    expect(operationOf(received[0]?.value ?? '').name).toBe(entry.operation_name);
    expect(JSON.parse(received[1]?.value ?? '{}')).toEqual(parts.find((part) => part.name === 'map')?.value);
    expect(received[2]).toEqual({ name: '0', value: filePart.content, filename: filePart.filename, type: filePart.content_type });
  });

  it('downloads file_fetch with the same headers as pycti (no content type)', async () => {
    const entry = transcript.find((e) => e.method === 'GET');
    if (!entry) throw new Error('no GET in transcript');
    server.handle((_request, response) => response.end('{"type":"bundle"}'));
    const body = await client().downloadFileBuffer(entry.path, { maxBytes: 1024 });
    expect(body.toString()).toBe('{"type":"bundle"}');
    const request = server.requests[0];
    expect(request?.path).toBe(entry.path);
    expect(request?.headers['content-type']).toBeUndefined();
    expect(request?.headers.authorization).toBe(entry.headers.Authorization);
    expect(request?.headers['x-custom-team']).toBe(entry.headers['X-Custom-Team']);
  });
});

describe('multipart uploads', () => {
  it('fills file lists as variables.<name>.<index> and defaults the part type to text/plain', async () => {
    await client().upload(
      UPLOAD_PENDING,
      { file: null, entityId: null, file_markings: null },
      { file: { name: 'a "quoted".json', data: new Uint8Array([123, 125]) } },
    );
    const parts = await formParts(server.requests[0] ?? { method: '', path: '', headers: {}, body: Buffer.alloc(0) });
    expect(parts[2]).toMatchObject({ name: '0', value: '{}', type: 'text/plain' });
    expect(parts[2]?.filename).toContain('quoted');
  });
});

// ------------------------------------------------------------------ errors and retries

describe('typed errors', () => {
  it.each([
    ['AUTH_REQUIRED', 'AUTH_REQUIRED'],
    ['FORBIDDEN_ACCESS', 'FORBIDDEN_ACCESS'],
    ['FUNCTIONAL_ERROR', 'FUNCTIONAL_ERROR'],
    ['GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_VALIDATION_FAILED'],
    ['DRAFT_LOCKED', 'DRAFT_LOCKED'],
    ['SOMETHING_NEW', 'GRAPHQL_ERROR'],
  ])('GraphQL error %s with HTTP 200 → PlatformError %s, not retried', async (name, code) => {
    server.handle((_request, response) =>
      json(response, 200, { errors: [{ name, message: `${name} happened`, data: { input: { secret: 1 }, reason: 'r' } }], data: null }),
    );
    const error = await client()
      .query(HEALTH_CHECK, {})
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlatformError);
    expect(error).toMatchObject({ code, retryable: false, details: { operationName: 'healthCheck', platformName: name, data: { reason: 'r' } } });
    expect((error as PlatformError).message).toContain(`${name} happened`);
    expect(server.requests).toHaveLength(1);
  });

  it('uses extensions.code when the error has no name', async () => {
    server.handle((_request, response) =>
      json(response, 200, { errors: [{ message: 'Cannot query field', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] }),
    );
    await expect(client().query(HEALTH_CHECK, {})).rejects.toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED' });
  });

  it('retries a query after 503 and succeeds', async () => {
    delays.length = 0;
    let calls = 0;
    server.handle((_request, response) => {
      calls += 1;
      if (calls === 1) json(response, 503, { error: 'down' });
      else json(response, 200, { data: { about: { version: '6.9.17' } } });
    });
    await expect(client().query(HEALTH_CHECK, {})).resolves.toEqual({ about: { version: '6.9.17' } });
    expect(server.requests).toHaveLength(2);
    // random 0.5 over the first window of 500 ms
    expect(delays).toEqual([250]);
  });

  it('gives up after maxAttempts with a retryable PlatformError', async () => {
    server.handle((_request, response) => json(response, 502, {}));
    const error = await client({ retry: { maxAttempts: 3 } })
      .query(HEALTH_CHECK, {})
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PLATFORM_UNAVAILABLE', retryable: true, details: { status: 502 } });
    expect(server.requests).toHaveLength(3);
  });

  it('honours Retry-After on 429', async () => {
    delays.length = 0;
    let calls = 0;
    server.handle((_request, response) => {
      calls += 1;
      if (calls === 1) json(response, 429, {}, { 'Retry-After': '3' });
      else json(response, 200, { data: {} });
    });
    await client().query(HEALTH_CHECK, {});
    expect(delays).toEqual([3000]);
  });

  it('does not retry a non-idempotent mutation unless told to', async () => {
    server.handle((_request, response) => json(response, 503, {}));
    await expect(client().query(WORK_ADD_EXPECTATIONS, { id: 'w', expectations: 3 })).rejects.toMatchObject({ code: 'PLATFORM_UNAVAILABLE' });
    expect(server.requests).toHaveLength(1);
    server.requests.length = 0;
    await expect(
      client().query(WORK_ADD_EXPECTATIONS, { id: 'w', expectations: 3 }, { retry: { retryNonIdempotent: true, maxAttempts: 2 } }),
    ).rejects.toThrow();
    expect(server.requests).toHaveLength(2);
  });

  it('does not retry AUTH_REQUIRED, even for queries', async () => {
    server.handle((_request, response) => json(response, 200, { errors: [{ name: 'AUTH_REQUIRED', message: 'You must be logged in to do this.' }] }));
    await expect(client().query(HEALTH_CHECK, {})).rejects.toMatchObject({ code: 'AUTH_REQUIRED' });
    expect(server.requests).toHaveLength(1);
  });

  it('times out a call that gets no answer → TransientError TIMEOUT', async () => {
    server.handle(() => {
      // never answers
    });
    const error = await client({ timeoutMs: 150, retry: { maxAttempts: 1 } })
      .query(HEALTH_CHECK, {})
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ code: 'TIMEOUT' });
    expect(isRetryable(error)).toBe(true);
  });

  it('maps a refused connection to TransientError NETWORK_ERROR', async () => {
    const closed = await startServer();
    await closed.close();
    const error = await createApiClient({ url: closed.url, token: TOKEN, env: false, retry: { maxAttempts: 1 } })
      .query(HEALTH_CHECK, {})
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ code: 'NETWORK_ERROR' });
  });
});

// ------------------------------------------------------------------ downloads

describe('downloadFile', () => {
  const chunked = (size: number) => (_request: unknown, response: import('node:http').ServerResponse) => {
    response.writeHead(200, { 'Content-Type': 'application/octet-stream' });
    const piece = Buffer.alloc(1024, 97);
    let sent = 0;
    const next = () => {
      while (sent < size) {
        sent += piece.length;
        if (!response.write(piece)) return response.once('drain', next);
      }
      response.end();
      return undefined;
    };
    next();
  };

  it('streams a file within the cap', async () => {
    server.handle(chunked(64 * 1024));
    const stream = await client().downloadFile('/storage/get/import/global/a.json', { maxBytes: 64 * 1024 });
    expect((await readAll(stream)).length).toBe(64 * 1024);
  });

  it('errors the stream with FILE_TOO_LARGE past the cap (no Content-Length)', async () => {
    server.handle(chunked(256 * 1024));
    const stream = await client().downloadFile('/storage/get/import/global/big.json', { maxBytes: 10_000 });
    await expect(readAll(stream)).rejects.toMatchObject({ code: 'FILE_TOO_LARGE', kind: 'input' });
  });

  it('refuses before reading when Content-Length is over the cap', async () => {
    server.handle((_request, response) => {
      response.writeHead(200, { 'Content-Length': '5000' });
      response.end(Buffer.alloc(5000));
    });
    await expect(client().downloadFile('/storage/get/x', { maxBytes: 100 })).rejects.toMatchObject({ code: 'FILE_TOO_LARGE' });
  });

  it.each([
    [403, 'FORBIDDEN_ACCESS', 1],
    [404, 'NOT_FOUND', 1],
  ])('fails on HTTP %i with %s', async (status, code, attempts) => {
    server.handle((_request, response) => json(response, status, { status: 'error' }));
    await expect(client().downloadFile('/storage/get/x', { maxBytes: 100 })).rejects.toMatchObject({ code });
    expect(server.requests).toHaveLength(attempts);
  });

  it('reads the platform 503 "File not found or restricted" as FILE_NOT_FOUND without retrying', async () => {
    server.handle((_request, response) => json(response, 503, { status: 'error', error: 'File not found or restricted' }));
    await expect(client().downloadFile('/storage/get/x', { maxBytes: 100 })).rejects.toMatchObject({ code: 'FILE_NOT_FOUND', retryable: false });
    expect(server.requests).toHaveLength(1);
  });
});

// ------------------------------------------------------------------ secrets

describe('the token never leaves in an error or a log line', () => {
  const lines: string[] = [];
  const logger = createLogger({ name: 'api', level: 'DEBUG', sink: (line) => lines.push(line) });
  // Echo the bare token (no "Bearer " prefix, which the redactor's pattern would catch anyway).
  const echo = (status: number) => (request: { headers: Record<string, unknown> }, response: import('node:http').ServerResponse) => {
    const token = String(request.headers.authorization).replace(/^Bearer /, '');
    json(response, status, { errors: [{ name: 'AUTH_REQUIRED', message: `bad token ${token}`, data: { token } }], echo: token });
  };

  it.each([
    ['GraphQL error echoing the header', echo(200)],
    ['HTTP 500 echoing the header', echo(500)],
    ['HTTP 503 echoing the header (retried)', echo(503)],
  ])('%s', async (_label, handler) => {
    server.handle(handler);
    const error = await client({ logger, retry: { maxAttempts: 2 } })
      .query(HEALTH_CHECK, {})
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlatformError);
    expect(inspect(error, { depth: null, showHidden: true })).not.toContain(TOKEN);
    expect(JSON.stringify(error)).not.toContain(TOKEN);
    expect(lines.join('\n')).not.toContain(TOKEN);
  });

  it('network failures and timeouts carry no request config', async () => {
    const closed = await startServer();
    await closed.close();
    server.handle(() => {});
    const errors = await Promise.all([
      createApiClient({ url: closed.url, token: TOKEN, env: false, retry: { maxAttempts: 1 } })
        .query(HEALTH_CHECK, {})
        .catch((e: unknown) => e),
      client({ timeoutMs: 100, retry: { maxAttempts: 1 } })
        .query(HEALTH_CHECK, {})
        .catch((e: unknown) => e),
      client({ timeoutMs: 100, retry: { maxAttempts: 1 } })
        .downloadFile('/storage/get/x', { maxBytes: 10 })
        .catch((e: unknown) => e),
    ]);
    for (const error of errors) {
      expect(error).toBeInstanceOf(TransientError);
      expect(inspect(error, { depth: null, showHidden: true })).not.toContain(TOKEN);
    }
  });
});
