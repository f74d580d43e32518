// `pnpm bench` for the MITRE connector: the whole Enterprise collection (24,771 objects,
// 34 MB) served by a local HTTP server, converted, split and published with confirms to
// the real RabbitMQ (RABBITMQ_URL), each run in a fresh process running dist/. Prints the
// median wall time and peak RSS against the goals (< 5 s, < 400 MB). Informative only.
import { execFile } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import amqp from 'amqplib';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 3;
const packageDir = path.resolve(import.meta.dirname, '..');
const shared = process.env.OPENCTI_TS_SHARED_DIR ?? path.resolve(packageDir, '../../../shared');
const source = path.join(shared, 'data/bench/enterprise-attack-reassembled.json.gz');
const amqpUrl = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
if (!existsSync(source)) {
  console.error(`bench skipped: ${source} not found (set OPENCTI_TS_SHARED_DIR)`);
  process.exit(process.env.CI ? 1 : 0);
}
if (!existsSync(path.join(packageDir, 'dist/connector.js'))) {
  console.error('bench needs the built connector: run `pnpm build` first');
  process.exit(1);
}

const dir = mkdtempSync(path.join(tmpdir(), 'mitre-bench-'));
const file = path.join(dir, 'enterprise-attack.json');
writeFileSync(file, gunzipSync(await readFile(source)));
const server = http.createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json' });
  createReadStream(file).pipe(response);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/enterprise-attack.json`;

const connection = await amqp.connect(amqpUrl);
const channel = await connection.createChannel();
const exchange = `opencti-ts-bench.${process.pid}`;
const queue = `${exchange}.push`;
await channel.assertExchange(exchange, 'direct', { durable: false, autoDelete: false });
await channel.assertQueue(queue, { durable: false, arguments: { 'x-max-length': 1_000_000 } });
await channel.bindQueue(queue, exchange, 'push');

// The child runs with the NODE_OPTIONS of this connector's image.
const nodeOptions = /NODE_OPTIONS="([^"]*)"/.exec(await readFile(path.join(packageDir, 'Dockerfile'), 'utf8'))?.[1];
if (nodeOptions === undefined) throw new Error('no NODE_OPTIONS="…" in the Dockerfile');

const execFileAsync = promisify(execFile);
const results: { wallMs: number; peakMiB: number; bundles: number }[] = [];
try {
  for (let run = 0; run < runs; run += 1) {
    await channel.purgeQueue(queue);
    // Asynchronous on purpose: the HTTP server lives in this process and must keep serving.
    const child = await execFileAsync(process.execPath, [path.join(import.meta.dirname, 'child.mjs'), url, amqpUrl, exchange, 'push'], {
      cwd: packageDir,
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: nodeOptions },
    });
    const result = JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}');
    const { messageCount } = await channel.checkQueue(queue);
    if (messageCount !== result.bundles) throw new RangeError(`queue holds ${messageCount} messages, the run published ${result.bundles}`);
    results.push(result);
  }
} finally {
  await channel.deleteQueue(queue);
  await channel.deleteExchange(exchange);
  await connection.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const wall = median(results.map((r) => r.wallMs));
const peak = median(results.map((r) => r.peakMiB));
console.log(`MITRE Enterprise ATT&CK: ${results[0]?.bundles} bundles published and confirmed, ${runs} runs, NODE_OPTIONS="${nodeOptions}" as in the image`);
console.log(`| measure | median | goal | met |\n| --- | --- | --- | --- |`);
console.log(`| wall time (download → convert → split → confirmed publish) | ${(wall / 1000).toFixed(2)} s | < 5 s | ${wall < 5000 ? 'yes' : 'NO'} |`);
console.log(`| peak RSS | ${peak.toFixed(0)} MiB | < 400 MB | ${peak * 1.048576 < 400 ? 'yes' : 'NO'} |`);
