// The `opencti-platform-sim` command line as the image smoke test and a developer run it:
// a child node process on the real broker, a bundle loaded with --bundle and read back
// through the public GraphQL API, a clean stop on SIGTERM.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { requireId } from '@opencti-ts/sdk/stix';
import { rabbitMq, runNode } from '@opencti-ts/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { PlatformClient } from './client.ts';

const broker = await rabbitMq();
const RABBITMQ_URL = broker.available ? broker.url : '';
const CLI = path.join(import.meta.dirname, 'cli.ts');
const T = '2026-01-01T00:00:00.000Z';
const IP = { type: 'ipv4-addr', spec_version: '2.1', id: requireId({ type: 'ipv4-addr', value: '203.0.113.77' }), value: '203.0.113.77' };
const MALWARE = {
  type: 'malware',
  spec_version: '2.1',
  id: requireId({ type: 'malware', name: 'CLI test' }),
  created: T,
  modified: T,
  name: 'CLI test',
  is_family: true,
};

describe.skipIf(!broker.available)('opencti-platform-sim command line', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'platform-sim-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--bundle FILE: the objects are on the platform once it prints its URL and token; SIGTERM stops it with exit code 0', { timeout: 60_000 }, async () => {
    const file = path.join(dir, 'bundle.json');
    writeFileSync(file, JSON.stringify({ type: 'bundle', id: 'bundle--6b0c3f1e-2a4d-4e8b-9c1f-0d2e3f4a5b6c', objects: [IP, MALWARE] }));
    const child = spawn(process.execPath, ['--conditions=source', CLI, '--bundle', file], {
      env: { PATH: process.env.PATH ?? '', RABBITMQ_URL },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString('utf8');
          if (/objects loaded: \d+/.test(stdout)) resolve();
        });
        child.once('exit', () => reject(new Error(`exited before starting:\n${stdout}\n${stderr}`)));
      });
      expect(stdout).toContain('objects loaded: 2');
      const url = /OPENCTI_URL=(\S+)/.exec(stdout)?.[1];
      const token = /OPENCTI_TOKEN=(\S+)/.exec(stdout)?.[1];
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const client = new PlatformClient({ url: url ?? '', token: token ?? '' });
      expect(await client.stix(IP.id)).toMatchObject({ id: IP.id, value: '203.0.113.77' });
      expect(await client.stix(MALWARE.id)).toMatchObject({ name: 'CLI test' });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, stderr).toBe(0);
    expect(stdout).toContain('stopped');
  });

  it('--bundle of a file that is not there: exit code 1 naming it, nothing started', async () => {
    const missing = path.join(dir, 'missing.json');
    const result = await runNode(CLI, ['--bundle', missing], { env: { RABBITMQ_URL }, timeoutMs: 30_000 });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`cannot read the bundle ${missing}`);
    expect(result.stdout).not.toContain('OPENCTI_URL=');
  });

  it('an unknown option: exit code 2 with the usage', async () => {
    const result = await runNode(CLI, ['--bundel', 'x.json'], { timeoutMs: 30_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Usage: opencti-platform-sim');
  });
});
