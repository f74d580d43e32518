// A small MISP stand-in for the connector's tests, over real HTTP (or HTTPS with a required
// client certificate): PyMISP's start-up routes (`GET /servers/getVersion`, `GET
// /users/view/me`, answered as MISP 2.5 does) and `POST /events/restSearch` with the
// `timestamp` or `from` filter, ascending timestamp or id order and limit/page. Every route checks the
// Authorization header (the whole key, as PyMISP sends it) and answers MISP's 403 otherwise.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { MispEvent } from '../src/convert/model.ts';

export interface MispRequest {
  method: string;
  path: string;
  body?: Record<string, unknown>;
}

export interface MispServer {
  url: string;
  /** Every request received, in order. */
  requests: MispRequest[];
  /** The restSearch bodies received, in order. */
  bodies: Record<string, unknown>[];
  close(): Promise<void>;
}

export interface MispServerOptions {
  key: string;
  /** The events MISP holds (read at every search, so a test may change them between runs). */
  events: () => MispEvent[];
  /** HTTPS requiring a client certificate signed by `ca`. */
  tls?: { key: string; cert: string; ca: string };
  /** Replaces every answer, the start-up routes included (garbage, hang...). */
  raw?: (request: http.IncomingMessage, response: http.ServerResponse) => void;
  /** Replaces the restSearch answer only: start-up passes, the run meets the failure. */
  rawSearch?: (request: http.IncomingMessage, response: http.ServerResponse) => void;
}

/** What MISP 2.5 answers to `GET /servers/getVersion`. */
export const VERSION_ANSWER = {
  version: '2.5.2',
  pymisp_recommended_version: '2.5.2',
  perm_sync: false,
  perm_sighting: false,
  perm_galaxy_editor: false,
  request_encoding: ['gzip', 'br'],
  filter_sightings: true,
};

/** What MISP 2.5 answers to `GET /users/view/me` (PyMISP needs User, Role and UserSetting). */
export const ME_ANSWER = {
  User: { id: '7', org_id: '1', email: 'automation@misp.example', disabled: false, role_id: '3' },
  Role: { id: '3', name: 'User', perm_auth: true, perm_add: true, perm_sync: false },
  UserSetting: [],
  Organisation: { id: '1', name: 'CIRCL', uuid: '55f6ea5e-2c60-40e5-964f-47a8950d210f' },
};

const FORBIDDEN = JSON.stringify({
  name: 'Authentication failed. Please make sure you pass the API key of an API enabled user along in the Authorization header.',
  message: 'Authentication failed. Please make sure you pass the API key of an API enabled user along in the Authorization header.',
  url: '/users/view/me',
});

export async function startMispServer(options: MispServerOptions): Promise<MispServer> {
  const requests: MispRequest[] = [];
  const bodies: Record<string, unknown>[] = [];
  const handler = (request: http.IncomingMessage, response: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
      requests.push({ method: request.method ?? '', path: request.url ?? '', ...(body ? { body } : {}) });
      if (options.raw) return options.raw(request, response);
      const json = (status: number, value: unknown) =>
        void response.writeHead(status, { 'content-type': 'application/json' }).end(typeof value === 'string' ? value : JSON.stringify(value));
      if (request.headers.authorization !== options.key) return json(403, FORBIDDEN);
      if (request.method === 'GET' && request.url === '/servers/getVersion') return json(200, VERSION_ANSWER);
      if (request.method === 'GET' && request.url === '/users/view/me') return json(200, ME_ANSWER);
      if (request.method !== 'POST' || request.url !== '/events/restSearch' || !body) return json(404, { name: 'Not Found', message: 'Not Found' });
      bodies.push(body);
      if (options.rawSearch) return options.rawSearch(request, response);
      // `timestamp` (Unix seconds) or `from` (a date) filter; `order` by id or by timestamp.
      const since = Math.floor(Number(body.timestamp ?? 0));
      const fromDay = body.from === undefined ? '' : new Date(Number(body.from) * 1000).toISOString().slice(0, 10);
      const byId = body.order === 'Event.id ASC';
      const limit = Number(body.limit);
      const page = Number(body.page);
      const selected = options
        .events()
        .filter((event) => Number(event.timestamp) >= since && String(event.date ?? '') >= fromDay)
        .sort((a, b) => (byId ? Number(a.id) - Number(b.id) : Number(a.timestamp) - Number(b.timestamp)))
        .slice((page - 1) * limit, page * limit)
        .map((event) => ({ Event: event }));
      json(200, selected);
    });
  };
  const server = options.tls
    ? https.createServer({ key: options.tls.key, cert: options.tls.cert, ca: options.tls.ca, requestCert: true, rejectUnauthorized: true }, handler)
    : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    bodies,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A URL where nothing listens (a server opened then closed). */
export async function closedUrl(): Promise<string> {
  const server = await startMispServer({ key: 'unused', events: () => [] });
  await server.close();
  return server.url;
}
