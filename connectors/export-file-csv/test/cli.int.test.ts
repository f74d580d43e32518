// The command line as the image runs it, in a child process: the offline `export` command
// prints the CSV of a local file; bad input exits 1 with one line, a bad delimiter exits 2.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runNode } from '@opencti-ts/testing';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const fixture = path.join(root, 'test/fixtures/bundle.json');
const run = (args: string[], env: Record<string, string> = {}) => runNode(path.join(root, 'src/main.ts'), args, { env, inheritEnv: true });

describe('connector-export-file-csv command line', () => {
  it('export FILE.json prints the CSV the connector would upload', async () => {
    const result = await run(['export', fixture]);
    expect(result.code).toBe(0);
    // Reviewed by hand: the identity is a row, the marking only a display value; CRLF, all quoted.
    expect(result.stdout).toBe(readFileSync(path.join(root, 'test/fixtures/bundle.expected.csv'), 'utf8'));
    expect(result.stdout).toContain('"AlienVault";"identity--7f6e1c1a-7c1e-5d0e-9a57-2c2f4e3b9c11";"IPv4-Addr"');
    expect(result.stdout).toContain('"http://requestrepo.com/r/""q""";"22"\r\n');
  });

  it('--delimiter accepts the tab escape (and the environment variable too)', async () => {
    expect((await run(['export', fixture, '--delimiter', '\\t'])).stdout.split('\r\n')[0]).toMatch(/^"created"\t"createdBy"/);
    expect((await run(['export', fixture], { EXPORT_FILE_CSV_DELIMITER: 'tab' })).stdout.split('\r\n')[0]).toMatch(/^"created"\t/);
  });

  it('bad input exits 1 with a one-line reason; a bad delimiter exits 2', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'csv-cli-'));
    const broken = path.join(dir, 'broken.json');
    writeFileSync(broken, '{"type": "bundle", "objects": [');
    const bad = await run(['export', broken]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/not valid JSON/);
    const missing = await run(['export', path.join(dir, 'absent.json')]);
    expect(missing.code).toBe(1);
    const delimiter = await run(['export', fixture, '--delimiter', ';;']);
    expect(delimiter.code).toBe(2);
    expect((await run(['config'], {})).code).toBe(2);
  });
});
