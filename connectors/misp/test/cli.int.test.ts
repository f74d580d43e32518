// The command line as a user runs it, in a child process: `convert` prints one bundle per
// event (exit 0), a one-line reason on bad input (exit 1) or on bad settings / usage (exit 2).
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runNode } from '@opencti-ts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const fixture = path.join(root, 'test/fixtures/event.json');

const cli = (args: string[], env: Record<string, string> = {}) => runNode('src/main.ts', args, { cwd: root, env });

describe('connector-misp convert', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'misp-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints one bundle per event, with the warnings on stderr', { timeout: 60_000 }, async () => {
    const list = path.join(dir, 'two.json');
    const event = JSON.parse(readFileSync(fixture, 'utf8')) as { Event: Record<string, unknown> };
    await writeFile(list, JSON.stringify({ response: [event, { Event: { ...event.Event, uuid: '5c2a1e0b-2222-4a4a-8b8b-0242ac120002', info: 'Second' } }] }));
    const result = await cli(['convert', fixture, list], { MISP_URL: 'https://misp.example.org' });
    expect(result.code, result.stderr).toBe(0);
    const bundles = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; objects: { type: string; name?: string; external_references?: { url?: string }[] }[] });
    expect(bundles).toHaveLength(3);
    expect(bundles.every((b) => b.type === 'bundle')).toBe(true);
    expect(bundles.map((b) => b.objects.find((o) => o.type === 'report')?.name)).toEqual([
      'Phishing wave delivering Emotet',
      'Phishing wave delivering Emotet',
      'Second',
    ]);
    expect(bundles[0]?.objects.find((o) => o.type === 'report')?.external_references?.[0]?.url).toMatch(/^https:\/\/misp\.example\.org\/events\/view\//);
    expect(result.stderr).toContain('warning: event 5c2a1e0b-1111-4a4a-8b8b-0242ac120002 attribute a0000000-0000-4000-8000-000000000005 (md5) skipped');
  });

  it('exits 1 with one line on unreadable or event-less input', { timeout: 60_000 }, async () => {
    const garbage = path.join(dir, 'garbage.json');
    await writeFile(garbage, '{not json');
    const bad = await cli(['convert', garbage]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    const empty = path.join(dir, 'empty.json');
    await writeFile(empty, '{"hello": 1}');
    expect(await cli(['convert', empty])).toMatchObject({ code: 1, stderr: `connector-misp convert: ${empty}: no MISP event found\n` });
  });

  it('exits 2 on usage errors and bad settings', { timeout: 60_000 }, async () => {
    expect((await cli(['convert'])).code).toBe(2);
    const bad = await cli(['convert', fixture], { MISP_THREAT_LEVEL_SCORE_MAPPING: '1:90;2:60' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('MISP_THREAT_LEVEL_SCORE_MAPPING');
  });
});
