import { describe, expect, it } from 'vitest';
import { initialConnectorInfo } from './connector-info.ts';
import { runSchedule, type ScheduleDeps } from './schedule.ts';

/** A schedule driven by a virtual clock: sleeps advance time instantly and are recorded. */
function harness(outcomes: Array<'ok' | 'fail'>, queueSizes: number[] = [], maxSleeps = 10) {
  const controller = new AbortController();
  let clock = Date.UTC(2025, 0, 1);
  const events: string[] = [];
  const sleeps: number[] = [];
  const deps: ScheduleDeps = {
    info: initialConnectorInfo(500, false),
    run: async () => {
      const outcome = outcomes.shift() ?? 'ok';
      events.push(`run:${outcome}`);
      if (outcome === 'fail') throw new Error('source down');
    },
    queueSizeMb: async () => queueSizes.shift() ?? 0,
    onError: (_error, attempt, retryInMs) => events.push(`error#${attempt} retry in ${retryInMs}`),
    onBuffering: (size) => events.push(`buffering:${size}`),
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
      if (sleeps.length >= maxSleeps) controller.abort();
    },
    now: () => new Date(clock),
    signal: controller.signal,
  };
  return { deps, events, sleeps };
}

describe('external import schedule', () => {
  it('runs once and returns in run-and-terminate mode', async () => {
    const { deps, events, sleeps } = harness(['ok']);
    expect(await runSchedule({ periodMs: 3_600_000, runAndTerminate: true }, deps)).toBe(true);
    expect(events).toEqual(['run:ok']);
    expect(sleeps).toEqual([]);
    expect(deps.info.run_and_terminate).toBe(true);
    expect(deps.info.last_run_datetime).toBe('2025-01-01T00:00:00Z');
  });

  it('reports a failed run-and-terminate run, so the process can exit non-zero', async () => {
    const { deps, events } = harness(['fail']);
    expect(await runSchedule({ periodMs: 3_600_000, runAndTerminate: true }, deps)).toBe(false);
    expect(events[0]).toBe('run:fail');
  });

  it('treats a zero period as run-and-terminate', async () => {
    const { deps, events } = harness(['ok']);
    await runSchedule({ periodMs: 0, runAndTerminate: false }, deps);
    expect(events).toEqual(['run:ok']);
  });

  it('runs at once, then every period with a fixed delay', async () => {
    const { deps, events, sleeps } = harness([], [], 3);
    await runSchedule({ periodMs: 60_000, runAndTerminate: false }, deps);
    expect(events).toEqual(['run:ok', 'run:ok', 'run:ok']);
    expect(sleeps).toEqual([60_000, 60_000, 60_000]);
  });

  it('skips a scheduled run while the push queue is above the threshold', async () => {
    // first queue check fills info after the initial run; then 600 MB (skip), then 10 MB (run)
    const { deps, events } = harness([], [0, 600, 10], 3);
    await runSchedule({ periodMs: 60_000, runAndTerminate: false }, deps);
    expect(events).toEqual(['run:ok', 'buffering:600', 'run:ok']);
  });

  it('retries a failing run with exponential backoff capped by the period, and resets after success', async () => {
    const { deps, events, sleeps } = harness(['fail', 'fail', 'fail', 'ok'], [], 4);
    await runSchedule({ periodMs: 100_000, runAndTerminate: false, retryBaseMs: 30_000 }, deps);
    expect(events).toEqual(['run:fail', 'error#1 retry in 30000', 'run:fail', 'error#2 retry in 60000', 'run:fail', 'error#3 retry in 100000', 'run:ok']);
    expect(sleeps).toEqual([30_000, 60_000, 100_000, 100_000]);
  });
});
