// Failure paths end to end: the connector runs in-process against the platform stand-in and
// the real RabbitMQ, but reaches the platform through the HTTP proxy of @opencti-ts/testing
// (the stand-in has no fault hooks), which forwards every request unless a test's rule answers
// or rewrites it. Each failure must end the work in error with a clear message, list no file,
// leave no temporary file behind, and the next export must succeed. Exports are asked and read
// back through PlatformClient against the stand-in itself.
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PlatformClient, type PlatformSim, startPlatformSim, type WorkView } from '@opencti-ts/platform-sim';
import { startConnector } from '@opencti-ts/sdk/runtime';
import { stixBuilders as b } from '@opencti-ts/sdk/stix';
import { rabbitMq, startProxy } from '@opencti-ts/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { csvConnector } from '../src/connector.ts';
import { LIST_CORE_OBJECTS, LIST_DOMAIN_OBJECTS, READ_ENTITY } from '../src/documents.ts';

const broker = await rabbitMq();

const author = b.organization({ name: 'CSV failures author' });
const ip = b.ipv4Addr('198.51.100.77');
const malwares = ['alpha', 'beta', 'gamma'].map((name) => b.malware({ name: `CSV failures ${name}`, created_by_ref: author.id }));
const rel = b.relationship({ relationship_type: 'related-to', source_ref: malwares[0]?.id as string, target_ref: ip.id });
const report = b.report({
  name: 'CSV failures report',
  published: '2026-01-01T00:00:00.000Z',
  object_refs: [...malwares.map((m) => m.id), ip.id, rel.id],
  created_by_ref: author.id,
});

/** One request the connector sent, as the proxy saw it. */
interface Seen {
  method: string;
  path: string;
  /** GraphQL operation name (also read from a multipart `operations` part). */
  operation: string | undefined;
  multipart: boolean;
  variables: Record<string, unknown>;
  body: Buffer;
}

/** What a rule does with a request: answer in the platform's place, or forward another body. */
type Intercept = { reply: { status: number; body: string } } | { forward: Buffer };
type Rule = (seen: Seen) => Intercept | undefined | Promise<Intercept | undefined>;

interface FaultProxy {
  url: string;
  seen: Seen[];
  rule: Rule | undefined;
  close(): Promise<void>;
}

const operationOf = (text: string) => /\b(?:query|mutation)\s+(\w+)/.exec(text)?.[1];

/** The stand-in behind @opencti-ts/testing's proxy, with the current rule deciding per request. */
async function startFaultProxy(target: string): Promise<FaultProxy> {
  const proxy: FaultProxy = { url: '', seen: [], rule: undefined, close: async () => {} };
  const started = await startProxy(target, {
    intercept: async ({ request, response, forward, reply }) => {
      const { body } = request;
      const multipart = String(request.headers['content-type'] ?? '').startsWith('multipart/form-data');
      let variables: Record<string, unknown> = {};
      let operation: string | undefined;
      if (request.method === 'POST' && !multipart && body.length > 0) {
        const parsed = JSON.parse(body.toString('utf8')) as { query?: string; variables?: Record<string, unknown> };
        operation = operationOf(parsed.query ?? '');
        variables = parsed.variables ?? {};
      } else if (multipart) operation = operationOf(body.subarray(0, 4096).toString('utf8'));
      const seen: Seen = { method: request.method, path: request.url, operation, multipart, variables, body };
      proxy.seen.push(seen);
      const intercept = await proxy.rule?.(seen);
      if (intercept === undefined) return false;
      if ('reply' in intercept) {
        response.writeHead(intercept.reply.status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(intercept.reply.body) });
        response.end(intercept.reply.body);
      } else reply(await forward(intercept.forward));
      return true;
    },
  });
  proxy.url = started.url;
  proxy.close = started.close;
  return proxy;
}

describe.skipIf(!broker.available)('export-file-csv failure paths (stand-in behind a fault proxy)', () => {
  let sim: PlatformSim;
  let client: PlatformClient;
  let proxy: FaultProxy;
  let scratch: string;
  const previousTmpdir = process.env.TMPDIR;
  let stop: () => Promise<void> = async () => {};
  const connectorId = randomUUID();
  const logs: string[] = [];
  const context = () => logs.slice(-10).join('\n');

  const start = async () => {
    const running = startConnector(csvConnector, {
      env: {
        OPENCTI_URL: proxy.url,
        OPENCTI_TOKEN: sim.token,
        CONNECTOR_ID: connectorId,
        CONNECTOR_LOG_LEVEL: 'info',
        // One row per page: a failing page comes after rows were already written to disk.
        EXPORT_FILE_CSV_PAGE_SIZE: '1',
      },
      handleSignals: false,
      logSink: (line) => logs.push(line),
    });
    stop = () => running.stop();
    await client.waitForConnector(connectorId, { context });
    return running;
  };

  /** A single export of the report; its work once settled, and the files then attached to it. */
  const exportReport = async () => {
    const file = await client.exportAsk(report.id, { format: 'text/csv', exportType: 'full', contentMaxMarkings: [], fileMarkings: [] });
    const work = await client.settledWork(file.id, { context });
    const listed = (await client.exportFiles(report.id)).map((stored) => stored.name);
    return { file, work, listed };
  };

  const expectSucceeded = async ({ file, work, listed }: { file: { name: string }; work: WorkView; listed: string[] }) => {
    expect(work.errors).toEqual([]);
    expect(work.messages.map((m) => m.message)).toContain('Export done');
    expect(listed).toContain(file.name);
    const stored = (await client.exportFiles(report.id)).find((candidate) => candidate.name === file.name);
    const csv = await client.download(stored?.id as string);
    // Header, the 3 malwares, the IPv4, the relationship, the report itself.
    expect(csv.split('\r\n').slice(1, -1)).toHaveLength(6);
    expect(csv).toContain('"CSV failures report"');
  };

  const expectFailed = ({ file, work, listed }: { file: { name: string }; work: WorkView; listed: string[] }, message: RegExp) => {
    expect(work.errors.length).toBeGreaterThan(0);
    expect(work.errors[0]?.message).toMatch(message);
    expect(work.errors[0]?.message).not.toContain(sim.token);
    expect(work.messages.map((m) => m.message)).not.toContain('Export done');
    expect(listed).not.toContain(file.name);
  };

  beforeAll(async () => {
    if (!broker.available) return;
    // The connector's temporary files (os.tmpdir() reads TMPDIR on each call) land here.
    scratch = await mkdtemp(path.join(tmpdir(), 'export-file-csv-failures-'));
    process.env.TMPDIR = scratch;
    sim = await startPlatformSim({ rabbitmqUrl: broker.url, bundle: { objects: [author, ip, ...malwares, rel, report] } });
    client = new PlatformClient(sim);
    proxy = await startFaultProxy(sim.url);
    await start();
  });
  afterEach(async () => {
    if (!broker.available) return;
    proxy.rule = undefined;
    // Whatever ended the job, its temporary files are gone.
    expect(await readdir(scratch)).toEqual([]);
  });
  afterAll(async () => {
    await stop();
    await proxy?.close();
    await sim?.stop();
    if (previousTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previousTmpdir;
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('the exported entity no longer exists: the work says so, no file, the next export works', async () => {
    // The platform's genuine answer for a deleted entity: the read goes to an id it never had
    // (the stand-in has no delete mutation).
    const gone = randomUUID();
    const asked: unknown[] = [];
    proxy.rule = (seen) => {
      if (seen.operation !== READ_ENTITY.operationName) return undefined;
      asked.push(seen.variables.id);
      return { forward: Buffer.from(JSON.stringify({ query: READ_ENTITY.text, variables: { id: gone } })) };
    };
    const failed = await exportReport();
    expect(asked).toHaveLength(1);
    expectFailed(failed, new RegExp(`exported entity ${String(asked[0])} no longer exists or cannot be read by the connector`));
    proxy.rule = undefined;
    await expectSucceeded(await exportReport());
  });

  it('the platform answers 500 to a listing page mid-export: the work names the failure, no partial file, the next export works', async () => {
    const pages: unknown[] = [];
    proxy.rule = (seen) => {
      if (seen.operation !== LIST_CORE_OBJECTS.operationName) return undefined;
      pages.push(seen.variables.after);
      // The first page went to disk; the second one fails.
      return seen.variables.after ? { reply: { status: 500, body: 'Internal Server Error' } } : undefined;
    };
    const failed = await exportReport();
    expectFailed(failed, /CsvExportStixCoreObjects failed with HTTP 500/);
    // 500 is not a transient status: asked once, not retried.
    expect(pages.filter(Boolean)).toHaveLength(1);
    proxy.rule = undefined;
    await expectSucceeded(await exportReport());
  });

  it('a list export whose third page fails leaves no file under the list either', async () => {
    proxy.rule = (seen) => {
      if (seen.operation !== LIST_DOMAIN_OBJECTS.operationName) return undefined;
      const pagesBefore = proxy.seen.filter((other) => other.operation === LIST_DOMAIN_OBJECTS.operationName && other.variables.search === 'CSV failures');
      return pagesBefore.length === 3 ? { reply: { status: 500, body: '{"errors":[{"message":"boom"}]}' } } : undefined;
    };
    const asked = await client.listExportAsk({ format: 'text/csv', exportType: 'simple', exportContext: { entity_type: 'Malware' }, search: 'CSV failures' });
    const work = await client.settledWork(asked.id, { context });
    expect(work.errors[0]?.message).toMatch(/CsvExportStixDomainObjects failed with HTTP 500/);
    const fileId = `export/Malware/${asked.name.toLowerCase()}`;
    const { file } = await client.gql<{ file: { id: string } | null }>('query CsvFailuresFile($id: String!) { file(id: $id) { id } }', { id: fileId });
    expect(file).toBeNull();
    proxy.rule = undefined;
    const again = await client.listExportAsk({ format: 'text/csv', exportType: 'simple', exportContext: { entity_type: 'Malware' }, search: 'CSV failures' });
    expect((await client.settledWork(again.id, { context })).errors).toEqual([]);
    expect((await client.download(`export/Malware/${again.name.toLowerCase()}`)).split('\r\n').slice(1, -1)).toHaveLength(3);
  });

  it('the platform refuses the upload (413): the work says the file could not be uploaded, no file, the next export works', async () => {
    let uploads = 0;
    proxy.rule = (seen) => {
      if (!seen.multipart) return undefined;
      uploads += 1;
      return { reply: { status: 413, body: 'Request Entity Too Large' } };
    };
    const failed = await exportReport();
    expectFailed(failed, /the CSV file \(6 rows\) could not be uploaded: StixDomainObjectEdit failed with HTTP 413: Request Entity Too Large/);
    expect(uploads).toBe(1);
    proxy.rule = undefined;
    await expectSucceeded(await exportReport());
  });

  it('a 502 on the upload is retried with the whole file again', async () => {
    const bodies: Buffer[] = [];
    proxy.rule = (seen) => {
      if (!seen.multipart) return undefined;
      bodies.push(seen.body);
      return bodies.length === 1 ? { reply: { status: 502, body: 'Bad Gateway' } } : undefined;
    };
    await expectSucceeded(await exportReport());
    expect(bodies).toHaveLength(2);
    expect(bodies[1]?.length).toBe(bodies[0]?.length);
    // Only the random multipart boundary differs between the two attempts.
    const boundary = (body: Buffer) => body.toString('latin1', 2, body.indexOf('\r\n'));
    expect(bodies[1]?.toString('latin1').replaceAll(boundary(bodies[1]), 'B')).toBe(bodies[0]?.toString('latin1').replaceAll(boundary(bodies[0]), 'B'));
  });

  it('a stop mid-export removes the temporary files and gives the job back; the restarted connector completes it', async () => {
    const { promise: held, resolve: release } = Promise.withResolvers<void>();
    const { promise: waiting, resolve: reached } = Promise.withResolvers<void>();
    // Hold the second page until the test lets go: the first row is on disk by then.
    proxy.rule = async (seen) => {
      if (seen.operation !== LIST_CORE_OBJECTS.operationName || !seen.variables.after) return undefined;
      reached();
      await held;
      return undefined;
    };
    const file = await client.exportAsk(report.id, { format: 'text/csv', exportType: 'full', contentMaxMarkings: [], fileMarkings: [] });
    await waiting;
    expect((await readdir(scratch)).length).toBeGreaterThan(0);
    await stop();
    expect(await readdir(scratch)).toEqual([]);
    release();
    proxy.rule = undefined;
    expect((await client.work(file.id))?.errors).toEqual([]);
    await start();
    const work = await client.settledWork(file.id, { context });
    await expectSucceeded({ file, work, listed: (await client.exportFiles(report.id)).map((stored) => stored.name) });
  });
});
