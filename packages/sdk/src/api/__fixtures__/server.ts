// A real node:http server on 127.0.0.1:0 for API tests: records every request and answers
// with a handler the test swaps per case.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export type Handler = (request: Recorded, response: ServerResponse, raw: IncomingMessage) => unknown;

export interface TestServer {
  url: string;
  requests: Recorded[];
  handle(handler: Handler): void;
  close(): Promise<void>;
}

export async function startServer(initial?: Handler): Promise<TestServer> {
  let handler: Handler = initial ?? ((_request, response) => json(response, 200, { data: null }));
  const requests: Recorded[] = [];
  const server: Server = createServer((raw, response) => {
    const chunks: Buffer[] = [];
    raw.on('data', (chunk: Buffer) => chunks.push(chunk));
    raw.on('end', () => {
      const recorded: Recorded = { method: raw.method ?? '', path: raw.url ?? '', headers: raw.headers, body: Buffer.concat(chunks) };
      requests.push(recorded);
      Promise.resolve(handler(recorded, response, raw)).catch((error: unknown) => {
        response.statusCode = 599;
        response.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    handle: (next) => {
      handler = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/** Parses a recorded multipart body with the platform-independent WHATWG parser (undici). */
export async function formParts(recorded: Recorded): Promise<Array<{ name: string; value: string; filename?: string; type?: string }>> {
  const request = new Request('http://local/', { method: 'POST', headers: { 'content-type': String(recorded.headers['content-type']) }, body: recorded.body });
  const form = await request.formData();
  const parts: Array<{ name: string; value: string; filename?: string; type?: string }> = [];
  for (const [name, value] of form.entries()) {
    if (typeof value === 'string') parts.push({ name, value });
    else parts.push({ name, value: await value.text(), filename: value.name, type: value.type });
  }
  return parts;
}
