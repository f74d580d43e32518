// The command line as a user runs it, in a child process: `convert` prints the bundle the
// connector would send for each collection (exit 0), a one-line reason on bad input (exit 1)
// or on bad settings (exit 2); `config` prints the effective settings with secrets redacted.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { runNode, sharedPath } from '@opencti-ts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MITRE_STATEMENT_MARKINGS, type StixObject } from '../src/convert/collection.ts';

const root = path.resolve(import.meta.dirname, '..');
const fixture = path.join(root, 'test/fixtures/mini-enterprise-v18.json');
const data = sharedPath('data/mitre-attack/stix21');
const realFile = (name: string) => path.join(data.available ? data.path : '', name);
const ICS = 'ics-attack/ics-attack-17.1.json';
const MOBILE = 'mobile-attack/mobile-attack-17.1.json';
const TOKEN = 'c0ffee00-1234-4abc-8def-0123456789ab';
const ATTACK_MARKING = MITRE_STATEMENT_MARKINGS[0] ?? '';

const cli = (args: string[], env: Record<string, string | undefined> = {}) => runNode('src/main.ts', args, { cwd: root, env });

const lines = (text: string) => text.split('\n').filter(Boolean);
const bundles = (text: string) => lines(text).map((line) => JSON.parse(line) as { type: string; id: string; objects: StixObject[] });
const inputObjects = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { objects: StixObject[] }).objects;

describe('connector-mitre-attack convert', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mitre-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.skipIf(!data.available)('prints one transformed bundle per line for real collections and exits 0', async () => {
    const result = await cli(['convert', realFile(ICS), realFile(MOBILE)]);
    expect(result.code, result.stderr).toBe(0);
    const [ics, mobile, ...rest] = bundles(result.stdout);
    expect(rest).toEqual([]);
    for (const [bundle, file] of [
      [ics, ICS],
      [mobile, MOBILE],
    ] as const) {
      const input = inputObjects(realFile(file));
      const revoked = new Set(input.filter((object) => object.revoked === true).map((object) => object.id));
      expect(revoked.size).toBeGreaterThan(0);
      expect(bundle?.type).toBe('bundle');
      const ids = new Set(bundle?.objects.map((object) => object.id));
      // Revoked objects gone, everything else kept with its id; ATT&CK statement marking kept by default.
      expect([...revoked].filter((id) => ids.has(id))).toEqual([]);
      expect(ids.size).toBeGreaterThan(input.length / 2);
      expect([...ids].every((id) => input.some((object) => object.id === id))).toBe(true);
      expect(ids.has(ATTACK_MARKING)).toBe(true);
    }
    // The versioned kill chain of §2.3 on every ICS technique.
    const technique = ics?.objects.find((object) => object.type === 'attack-pattern' && Array.isArray(object.kill_chain_phases));
    expect(technique?.kill_chain_phases).toContainEqual(expect.objectContaining({ kill_chain_name: 'mitre-ics-attack-v17' }));
  });

  it.each([
    { how: '--remove-statement-marking', args: ['--remove-statement-marking'], env: {} },
    { how: 'MITRE_REMOVE_STATEMENT_MARKING=true', args: [], env: { MITRE_REMOVE_STATEMENT_MARKING: 'true' } },
  ])('$how strips the statement markings', async ({ args, env }) => {
    const plain = await cli(['convert', fixture]);
    expect(plain.stdout).toContain(ATTACK_MARKING);
    const result = await cli(['convert', fixture, ...args], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toContain(ATTACK_MARKING);
    expect(bundles(result.stdout)[0]?.objects.length).toBe((bundles(plain.stdout)[0]?.objects.length ?? 0) - 1);
  });

  it('--split prints the split bundles the worker would get, one per line', async () => {
    const whole = bundles((await cli(['convert', fixture])).stdout)[0];
    const result = await cli(['convert', fixture, '--split']);
    expect(result.code, result.stderr).toBe(0);
    const split = bundles(result.stdout);
    expect(split.every((bundle) => bundle.objects.length === 1)).toBe(true);
    // Every converted object but the types OpenCTI cannot import (pycti's splitter drops x-mitre-collection).
    const importable = whole?.objects.filter((object) => object.type !== 'x-mitre-collection').map((object) => object.id);
    expect(split.map((bundle) => bundle.objects[0]?.id).sort()).toEqual(importable?.sort());
  });

  it('reads a gzipped mirror through a file:// URL and a relative path the same way', async () => {
    const gz = path.join(dir, 'enterprise-attack.json.gz');
    await writeFile(gz, gzipSync(readFileSync(fixture)));
    const expected = bundles((await cli(['convert', fixture])).stdout)[0]?.objects;
    for (const input of [`file://${gz}`, path.relative(root, gz)]) {
      const result = await cli(['convert', input]);
      expect(result.code, result.stderr).toBe(0);
      expect(bundles(result.stdout)[0]?.objects).toEqual(expected);
    }
  });

  it('downloads through HTTP_PROXY', async () => {
    const seen: string[] = [];
    const proxy = http.createServer((request, response) => {
      seen.push(request.url ?? '');
      response.writeHead(200, { 'content-type': 'application/json' }).end(readFileSync(fixture));
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const result = await cli(['convert', 'http://attack-mirror.invalid/enterprise-attack.json'], {
        HTTP_PROXY: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
      });
      expect(result.code, result.stderr).toBe(0);
      expect(seen).toEqual(['http://attack-mirror.invalid/enterprise-attack.json']);
      expect(bundles(result.stdout)).toHaveLength(1);
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it.each([
    { name: 'a missing file', content: null, env: {}, reason: /^connector-mitre-attack convert: cannot read .*absent\.json$/ },
    {
      name: 'not JSON',
      content: '<html><body>429 Too Many Requests</body></html>',
      env: {},
      reason: /^connector-mitre-attack convert: File data is not a valid bundle: expected a JSON object at byte offset 0, found "<"$/,
    },
    {
      name: 'JSON that is no bundle',
      content: '{"message": "Not Found"}',
      env: {},
      reason: /^connector-mitre-attack convert: File data is not a valid bundle/,
    },
    { name: 'a truncated bundle', content: '{"type": "bundle", "objects": [{"type": "identity"', env: {}, reason: /truncated bundle/ },
    {
      name: 'a file beyond MITRE_MAX_FILE_SIZE_MB',
      content: `{"type": "bundle", "objects": [], "pad": "${'x'.repeat(1_100_000)}"}`,
      env: { MITRE_MAX_FILE_SIZE_MB: '1' },
      reason: /exceeds the size limit of 1000000 bytes$/,
    },
  ])('$name: exit 1, a one-line reason, nothing on stdout', async ({ name, content, env, reason }) => {
    const file = path.join(dir, content === null ? 'absent.json' : `${name.replaceAll(' ', '-')}.json`);
    if (content !== null) await writeFile(file, content);
    const result = await cli(['convert', file], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr.trim()).toMatch(reason);
  });

  it('bad MITRE_* settings: exit 2, every bad variable named, nothing read', async () => {
    const result = await cli(['convert', fixture], { MITRE_MAX_FILE_SIZE_MB: '0', MITRE_REMOVE_STATEMENT_MARKING: 'maybe' });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('MITRE_MAX_FILE_SIZE_MB');
    expect(result.stderr).toContain('MITRE_REMOVE_STATEMENT_MARKING');
  });

  it.each([
    { name: 'no input', args: ['convert'] },
    { name: 'an unknown option', args: ['convert', fixture, '--bogus'] },
  ])('usage error ($name): exit 2', async ({ args }) => {
    const result = await cli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('usage: convert FILE_OR_URL...');
  });
});

describe('connector-mitre-attack config and start', () => {
  const env = { OPENCTI_URL: 'http://opencti.test:8080', OPENCTI_TOKEN: TOKEN };

  it('config prints the effective settings with their origin, the token redacted', async () => {
    const result = await cli(['config'], { ...env, MITRE_INTERVAL: '3', MITRE_CAPEC_FILE_URL: 'false' });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toContain(TOKEN);
    expect(result.stdout).toMatch(/^OPENCTI_TOKEN=\*\*\*\s+# env$/m);
    expect(result.stdout).toMatch(/^MITRE_INTERVAL=3\s+# env$/m);
    expect(result.stdout).toMatch(/^MITRE_CAPEC_FILE_URL=false\s+# env$/m);
    expect(result.stdout).toMatch(/^CONNECTOR_ID=mitre--c9dacf68-b0e6-476d-a24f-4269b1b9cd25\s+# default$/m);
  });

  it('config --sample prints the config.yml sample with the mitre section', async () => {
    const result = await cli(['config', '--sample']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^mitre:\n {2}# Days between two runs/m);
    expect(result.stdout).toContain(
      "# enterprise_file_url: 'https://raw.githubusercontent.com/mitre-attack/attack-stix-data/master/enterprise-attack/enterprise-attack.json'",
    );
  });

  it.each([
    { command: 'config', args: ['config'] },
    { command: 'start', args: ['start'] },
    { command: '(none: start)', args: [] },
  ])('bad settings with $command: exit 2, all problems reported at once by env var', async ({ args }) => {
    const result = await cli(args, {
      ...env,
      MITRE_INTERVAL: '0',
      MITRE_REMOVE_STATEMENT_MARKING: 'maybe',
      MITRE_MAX_FILE_SIZE_MB: 'lots',
      CONNECTOR_DURATION_PERIOD: 'soon',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Invalid configuration (4 problems)');
    for (const name of ['MITRE_INTERVAL', 'MITRE_REMOVE_STATEMENT_MARKING', 'MITRE_MAX_FILE_SIZE_MB', 'CONNECTOR_DURATION_PERIOD'])
      expect(result.stderr).toMatch(new RegExp(`^ {2}- ${name}: `, 'm'));
    expect(`${result.stdout}${result.stderr}`).not.toContain(TOKEN);
  });
});
