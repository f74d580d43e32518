// The 40 s heartbeat (sdk-protocol §b.2): pings with the local state and connector info;
// a different echoed state means the user reset it in the UI, so the local state is cleared.
import type { Logger } from '../log/index.ts';
import type { ConnectorInfo } from './connector-info.ts';
import type { ConnectorMetrics } from './metrics.ts';
import type { PlatformSession } from './platform.ts';
import type { ConnectorState } from './state.ts';

export const HEARTBEAT_INTERVAL_MS = 40_000;

export interface HeartbeatDeps {
  platform: PlatformSession;
  connectorId: string;
  state: ConnectorState;
  info: ConnectorInfo;
  logger: Logger;
  metrics: ConnectorMetrics;
}

/** One ping; returns false when it failed (logged and counted, never thrown). */
export async function pingOnce(deps: HeartbeatDeps): Promise<boolean> {
  try {
    const echoed = await deps.platform.ping(deps.connectorId, deps.state.toPingText(), deps.info);
    if (deps.state.reconcile(echoed)) deps.logger.info('Connector state has been remotely reset', { state: echoed });
    deps.metrics.ping(true);
    return true;
  } catch (error) {
    deps.logger.error('Error pinging the API', { error });
    deps.metrics.ping(false);
    return false;
  }
}

/** Pings at once, then every interval until stopped. */
export function startHeartbeat(deps: HeartbeatDeps, intervalMs = HEARTBEAT_INTERVAL_MS): { stop(): Promise<void> } {
  let failing = false;
  let current: Promise<unknown> = Promise.resolve();
  const tick = () => {
    current = pingOnce(deps).then((ok) => {
      if (ok && failing) deps.logger.info('API Ping back to normal');
      failing = !ok;
    });
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await current;
    },
  };
}
