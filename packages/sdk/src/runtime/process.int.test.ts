// Process-level behaviour of a connector written with the authoring API, run as a real child
// process against the platform stand-in and the real broker: a kill mid-job loses nothing
// (the job is redelivered), and SIGTERM stops cleanly with exit code 0, finishing the running
// job or giving it back to the queue (issue #4, sdk-protocol §b.4).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { rabbitMq } from '@opencti-ts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stixBuilders as b } from '../stix/index.ts';
import { type StandIn, startStandIn } from './__fixtures__/stand-in.ts';

const broker = await rabbitMq();
const CHILD = fileURLToPath(new URL('./__fixtures__/process-child.ts', import.meta.url));
const ip = b.ipv4Addr('198.51.100.7');

interface Child {
  process: ChildProcess;
  /** Resolves once `text` appeared on stdout (or, with `stream: 'stderr'`, in a log line). */
  waitFor(text: string, stream?: 'stdout' | 'stderr'): Promise<void>;
  readonly stdout: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  release(): void;
}

describe.skipIf(!broker.available)('connector process: kill and graceful stop', () => {
  let platform: StandIn;
  const children: Child[] = [];

  beforeAll(async () => {
    platform = await startStandIn({ objects: [ip] });
  });
  afterAll(async () => {
    for (const child of children) if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
    await platform?.stop();
  });

  function startChild(connectorId: string, hostname: string, extra: Record<string, string> = {}): Child {
    const child = spawn(process.execPath, [CHILD], {
      env: {
        ...process.env,
        OPENCTI_URL: platform.url,
        OPENCTI_TOKEN: platform.token,
        CONNECTOR_ID: connectorId,
        CONNECTOR_NAME: 'Process test enrichment',
        CONNECTOR_SCOPE: 'IPv4-Addr',
        CONNECTOR_LOG_LEVEL: 'info',
        TEST_HOSTNAME: hostname,
        ...extra,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const output = { stdout: '', stderr: '' };
    const waiters: (() => void)[] = [];
    const onData = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      output[stream] += chunk.toString();
      for (const wake of waiters.splice(0)) wake();
    };
    child.stdout?.on('data', onData('stdout'));
    child.stderr?.on('data', onData('stderr'));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    let done = false;
    void exited.then(() => {
      done = true;
      for (const wake of waiters.splice(0)) wake();
    });
    const handle: Child = {
      process: child,
      stdout: () => output.stdout,
      exited,
      async waitFor(text, stream = 'stdout') {
        while (!output[stream].includes(text)) {
          if (done) throw new RangeError(`the connector exited before "${text}"\n${output.stderr}`);
          await new Promise<void>((resolve) => waiters.push(resolve));
        }
      },
      release: () => child.stdin?.write('release\n'),
    };
    children.push(handle);
    return handle;
  }

  async function stopChild(child: Child) {
    child.process.kill('SIGTERM');
    expect(await child.exited).toEqual({ code: 0, signal: null });
  }

  it('a process killed in the middle of a job: the job is redelivered to the next process, which completes it', async () => {
    const connectorId = randomUUID();
    const hostname = b.hostname('killed.example.test');
    const first = startChild(connectorId, hostname.value as string, { TEST_HOLD: '1' });
    await first.waitFor('Listening for jobs', 'stderr');
    const workId = await platform.askEnrichment(ip.id, connectorId);
    await first.waitFor(`handling ${workId}`);
    first.process.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    expect((await platform.work(workId))?.status).not.toBe('complete');
    expect(await platform.stixOf(hostname.id)).toBeNull();

    const second = startChild(connectorId, hostname.value as string);
    const completed = await platform.waitForWork(workId);
    expect(second.stdout()).toContain(`done ${workId}`);
    expect(completed.errors).toEqual([]);
    expect(completed.messages.map((m) => m.message)).toContain('2 generated bundle(s) for worker import');
    expect(await platform.stixOf(hostname.id)).toMatchObject({ value: 'killed.example.test' });
    await stopChild(second);
  });

  it('SIGTERM on an idle connector: exit code 0, and a job asked afterwards waits for the next process', async () => {
    const connectorId = randomUUID();
    const hostname = b.hostname('idle.example.test');
    const first = startChild(connectorId, hostname.value as string);
    await first.waitFor('Listening for jobs', 'stderr');
    await stopChild(first);

    const workId = await platform.askEnrichment(ip.id, connectorId);
    startChild(connectorId, hostname.value as string);
    expect((await platform.waitForWork(workId)).errors).toEqual([]);
    expect(await platform.stixOf(hostname.id)).toMatchObject({ value: 'idle.example.test' });
  });

  it('SIGTERM during a job: the running job is finished (bundles sent, work completed), then exit code 0', async () => {
    const connectorId = randomUUID();
    const hostname = b.hostname('finished.example.test');
    const child = startChild(connectorId, hostname.value as string, { TEST_HOLD: '1' });
    await child.waitFor('Listening for jobs', 'stderr');
    // A first job, so the publisher is open before the stop: it must stay open for the running job.
    const firstWorkId = await platform.askEnrichment(ip.id, connectorId);
    await child.waitFor(`handling ${firstWorkId}`);
    child.release();
    await platform.waitForWork(firstWorkId);
    const workId = await platform.askEnrichment(ip.id, connectorId);
    await child.waitFor(`handling ${workId}`);
    child.process.kill('SIGTERM');
    await child.waitFor('stop requested');
    child.release();
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(child.stdout()).toContain(`done ${workId}`);
    const completed = await platform.waitForWork(workId);
    expect(completed.errors).toEqual([]);
    expect(await platform.stixOf(hostname.id)).toMatchObject({ value: 'finished.example.test' });
  });

  it.each([
    ['a handler that ignores the stop', {}],
    ['a handler that gives up on the abort signal', { TEST_HONOUR_SIGNAL: '1' }],
  ])(
    'SIGTERM during a job that does not finish in time (%s): exit code 0, the job goes back to the queue and the next process completes it',
    async (_label, extra) => {
      const connectorId = randomUUID();
      const hostname = b.hostname(`returned-${randomUUID().slice(0, 8)}.example.test`);
      const first = startChild(connectorId, hostname.value as string, { TEST_HOLD: '1', TEST_STOP_GRACE_MS: '300', ...extra });
      await first.waitFor('Listening for jobs', 'stderr');
      const workId = await platform.askEnrichment(ip.id, connectorId);
      await first.waitFor(`handling ${workId}`);
      first.process.kill('SIGTERM');
      expect(await first.exited).toEqual({ code: 0, signal: null });
      expect(first.stdout()).not.toContain(`done ${workId}`);
      const interrupted = await platform.work(workId);
      expect(interrupted?.errors).toEqual([]);
      expect(interrupted?.status).not.toBe('complete');

      const second = startChild(connectorId, hostname.value as string);
      const completed = await platform.waitForWork(workId);
      expect(second.stdout()).toContain(`done ${workId}`);
      expect(completed.errors).toEqual([]);
      expect(await platform.stixOf(hostname.id)).toMatchObject({ value: hostname.value });
      await stopChild(second);
    },
  );
});
