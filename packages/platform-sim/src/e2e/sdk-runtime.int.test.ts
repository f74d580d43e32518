// The SDK runtime end to end: each connector kind, declared with the authoring API, runs
// in-process against the stand-in over real HTTP and the real broker. Assertions read the
// result back through the public GraphQL API only (objects present, works completed).
import { randomUUID } from 'node:crypto';
import { text } from 'node:stream/consumers';
import { baseConfig, defineConfig } from '@opencti-ts/sdk/config';
import { InputError } from '@opencti-ts/sdk/errors';
import { defineConnector, type RunningConnector, startConnector } from '@opencti-ts/sdk/runtime';
import { stixBuilders, TLP_MARKING_IDS } from '@opencti-ts/sdk/stix';
import { rabbitMq } from '@opencti-ts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCUMENTS as D } from '../__fixtures__/documents.ts';
import { PlatformClient } from '../client.ts';
import { freePort } from '../harness.ts';
import { type PlatformSim, startPlatformSim } from '../sim.ts';

const broker = await rabbitMq();
const b = stixBuilders;
const author = b.organization({ name: 'opencti-ts e2e' });
const ip = b.ipv4Addr('203.0.113.9');
const amberIp = b.ipv4Addr('203.0.113.77', { object_marking_refs: [TLP_MARKING_IDS['TLP:AMBER']] });

describe.skipIf(!broker.available)('SDK runtime against the platform stand-in', () => {
  let sim: PlatformSim;
  let client: PlatformClient;
  const running: RunningConnector[] = [];
  const logs: string[] = [];
  const env = (extra: Record<string, string>) => ({
    OPENCTI_URL: sim.url,
    OPENCTI_TOKEN: sim.token,
    CONNECTOR_ID: randomUUID(),
    CONNECTOR_LOG_LEVEL: 'info',
    ...extra,
  });
  const start = (definition: Parameters<typeof startConnector>[0], extra: Record<string, string>) => {
    const connector = startConnector(definition, { env: env(extra), handleSignals: false, logSink: (line) => logs.push(line) });
    running.push(connector);
    return connector;
  };
  const context = () => logs.slice(-10).join('\n');
  const waitForWork = (id: string) => client.settledWork(id, { context });
  const waitForRegistration = (connectorId: string) => client.waitForConnector(connectorId, { context });
  const stixOf = (id: string) => client.stix(id);

  beforeAll(async () => {
    if (!broker.available) return;
    sim = await startPlatformSim({ rabbitmqUrl: broker.url, bundle: { objects: [ip, amberIp] } });
    client = new PlatformClient(sim);
  });
  afterAll(async () => {
    for (const connector of running) await connector.stop();
    await sim?.stop();
  });

  it('external import: one run, its objects imported, its work completed, the process ends with 0', async () => {
    const malware = b.malware({ name: 'E2E Emotet', created_by_ref: author.id });
    const uses = b.relationship({ relationship_type: 'related-to', source_ref: malware.id, target_ref: ip.id, created_by_ref: author.id });
    let workId: string | null = null;
    const connector = defineConnector({
      kind: 'EXTERNAL_IMPORT',
      config: defineConfig(baseConfig('EXTERNAL_IMPORT')),
      async run(ctx) {
        await ctx.send([author, malware, uses]);
        workId = await ctx.workId();
        ctx.state.set({ last_run: 1_700_000_000 });
        return 'E2E run done';
      },
    });
    const handle = start(connector, { CONNECTOR_NAME: 'E2E import', CONNECTOR_RUN_AND_TERMINATE: 'true' });
    expect(await handle.done).toBe(0);
    // The caller's objects are not rewritten by splitting (pycti mutates them).
    expect(malware).not.toHaveProperty('nb_deps');
    expect(workId).toBeTruthy();
    const completed = await waitForWork(workId as unknown as string);
    expect(completed.tracking).toMatchObject({ import_expected_number: 3, import_processed_number: 3 });
    expect(completed.messages.map((m) => m.message)).toContain('E2E run done');
    expect(await stixOf(malware.id)).toMatchObject({ name: 'E2E Emotet' });
    // The state as stored, to the character (pycti's json.dumps spacing), not parsed.
    const { connectors } = await client.gql<{ connectors: { name: string; connector_state: string }[] }>(D.connectors);
    expect(connectors.find((c) => c.name === 'E2E import')?.connector_state).toBe('{"last_run": 1700000000}');
  });

  it('external import run-and-terminate that fails: its work is in error and the process ends with 1', async () => {
    let workId: string | null = null;
    const connector = defineConnector({
      kind: 'EXTERNAL_IMPORT',
      config: defineConfig(baseConfig('EXTERNAL_IMPORT')),
      async run(ctx) {
        workId = await ctx.workId();
        throw new InputError('SOURCE_DOWN', 'the feed answered 503');
      },
    });
    const handle = start(connector, { CONNECTOR_NAME: 'E2E failing import', CONNECTOR_RUN_AND_TERMINATE: 'true' });
    expect(await handle.done).toBe(1);
    const failed = await waitForWork(workId as unknown as string);
    expect(failed.errors.map((e) => e.message).join(' ')).toContain('the feed answered 503');
  });

  it('external import stopped mid-run: the run finishes sending, its work completes, then the connector stops with 0', async () => {
    const tool = b.tool({ name: 'E2E stopped mid-run' });
    let workId: string | null = null;
    let started: () => void = () => {};
    const running = new Promise<void>((resolve) => (started = resolve));
    const connector = defineConnector({
      kind: 'EXTERNAL_IMPORT',
      config: defineConfig(baseConfig('EXTERNAL_IMPORT')),
      async run(ctx) {
        workId = await ctx.workId();
        started();
        // A long download in progress: it notices the stop, then sends what it has.
        await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
        await new Promise((resolve) => setTimeout(resolve, 500)); // finishing the current page
        await ctx.send([author, tool]);
        return 'sent before stopping';
      },
    });
    const handle = start(connector, { CONNECTOR_NAME: 'E2E stopped import', CONNECTOR_DURATION_PERIOD: 'PT1H' });
    await running;
    await handle.stop();
    expect(await handle.done).toBe(0);
    const completed = await waitForWork(workId as unknown as string);
    expect(completed.errors).toEqual([]);
    expect(completed.messages.map((m) => m.message)).toContain('sent before stopping');
    expect(await stixOf(tool.id)).toMatchObject({ name: 'E2E stopped mid-run' });
  });

  it('enrichment: the job is handled, its bundle imported, its work completed', async () => {
    const connectorId = randomUUID();
    const seen: string[] = [];
    const connector = defineConnector({
      kind: 'INTERNAL_ENRICHMENT',
      config: defineConfig(baseConfig('INTERNAL_ENRICHMENT')),
      async handle(event, ctx) {
        seen.push(`${event.entityType}:${String(event.stixEntity?.value)}`);
        const hostname = b.hostname('e2e.example.test');
        const rel = b.relationship({ relationship_type: 'resolves-to', source_ref: hostname.id, target_ref: event.entityId });
        const sent = await ctx.send([hostname, rel]);
        return `${sent.bundles} generated bundle(s) for worker import`;
      },
    });
    start(connector, { CONNECTOR_ID: connectorId, CONNECTOR_NAME: 'E2E enrich', CONNECTOR_SCOPE: 'IPv4-Addr' });
    await waitForRegistration(connectorId);
    const completed = await waitForWork(await client.askEnrichment(ip.id, connectorId));
    expect(seen).toEqual(['IPv4-Addr:203.0.113.9']);
    expect(completed.messages.map((m) => m.message)).toContain('2 generated bundle(s) for worker import');
    expect(await stixOf(b.hostname('e2e.example.test').id)).toMatchObject({ value: 'e2e.example.test' });
  });

  it('enrichment gate: out-of-scope and above-max-TLP entities never reach the handler', async () => {
    const connectorId = randomUUID();
    const handled: string[] = [];
    const connector = defineConnector({
      kind: 'INTERNAL_ENRICHMENT',
      config: defineConfig(baseConfig('INTERNAL_ENRICHMENT')),
      maxTlp: () => 'TLP:GREEN',
      async handle(event) {
        handled.push(event.entityId);
        return 'handled';
      },
    });
    start(connector, { CONNECTOR_ID: connectorId, CONNECTOR_NAME: 'E2E gate', CONNECTOR_SCOPE: 'IPv4-Addr' });
    await waitForRegistration(connectorId);
    const refused = await waitForWork(await client.askEnrichment(amberIp.id, connectorId));
    expect(refused.errors.map((e) => e.message).join(' ')).toContain('TLP of the entity (TLP:AMBER) is greater than MAX TLP (TLP:GREEN)');
    const allowed = await waitForWork(await client.askEnrichment(ip.id, connectorId));
    expect(allowed.messages.map((m) => m.message)).toContain('handled');
    expect(handled).toHaveLength(1);

    const outOfScopeId = randomUUID();
    const domains = defineConnector({
      kind: 'INTERNAL_ENRICHMENT',
      config: defineConfig(baseConfig('INTERNAL_ENRICHMENT')),
      async handle(event) {
        handled.push(event.entityId);
        return 'handled';
      },
    });
    start(domains, { CONNECTOR_ID: outOfScopeId, CONNECTOR_NAME: 'E2E domains only', CONNECTOR_SCOPE: 'Domain-Name,Hostname' });
    await waitForRegistration(outOfScopeId);
    const skipped = await waitForWork(await client.askEnrichment(ip.id, outOfScopeId));
    expect(skipped.errors).toEqual([]);
    expect(skipped.messages.map((m) => m.message).join(' ')).toContain("IPv4-Addr is not in the connector's scope");
    expect(handled).toHaveLength(1);
  });

  it('health endpoints: on CONNECTOR_HEALTH_PORT without metrics, and beside the metrics when exposed', async () => {
    const [healthPort, metricsPort] = [await freePort(), await freePort()];
    const connectorId = randomUUID();
    const connector = defineConnector({
      kind: 'INTERNAL_ENRICHMENT',
      config: defineConfig(baseConfig('INTERNAL_ENRICHMENT')),
      handle: async () => 'nothing',
    });
    start(connector, {
      CONNECTOR_ID: connectorId,
      CONNECTOR_NAME: 'E2E health',
      CONNECTOR_SCOPE: 'IPv4-Addr',
      CONNECTOR_HEALTH_PORT: String(healthPort),
      CONNECTOR_EXPOSE_METRICS: 'true',
      CONNECTOR_METRICS_PORT: String(metricsPort),
    });
    await waitForRegistration(connectorId);
    const ready = await fetch(`http://127.0.0.1:${healthPort}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { registered: true, broker: true } });
    expect((await fetch(`http://127.0.0.1:${healthPort}/metrics`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/health/live`)).status).toBe(200);
    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('# TYPE');
  });

  it('import file: the uploaded file is downloaded, imported, and a bad file errors the work while the connector keeps running', async () => {
    const connectorId = randomUUID();
    const connector = defineConnector({
      kind: 'INTERNAL_IMPORT_FILE',
      config: defineConfig(baseConfig('INTERNAL_IMPORT_FILE')),
      async handle(_event, ctx) {
        const content = await text(await ctx.readFile({ maxBytes: 1_000_000 }));
        const sent = await ctx.send(JSON.parse(content));
        return `${sent.bundles} generated bundle(s) for worker import`;
      },
    });
    start(connector, { CONNECTOR_ID: connectorId, CONNECTOR_NAME: 'E2E import file', CONNECTOR_SCOPE: 'application/json' });
    await waitForRegistration(connectorId);
    const tool = b.tool({ name: 'E2E Cobalt Strike' });
    const good = JSON.stringify({ type: 'bundle', id: `bundle--${randomUUID()}`, objects: [tool] });
    const importJob = async (name: string, content: string) =>
      client.askJobImport(await client.uploadImport(name, content, { mimeType: 'application/json' }), { connectorId, bypassValidation: true });
    const badWork = await waitForWork(await importJob('broken.json', '{"type": "bundle", "objects": ['));
    expect(badWork.errors.length).toBeGreaterThan(0);
    const goodWork = await waitForWork(await importJob('good.json', good));
    expect(goodWork.errors).toEqual([]);
    expect(await stixOf(tool.id)).toMatchObject({ name: 'E2E Cobalt Strike' });
  });

  it('export file: the produced file is uploaded to the exported entity', async () => {
    const connectorId = randomUUID();
    const connector = defineConnector({
      kind: 'INTERNAL_EXPORT_FILE',
      config: defineConfig(baseConfig('INTERNAL_EXPORT_FILE')),
      async handle(event, ctx) {
        await ctx.uploadExport(`id,type\n${event.entityId},${event.entityType}\n`, { mimeType: 'text/csv' });
        return 'Export done';
      },
    });
    start(connector, { CONNECTOR_ID: connectorId, CONNECTOR_NAME: 'E2E export', CONNECTOR_SCOPE: 'text/csv' });
    await waitForRegistration(connectorId);
    const file = await client.exportAsk(ip.id, { format: 'text/csv', exportType: 'simple', contentMaxMarkings: [], fileMarkings: [] });
    // Settled: the connector uploads the file before it reports the work processed.
    const work = await waitForWork(file.id);
    expect(
      work.messages.map((m) => m.message),
      JSON.stringify(work),
    ).toContain('Export done');
    const stored = (await client.exportFiles(ip.id)).find((candidate) => candidate.name === file.name);
    expect(stored).toBeDefined();
    expect(await client.download(stored?.id ?? '')).toMatch(/^id,type\n.+,IPv4-Addr\n$/);
  });

  it('never writes the token into a log line', () => {
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.join('\n')).not.toContain(sim.token);
  });
});
