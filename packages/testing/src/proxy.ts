// A local HTTP proxy in front of a test server (the platform stand-in, say) for failures
// the server itself never produces: a download that stalls, a body without Content-Length,
// a request held until the test lets it go. `intercept` sees each request first and either
// answers it itself (or never does) or lets the proxy forward it unchanged.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  method: string;
  /** Path and query, as received. */
  url: string;
  /** Lower-cased names, as node gives them. */
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** The target's whole answer to a forwarded request. */
export interface UpstreamAnswer {
  status: number;
  ok: boolean;
  headers: Headers;
  body: Buffer;
}

export interface ProxyExchange {
  request: ProxiedRequest;
  /** Where the intercept writes its own answer; left unanswered, it hangs until close(). */
  response: http.ServerResponse;
  /** Sends the request on to the target (with `body` in place of its own, if given); the answer, not yet written back. */
  forward(body?: Buffer): Promise<UpstreamAnswer>;
  /** Writes a target's answer back as it came. */
  reply(answer: UpstreamAnswer): void;
}

/** True when the intercept took the request over; false to forward it unchanged. */
export type Intercept = (exchange: ProxyExchange) => boolean | Promise<boolean>;

export interface TestProxy {
  /** Base URL of the proxy (no trailing slash), to give in place of the target's. */
  url: string;
  /** Destroys the answers still pending (stalled on purpose) and stops the proxy. */
  close(): Promise<void>;
}

// Set by node or fetch for the connection and body encoding, not by the target's application.
const HOP_HEADERS = new Set(['host', 'connection', 'keep-alive', 'content-length', 'transfer-encoding', 'content-encoding']);

export async function startProxy(target: string, options: { intercept?: Intercept } = {}): Promise<TestProxy> {
  const base = target.replace(/\/+$/, '');
  const pending = new Set<http.ServerResponse>();
  const forward = async (request: ProxiedRequest, body = request.body): Promise<UpstreamAnswer> => {
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && !HOP_HEADERS.has(entry[0])),
    );
    const answer = await fetch(`${base}${request.url}`, { method: request.method, headers, ...(body.length > 0 ? { body } : {}) });
    return { status: answer.status, ok: answer.ok, headers: answer.headers, body: Buffer.from(await answer.arrayBuffer()) };
  };
  const reply = (response: http.ServerResponse, answer: UpstreamAnswer) => {
    const headers: Record<string, string> = {};
    answer.headers.forEach((value, name) => {
      if (!HOP_HEADERS.has(name)) headers[name] = value;
    });
    response.writeHead(answer.status, { ...headers, 'content-length': String(answer.body.length) }).end(answer.body);
  };
  const server = http.createServer(async (incoming, response) => {
    pending.add(response);
    response.on('close', () => pending.delete(response));
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of incoming) chunks.push(chunk as Buffer);
      const request: ProxiedRequest = { method: incoming.method ?? 'GET', url: incoming.url ?? '/', headers: incoming.headers, body: Buffer.concat(chunks) };
      const exchange: ProxyExchange = { request, response, forward: (body) => forward(request, body), reply: (answer) => reply(response, answer) };
      if (await options.intercept?.(exchange)) return;
      reply(response, await forward(request));
    } catch {
      // The target is unreachable: a gateway error, as a real proxy answers.
      if (response.headersSent) response.destroy();
      else response.writeHead(502, { 'content-type': 'text/plain' }).end('Bad Gateway');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const response of pending) response.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
