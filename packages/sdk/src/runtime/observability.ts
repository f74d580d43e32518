// One small HTTP server for operators: liveness (`/health/live`: the process and its event
// loop answer), readiness (`/health/ready`: registered with the platform and connected to
// the broker; 503 otherwise, with the failing checks) and, when CONNECTOR_EXPOSE_METRICS
// is true, Prometheus metrics at `/metrics` (pycti serves them on the same port).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConnectorMetrics } from './metrics.ts';

export type ReadinessChecks = Record<string, boolean>;

export interface ObservabilityServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startObservabilityServer(options: {
  port: number;
  host?: string;
  metrics: ConnectorMetrics;
  /** Serve `/metrics` here (default true; false for a health-only port). */
  serveMetrics?: boolean;
  readiness: () => ReadinessChecks;
}): Promise<ObservabilityServer> {
  const server = http.createServer((request, response) => {
    const url = (request.url ?? '/').split('?')[0];
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.method !== 'GET') return json(405, { error: 'method not allowed' });
    if (url === '/health/live' || url === '/health') return json(200, { status: 'ok' });
    if (url === '/health/ready') {
      const checks = options.readiness();
      const ready = Object.values(checks).every(Boolean);
      return json(ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks });
    }
    if (url === '/metrics' && options.serveMetrics !== false && options.metrics.enabled) {
      options.metrics.registry.metrics().then(
        (text) => {
          response.writeHead(200, { 'content-type': options.metrics.registry.contentType });
          response.end(text);
        },
        () => json(500, { error: 'metrics unavailable' }),
      );
      return;
    }
    return json(404, { error: 'not found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  server.unref();
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
