import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.ts';
import { type ObservabilityServer, startObservabilityServer } from './observability.ts';

let server: ObservabilityServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('health and metrics endpoint', () => {
  it('answers liveness, and readiness with the failing checks', async () => {
    const checks = { registered: true, broker: false };
    server = await startObservabilityServer({ port: 0, host: '127.0.0.1', metrics: createMetrics({ enabled: false }), readiness: () => checks });
    const base = `http://127.0.0.1:${server.port}`;
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    const notReady = await fetch(`${base}/health/ready`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ status: 'not ready', checks: { registered: true, broker: false } });
    checks.broker = true;
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
  });

  it('serves Prometheus text when metrics are exposed', async () => {
    const metrics = createMetrics({ enabled: true });
    metrics.bundleSent(2);
    server = await startObservabilityServer({ port: 0, host: '127.0.0.1', metrics, readiness: () => ({}) });
    const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('bundles_sent_total 2');
  });
});
