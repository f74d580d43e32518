// Streamed uploads (`{ path }` files) through the API client against real local servers:
// exact Content-Length, the same bytes as an in-memory upload, the whole file again on a
// retry, its descriptor closed whatever the answer, and the body intact through an HTTP proxy,
// TLS, and a CONNECT tunnel to TLS.
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import https from 'node:https';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeTestCerts, opensslAvailable } from '@opencti-ts/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { formParts, json, type Recorded, startServer, type TestServer } from './__fixtures__/server.ts';
import { type ApiClientOptions, createApiClient } from './client.ts';
import { EXPORT_PUSH_ENTITY, UPLOAD_IMPORT } from './documents.ts';
import { buildMultipartRequest } from './multipart.ts';

const TOKEN = '11111111-2222-4333-8444-555555555555';
const server: TestServer = await startServer();
const delays: number[] = [];
let dir: string;
let file: string;
let content: Buffer;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sdk-upload-stream-'));
  file = path.join(dir, 'export.csv');
  // 3 MiB: many socket writes, several read-stream chunks.
  content = Buffer.from(`"x";"é ☃"\r\n`.repeat(Math.ceil((3 * 1024 * 1024) / 14)), 'utf8');
  await writeFile(file, content);
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  server.requests.length = 0;
  delays.length = 0;
  server.handle((_request, response) => json(response, 200, { data: { stixDomainObjectEdit: { exportPush: true } } }));
});

const client = (overrides: Partial<ApiClientOptions> = {}) =>
  createApiClient({
    url: server.url,
    token: TOKEN,
    env: false,
    sleep: async (ms) => {
      delays.push(ms);
    },
    random: () => 0.5,
    ...overrides,
  });

const variables: { id: string; file: null; file_markings: string[] } = { id: 'report-1', file: null, file_markings: [] };
const push = (api = client(), data: { path: string } | Buffer = { path: file }, signal?: AbortSignal) =>
  api.upload(EXPORT_PUSH_ENTITY, variables, { file: { name: 'Export.csv', data, mimeType: 'text/csv' } }, signal ? { signal } : {});

/** What the in-memory builder makes with the boundary the request used. */
const expectedBody = (request: Recorded) => {
  const boundary = /boundary=(\S+)$/.exec(String(request.headers['content-type']))?.[1];
  return buildMultipartRequest(EXPORT_PUSH_ENTITY.text, variables, { file: { name: 'Export.csv', data: content, mimeType: 'text/csv' } }, boundary).body;
};

/** Descriptors of this process open on `target` (Linux /proc). */
const openDescriptors = (target: string) =>
  readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === target;
    } catch {
      return false;
    }
  }).length;
const hasProc = existsSync('/proc/self/fd');

describe('streamed upload of a file on disk', () => {
  it('sends the same bytes as the in-memory body, with an exact Content-Length and no chunking', async () => {
    await expect(push()).resolves.toEqual({ stixDomainObjectEdit: { exportPush: true } });
    const [request] = server.requests;
    if (!request) throw new Error('no request');
    expect(request.headers['content-length']).toBe(String(request.body.length));
    expect(request.headers['transfer-encoding']).toBeUndefined();
    expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request.body.equals(expectedBody(request))).toBe(true);
    const parts = await formParts(request);
    expect(parts.map((part) => part.name)).toEqual(['operations', 'map', '0']);
    expect(Buffer.from(parts[2]?.value ?? '', 'utf8').equals(content)).toBe(true);
  });

  it('re-sends the whole file when the platform answers 502 (an idempotent export push)', async () => {
    let calls = 0;
    server.handle((_request, response) => {
      calls += 1;
      if (calls === 1) json(response, 502, { error: 'bad gateway' });
      else json(response, 200, { data: { stixDomainObjectEdit: { exportPush: true } } });
    });
    await push();
    expect(server.requests).toHaveLength(2);
    expect(delays).toEqual([250]);
    for (const request of server.requests) {
      expect(request.body.length).toBe(Number(request.headers['content-length']));
      expect(request.body.equals(expectedBody(request))).toBe(true);
    }
  });

  it('gives up with UPLOAD_FILE_UNREADABLE, not a network error, when the file is gone before the retry', async () => {
    const doomed = path.join(dir, 'doomed.csv');
    await writeFile(doomed, content);
    server.handle(async (_request, response) => {
      await rm(doomed);
      json(response, 503, {});
    });
    const error = await push(client(), { path: doomed }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'UPLOAD_FILE_UNREADABLE', kind: 'input' });
    expect(server.requests).toHaveLength(1);
  });

  it.skipIf(!hasProc)('closes the file when the platform answers before reading the body (413), and when the call is aborted', async () => {
    // Larger than what the loopback socket buffers absorb, so the file is still being read.
    const big = path.join(dir, 'big.csv');
    await writeFile(big, Buffer.alloc(48 * 1024 * 1024, 97));
    // A server that answers at once and never reads: the client must not keep the file open.
    const early = createServer((_request, response) => {
      response.writeHead(413, { 'content-type': 'text/plain', connection: 'close' });
      response.end('Payload Too Large');
    });
    await new Promise<void>((resolve) => early.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(early.address() as AddressInfo).port}`;
      const error = await push(client({ url }), { path: big }).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'HTTP_ERROR', details: { status: 413 } });
      await expect.poll(() => openDescriptors(big)).toBe(0);
    } finally {
      early.closeAllConnections();
      await new Promise((resolve) => early.close(resolve));
    }
    // A server that never reads nor answers: a stop (abort) ends the call and frees the file.
    const stuck = createServer(() => {});
    await new Promise<void>((resolve) => stuck.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(stuck.address() as AddressInfo).port}`;
      const stop = new AbortController();
      const pending = push(client({ url }), { path: big }, stop.signal).catch((caught: unknown) => caught);
      await expect.poll(() => openDescriptors(big)).toBe(1);
      stop.abort();
      expect(await pending).toMatchObject({ kind: 'transient' });
      await expect.poll(() => openDescriptors(big)).toBe(0);
    } finally {
      stuck.closeAllConnections();
      await new Promise((resolve) => stuck.close(resolve));
    }
  });

  it('keeps in-memory uploads as they were (Content-Length computed, same bytes)', async () => {
    await push(client(), content);
    const [request] = server.requests;
    if (!request) throw new Error('no request');
    expect(request.body.equals(expectedBody(request))).toBe(true);
    expect(request.headers['content-length']).toBe(String(request.body.length));
  });
});

describe('streamed upload through a proxy and TLS', () => {
  it('goes through HTTP_PROXY whole (absolute-form request to the proxy)', async () => {
    const proxy = await startServer((_request, response) => json(response, 200, { data: { uploadImport: { id: 'import/global/x', name: 'x' } } }));
    try {
      const api = createApiClient({ url: 'http://platform.example.invalid', token: TOKEN, env: { HTTP_PROXY: proxy.url } });
      await api.upload(UPLOAD_IMPORT, { file: null, fileMarkings: [] }, { file: { name: 'Export.csv', data: { path: file } } });
      const [request] = proxy.requests;
      expect(request?.path).toBe('http://platform.example.invalid/graphql');
      expect(request?.body.length).toBe(Number(request?.headers['content-length']));
      const parts = await formParts(request as Recorded);
      expect(Buffer.from(parts[2]?.value ?? '', 'utf8').equals(content)).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  const openssl = opensslAvailable();

  it.skipIf(!openssl)('goes over TLS verified against a CA file, directly and through an HTTPS_PROXY CONNECT tunnel', async () => {
    const certs = makeTestCerts();
    const received: Buffer[] = [];
    const tls = https.createServer({ key: certs.serverKey, cert: certs.serverCert }, (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push(Buffer.concat(chunks));
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { uploadImport: { id: 'x', name: 'x' } } }));
      });
    });
    // A CONNECT-only forward proxy: it sees the tunnel, never the body.
    const tunnels: string[] = [];
    const proxy: Server = createServer((_request, response) => response.writeHead(405).end());
    proxy.on('connect', (request, socket, head) => {
      tunnels.push(String(request.url));
      const [host = '', port = '443'] = String(request.url).split(':');
      const upstream = connect(Number(port), host, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
      const sslVerify = certs.caPath;
      const upload = (env: NodeJS.ProcessEnv | false) =>
        createApiClient({ url, token: TOKEN, sslVerify, env }).upload(
          UPLOAD_IMPORT,
          { file: null, fileMarkings: [] },
          { file: { name: 'Export.csv', data: { path: file } } },
        );
      await upload(false);
      await upload({ HTTPS_PROXY: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` });
      expect(tunnels).toEqual([url.replace('https://', '')]);
      expect(received).toHaveLength(2);
      for (const body of received) {
        const parts = await formParts({
          method: 'POST',
          path: '/graphql',
          headers: { 'content-type': `multipart/form-data; boundary=${body.toString('latin1', 2, 34)}` },
          body,
        });
        expect(Buffer.from(parts[2]?.value ?? '', 'utf8').equals(content)).toBe(true);
      }
    } finally {
      tls.closeAllConnections();
      proxy.closeAllConnections();
      await new Promise((resolve) => tls.close(resolve));
      await new Promise((resolve) => proxy.close(resolve));
      certs.remove();
    }
  });
});
