// Prometheus metrics with pycti's names (sdk-protocol §g.3), on a registry of their own.
// When metrics are disabled the same object is used and every call is a no-op, so
// callers never branch.
import { Counter, Gauge, Registry } from 'prom-client';

export type ConnectorRunState = 'idle' | 'running' | 'stopped';

export interface ConnectorMetrics {
  readonly enabled: boolean;
  readonly registry: Registry;
  bundleSent(count?: number): void;
  recordsSent(count: number): void;
  run(): void;
  ping(ok: boolean): void;
  error(): void;
  clientError(): void;
  state(state: ConnectorRunState): void;
}

export function createMetrics(options: { enabled: boolean; namespace?: string; subsystem?: string }): ConnectorMetrics {
  const registry = new Registry();
  const prefix = [options.namespace, options.subsystem].filter((part) => part).join('_');
  const name = (base: string) => (prefix ? `${prefix}_${base}` : base);
  const counter = (base: string, help: string) => new Counter({ name: name(base), help, registers: [registry] });
  const bundles = counter('bundles_sent_total', 'Number of bundles sent');
  const records = counter('records_sent_total', 'Number of records (objects per bundle) sent');
  const runs = counter('runs_total', 'Number of run');
  const pings = counter('ping_api_total', 'Number of pings to the API');
  const pingErrors = counter('ping_api_errors_total', 'Number of errors when pinging the API');
  const errors = counter('errors_total', 'Number of errors');
  const clientErrors = counter('client_errors_total', 'Number of client errors');
  // prometheus_client's Enum names its label after the metric itself (with the prefix).
  const stateName = name('state');
  const stateGauge = new Gauge({ name: stateName, help: 'State of connector', labelNames: [stateName], registers: [registry] });
  const states: ConnectorRunState[] = ['idle', 'running', 'stopped'];
  const setState = (current: ConnectorRunState) => {
    for (const candidate of states) stateGauge.set({ [stateName]: candidate }, candidate === current ? 1 : 0);
  };
  if (options.enabled) setState('idle');
  const when =
    <A extends unknown[]>(fn: (...args: A) => void) =>
    (...args: A) => {
      if (options.enabled) fn(...args);
    };
  return {
    enabled: options.enabled,
    registry,
    bundleSent: when((count = 1) => bundles.inc(count)),
    recordsSent: when((count: number) => records.inc(count)),
    run: when(() => runs.inc()),
    ping: when((ok: boolean) => (ok ? pings.inc() : pingErrors.inc())),
    error: when(() => errors.inc()),
    clientError: when(() => clientErrors.inc()),
    state: when(setState),
  };
}
