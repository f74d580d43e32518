// runConnectorMain as a connector's main runs it, in a child process: the exit code of the
// command becomes the process's, and `<bin> <command> | head` ends quietly when the reader
// closes the pipe (no EPIPE error, exit 0) instead of crashing with a stack trace.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('./__fixtures__/cli-main.ts', import.meta.url));

async function runMain(args: string[], options: { closeAfterFirstChunk?: boolean } = {}) {
  const child = spawn(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
    // What `head -1` does: read a little, then close its end of the pipe.
    if (options.closeAfterFirstChunk) child.stdout.destroy();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

describe('runConnectorMain (child process)', () => {
  it('prints the command output and exits 0', async () => {
    const result = await runMain(['lines', '3']);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n').map((line) => line.split(' ').slice(0, 2).join(' '))).toEqual(['line 0', 'line 1', 'line 2', '']);
    expect(result.stderr).toBe('');
  });

  it.each([
    { args: ['lines', 'many'], code: 1, stderr: 'connector-fixture lines: "many" is not a count\n' },
    { args: ['lines'], code: 2, stderr: 'usage: lines COUNT\n' },
    { args: ['nope'], code: 2, stderr: /^connector-fixture: unknown command "nope"/ },
  ])('sets the exit code of $args: $code', async ({ args, code, stderr }) => {
    const result = await runMain(args);
    expect(result.code).toBe(code);
    expect(result.stdout).toBe('');
    if (typeof stderr === 'string') expect(result.stderr).toBe(stderr);
    else expect(result.stderr).toMatch(stderr);
  });

  it('`| head`: the reader closing stdout early ends the command quietly, exit 0', async () => {
    // Far more than a pipe buffer, so the writes go on after the reader went away.
    const result = await runMain(['lines', '200000'], { closeAfterFirstChunk: true });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.startsWith('line 0 ')).toBe(true);
  });
});
