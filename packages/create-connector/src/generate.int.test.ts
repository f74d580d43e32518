// Keeps the templates from rotting: each kind is generated into connectors/ (inside the
// workspace, so tsconfig and the @opencti-ts/* links resolve as for a real connector), then
// the result goes through what CI runs on a connector: tsc, biome, the generated-files and
// Dockerfile check, its own vitest run (unit + e2e against the platform stand-in and the
// real broker), and the job of its smoke.json run from source by `image-smoke --local`.
// The generated folders are removed afterwards.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { rabbitMq, runNode } from '@opencti-ts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncConnectorFiles } from '../../../scripts/connector-files.ts';
import { main } from './cli.ts';
import { generateConnector } from './generate.ts';
import { KINDS } from './names.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const connectorsDir = path.join(root, 'connectors');
const bin = (name: string) => path.join(root, 'node_modules/.bin', name);
const broker = await rabbitMq();
const brokerUrl = broker.available ? broker.url : undefined;
const suffix = randomBytes(3).toString('hex');
const generated = KINDS.map((kind) => ({ kind, slug: `scaffold-test-${kind}-${suffix}` }));

/** The child's environment without this vitest run's own variables (a nested vitest must not see them). */
function childEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'NODE_OPTIONS' && key !== 'TEST'));
}

function run(command: string, args: string[], cwd: string) {
  const result = spawnSync(command, args, { cwd, env: childEnv(), encoding: 'utf8', maxBuffer: 32 * 1024 * 1024 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('the connector scaffold', () => {
  beforeAll(async () => {
    for (const { kind, slug } of generated) {
      const result = await generateConnector({ slug, kind, dir: connectorsDir });
      expect(result.ok ? result.warnings : result.error).toEqual([]);
    }
  });
  afterAll(() => {
    for (const { slug } of generated) rmSync(path.join(connectorsDir, slug), { recursive: true, force: true });
  });

  describe.each(generated)('$kind', ({ kind, slug }) => {
    const dir = path.join(connectorsDir, slug);

    it('has the checklist anatomy, with TEMPLATE NOTEs and no placeholder left', () => {
      for (const file of [
        'package.json',
        'src/config.ts',
        'src/client.ts',
        'src/connector.ts',
        'src/main.ts',
        'src/commands/convert.ts',
        `bin/connector-${slug}.mjs`,
        'README.md',
        'config.yml.sample',
        '__metadata__/connector_manifest.json',
        '__metadata__/connector_config_schema.json',
        'docker-compose.yml',
        'Dockerfile',
        'smoke.json',
        'test/e2e.int.test.ts',
      ])
        expect(existsSync(path.join(dir, file)), file).toBe(true);
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name: string;
        scripts: Record<string, string>;
        bin: Record<string, string>;
      };
      expect(pkg.name).toBe(`@opencti-ts/connector-${slug}`);
      expect(Object.keys(pkg.scripts)).toEqual(expect.arrayContaining(['build', 'test', 'test:unit', 'typecheck', 'lint']));
      expect(pkg.bin).toEqual({ [`connector-${slug}`]: `./bin/connector-${slug}.mjs` });
      const manifest = JSON.parse(readFileSync(path.join(dir, '__metadata__/connector_manifest.json'), 'utf8')) as Record<string, unknown>;
      expect(manifest).toMatchObject({ slug, container_image: `opencti-ts/connector-${slug}`, container_type: kind.toUpperCase().replaceAll('-', '_') });
      const prefix = slug.toUpperCase().replaceAll('-', '_');
      const readme = readFileSync(path.join(dir, 'README.md'), 'utf8');
      expect(readme).toContain(`\`${prefix}_API_KEY\``);
      expect(readFileSync(path.join(dir, 'docker-compose.yml'), 'utf8')).toContain(`- ${prefix}_API_KEY=ChangeMe`);
      expect(readFileSync(path.join(dir, 'src/connector.ts'), 'utf8')).toContain('TEMPLATE NOTE');
      const grep = run('grep', ['-rlE', '\\{\\{[A-Za-z_ ]+\\}\\}', '--exclude-dir=node_modules', '.'], dir);
      expect(grep.output).toBe('');
      if (kind === 'internal-enrichment') expect(readme).toContain(`\`${prefix}_MAX_TLP\``);
    });

    it('typechecks', () => {
      const result = run(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit'], dir);
      expect(result.output).toBe('');
      expect(result.status).toBe(0);
    });

    it('passes biome', () => {
      const result = run(bin('biome'), ['check', `connectors/${slug}`], root);
      expect(result.status, result.output).toBe(0);
    });

    it('has its generated files and Dockerfile up to date', async () => {
      expect(await syncConnectorFiles(dir, { check: true })).toEqual([]);
    });

    it.skipIf(!broker.available)('passes its own tests: the convert tests and the e2e against the stand-in and RabbitMQ', { timeout: 240_000 }, () => {
      const result = run(bin('vitest'), ['run'], dir);
      expect(result.status, result.output).toBe(0);
      // The e2e really ran (not skipped): its file is in the JSON report with passing tests.
      const report = JSON.parse(readFileSync(path.join(dir, '.vitest/results.json'), 'utf8')) as { numPassedTests: number; numPendingTests: number };
      expect(report.numPendingTests).toBe(0);
      expect(report.numPassedTests).toBeGreaterThan(3);
    });

    // What `pnpm image-smoke` asks of the image, minus the container: a smoke.json that names
    // a missing fixture, or a job the template's connector cannot do, fails here.
    it.skipIf(!brokerUrl)('does the job of its smoke.json from source (image-smoke --local)', async () => {
      const shared = process.env.OPENCTI_TS_SHARED_DIR;
      const result = await runNode('scripts/image-smoke.ts', [slug, '--local'], {
        cwd: root,
        // The script's own time limit ends a stuck run first, so it still stops the stand-in
        // and the connector; the kill is the last resort.
        env: { RABBITMQ_URL: brokerUrl, SMOKE_TIMEOUT_S: '90', ...(shared ? { OPENCTI_TS_SHARED_DIR: shared } : {}) },
        timeoutMs: 200_000,
      });
      const output = `${result.stdout}${result.stderr}`;
      expect(result.code, output).toBe(0);
      expect(output).not.toContain('FAILED');
      expect(output).toMatch(/^\[image-smoke\] work ".+" settled [\d.]+ s after (registration|the ask)/m);
      expect(output).toMatch(/^\[image-smoke\] SIGTERM to exit: [\d.]+ s, exit code 0$/m);
    });
  });
});

describe('pnpm new:connector refusals', () => {
  const io = () => {
    const out = { stdout: '', stderr: '' };
    const cliIo = {
      stdout: (text: string) => {
        out.stdout += text;
      },
      stderr: (text: string) => {
        out.stderr += text;
      },
      cwd: root,
    };
    return { out, io: cliIo };
  };

  it.each([
    [['Bad_Slug', '--kind', 'external-import'], /^invalid slug "Bad_Slug": use kebab-case/],
    [['my-feed', '--kind', 'stream'], /^unknown kind "stream"/],
    [['my-feed'], /^usage: pnpm new:connector/],
  ])('%j: exit code 2 and one line', async (argv, message) => {
    const { out, io: cliIo } = io();
    expect(await main(argv, cliIo)).toBe(2);
    expect(out.stderr).toMatch(message);
    expect(out.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('refuses an existing folder and leaves it untouched', async () => {
    const parent = path.join(root, 'node_modules/.cache/create-connector-test', suffix);
    mkdirSync(path.join(parent, 'taken'), { recursive: true });
    try {
      const { out, io: cliIo } = io();
      expect(await main(['taken', '--kind', 'external-import', '--dir', parent], cliIo)).toBe(2);
      expect(out.stderr).toBe(`${path.join(parent, 'taken')} already exists\n`);
      expect(existsSync(path.join(parent, 'taken/package.json'))).toBe(false);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
