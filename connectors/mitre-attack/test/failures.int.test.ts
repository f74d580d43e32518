// A broken collection source (down, silent, stalling, garbage, too big) fails the run's work
// with a message naming the collection and its URL, while the other collections are still
// imported; the connector keeps running and retries with a growing delay instead of every
// minute forever (the official connector's defect, connectors.md §2.2). Runs against the
// platform (the stand-in unless OPENCTI_URL names a real one) through the real broker.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type E2ePlatform, PlatformClient, startPlatform, type WorkView } from '@opencti-ts/platform-sim';
import { type StartOptions, startConnector } from '@opencti-ts/sdk/runtime';
import { rabbitMq } from '@opencti-ts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mitreConnector } from '../src/connector.ts';
import { closedPort, collectionEnv, FIXTURE, fixtureBundle, type LocalServer, newTechnique, runOnce, serve } from './support.ts';

const broker = await rabbitMq();
const TECHNIQUE = 'attack-pattern--7385dfaf-6886-4229-9ecd-6fd678040830';
/** Short source timeouts and quick, bounded retries, so a failing source fails within a test. */
const HTTP: StartOptions['http'] = { connectTimeoutMs: 1000, readTimeoutMs: 1000, retry: { maxAttempts: 2, baseDelayMs: 10, minDelayMs: 10 } };
const DAY = 86_400_000;

describe.skipIf(!broker.available)('MITRE ATT&CK: failing collection sources', () => {
  let platform: E2ePlatform;
  let client: PlatformClient;
  let source: LocalServer;
  let refusedPort: number;

  beforeAll(async () => {
    if (!broker.available) return;
    platform = await startPlatform({ rabbitmqUrl: broker.url });
    client = new PlatformClient(platform);
    refusedPort = await closedPort();
    source = await serve((request, response) => {
      switch (request.url) {
        case '/ics-attack.json':
          response.writeHead(200, { 'content-type': 'application/json' }).end(readFileSync(FIXTURE));
          return;
        case '/no-answer.json':
          return; // Accepts the connection, never answers.
        case '/stalls.json':
          // Headers and the start of a bundle, then silence.
          response.writeHead(200, { 'content-type': 'application/json' });
          response.write('{"type": "bundle", "objects": [');
          return;
        case '/garbage.json':
          response.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Rate limit exceeded</body></html>');
          return;
        case '/not-a-bundle.json':
          response.writeHead(200, { 'content-type': 'application/json' }).end('{"message": "API rate limit exceeded"}');
          return;
        case '/huge.json':
          // No content-length: the cap must hold while streaming (MITRE_MAX_FILE_SIZE_MB=1).
          response.writeHead(200, { 'content-type': 'application/json' });
          response.write('{"type": "bundle", "objects": [');
          for (let i = 0; i < 30; i += 1) response.write(`{"type": "note", "id": "note--${randomUUID()}", "content": "${'x'.repeat(64_000)}"},`);
          response.end('{}]}');
          return;
        default:
          response.writeHead(404).end();
      }
    });
  });
  afterAll(async () => {
    await source?.close();
    await platform?.stop();
  });

  const url = (path: string) => `${source.url}${path}`;

  it.each([
    {
      name: 'source down (connection refused)',
      path: null,
      env: {},
      reason: /^enterprise: GET http:\/\/127\.0\.0\.1:\d+\/enterprise-attack\.json failed: .*ECONNREFUSED/,
    },
    {
      name: 'no answer within the timeout',
      path: '/no-answer.json',
      env: {},
      reason: /^enterprise: GET http:\/\/127\.0\.0\.1:\d+\/no-answer\.json timed out$/,
    },
    {
      name: 'body stalls beyond the read timeout',
      path: '/stalls.json',
      env: {},
      reason: /^enterprise: GET http:\/\/127\.0\.0\.1:\d+\/stalls\.json timed out$/,
    },
    {
      name: 'garbage (not JSON)',
      path: '/garbage.json',
      env: {},
      reason: /^enterprise \(http:\/\/127\.0\.0\.1:\d+\/garbage\.json\): File data is not a valid bundle: expected a JSON object at byte offset 0/,
    },
    {
      name: 'JSON that is no bundle',
      path: '/not-a-bundle.json',
      env: {},
      reason: /^enterprise \(http:\/\/127\.0\.0\.1:\d+\/not-a-bundle\.json\): File data is not a valid bundle: it has no "objects" array$/,
    },
    {
      name: 'beyond MITRE_MAX_FILE_SIZE_MB',
      path: '/huge.json',
      env: { MITRE_MAX_FILE_SIZE_MB: '1' },
      reason: /^enterprise: GET http:\/\/127\.0\.0\.1:\d+\/huge\.json exceeds the size limit of 1000000 bytes \(MITRE_MAX_FILE_SIZE_MB=1\)$/,
    },
    { name: 'HTTP 404', path: '/gone.json', env: {}, reason: /^enterprise: GET http:\/\/127\.0\.0\.1:\d+\/gone\.json failed with HTTP 404$/ },
  ])('$name: the work ends in error naming the collection and URL; ICS is still imported', async ({ path, env, reason }) => {
    const enterprise = path === null ? `http://127.0.0.1:${refusedPort}/enterprise-attack.json` : url(path);
    const before = source.requests.length;
    const run = await runOnce(platform, { CONNECTOR_ID: randomUUID(), ...env, ...collectionEnv({ enterprise, ics: url('/ics-attack.json') }) }, { http: HTTP });

    // A failed run-and-terminate run exits 1 (a CronJob sees the failure).
    expect(run.code).toBe(1);
    const [error, ...others] = run.work.errors.map((entry) => entry.message);
    expect(others).toEqual([]);
    expect(error).toMatch(/^1 collection\(s\) failed: /);
    expect(error?.replace(/^1 collection\(s\) failed: /, '')).toMatch(reason);
    expect(error).not.toContain(platform.token);
    // ICS went through in the same run: its bundles were expected on the work and processed.
    expect(run.work.tracking?.import_expected_number).toBeGreaterThan(0);
    expect(run.work.tracking?.import_processed_number).toBe(run.work.tracking?.import_expected_number);
    expect(await client.has(TECHNIQUE)).toBe(true);
    // Bounded retries: a source that never answers is asked twice (HTTP.retry.maxAttempts), a 4xx once.
    const asked = source.requests.slice(before).filter((request) => request.url === path).length;
    if (path === '/no-answer.json') expect(asked).toBe(2);
    if (path === '/gone.json') expect(asked).toBe(1);
  });

  it('every collection failing: the run still has its work, in error, naming each one', async () => {
    const enterprise = `http://127.0.0.1:${refusedPort}/enterprise-attack.json`;
    const run = await runOnce(platform, { CONNECTOR_ID: randomUUID(), ...collectionEnv({ enterprise, ics: url('/garbage.json') }) }, { http: HTTP });
    expect(run.work.errors.map((entry) => entry.message)).toEqual([
      expect.stringMatching(
        /^2 collection\(s\) failed: enterprise: GET .*ECONNREFUSED.*; ics \(http:\/\/127\.0\.0\.1:\d+\/garbage\.json\): File data is not a valid bundle/,
      ),
    ]);
  });

  it('keeps running: a failed run is retried after 30 s, then 60 s, and the regular period once the source is back', async () => {
    const connectorId = randomUUID();
    const down = await closedPort();
    const enterpriseUrl = `http://127.0.0.1:${down}/enterprise-attack.json`;
    let enterprise: LocalServer | undefined;
    const marker = newTechnique('Back online');
    const delays: number[] = [];
    /** The works opened before each pause, in run order. */
    const runs: string[] = [];
    let waiting: () => void = () => {};
    const threeRuns = new Promise<void>((resolve) => {
      waiting = resolve;
    });
    const logs: string[] = [];
    const running = startConnector(mitreConnector, {
      env: {
        OPENCTI_URL: platform.url,
        OPENCTI_TOKEN: platform.token,
        CONNECTOR_ID: connectorId,
        CONNECTOR_LOG_LEVEL: 'info',
        ...collectionEnv({ enterprise: enterpriseUrl, ics: url('/ics-attack.json') }),
      },
      handleSignals: false,
      logSink: (line) => logs.push(line),
      http: HTTP,
      // The schedule's pauses are recorded, not waited: the test sees the delays it asks for.
      sleep: async (ms, signal) => {
        delays.push(ms);
        const ids = await client.workIds(connectorId);
        runs.push(...ids.filter((id) => !runs.includes(id)));
        // The source comes back before the third run.
        if (delays.length === 2) {
          enterprise = await serve((_request, response) => {
            response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(fixtureBundle([marker])));
          }, down);
        }
        if (delays.length === 3) {
          waiting();
          await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        }
      },
    });
    try {
      await threeRuns;
      // Still running after two failed runs and a good one.
      expect(await Promise.race([running.done.then(() => 'ended'), new Promise((resolve) => setImmediate(resolve, 'running'))])).toBe('running');
      expect(delays, logs.join('\n')).toEqual([30_000, 60_000, 7 * DAY]);
      expect(runs).toHaveLength(3);
      const [first, second, third] = (await Promise.all(runs.map((id) => client.settledWork(id, { context: () => logs.slice(-20).join('\n') })))) as [
        WorkView,
        WorkView,
        WorkView,
      ];
      for (const failed of [first, second]) {
        expect(failed.errors.map((entry) => entry.message)).toEqual([
          expect.stringMatching(new RegExp(`^1 collection\\(s\\) failed: enterprise: GET ${escapeRegExp(enterpriseUrl)} failed: .*ECONNREFUSED`)),
        ]);
      }
      // ICS was imported by the failed run; the run after the source came back imported Enterprise.
      expect(first.tracking?.import_expected_number).toBeGreaterThan(0);
      expect(third.errors).toEqual([]);
      expect(third.messages.map((entry) => entry.message)).toEqual([
        expect.stringMatching(/^Connector successfully run \(\d+ bundles\), storing last_run as \d+$/),
      ]);
      expect(await client.has(marker.id)).toBe(true);
    } finally {
      await running.stop();
      await enterprise?.close();
    }
    expect(await running.done).toBe(0);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
