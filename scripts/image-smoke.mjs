#!/usr/bin/env node
// Smoke test of a connector image (connector-checklist "Image"): the built image starts,
// registers with the platform stand-in, does its job, answers its HEALTHCHECK, and stops with
// exit code 0 on SIGTERM within 30 s; then prints the image size and its own layers' size.
//
//   node scripts/image-smoke.mjs <connector> [--image REF] [--build]
//
// CONTAINER_ENGINE=docker|podman (default: docker when it answers, else podman),
// RABBITMQ_URL (default amqp://guest:guest@127.0.0.1:5672), OPENCTI_TS_SHARED_DIR (real data,
// default ../shared), BASE_IMAGE (default node:24-slim, for the own-layers figure),
// SMOKE_TIMEOUT_S (default 300), SMOKE_MEMORY (a memory limit for the container, e.g. 256m).
// The container runs with --network=host, so it reaches the
// stand-in, the broker and the data server on 127.0.0.1. Exit code 0 when every check passes.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

// Settings of this script, not of a turbo task.
const { env } = process;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sharedDir = env.OPENCTI_TS_SHARED_DIR ?? path.resolve(root, '../shared');
const timeoutMs = Number(env.SMOKE_TIMEOUT_S ?? 300) * 1000;
const STOP_LIMIT_S = 30;

/**
 * What a connector needs to do one job against the stand-in, declared in its own folder
 * (connectors/<name>/smoke.json, which `pnpm new:connector` generates):
 *   files: URL path on the local data server -> candidate files, the first that exists is
 *          served (relative to the connector folder; ${SHARED_DIR} is the shared data, so
 *          real data is used when present and a committed fixture otherwise);
 *   env:   the connector's variables, ${DATA_URL} being the data server's base URL;
 *   work:  "complete" (default) waits for a completed work, as an external import does on
 *          its own; "none" for kinds whose jobs a user asks (enrichment, import and export
 *          files): registration, HEALTHCHECK and the SIGTERM stop are still checked.
 */
function smokeConnectors() {
  const dir = path.join(root, 'connectors');
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((name) => existsSync(path.join(dir, name, 'smoke.json')))
        .sort()
    : [];
}

function loadSetup(connector) {
  const dir = path.join(root, 'connectors', connector);
  const declared = JSON.parse(readFileSync(path.join(dir, 'smoke.json'), 'utf8'));
  const expand = (text, vars) => text.replace(/\$\{(\w+)\}/g, (match, name) => vars[name] ?? match);
  const files = {};
  for (const [urlPath, candidates] of Object.entries(declared.files ?? {})) {
    const paths = (Array.isArray(candidates) ? candidates : [candidates]).map((file) => path.resolve(dir, expand(file, { SHARED_DIR: sharedDir })));
    const found = paths.find((file) => existsSync(file));
    if (!found) throw new RangeError(`${connector}/smoke.json: none of ${paths.join(', ')} exists`);
    files[urlPath] = found;
  }
  return {
    files,
    env: (base) => Object.fromEntries(Object.entries(declared.env ?? {}).map(([key, value]) => [key, expand(String(value), { DATA_URL: base })])),
    work: declared.work ?? 'complete',
  };
}

const log = (message) => console.log(`[image-smoke] ${message}`);
const fail = (message) => {
  console.error(`[image-smoke] FAILED: ${message}`);
  process.exitCode = 1;
  return false;
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  return { code: result.status ?? -1, stdout: result.stdout ?? '', stderr: result.stderr ?? String(result.error ?? '') };
}

function pickEngine() {
  const wanted = env.CONTAINER_ENGINE;
  if (wanted) return wanted;
  return run('docker', ['version', '--format', '{{.Server.Version}}']).code === 0 ? 'docker' : 'podman';
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Serves the given files (URL path to local file) on 127.0.0.1; resolves with its base URL. */
async function serveFiles(files) {
  const server = http.createServer((request, response) => {
    const file = files[request.url ?? ''];
    if (!file) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    createReadStream(file).pipe(response);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

/** The stand-in as `pnpm platform-sim` runs it; resolves once it printed its URL and token. */
async function startPlatformSim() {
  const child = spawn(process.execPath, ['--conditions=source', 'src/cli.ts'], {
    cwd: path.join(root, 'packages/platform-sim'),
    env: { ...env, RABBITMQ_URL: env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const found = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), 60_000);
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (/OPENCTI_TOKEN=\S+/.test(output)) {
        clearTimeout(timer);
        resolve(true);
      }
    });
    child.once('exit', () => resolve(false));
  });
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  if (!found) {
    await stop();
    return undefined;
  }
  return { url: /OPENCTI_URL=(\S+)/.exec(output)?.[1], token: /OPENCTI_TOKEN=(\S+)/.exec(output)?.[1], stop };
}

async function gql(platform, query, variables) {
  const response = await fetch(`${platform.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${platform.token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors?.length) return { error: body.errors[0].message };
  return body.data;
}

const WORKS = `query Works($filters: FilterGroup) { works(first: 20, filters: $filters) {
  edges { node { id name status errors { message } tracking { import_expected_number import_processed_number } } } } }`;

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { image: { type: 'string' }, build: { type: 'boolean' }, help: { type: 'boolean' } },
  });
  const connector = positionals[0];
  if (values.help || !connector || !smokeConnectors().includes(connector)) {
    console.error(`usage: node scripts/image-smoke.mjs <${smokeConnectors().join('|')}> [--image REF] [--build]  (a connector with a smoke.json)`);
    return 2;
  }
  const engine = pickEngine();
  const image = values.image ?? `opencti-ts/connector-${connector}:dev`;
  if (values.build) {
    // podman keeps HEALTHCHECK only in the docker image format.
    const format = engine === 'podman' ? ['--format', 'docker'] : [];
    const dockerfile = `connectors/${connector}/Dockerfile`;
    log(`building ${image} with ${engine}`);
    const built = spawnSync(engine, ['build', ...format, '--network=host', '-f', dockerfile, '-t', image, '.'], { cwd: root, stdio: 'inherit' });
    if (built.status !== 0) return fail(`${engine} build exited with ${built.status}`) || 1;
  }
  const inspected = run(engine, ['image', 'inspect', image]);
  if (inspected.code !== 0) return fail(`image ${image} not found with ${engine} (build it, or pass --build): ${inspected.stderr.trim()}`) || 1;
  const [imageInfo] = JSON.parse(inspected.stdout);
  const healthcheck = imageInfo.Config?.Healthcheck ?? imageInfo.Healthcheck; // docker; podman
  if (!healthcheck?.Test?.length) fail('the image has no HEALTHCHECK (podman drops it unless built with --format docker)');

  const setup = loadSetup(connector);
  const data = await serveFiles(setup.files);
  const platform = await startPlatformSim();
  const name = `opencti-ts-smoke-${connector}-${randomBytes(4).toString('hex')}`;
  const cleanups = [async () => data.close()];
  try {
    if (!platform) return fail('the platform stand-in did not start (is RabbitMQ up? RABBITMQ_URL)') || 1;
    cleanups.push(platform.stop);
    log(`platform stand-in at ${platform.url}; data: ${Object.values(setup.files).join(', ')}`);
    const connectorId = randomUUID();
    const connectorEnv = {
      OPENCTI_URL: platform.url,
      OPENCTI_TOKEN: platform.token,
      CONNECTOR_ID: connectorId,
      CONNECTOR_LOG_LEVEL: 'info',
      CONNECTOR_HEALTH_PORT: String(await freePort()),
      ...setup.env(data.url),
    };
    const envArgs = Object.entries(connectorEnv).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
    // Read-only root filesystem as Kubernetes' readOnlyRootFilesystem: the image must not write.
    const memory = env.SMOKE_MEMORY ? ['--memory', env.SMOKE_MEMORY] : [];
    const started = run(engine, ['run', '-d', '--name', name, '--network=host', '--read-only', '--tmpfs', '/tmp', ...memory, ...envArgs, image]);
    if (started.code !== 0) return fail(`${engine} run: ${started.stderr.trim()}`) || 1;
    cleanups.push(async () => run(engine, ['rm', '-f', name]));
    const t0 = Date.now();
    log(`container ${name} started (connector id ${connectorId})`);

    const running = () => run(engine, ['inspect', '--format', '{{.State.Running}}', name]).stdout.trim() === 'true';
    let registered = false;
    let work;
    while (Date.now() - t0 < timeoutMs) {
      if (!running()) break;
      if (!registered) {
        const found = await gql(platform, 'query C($id: String!) { connector(id: $id) { id name active } }', { id: connectorId });
        if (found?.connector) {
          registered = true;
          log(`registered as "${found.connector.name}" after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        }
      } else if (setup.work === 'none') {
        break;
      } else {
        const filters = { mode: 'and', filters: [{ key: 'connector_id', values: [connectorId] }], filterGroups: [] };
        const works = (await gql(platform, WORKS, { filters }))?.works?.edges?.map((edge) => edge.node) ?? [];
        work = works.find((candidate) => candidate.status === 'complete');
        if (work) break;
      }
      await sleep(1000);
    }
    const logs = () => {
      const out = run(engine, ['logs', '--tail', '40', name]);
      console.error(`--- last container logs ---\n${out.stdout}${out.stderr}---`);
    };
    if (!registered || (!work && setup.work !== 'none')) {
      logs();
      return fail(registered ? 'no completed work' : 'the connector did not register') || 1;
    }
    if (work) {
      const seconds = ((Date.now() - t0) / 1000).toFixed(1);
      log(`work "${work.name}" complete after ${seconds} s: ${work.tracking?.import_processed_number ?? '?'} bundles processed`);
      if (work.errors?.length) fail(`the work has errors: ${work.errors.map((error) => error.message).join('; ')}`);
    } else {
      log('registered; no work expected (smoke.json "work": "none")');
    }

    // The image's own HEALTHCHECK command, run in the container (engines schedule it at
    // their own pace: podman only with systemd).
    if (healthcheck?.Test?.length) {
      const [kind, ...command] = healthcheck.Test;
      const argv = kind === 'CMD-SHELL' ? ['sh', '-c', command.join(' ')] : command;
      const health = run(engine, ['exec', name, ...argv]);
      if (health.code === 0) log('HEALTHCHECK passes');
      else fail(`HEALTHCHECK exited with ${health.code}: ${health.stderr.trim()}`);
    }

    const stopStart = Date.now();
    run(engine, ['stop', '-t', String(STOP_LIMIT_S), name]);
    const stopSeconds = (Date.now() - stopStart) / 1000;
    const exitCode = run(engine, ['inspect', '--format', '{{.State.ExitCode}}', name]).stdout.trim();
    log(`SIGTERM to exit: ${stopSeconds.toFixed(1)} s, exit code ${exitCode}`);
    if (exitCode !== '0') {
      logs();
      fail(`exit code ${exitCode} after SIGTERM (expected 0)`);
    }
    if (stopSeconds >= STOP_LIMIT_S) fail(`stopping took ${stopSeconds.toFixed(1)} s (limit ${STOP_LIMIT_S} s)`);

    const baseImage = env.BASE_IMAGE ?? 'node:24-slim';
    const sizeOf = (ref) => Number(run(engine, ['image', 'inspect', '--format', '{{.Size}}', ref]).stdout.trim()) || undefined;
    if (!sizeOf(baseImage)) run(engine, ['pull', '-q', baseImage]);
    const total = sizeOf(image);
    const base = sizeOf(baseImage);
    log(`image size ${total ? mb(total) : '?'}; own layers ${total && base ? mb(total - base) : '?'} (over ${baseImage})`);
    return process.exitCode ?? 0;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}

process.exitCode = await main();
