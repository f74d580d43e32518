// The command line as a user runs it, in a child process: `import` prints the bundle(s) the
// connector would send, exit 0 / 1 (bad input, one-line reason last) / 2 (usage, settings).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runNode } from '@opencti-ts/testing';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const fixture = (name: string) => path.join(root, 'test/fixtures', name);

const cli = (args: string[], env: Record<string, string> = {}) => runNode('src/main.ts', args, { cwd: root, env });

const lines = (text: string) => text.split('\n').filter(Boolean);

describe('connector-import-file-stix import', () => {
  it('prints the bundle it would send, ids unchanged, and exits 0', async () => {
    const result = await cli(['import', fixture('valid-21.json')]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const [line, ...rest] = lines(result.stdout);
    expect(rest).toEqual([]);
    const bundle = JSON.parse(line ?? '') as { id: string; objects: { id: string }[] };
    expect(bundle.id).toBe('bundle--6f9b1b0e-2f0c-4c57-9a3d-1d5b2c3a4e01');
    expect(bundle.objects.map((object) => object.id)).toHaveLength(5);
  });

  it('--split prints one bundle per line, as the worker queue gets them', async () => {
    const result = await cli(['import', fixture('valid-21.json'), '--split']);
    expect(result.code).toBe(0);
    const bundles = lines(result.stdout).map((line) => JSON.parse(line) as { type: string; objects: unknown[] });
    expect(bundles.length).toBeGreaterThan(1);
    expect(bundles.every((bundle) => bundle.type === 'bundle' && bundle.objects.length >= 1)).toBe(true);
  });

  it('--entity-id with --entity-file adds the container with the file objects', async () => {
    const result = await cli([
      'import',
      fixture('valid-21.json'),
      '--entity-id',
      '5b0f6f7e-9d6c-4a2b-8e1f-2c3d4e5f6a70',
      '--entity-file',
      fixture('entity-report.json'),
    ]);
    expect(result.code).toBe(0);
    const bundle = JSON.parse(result.stdout) as { objects: { id: string; object_refs?: string[] }[] };
    const report = bundle.objects.at(-1);
    expect(report?.id).toBe('report--0b1c2d3e-4f5a-4b6c-9d7e-8f9a0b1c2d01');
    expect(report?.object_refs).toEqual(bundle.objects.slice(0, -1).map((object) => object.id));
  });

  it('prints the valid part, each problem on stderr, and exits 1 with a one-line reason last', async () => {
    const result = await cli(['import', fixture('invalid-and-dangling.json')]);
    expect(result.code).toBe(1);
    expect((JSON.parse(result.stdout) as { objects: unknown[] }).objects).toHaveLength(3);
    const errors = lines(result.stderr);
    expect(errors.slice(0, 2)).toEqual([
      'rejected: identity--0d1e2f3a-4b5c-4d6e-9f7a-8b9c0d1e2f01: REQUIRED $.objects[1].name: name is required for identity',
      expect.stringMatching(/^rejected: indicator--4b5c6d7e-8f9a-4b0c-9d1e-2f3a4b5c6d01: BAD_PATTERN /),
    ]);
    expect(errors.at(-1)).toMatch(/^connector-import-file-stix import: 2 invalid object\(s\) not imported, 2 reference\(s\) to objects absent/);
  });

  it.each([
    { name: 'truncated JSON', file: 'truncated.json', reason: /^connector-import-file-stix import: Malformed STIX bundle JSON at byte offset \d+/ },
    { name: 'a bare object', file: 'entity-report.json', reason: /^connector-import-file-stix import: File data is not a valid bundle/ },
    { name: 'a missing file', file: 'absent.json', reason: /^connector-import-file-stix import: cannot read .*absent\.json: ENOENT$/ },
  ])('$name: exit 1, nothing on stdout', async ({ file, reason }) => {
    const result = await cli(['import', fixture(file)]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(lines(result.stderr)).toEqual([expect.stringMatching(reason)]);
  });

  it('strict mode refuses the whole file', async () => {
    const result = await cli(['import', fixture('invalid-and-dangling.json')], { IMPORT_FILE_STIX_STRICT: 'true' });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(lines(result.stderr).at(-1)).toMatch(/File rejected \(strict mode\)/);
  });

  it('a file above the size cap: exit 1 before reading it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'import-file-stix-'));
    const big = path.join(dir, 'big.json');
    await writeFile(big, `{"type": "bundle", "id": "bundle--0d1e2f3a-4b5c-4d6e-9f7a-8b9c0d1e2f09", "objects": []}${' '.repeat(1_100_000)}`);
    try {
      const result = await cli(['import', big], { IMPORT_FILE_STIX_MAX_FILE_SIZE_MB: '1' });
      expect(result.code).toBe(1);
      expect(lines(result.stderr)).toEqual([expect.stringMatching(/big\.json is 1100\d+ bytes, more than IMPORT_FILE_STIX_MAX_FILE_SIZE_MB=1$/)]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each([
    { name: 'no file', args: ['import'], env: {} as Record<string, string> },
    { name: 'two files', args: ['import', 'a.json', 'b.json'], env: {} },
    { name: 'an unknown option', args: ['import', 'a.json', '--bogus'], env: {} },
    { name: 'a bad setting', args: ['import', fixture('valid-21.json')], env: { IMPORT_FILE_STIX_MAX_FILE_SIZE_MB: 'lots' } },
  ])('$name: exit 2', async ({ args, env }) => {
    const result = await cli(args, env);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).not.toBe('');
  });

  it('config --sample works without any setting; config needs the platform ones (exit 2)', async () => {
    const sample = await cli(['config', '--sample']);
    expect(sample.code).toBe(0);
    expect(sample.stdout).toContain('validate_before_import: true');
    const config = await cli(['config']);
    expect(config.code).toBe(2);
    expect(config.stderr).toContain('OPENCTI_URL');
  });
});
