// HTTP front of the stand-in (node:http): POST /graphql (JSON or GraphQL multipart
// request), GET /schema, GET /health, GET /storage/get|view/<file id>, with the
// platform's authentication (Bearer token, BYPASS-only impersonation).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import busboy from 'busboy';
import type { GraphQLSchema } from 'graphql';
import { type Context, createSchema, formatError, type GraphqlRequest, runGraphql, SCHEMA_SDL, type Upload } from './graphql.ts';
import { grants, type User } from './model.ts';
import type { Platform } from './platform.ts';

const MAX_BODY = 50 * 1024 * 1024;

class HttpProblem {
  readonly status: number;
  readonly message: string;
  constructor(status: number, message: string) {
    this.status = status;
    this.message = message;
  }
}

export interface Server {
  url: string;
  close(): Promise<void>;
}

/** Resolves the request's user: Bearer token (or Basic with the token as password), then impersonation. */
export function authenticate(platform: Platform, headers: http.IncomingHttpHeaders): { user: User | undefined; error?: string } {
  const authorization = headers.authorization ?? '';
  let token: string | undefined;
  if (authorization.startsWith('Bearer ')) token = authorization.slice('Bearer '.length).trim();
  else if (authorization.startsWith('Basic ')) token = Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':').slice(1).join(':');
  const user = token ? platform.userByToken(token) : undefined;
  const applicant = headers['opencti-applicant-id'];
  const applicantId = Array.isArray(applicant) ? applicant[0] : applicant;
  // Impersonation only for BYPASS users; otherwise the header is ignored silently.
  if (user && applicantId && user.capabilities.includes('BYPASS')) {
    const impersonated = platform.userById(applicantId);
    if (!impersonated) return { user, error: 'Cant impersonate applicant' };
    return { user: impersonated };
  }
  return { user };
}

export async function startServer(platform: Platform, options: { port?: number; host?: string } = {}): Promise<Server> {
  const schema = createSchema(platform);
  const server = http.createServer((request, response) => {
    handle(platform, schema, request, response).catch((error: unknown) => {
      const problem = error instanceof HttpProblem ? error : new HttpProblem(500, 'Internal error');
      if (!response.headersSent) sendJson(response, problem.status, { status: 'error', error: problem.message });
      else response.destroy();
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(platform: Platform, schema: GraphQLSchema, request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const path = url.pathname;
  if (path === '/health' && request.method === 'GET') {
    const expected = platform.options.healthAccessKey ?? 'public';
    const given = url.searchParams.get('health_access_key');
    if (expected !== 'public' && (expected === 'ChangeMe' || given !== expected)) return sendJson(response, 401, { status: 'error', error: 'Unauthorized' });
    return sendJson(response, 200, { status: 'success' });
  }
  const auth = authenticate(platform, request.headers);
  if (path === '/schema' && request.method === 'GET') {
    if (!auth.user) return sendJson(response, 401, { status: 'error', error: 'You must be logged in to do this.' });
    return sendJson(response, 200, { version: platform.version, schema: SCHEMA_SDL });
  }
  const storage = /^\/storage\/(get|view)\/(.+)$/.exec(path);
  if (storage && request.method === 'GET') return serveFile(platform, auth.user, storage[1] as 'get' | 'view', decodeURIComponent(storage[2] ?? ''), response);
  if (path === '/graphql' && request.method === 'POST') {
    const graphqlRequest = await readGraphqlRequest(request);
    if (auth.error) return sendJson(response, 200, { errors: [{ name: 'FUNCTIONAL_ERROR', message: auth.error, extensions: { code: 'FUNCTIONAL_ERROR' } }] });
    const context: Context = { platform, user: auth.user };
    const result = await runGraphql(schema, graphqlRequest, context);
    // The platform answers HTTP 200 whatever the errors.
    const body: Record<string, unknown> = {};
    if (result.errors) body.errors = result.errors.map(formatError);
    if ('data' in result) body.data = result.data;
    return sendJson(response, 200, body);
  }
  sendJson(response, 404, { status: 'error', error: 'Not found' });
}

function serveFile(platform: Platform, user: User | undefined, mode: 'get' | 'view', id: string, response: http.ServerResponse): void {
  if (!user) {
    response.writeHead(403, { 'content-type': 'text/plain' });
    response.end('Forbidden');
    return;
  }
  const file = platform.files.get(id);
  const required = id.startsWith('import/global/') ? 'KNOWLEDGE_KNASKIMPORT' : id.startsWith('support/') ? 'SETTINGS_SUPPORT' : 'KNOWLEDGE';
  if (!file || !grants(user.capabilities, required)) {
    sendJson(response, 503, { status: 'error', error: 'File not found or restricted' });
    return;
  }
  if (mode === 'get') {
    response.writeHead(200, {
      'content-disposition': `attachment; filename="${encodeURIComponent(file.name)}"`,
      'content-type': file.metaData.mimetype,
      'content-length': file.data.length,
    });
  } else {
    response.writeHead(200, {
      'content-disposition': `inline; filename="${encodeURIComponent(file.name)}"`,
      'content-type': file.metaData.mimetype === 'text/html' ? 'text/html; charset=utf-8' : file.metaData.mimetype,
      'content-security-policy': 'sandbox',
      'cache-control': 'no-cache, no-store, must-revalidate',
      pragma: 'no-cache',
      expires: '0',
      'content-length': file.data.length,
    });
  }
  response.end(file.data);
}

function sendJson(response: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function readBody(request: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new HttpProblem(413, 'Payload too large'));
        request.destroy();
      } else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

async function readGraphqlRequest(request: http.IncomingMessage): Promise<GraphqlRequest> {
  const type = request.headers['content-type'] ?? '';
  if (type.startsWith('multipart/form-data')) return readMultipart(request);
  const body = await readBody(request);
  try {
    return JSON.parse(body.toString('utf8')) as GraphqlRequest;
  } catch {
    throw new HttpProblem(400, 'Body must be JSON');
  }
}

/** The GraphQL multipart request convention: `operations`, `map`, then the file parts. */
function readMultipart(request: http.IncomingMessage): Promise<GraphqlRequest> {
  return new Promise((resolve, reject) => {
    const parser = busboy({ headers: request.headers, limits: { fileSize: MAX_BODY } });
    let operations: GraphqlRequest | undefined;
    let map: Record<string, string[]> = {};
    const files = new Map<string, Upload>();
    const pending: Promise<void>[] = [];
    parser.on('field', (name, value) => {
      try {
        if (name === 'operations') operations = JSON.parse(value) as GraphqlRequest;
        if (name === 'map') map = JSON.parse(value) as Record<string, string[]>;
      } catch {
        reject(new HttpProblem(400, `Invalid multipart field ${name}`));
      }
    });
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      pending.push(
        new Promise((done) => {
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () => {
            files.set(name, { filename: info.filename ?? name, mimetype: info.mimeType, data: Buffer.concat(chunks) });
            done();
          });
        }),
      );
    });
    parser.on('error', reject);
    parser.on('close', () => {
      Promise.all(pending).then(() => {
        if (!operations) return reject(new HttpProblem(400, 'Missing multipart field operations'));
        for (const [key, paths] of Object.entries(map)) {
          const file = files.get(key);
          for (const path of paths) setPath(operations as unknown as Record<string, unknown>, path.split('.'), file);
        }
        resolve(operations);
      }, reject);
    });
    request.pipe(parser);
  });
}

function setPath(target: Record<string, unknown>, segments: string[], value: unknown): void {
  let node: Record<string, unknown> = target;
  for (const segment of segments.slice(0, -1)) {
    node[segment] ??= {};
    node = node[segment] as Record<string, unknown>;
  }
  const last = segments.at(-1);
  if (last !== undefined) node[last] = value;
}
