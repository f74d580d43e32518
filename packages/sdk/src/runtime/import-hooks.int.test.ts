// The external-import hooks a connector relies on, against the stand-in over real HTTP and
// the real broker: `setup` runs once after registration and before the first run (a failing
// one stops the process with exit code 1, its reason logged without secrets), and
// `ctx.buffering()` compares the platform's queue size with CONNECTOR_QUEUE_THRESHOLD during a
// scheduled run. The stand-in reports an empty queue (0 MB), so a threshold of 0 is "above
// the threshold" and the default 500 MB is not. (A one-shot run is never cut short; it is
// not tested here: its queue check before the run already skips it at threshold 0.)
import { randomUUID } from 'node:crypto';
import { rabbitMq } from '@opencti-ts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseConfig, defineConfig } from '../config/index.ts';
import { InputError } from '../errors/index.ts';
import { type StandIn, startStandIn } from './__fixtures__/stand-in.ts';
import { defineConnector } from './define.ts';
import { startConnector } from './start.ts';

const broker = await rabbitMq();

describe.skipIf(!broker.available)('external-import setup and buffering hooks', () => {
  let platform: StandIn;

  beforeAll(async () => {
    platform = await startStandIn({ objects: [] });
  });
  afterAll(async () => {
    await platform?.stop();
  });

  const env = (extra: Record<string, string>) => ({
    OPENCTI_URL: platform.url,
    OPENCTI_TOKEN: platform.token,
    CONNECTOR_ID: randomUUID(),
    CONNECTOR_NAME: 'Hooks',
    CONNECTOR_LOG_LEVEL: 'info',
    ...extra,
  });

  it('setup runs once, before the first run, with the configuration', async () => {
    const calls: string[] = [];
    const definition = defineConnector({
      kind: 'EXTERNAL_IMPORT',
      config: defineConfig(baseConfig('EXTERNAL_IMPORT')),
      async setup(ctx) {
        calls.push(`setup ${ctx.config.connector.name}`);
      },
      async run() {
        calls.push('run');
        return 'done';
      },
    });
    const code = await startConnector(definition, { env: env({ CONNECTOR_RUN_AND_TERMINATE: 'true' }), handleSignals: false, logSink: () => {} }).done;
    expect(code).toBe(0);
    expect(calls).toEqual(['setup Hooks', 'run']);
  });

  it('a failing setup stops the process with exit code 1 before any run; the reason is logged, secrets are not', async () => {
    const logs: string[] = [];
    let ran = false;
    const definition = defineConnector({
      kind: 'EXTERNAL_IMPORT',
      config: defineConfig(baseConfig('EXTERNAL_IMPORT')),
      async setup() {
        throw new InputError('SOURCE_UNREACHABLE', `the source at https://source.example refused token ${platform.token}`);
      },
      async run() {
        ran = true;
        return 'done';
      },
    });
    // Periodic: without the setup failure the process would keep running.
    const code = await startConnector(definition, { env: env({ CONNECTOR_DURATION_PERIOD: 'PT1H' }), handleSignals: false, logSink: (line) => logs.push(line) })
      .done;
    expect(code).toBe(1);
    expect(ran).toBe(false);
    const text = logs.join('\n');
    expect(text).toContain('the source at https://source.example refused token');
    expect(text).toContain('SOURCE_UNREACHABLE');
    expect(text).not.toContain(platform.token);
  });

  it.each([
    ['a scheduled run, queue above CONNECTOR_QUEUE_THRESHOLD', { CONNECTOR_DURATION_PERIOD: 'PT1H', CONNECTOR_QUEUE_THRESHOLD: '0' }, true],
    ['a scheduled run, queue below CONNECTOR_QUEUE_THRESHOLD', { CONNECTOR_DURATION_PERIOD: 'PT1H' }, false],
  ] as const)('ctx.buffering() in %s is %s', async (_name, extra, expected) => {
    let answer: boolean | undefined;
    let resolveRan: () => void = () => {};
    const ran = new Promise<void>((resolve) => {
      resolveRan = resolve;
    });
    const definition = defineConnector({
      kind: 'EXTERNAL_IMPORT',
      config: defineConfig(baseConfig('EXTERNAL_IMPORT')),
      async run(ctx) {
        answer = await ctx.buffering();
        resolveRan();
        return 'checked';
      },
    });
    const logs: string[] = [];
    const running = startConnector(definition, { env: env(extra), handleSignals: false, logSink: (line) => logs.push(line) });
    // A process that ends before its run (bad configuration...) fails here, not on a timeout.
    await Promise.race([ran, running.done.then((code) => Promise.reject(new Error(`exited with ${code}: ${logs.join('\n')}`)))]);
    await running.stop();
    expect(await running.done).toBe(0);
    expect(answer).toBe(expected);
  });
});
