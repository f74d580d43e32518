// Smoke test of a connector image (connector-checklist "Image"): the built image starts,
// registers with the platform stand-in, does one real job of its kind, answers its
// HEALTHCHECK, and stops with exit code 0 on SIGTERM within 30 s; then prints the image size
// and its own layers' size.
//
//   node --conditions=source scripts/image-smoke.ts <connector> [--image REF] [--build]
//   node --conditions=source scripts/image-smoke.ts <connector> --local   (no image: the connector's
//        sources in a node child, to try a smoke.json before a slow build; health endpoint
//        instead of the HEALTHCHECK, no image size)
//   node --conditions=source scripts/image-smoke.ts --check [connector]   (smoke.json only, no engine)
//   (`pnpm image-smoke …` from the repository root)
//
// CONTAINER_ENGINE=docker|podman (default: docker when it answers, else podman),
// RABBITMQ_URL (default amqp://guest:guest@127.0.0.1:5672), OPENCTI_TS_SHARED_DIR (real data,
// default ../shared), BASE_IMAGE (default node:24-slim, for the own-layers figure),
// SMOKE_TIMEOUT_S (default 300), SMOKE_MEMORY (a memory limit for the container, e.g. 256m).
// The container runs with --network=host, so it reaches the stand-in, the broker and the
// data server on 127.0.0.1. Every GraphQL call goes through PlatformClient, as the e2e tests'.
// Exit code 0 when every check passes.
//
// connectors/<name>/smoke.json (`pnpm new:connector` generates one per kind) declares the job:
//   files:  the local data server, playing the connector's outside service. Key: URL path
//           (query string included), optionally after a method ("POST /events/restSearch").
//           Value: candidate files (the first that exists is served: relative to the connector
//           folder, ${SHARED_DIR} being the shared data, so real data is used when present and
//           a committed fixture otherwise); or an answer {file | json, list?, type?, when?};
//           or a list of answers, the first whose `when` matches the JSON request body wins
//           (e.g. {"when": {"page": 1}, "file": [...]}, then {"json": []}). `json` strings may
//           use ${DATA_URL}; `list` puts the file's JSON in a list unless it is one; `type` is
//           the content type (default application/json).
//   bundle: STIX objects the stand-in loads at start (its --bundle option): candidate files,
//           or {"objects": [...]} inline.
//   env:    the connector's variables, ${DATA_URL} being the data server's base URL.
//   job:    what is asked, by `ask`:
//           "scheduled"   (external import) the connector opens a work on its own;
//           "import-file" uploads `file` (candidates; `name`, `mimeType` optional) and asks
//                         this connector to import it (askJobImport, validation bypassed);
//           "enrichment"  asks the enrichment of `entity` (a STIX id, e.g. from the bundle);
//           "export-file" asks an export of `entity` in `format` (`exportType` simple|full),
//                         then downloads the file listed on the entity;
//           "none"        nothing (registration, HEALTHCHECK and stop are still checked).
//           The work must settle (complete and processed) without errors; then `expect`:
//           message (a substring of one of the work's messages), readable (STIX ids read back
//           through GraphQL, or "file": every object of the uploaded bundle), fileHeader
//           (strings the export's first line contains), fileIncludes (strings the export has).
import { type ChildProcessByStdio, spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { PlatformClient, type WorkView } from '../packages/platform-sim/src/client.ts';

// Settings of this script, not of a turbo task.
const { env } = process;
const root = path.resolve(import.meta.dirname, '..');
const sharedDir = env.OPENCTI_TS_SHARED_DIR ?? path.resolve(root, '../shared');
const timeoutMs = Number(env.SMOKE_TIMEOUT_S ?? 300) * 1000;
const STOP_LIMIT_S = 30;
const ASKS = ['scheduled', 'import-file', 'enrichment', 'export-file', 'none'] as const;
type Ask = (typeof ASKS)[number];

/** A smoke.json that cannot be used as it is. */
class SmokeSpecError extends Error {
  readonly code = 'SMOKE_SPEC_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'SmokeSpecError';
  }
}

/** One answer of the data server. */
interface Answer {
  /** A file's bytes, or `json` (expanded at request time). */
  body: { file: string } | { json: unknown };
  list: boolean;
  type: string;
  when: Record<string, unknown> | undefined;
}

interface Expectations {
  message: string | undefined;
  readable: string[] | 'file';
  fileHeader: string[];
  fileIncludes: string[];
}

interface Job {
  ask: Ask;
  /** import-file: the file to upload, its name and type. */
  file?: string;
  name?: string;
  mimeType?: string;
  /** enrichment, export-file: the entity asked about. */
  entity?: string;
  format?: string;
  exportType?: 'simple' | 'full';
  expect: Expectations;
}

interface Setup {
  routes: Map<string, Answer[]>;
  /** A bundle file for the stand-in's --bundle, and whether it is a temporary one. */
  bundle: { file: string; temporary: boolean } | undefined;
  env: (dataUrl: string) => Record<string, string>;
  job: Job;
  /** The files that will be served or uploaded, for the log. */
  used: string[];
}

const log = (message: string) => console.log(`[image-smoke] ${message}`);
const fail = (message: string): false => {
  console.error(`[image-smoke] FAILED: ${message}`);
  process.exitCode = 1;
  return false;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const expand = (text: string, vars: Record<string, string>) => text.replace(/\$\{(\w+)\}/g, (match, name: string) => vars[name] ?? match);
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const stringList = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');

function smokeConnectors(): string[] {
  const dir = path.join(root, 'connectors');
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((name) => existsSync(path.join(dir, name, 'smoke.json')))
        .sort()
    : [];
}

/** Reads and checks connectors/<connector>/smoke.json; a SmokeSpecError says what is wrong. */
function loadSetup(connector: string): Setup {
  const dir = path.join(root, 'connectors', connector);
  const where = `connectors/${connector}/smoke.json`;
  const bad = (what: string) => new SmokeSpecError(`${where}: ${what}`);
  const declared: unknown = JSON.parse(readFileSync(path.join(dir, 'smoke.json'), 'utf8'));
  if (!isRecord(declared)) throw bad('not a JSON object');
  const used: string[] = [];
  const pick = (candidates: unknown, field: string): string => {
    const list = typeof candidates === 'string' ? [candidates] : candidates;
    if (!stringList(list) || list.length === 0) throw bad(`${field}: a file or a list of candidate files`);
    const paths = list.map((file) => path.resolve(dir, expand(file, { SHARED_DIR: sharedDir })));
    const found = paths.find((file) => existsSync(file));
    if (!found) throw bad(`${field}: none of ${paths.join(', ')} exists`);
    used.push(path.relative(root, found).startsWith('..') ? found : path.relative(root, found));
    return found;
  };
  const answerOf = (value: unknown, field: string): Answer => {
    if (typeof value === 'string' || stringList(value)) return { body: { file: pick(value, field) }, list: false, type: 'application/json', when: undefined };
    if (!isRecord(value) || 'file' in value === 'json' in value) throw bad(`${field}: an answer has either "file" or "json"`);
    if (value.when !== undefined && !isRecord(value.when)) throw bad(`${field}.when: an object of request body fields`);
    return {
      body: 'file' in value ? { file: pick(value.file, `${field}.file`) } : { json: value.json },
      list: value.list === true,
      type: typeof value.type === 'string' ? value.type : 'application/json',
      when: value.when,
    };
  };

  const routes = new Map<string, Answer[]>();
  if (declared.files !== undefined && !isRecord(declared.files)) throw bad('"files": an object of URL path to answer');
  for (const [key, value] of Object.entries(declared.files ?? {})) {
    const match = /^(?:([A-Z]+) )?(\/\S*)$/.exec(key);
    if (!match) throw bad(`files: "${key}" is no "[METHOD ]/path"`);
    const answers =
      Array.isArray(value) && value.some(isRecord) ? value.map((item, i) => answerOf(item, `files["${key}"][${i}]`)) : [answerOf(value, `files["${key}"]`)];
    routes.set(`${match[1] ?? '*'} ${match[2]}`, answers);
  }

  let bundle: Setup['bundle'];
  if (isRecord(declared.bundle)) {
    if (!Array.isArray(declared.bundle.objects)) throw bad('bundle: {"objects": [...]} or candidate files');
    bundle = { file: JSON.stringify({ type: 'bundle', id: `bundle--${randomUUID()}`, objects: declared.bundle.objects }), temporary: true };
  } else if (declared.bundle !== undefined) bundle = { file: pick(declared.bundle, 'bundle'), temporary: false };

  if (declared.env !== undefined && !isRecord(declared.env)) throw bad('"env": an object of variable to value');
  const variables = Object.entries(declared.env ?? {});

  const job = declared.job;
  if (!isRecord(job) || !ASKS.includes(job.ask as Ask)) throw bad(`"job": {"ask": ${ASKS.map((ask) => `"${ask}"`).join(' | ')}, ...}`);
  const ask = job.ask as Ask;
  const expected = job.expect ?? {};
  if (!isRecord(expected)) throw bad('job.expect: an object');
  const strings = (field: string): string[] => {
    const value = expected[field] ?? [];
    if (!stringList(value)) throw bad(`job.expect.${field}: a list of strings`);
    return value;
  };
  const readable = expected.readable ?? [];
  if (readable !== 'file' && !stringList(readable)) throw bad('job.expect.readable: a list of STIX ids, or "file"');
  if (readable === 'file' && ask !== 'import-file') throw bad('job.expect.readable "file" is for "import-file" jobs');
  if (expected.message !== undefined && typeof expected.message !== 'string') throw bad('job.expect.message: a string');
  const text = (field: string, required: boolean): string | undefined => {
    const value = job[field];
    if (value === undefined && !required) return undefined;
    if (typeof value !== 'string' || value === '') throw bad(`job.${field}: a string${required ? ` (required for "${ask}")` : ''}`);
    return value;
  };
  const exportType = text('exportType', false);
  if (exportType !== undefined && exportType !== 'simple' && exportType !== 'full') throw bad('job.exportType: "simple" or "full"');
  const parsed: Job = {
    ask,
    ...(ask === 'import-file' ? { file: pick(job.file, 'job.file') } : {}),
    ...(ask === 'enrichment' || ask === 'export-file' ? { entity: text('entity', true) } : {}),
    ...(ask === 'export-file' ? { format: text('format', true), exportType: exportType ?? 'simple' } : {}),
    expect: { message: expected.message, readable, fileHeader: strings('fileHeader'), fileIncludes: strings('fileIncludes') },
  };
  const name = text('name', false);
  const mimeType = text('mimeType', false);
  if (name) parsed.name = name;
  if (mimeType) parsed.mimeType = mimeType;
  return {
    routes,
    bundle,
    env: (dataUrl) => Object.fromEntries(variables.map(([key, value]) => [key, expand(String(value), { DATA_URL: dataUrl })])),
    job: parsed,
    used,
  };
}

function run(command: string, args: string[], options: { cwd?: string } = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  return { code: result.status ?? -1, stdout: result.stdout ?? '', stderr: result.stderr ?? String(result.error ?? '') };
}

function pickEngine(): string {
  const wanted = env.CONTAINER_ENGINE;
  if (wanted) return wanted;
  return run('docker', ['version', '--format', '{{.Server.Version}}']).code === 0 ? 'docker' : 'podman';
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The data server on 127.0.0.1: answers the declared routes, 404 otherwise; records what it was asked. */
async function serveData(routes: Map<string, Answer[]>) {
  const asked: string[] = [];
  let base = '';
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = request.url ?? '';
      const answers = routes.get(`${request.method} ${url}`) ?? routes.get(`* ${url}`);
      let body: Record<string, unknown> = {};
      try {
        const parsed: unknown = chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
        if (isRecord(parsed)) body = parsed;
      } catch {
        // Not JSON: only answers without `when` apply.
      }
      const answer = answers?.find((candidate) =>
        Object.entries(candidate.when ?? {}).every(([key, value]) => JSON.stringify(body[key]) === JSON.stringify(value)),
      );
      asked.push(`${request.method} ${url} ${answer ? 200 : 404}`);
      if (!answer) return void response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      let payload: string | Buffer;
      if ('json' in answer.body) payload = expand(JSON.stringify(answer.body.json), { DATA_URL: base });
      else {
        payload = readFileSync(answer.body.file);
        if (answer.list) {
          const parsed: unknown = JSON.parse(payload.toString('utf8'));
          payload = JSON.stringify(Array.isArray(parsed) ? parsed : [parsed]);
        }
      }
      response.writeHead(200, { 'content-type': answer.type }).end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    asked,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The stand-in as `pnpm platform-sim` runs it; resolves once it printed its URL and token. */
async function startPlatformSim(bundleFile: string | undefined) {
  const child: ChildProcessByStdio<null, Readable, null> = spawn(
    process.execPath,
    ['--conditions=source', 'src/cli.ts', ...(bundleFile ? ['--bundle', bundleFile] : [])],
    {
      cwd: path.join(root, 'packages/platform-sim'),
      env: { ...env, RABBITMQ_URL: env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let output = '';
  const found = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (/objects loaded: \d+/.test(output)) {
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
  const url = /OPENCTI_URL=(\S+)/.exec(output)?.[1];
  const token = /OPENCTI_TOKEN=(\S+)/.exec(output)?.[1];
  if (!found || !url || !token) {
    await stop();
    return undefined;
  }
  return { url, token, loaded: Number(/objects loaded: (\d+)/.exec(output)?.[1] ?? 0), stop };
}

/** Named documents this script sends besides PlatformClient's own (valid against the real schema). */
const SMOKE_CONNECTOR = 'query SmokeConnector($id: String!) { connector(id: $id) { id name active } }';

/** Thrown when the container stops or the time runs out while waiting. */
class SmokeWaitError extends Error {
  readonly code = 'SMOKE_WAIT_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'SmokeWaitError';
  }
}

/** What the connector did for the declared job: the settled work and what was read back. */
async function doJob(client: PlatformClient, job: Job, connectorId: string, waitFor: <T>(what: string, probe: () => Promise<T | undefined>) => Promise<T>) {
  let workId: string;
  let exported: { entity: string; name: string } | undefined;
  const started = Date.now();
  switch (job.ask) {
    case 'scheduled':
      workId = await waitFor('a work of the connector', async () => (await client.workIds(connectorId)).at(-1));
      break;
    case 'import-file': {
      const file = job.file as string;
      const fileId = await client.uploadImport(job.name ?? path.basename(file), readFileSync(file), job.mimeType ? { mimeType: job.mimeType } : {});
      workId = await client.askJobImport(fileId, { connectorId });
      log(`uploaded ${path.basename(file)} as ${fileId}; import asked`);
      break;
    }
    case 'enrichment':
      workId = await client.askEnrichment(job.entity as string, connectorId);
      log(`enrichment of ${job.entity} asked`);
      break;
    case 'export-file': {
      const file = await client.exportAsk(job.entity as string, {
        format: job.format as string,
        exportType: job.exportType ?? 'simple',
        contentMaxMarkings: [],
        fileMarkings: [],
      });
      workId = file.id;
      exported = { entity: job.entity as string, name: file.name };
      log(`${job.exportType ?? 'simple'} ${job.format} export of ${job.entity} asked (file ${file.name})`);
      break;
    }
    default:
      return undefined;
  }
  // Settled: complete AND processed (the worker may complete a work before the connector's last call).
  const work: WorkView = await waitFor(`work ${workId} to settle`, async () => {
    const found = await client.work(workId);
    return found?.status === 'complete' && found.processed_time ? found : undefined;
  });
  return { work, exported, seconds: (Date.now() - started) / 1000, since: job.ask === 'scheduled' ? 'registration' : 'the ask' };
}

/** Checks the settled work and what the job left on the platform against `expect`; false on a failed check. */
async function checkResult(client: PlatformClient, job: Job, result: NonNullable<Awaited<ReturnType<typeof doJob>>>): Promise<boolean> {
  const { work, exported } = result;
  const messages = work.messages.map((entry) => entry.message);
  log(
    `work "${work.name}" settled ${result.seconds.toFixed(1)} s after ${result.since}: ${work.tracking?.import_processed_number ?? '?'} bundle(s) processed; ` +
      `messages: ${messages.map((message) => JSON.stringify(message)).join(', ') || 'none'}`,
  );
  let ok = true;
  if (work.errors.length > 0) ok = fail(`the work has errors: ${work.errors.map((error) => error.message).join('; ')}`);
  const { message, readable, fileHeader, fileIncludes } = job.expect;
  if (message !== undefined && !messages.some((candidate) => candidate.includes(message))) ok = fail(`no work message contains ${JSON.stringify(message)}`);

  const ids =
    readable === 'file' ? ((JSON.parse(readFileSync(job.file as string, 'utf8')) as { objects?: { id: string }[] }).objects ?? []).map((o) => o.id) : readable;
  if (readable === 'file' && ids.length === 0) ok = fail(`${job.file} has no objects to read back`);
  if (ids.length > 0) {
    const missing: string[] = [];
    for (const id of ids) if (!(await client.has(id))) missing.push(id);
    if (missing.length === 0) log(`${ids.length}/${ids.length} expected object(s) readable back through GraphQL`);
    else
      ok = fail(`${missing.length}/${ids.length} expected object(s) not on the platform: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`);
  }

  if (exported) {
    const stored = (await client.exportFiles(exported.entity)).find((file) => file.name === exported.name);
    if (!stored) return fail(`the export ${exported.name} is not listed on ${exported.entity}`);
    const content = await client.download(stored.id);
    const lines = content.split(/\r?\n/);
    const header = lines[0] ?? '';
    log(`export ${stored.name}: ${content.length} bytes, ${lines.filter((line) => line !== '').length} line(s); first line: ${header.slice(0, 160)}`);
    const absent = fileHeader.filter((part) => !header.includes(part));
    if (absent.length > 0) ok = fail(`the export's first line lacks ${absent.map((part) => JSON.stringify(part)).join(', ')}`);
    const missing = fileIncludes.filter((part) => !content.includes(part));
    if (missing.length > 0) ok = fail(`the export lacks ${missing.map((part) => JSON.stringify(part)).join(', ')}`);
    if (absent.length > 0 || missing.length > 0) console.error(`--- the export's first lines ---\n${lines.slice(0, 5).join('\n').slice(0, 2000)}\n---`);
  }
  return ok;
}

/** Where the connector runs: the image in a container, or (--local) its sources in a node child. */
interface Runner {
  label: string;
  running(): boolean;
  /** Its last log lines. */
  logs(): string;
  /** The health check: the image's HEALTHCHECK command, or its health endpoint for --local. */
  health(): Promise<{ ok: boolean; detail: string }>;
  /** SIGTERM, then the exit code once it ended. */
  stop(): Promise<string>;
  remove(): Promise<void>;
}

function startContainer(engine: string, image: string, healthTest: string[] | undefined, connectorEnv: Record<string, string>, name: string): Runner | string {
  const envArgs = Object.entries(connectorEnv).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
  // Read-only root filesystem as Kubernetes' readOnlyRootFilesystem: the image must not write.
  const memory = env.SMOKE_MEMORY ? ['--memory', env.SMOKE_MEMORY] : [];
  const started = run(engine, ['run', '-d', '--name', name, '--network=host', '--read-only', '--tmpfs', '/tmp', ...memory, ...envArgs, image]);
  if (started.code !== 0) return `${engine} run: ${started.stderr.trim()}`;
  return {
    label: `container ${name}`,
    running: () => run(engine, ['inspect', '--format', '{{.State.Running}}', name]).stdout.trim() === 'true',
    logs: () => {
      const out = run(engine, ['logs', '--tail', '40', name]);
      return `${out.stdout}${out.stderr}`;
    },
    // The image's own HEALTHCHECK command, run in the container (engines schedule it at
    // their own pace: podman only with systemd).
    health: async () => {
      if (!healthTest?.length) return { ok: false, detail: 'the image has no HEALTHCHECK' };
      const [kind, ...command] = healthTest;
      const health = run(engine, ['exec', name, ...(kind === 'CMD-SHELL' ? ['sh', '-c', command.join(' ')] : command)]);
      return { ok: health.code === 0, detail: `HEALTHCHECK exited with ${health.code}: ${health.stderr.trim()}` };
    },
    stop: async () => {
      run(engine, ['stop', '-t', String(STOP_LIMIT_S), name]);
      return run(engine, ['inspect', '--format', '{{.State.ExitCode}}', name]).stdout.trim();
    },
    remove: async () => void run(engine, ['rm', '-f', name]),
  };
}

/** --local: `node --conditions=source src/main.ts start` in the connector's folder, with only PATH and its variables. */
function startLocal(connector: string, connectorEnv: Record<string, string>): Runner {
  const child = spawn(process.execPath, ['--conditions=source', 'src/main.ts', 'start'], {
    cwd: path.join(root, 'connectors', connector),
    env: { PATH: env.PATH ?? '', ...connectorEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - 40));
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    label: `process ${child.pid}`,
    running: () => child.exitCode === null && child.signalCode === null,
    logs: () => `${lines.join('\n')}\n`,
    health: async () => {
      const url = `http://127.0.0.1:${connectorEnv.CONNECTOR_HEALTH_PORT}/health/ready`;
      const answer = await fetch(url).then(
        (response) => response.status,
        (error: unknown) => String(error),
      );
      return { ok: answer === 200, detail: `GET ${url}: ${answer}` };
    },
    stop: async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_LIMIT_S * 1000);
      const code = await exited;
      clearTimeout(timer);
      return String(code ?? child.signalCode);
    },
    remove: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      image: { type: 'string' },
      build: { type: 'boolean' },
      local: { type: 'boolean' },
      check: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  const connector = positionals[0];
  const usage = `usage: node --conditions=source scripts/image-smoke.ts <${smokeConnectors().join('|')}> [--image REF] [--build] [--local]  (a connector with a smoke.json)
       node --conditions=source scripts/image-smoke.ts --check [connector]`;
  if (values.check) {
    // Every smoke.json (or one) parses and names files that exist: no engine, no broker.
    let problems = 0;
    for (const name of connector ? [connector] : smokeConnectors()) {
      try {
        const setup = loadSetup(name);
        log(`${name}: job "${setup.job.ask}"${setup.used.length ? `, files ${setup.used.join(', ')}` : ''}`);
      } catch (error) {
        problems += 1;
        fail(error instanceof Error ? error.message : String(error));
      }
    }
    return problems === 0 ? 0 : 1;
  }
  if (values.help || !connector || !smokeConnectors().includes(connector)) {
    console.error(usage);
    return 2;
  }
  let setup: Setup;
  try {
    setup = loadSetup(connector);
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error)) || 2;
  }
  const engine = values.local ? undefined : pickEngine();
  const image = values.image ?? `opencti-ts/connector-${connector}:dev`;
  let healthTest: string[] | undefined;
  if (engine) {
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
    const [imageInfo] = JSON.parse(inspected.stdout) as { Config?: { Healthcheck?: { Test?: string[] } }; Healthcheck?: { Test?: string[] } }[];
    healthTest = (imageInfo?.Config?.Healthcheck ?? imageInfo?.Healthcheck)?.Test; // docker; podman
    if (!healthTest?.length) fail('the image has no HEALTHCHECK (podman drops it unless built with --format docker)');
  }

  const cleanups: (() => Promise<unknown>)[] = [];
  // Killed from outside (a test's last-resort timeout, Ctrl-C): still stop the stand-in, the
  // connector and the container this run started.
  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    process.once(signal, () => {
      fail(`interrupted by ${signal}`);
      void (async () => {
        for (const cleanup of [...cleanups].reverse()) await cleanup().catch(() => undefined);
        process.exit(1);
      })();
    });
  let bundleFile = setup.bundle?.file;
  if (setup.bundle?.temporary) {
    const dir = mkdtempSync(path.join(tmpdir(), 'image-smoke-'));
    bundleFile = path.join(dir, 'bundle.json');
    writeFileSync(bundleFile, setup.bundle.file);
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  }
  const data = await serveData(setup.routes);
  cleanups.push(data.close);
  try {
    const platform = await startPlatformSim(bundleFile);
    if (!platform) return fail('the platform stand-in did not start (is RabbitMQ up? RABBITMQ_URL)') || 1;
    cleanups.push(platform.stop);
    const client = new PlatformClient(platform);
    log(`platform stand-in at ${platform.url} (${platform.loaded} object(s) loaded); job "${setup.job.ask}"; data: ${setup.used.join(', ') || 'none'}`);
    const connectorId = randomUUID();
    const connectorEnv: Record<string, string> = {
      OPENCTI_URL: platform.url,
      OPENCTI_TOKEN: platform.token,
      CONNECTOR_ID: connectorId,
      CONNECTOR_LOG_LEVEL: 'info',
      CONNECTOR_HEALTH_PORT: String(await freePort()),
      ...setup.env(data.url),
    };
    const started = engine
      ? startContainer(engine, image, healthTest, connectorEnv, `opencti-ts-smoke-${connector}-${randomBytes(4).toString('hex')}`)
      : startLocal(connector, connectorEnv);
    if (typeof started === 'string') return fail(started) || 1;
    const runner = started;
    cleanups.push(runner.remove);
    const t0 = Date.now();
    log(`${runner.label} started (connector id ${connectorId})`);
    const logs = () => console.error(`--- last connector logs ---\n${runner.logs()}---`);
    /** Polls until `probe` gives a value; a SmokeWaitError when the connector stops or the time is up. */
    const waitFor = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
      for (;;) {
        const found = await probe();
        if (found !== undefined) return found;
        if (!runner.running()) throw new SmokeWaitError(`the connector stopped while waiting for ${what}`);
        if (Date.now() - t0 > timeoutMs) throw new SmokeWaitError(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
        await sleep(500);
      }
    };

    try {
      const found = await waitFor('the connector to register', async () => {
        const { connector: registered } = await client.gql<{ connector: { name: string } | null }>(SMOKE_CONNECTOR, { id: connectorId });
        return registered ?? undefined;
      });
      log(`registered as "${found.name}" after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      const result = await doJob(client, setup.job, connectorId, waitFor);
      if (result) {
        const ok = await checkResult(client, setup.job, result);
        log(`data server answered: ${data.asked.join(', ') || 'nothing'}`);
        if (!ok) logs();
      } else log('registered; no job asked (smoke.json job "none")');
    } catch (error) {
      logs();
      log(`data server answered: ${data.asked.join(', ') || 'nothing'}`);
      return fail(error instanceof Error ? error.message : String(error)) || 1;
    }

    const health = await runner.health();
    if (health.ok) log(engine ? 'HEALTHCHECK passes' : 'health endpoint ready');
    else fail(health.detail);

    const stopStart = Date.now();
    const exitCode = await runner.stop();
    const stopSeconds = (Date.now() - stopStart) / 1000;
    log(`SIGTERM to exit: ${stopSeconds.toFixed(1)} s, exit code ${exitCode}`);
    if (exitCode !== '0') {
      logs();
      fail(`exit code ${exitCode} after SIGTERM (expected 0)`);
    }
    if (stopSeconds >= STOP_LIMIT_S) fail(`stopping took ${stopSeconds.toFixed(1)} s (limit ${STOP_LIMIT_S} s)`);

    if (engine) {
      const baseImage = env.BASE_IMAGE ?? 'node:24-slim';
      const sizeOf = (ref: string) => Number(run(engine, ['image', 'inspect', '--format', '{{.Size}}', ref]).stdout.trim()) || undefined;
      if (!sizeOf(baseImage)) run(engine, ['pull', '-q', baseImage]);
      const total = sizeOf(image);
      const base = sizeOf(baseImage);
      log(`image size ${total ? mb(total) : '?'}; own layers ${total && base ? mb(total - base) : '?'} (over ${baseImage})`);
    }
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}

process.exitCode = await main();
