import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runInProcess } from '@opencti-ts/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../main.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'stix-validate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MALWARE = 'malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b';
const IDENTITY = 'identity--8ce3f695-d5a4-4dc8-9e93-a65af453a31a';
const T = '2024-01-15T10:00:00.000Z';
const identity = { type: 'identity', spec_version: '2.1', id: IDENTITY, created: T, modified: T, name: 'ACME', identity_class: 'organization' };
const malware = { type: 'malware', spec_version: '2.1', id: MALWARE, created: T, modified: T, name: 'Emotet', is_family: true, created_by_ref: IDENTITY };
const bundle = (objects: unknown[]) => JSON.stringify({ type: 'bundle', id: 'bundle--5d0092c5-5f74-4287-9642-33f4c354e56d', objects });

const run = (args: string[], stdinText = '') => runInProcess(runCli, ['stix', 'validate', ...args], { stdin: stdinText });

function file(name: string, text: string): string {
  const full = path.join(dir, name);
  writeFileSync(full, text);
  return full;
}

describe('opencti-ts stix validate', () => {
  it('exits 0 for a clean bundle', async () => {
    const result = await run([file('clean.json', bundle([identity, malware]))]);
    expect(result).toMatchObject({ code: 0, stdout: '' });
    expect(result.stderr).toContain('2 objects: 0 errors, 0 warnings');
  });

  it('reports every problem with the object id and path, and exits 1', async () => {
    const bad = { ...malware, created_by_ref: 'identity--not-available', modified: '2024-01-15' };
    const result = await run([file('bad.json', bundle([identity, bad]))]);
    expect(result.code).toBe(1);
    expect(result.stdout.trim().split('\n')).toEqual([
      `error BAD_TIMESTAMP ${MALWARE} $.objects[1].modified: modified must be an RFC 3339 timestamp in UTC ending in Z (got "2024-01-15")`,
      `error BAD_REF ${MALWARE} $.objects[1].created_by_ref: created_by_ref "identity--not-available" is not a STIX id (<type>--<uuid>)`,
    ]);
  });

  it('reads stdin with "-" and treats dangling references as warnings', async () => {
    const result = await run(['-'], bundle([malware]));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(`warning DANGLING_REF ${MALWARE} $.objects[0].created_by_ref: created_by_ref ${IDENTITY} is not in the bundle\n`);
    expect((await run(['--allow-warnings', '-'], bundle([malware]))).code).toBe(0);
  });

  it('exits 1 with a message for input that is not a bundle', async () => {
    const result = await run([file('broken.json', '{"type": "bundle", "objects": [ {"type": ')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^opencti-ts stix validate: /);
    expect((await run([path.join(dir, 'missing.json')])).code).toBe(1);
  });

  it('exits 2 on usage errors', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(['a.json', 'b.json'])).code).toBe(2);
    expect((await run(['--strict', 'a.json'])).code).toBe(2);
  });
});
