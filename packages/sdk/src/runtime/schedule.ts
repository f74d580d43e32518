// Scheduling of external-import runs (sdk-protocol §b.6): periodic with a fixed delay
// after each run, or one run then exit (run-and-terminate / period 0). Before each
// scheduled run the connector's push queue is measured; above CONNECTOR_QUEUE_THRESHOLD
// the run is skipped ("buffering"). Unlike pycti, a failing run does not kill the process:
// it is retried with exponential backoff (capped by the period), so a broken source is
// not hammered every minute and a transient failure does not wait a whole period.
import { type ConnectorInfo, infoDatetime } from './connector-info.ts';

export interface ScheduleDeps {
  /** The connector's run; it opens and closes its own work. */
  run: () => Promise<void>;
  /** Size of the connector's push queue in MB (10^6 bytes). */
  queueSizeMb: () => Promise<number>;
  info: ConnectorInfo;
  onError: (error: unknown, attempt: number, retryInMs: number) => void;
  onBuffering?: (sizeMb: number, thresholdMb: number) => void;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  now: () => Date;
  signal: AbortSignal;
}

export interface ScheduleOptions {
  periodMs: number;
  runAndTerminate: boolean;
  /** First retry delay after a failed run; doubles up to the period. Default 30 s. */
  retryBaseMs?: number;
}

/**
 * Resolves when the schedule ends: after one run in run-and-terminate mode (false when that
 * run failed, so the process can exit non-zero for a CronJob), else on abort (true).
 */
export async function runSchedule(options: ScheduleOptions, deps: ScheduleDeps): Promise<boolean> {
  const oneShot = options.runAndTerminate || options.periodMs <= 0;
  deps.info.run_and_terminate = oneShot;
  const retryBase = options.retryBaseMs ?? 30_000;
  let failures = 0;

  const checkQueue = async (): Promise<boolean> => {
    const size = await deps.queueSizeMb();
    deps.info.queue_messages_size = size;
    deps.info.buffering = size >= deps.info.queue_threshold;
    if (deps.info.buffering) deps.onBuffering?.(size, deps.info.queue_threshold);
    return deps.info.buffering;
  };
  const attempt = async (): Promise<boolean> => {
    try {
      await deps.run();
      failures = 0;
      return true;
    } catch (error) {
      failures += 1;
      deps.onError(error, failures, nextDelay());
      return false;
    } finally {
      deps.info.last_run_datetime = infoDatetime(deps.now());
    }
  };
  const nextDelay = () => (failures === 0 ? options.periodMs : Math.min(options.periodMs, retryBase * 2 ** (failures - 1)));

  if (oneShot) return (await checkQueue()) || (await attempt());
  // The first run happens at once, without a queue check (pycti's behaviour).
  await attempt();
  await checkQueue().catch(() => false);
  while (!deps.signal.aborted) {
    const delay = nextDelay();
    deps.info.next_run_datetime = infoDatetime(new Date(deps.now().getTime() + delay));
    await deps.sleep(delay, deps.signal);
    if (deps.signal.aborted) return true;
    if (!(await checkQueue())) await attempt();
  }
  return true;
}

/** A sleep that ends early (without throwing) when the signal aborts. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
