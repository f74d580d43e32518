// A job still running when the stop gives up on it (past CONNECTOR's stop grace period) is
// redelivered by the broker to the next process. The abandoned copy, still running in the old
// process, must then put nothing on the work: expectations added for bundles it never
// publishes would keep the redelivered job's work from ever completing.
import { randomUUID } from 'node:crypto';
import { rabbitMq } from '@opencti-ts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseConfig, defineConfig } from '../config/index.ts';
import { isOpenCtiTsError } from '../errors/index.ts';
import { stixBuilders as b } from '../stix/index.ts';
import { type StandIn, startStandIn } from './__fixtures__/stand-in.ts';
import { defineConnector } from './define.ts';
import { type RunningConnector, startConnector } from './start.ts';

const broker = await rabbitMq();
const ip = b.ipv4Addr('203.0.113.91');

describe.skipIf(!broker.available)('a job abandoned by the stop', () => {
  let platform: StandIn;
  const connectorId = randomUUID();
  const running: RunningConnector[] = [];
  let holdFirst = true;
  const { promise: held, resolve: release } = Promise.withResolvers<void>();
  const { promise: holding, resolve: reached } = Promise.withResolvers<void>();
  const abandonedSend: unknown[] = [];

  const definition = defineConnector({
    kind: 'INTERNAL_ENRICHMENT',
    config: defineConfig(baseConfig('INTERNAL_ENRICHMENT')),
    async handle(event, ctx) {
      const hostname = b.hostname('abandoned.example.test');
      const objects = [hostname, b.relationship({ relationship_type: 'resolves-to', source_ref: hostname.id, target_ref: event.entityId })];
      if (holdFirst) {
        holdFirst = false;
        reached();
        await held;
        try {
          await ctx.send(objects);
        } catch (error) {
          abandonedSend.push(isOpenCtiTsError(error) ? error.code : error);
          throw error;
        }
        return 'sent by the abandoned copy';
      }
      await ctx.send(objects);
      return 'Enriched';
    },
  });
  const start = () => {
    const connector = startConnector(definition, {
      env: {
        OPENCTI_URL: platform.url,
        OPENCTI_TOKEN: platform.token,
        CONNECTOR_ID: connectorId,
        CONNECTOR_NAME: 'Abandoned job',
        CONNECTOR_SCOPE: 'IPv4-Addr',
      },
      handleSignals: false,
      stopGraceMs: 200,
      logSink: () => {},
    });
    running.push(connector);
    return connector;
  };

  beforeAll(async () => {
    if (!broker.available) return;
    platform = await startStandIn({ objects: [ip] });
  });
  afterAll(async () => {
    for (const connector of running) await connector.stop();
    await platform?.stop();
  });

  it('sends nothing once the stop has given it up; the redelivered job completes its work', async () => {
    const first = start();
    await platform.client.waitForConnector(connectorId);
    const workId = await platform.askEnrichment(ip.id, connectorId);
    await holding;
    await first.stop(); // the grace period (200 ms) passes with the job still held
    start();
    release(); // the abandoned copy goes on in this process, as it would until exit
    const work = await platform.client.settledWork(workId, { timeoutMs: 30_000 });
    expect(abandonedSend).toEqual(['JOB_STOPPED']);
    expect(work.errors).toEqual([]);
    expect(work.tracking?.import_expected_number).toBe(work.tracking?.import_processed_number);
    expect(await platform.stixOf(b.hostname('abandoned.example.test').id)).not.toBeNull();
  });
});
