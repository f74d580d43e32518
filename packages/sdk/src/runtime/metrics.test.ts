import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.ts';

describe('metrics', () => {
  it("exposes pycti's series names, with namespace and subsystem on the state label too", async () => {
    const metrics = createMetrics({ enabled: true, namespace: 'ns', subsystem: 'mitre' });
    metrics.bundleSent(3);
    metrics.ping(true);
    metrics.ping(false);
    metrics.error();
    metrics.state('running');
    const text = await metrics.registry.metrics();
    expect(text).toContain('ns_mitre_bundles_sent_total 3');
    expect(text).toContain('ns_mitre_ping_api_total 1');
    expect(text).toContain('ns_mitre_ping_api_errors_total 1');
    expect(text).toContain('ns_mitre_errors_total 1');
    expect(text).toContain('ns_mitre_state{ns_mitre_state="running"} 1');
    expect(text).toContain('ns_mitre_state{ns_mitre_state="idle"} 0');
    expect(text).toContain('# HELP ns_mitre_bundles_sent_total Number of bundles sent');
  });

  it('is a no-op when disabled', async () => {
    const metrics = createMetrics({ enabled: false });
    metrics.bundleSent();
    expect(await metrics.registry.metrics()).toContain('bundles_sent_total 0');
  });
});
