// `opencti-ts stix split` against pycti's splitter vectors, and its failure modes.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { runInProcess, sharedPath } from '@opencti-ts/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../main.ts';

async function stixSplit(args: string[], stdinText: string | Uint8Array = '') {
  const result = await runInProcess(runCli, ['stix', 'split', ...args], { stdin: stdinText });
  return {
    ...result,
    bundles:
      result.stdout === ''
        ? []
        : result.stdout
            .trimEnd()
            .split('\n')
            .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

interface Run {
  cleanup_inconsistent_bundle: boolean;
  event_version: string | null;
  expectations: number;
  incompatible_ids: string[];
  bundles: Record<string, unknown>[];
}

const dir = mkdtempSync(path.join(tmpdir(), 'stix-split-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const vectorsDir = sharedPath('data/vectors/splitter');
const runs = vectorsDir.available
  ? readdirSync(path.join(vectorsDir.path, 'expected'))
      .sort()
      .flatMap((file) => {
        const expected = JSON.parse(readFileSync(path.join(vectorsDir.path, 'expected', file), 'utf8')) as { input: string; runs: Run[] };
        return expected.runs.map((run) => [expected.input, run.cleanup_inconsistent_bundle, run.event_version, run] as const);
      })
  : [];

describe.skipIf(!vectorsDir.available)('opencti-ts stix split on the pycti vectors', () => {
  it.each(runs)('%s cleanup=%s event_version=%s', async (input, cleanup, eventVersion, run) => {
    if (!vectorsDir.available) return;
    const args = [
      ...(cleanup ? ['--cleanup'] : []),
      ...(eventVersion === null ? [] : ['--event-version', eventVersion]),
      path.join(vectorsDir.path, 'inputs', input),
    ];
    const result = await stixSplit(args);
    expect(result.code).toBe(0);
    expect(result.bundles).toEqual(run.bundles);
    expect(result.stderr).toBe(`${run.expectations} bundles, ${run.incompatible_ids.length} object${run.incompatible_ids.length === 1 ? '' : 's'} dropped\n`);
  });

  it('reads a gzip bundle on stdin ("-")', async () => {
    if (!vectorsDir.available) return;
    const [input, , , run] = runs[0]!;
    const gz = gzipSync(readFileSync(path.join(vectorsDir.path, 'inputs', input)));
    const result = await stixSplit(['-'], gz);
    expect(result.code).toBe(0);
    expect(result.bundles).toEqual(run.bundles);
  });
});

describe('opencti-ts stix split', () => {
  it.each([
    ['malformed JSON', '{"objects": [{"id": "a", "type": x}]}', /at byte offset 33: Unexpected token 'x'$/m],
    ['no objects', '{"type": "bundle"}', /not a valid bundle/],
    ['an object without id', '{"objects": [{"type": "malware"}]}', /object #0 .* string "id" and "type"/],
  ])('exits 1 on %s, with a clear message and no output', async (_title, text, message) => {
    const result = await stixSplit(['-'], text);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toMatch(/^opencti-ts stix split: /);
    expect(result.stderr).toMatch(message);
  });

  it('exits 1 on a missing file', async () => {
    const result = await stixSplit([path.join(dir, 'absent.json')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ENOENT');
  });

  it.each([[[]], [['--frobnicate', 'x.json']], [['--event-version']], [['a.json', 'b.json']]])('exits 2 on bad usage %j', async (args) => {
    const result = await stixSplit(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Usage: opencti-ts stix split');
  });

  it('accepts --event-version=V', async () => {
    const file = path.join(dir, 'one.json');
    writeFileSync(file, JSON.stringify({ type: 'bundle', id: 'bundle--1', objects: [{ type: 'identity', id: 'identity--1', name: 'x' }] }));
    const result = await stixSplit(['--event-version=3', file]);
    expect(result.bundles).toEqual([
      {
        type: 'bundle',
        id: 'bundle--1',
        spec_version: '2.1',
        x_opencti_seq: 1,
        objects: [{ type: 'identity', id: 'identity--1', name: 'x', nb_deps: 1 }],
        x_opencti_event_version: '3',
      },
    ]);
  });
});
