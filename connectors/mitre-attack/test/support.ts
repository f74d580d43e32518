// Shared by the integration tests that run the connector against the platform (the stand-in
// unless OPENCTI_URL names a real one): local HTTP sources on 127.0.0.1, one run-and-terminate
// run, and the run's work read back through the public GraphQL API only (PlatformClient).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type E2ePlatform, PlatformClient, type WorkView } from '@opencti-ts/platform-sim';
import { type StartOptions, startConnector } from '@opencti-ts/sdk/runtime';
import { mitreConnector } from '../src/connector.ts';
import type { StixObject } from '../src/convert/collection.ts';

export const FIXTURE = new URL('./fixtures/mini-enterprise-v18.json', import.meta.url);

/** The project's small Enterprise bundle, plus `extra` objects (a "new release" of the file). */
export function fixtureBundle(extra: StixObject[] = []): { type: 'bundle'; id: string; objects: StixObject[] } {
  const bundle = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { type: 'bundle'; id: string; objects: StixObject[] };
  return { ...bundle, objects: [...bundle.objects, ...extra] };
}

/** An attack-pattern that is in no fixture: proves that a changed file was imported. */
export function newTechnique(name: string): StixObject {
  return {
    type: 'attack-pattern',
    spec_version: '2.1',
    id: `attack-pattern--${randomUUID()}`,
    created: '2025-10-28T14:00:00.000Z',
    modified: '2025-10-28T14:00:00.000Z',
    name,
    kill_chain_phases: [{ kill_chain_name: 'mitre-attack', phase_name: 'execution' }],
  };
}

export interface SeenRequest {
  url: string;
  headers: http.IncomingHttpHeaders;
}

export interface LocalServer {
  url: string;
  port: number;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/** A local HTTP server that records every request; `close` also drops connections left hanging. */
export async function serve(handler: (request: http.IncomingMessage, response: http.ServerResponse) => void, port = 0): Promise<LocalServer> {
  const requests: SeenRequest[] = [];
  const server = http.createServer((request, response) => {
    requests.push({ url: request.url ?? '', headers: request.headers });
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A port nothing listens on (connection refused), and a way to start listening there later. */
export async function closedPort(): Promise<number> {
  const probe = await serve(() => undefined);
  await probe.close();
  return probe.port;
}

/** Only the collections named are enabled; the others are `false`, as an operator disables them. */
export function collectionEnv(urls: Partial<Record<'enterprise' | 'mobile' | 'ics' | 'capec', string>>): Record<string, string> {
  return {
    MITRE_ENTERPRISE_FILE_URL: urls.enterprise ?? 'false',
    MITRE_MOBILE_ATTACK_FILE_URL: urls.mobile ?? 'false',
    MITRE_ICS_ATTACK_FILE_URL: urls.ics ?? 'false',
    MITRE_CAPEC_FILE_URL: urls.capec ?? 'false',
  };
}

export interface RunResult {
  code: number;
  logs: string[];
  /** The work this run opened (exactly one). */
  work: WorkView;
}

/** One run-and-terminate run of the connector on `platform`; returns its work once settled. */
export async function runOnce(platform: E2ePlatform, env: Record<string, string | undefined>, options: Pick<StartOptions, 'http'> = {}): Promise<RunResult> {
  const client = new PlatformClient(platform);
  const connectorId = env.CONNECTOR_ID ?? '';
  const before = await client.workIds(connectorId);
  const logs: string[] = [];
  const running = startConnector(mitreConnector, {
    env: { OPENCTI_URL: platform.url, OPENCTI_TOKEN: platform.token, CONNECTOR_RUN_AND_TERMINATE: 'true', CONNECTOR_LOG_LEVEL: 'info', ...env },
    handleSignals: false,
    logSink: (line) => logs.push(line),
    ...options,
  });
  const code = await running.done;
  const opened = await client.newWorkIds(connectorId, before);
  if (opened.length !== 1) throw new RangeError(`expected one work for the run, found ${opened.length}:\n${logs.join('\n')}`);
  return { code, logs, work: await client.settledWork(opened[0] ?? '', { context: () => logs.slice(-20).join('\n') }) };
}
