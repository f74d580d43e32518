// The HTTP listen protocol (sdk-protocol §c.5, CONNECTOR_LISTEN_PROTOCOL=API): the platform
// POSTs each job to the connector instead of publishing it to the listen queue. pycti's
// status codes and bodies are kept exactly; the same job handler as AMQP runs before the
// answer, one job at a time (pycti runs it synchronously on its event loop).
import { timingSafeEqual } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { type Logger, silentLogger } from '../log/index.ts';

export interface ListenApiOptions {
  /** 0 picks a free port (tests). */
  port: number;
  /** pycti binds every interface. */
  host?: string;
  /** The route the platform calls, e.g. `/api/callback`. */
  path: string;
  /** The connector's OPENCTI_TOKEN: the platform authenticates with it. */
  token: string;
  tls?: { key: string; cert: string; passphrase?: string };
  /** The job handler; a rejection answers 500. */
  handle(message: unknown): Promise<void>;
  logger?: Logger;
  /** Bodies above this are refused with 413 (default 50 MB, the platform's own limit). */
  maxBodyBytes?: number;
}

export interface ListenApiServer {
  readonly port: number;
  /** Refuses new jobs, waits (bounded) for the running one, then closes every connection. */
  close(graceMs?: number): Promise<void>;
}

const MAX_BODY_BYTES = 50 * 1024 * 1024;

class BodyTooLarge extends RangeError {}

export async function startListenApi(options: ListenApiOptions): Promise<ListenApiServer> {
  const logger = options.logger ?? silentLogger;
  const expected = Buffer.from(options.token, 'utf8');
  let queue: Promise<void> = Promise.resolve();
  let running = 0;
  let stopping = false;

  const authorized = (header: string | undefined): boolean => {
    const parts = (header ?? '').split(' ');
    if (parts.length !== 2 || parts[0]?.toLowerCase() !== 'bearer') return false;
    const given = Buffer.from(parts[1] ?? '', 'utf8');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  const onRequest = async (request: IncomingMessage, response: ServerResponse) => {
    const pathname = new URL(request.url ?? '/', 'http://connector').pathname;
    // FastAPI's answers for other routes and methods, which pycti inherits.
    if (pathname !== options.path) return answer(response, 404, { detail: 'Not Found' });
    if (request.method !== 'POST') return answer(response, 405, { detail: 'Method Not Allowed' }, { allow: 'POST' });
    if (!authorized(request.headers.authorization)) return answer(response, 401, { error: 'Invalid credentials' });
    if (stopping) return answer(response, 503, { error: 'Connector is stopping' }, { connection: 'close' });
    let body: unknown;
    try {
      body = JSON.parse((await readBody(request, options.maxBodyBytes ?? MAX_BODY_BYTES)).toString('utf8'));
    } catch (error) {
      if (error instanceof BodyTooLarge) return answer(response, 413, { error: 'Payload too large' }, { connection: 'close' });
      return answer(response, 400, { error: 'Invalid JSON payload' });
    }
    running += 1;
    const job = queue.then(() => options.handle(body));
    queue = job.catch(() => undefined);
    try {
      await job;
      answer(response, 202, { message: 'Message successfully received' });
    } catch (error) {
      logger.error('Error processing message received over HTTP', { error });
      answer(response, 500, { error: 'Error processing message' });
    } finally {
      running -= 1;
    }
  };

  const listener = (request: IncomingMessage, response: ServerResponse) => {
    onRequest(request, response).catch((error: unknown) => {
      logger.error('Cannot answer a listen request', { error });
      if (!response.headersSent) answer(response, 500, { error: 'Error processing message' });
    });
  };
  const server = options.tls ? https.createServer({ ...options.tls }, listener) : http.createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  logger.info('Listening for jobs over HTTP', { port, path: options.path, tls: options.tls !== undefined });

  let closing: Promise<void> | undefined;
  return {
    port,
    close(graceMs = 20_000) {
      closing ??= (async () => {
        stopping = true;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const deadline = Date.now() + graceMs;
        while (running > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
        if (running > 0) logger.warn('Stopped with a job still running; its HTTP request is cut', { running });
        server.closeAllConnections();
        await closed;
      })();
      return closing;
    },
  };
}

function answer(response: ServerResponse, status: number, body: Record<string, string>, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

async function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw new BodyTooLarge('body too large');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new BodyTooLarge('body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
