// The command-line runners the connectors' and the SDK's CLI tests share.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { afterAll, describe, expect, it } from 'vitest';
import { type CliIo, runInProcess, runNode } from './cli.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'testing-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const script = (name: string, source: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, source);
  return file;
};

describe('runNode', () => {
  const echo = script(
    'echo.mjs',
    `let input = '';
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  process.stdout.write(JSON.stringify({ args: process.argv.slice(2), cwd: process.cwd(), input, env: process.env, execArgv: process.execArgv }));
  process.stderr.write('to stderr\\n');
  process.exitCode = Number(process.env.EXIT_CODE ?? 0);
});
`,
  );
  const parsed = (stdout: string) => JSON.parse(stdout) as { args: string[]; cwd: string; input: string; env: Record<string, string>; execArgv: string[] };

  it('gives the exit code, stdout and stderr; the child gets its arguments, stdin, cwd and the source condition', async () => {
    const result = await runNode(echo, ['a', 'b c'], { cwd: dir, stdin: 'hello', env: { EXIT_CODE: '3' } });
    expect(result).toMatchObject({ code: 3, signal: null, stderr: 'to stderr\n' });
    expect(parsed(result.stdout)).toMatchObject({ args: ['a', 'b c'], cwd: dir, input: 'hello', execArgv: ['--conditions=source'] });
  });

  it('gives the child PATH and the variables asked for only, unless told to inherit the environment', async () => {
    process.env.RUN_NODE_TEST_MARKER = 'inherited';
    try {
      const clean = parsed((await runNode(echo, [], { env: { ONE: '1', GONE: undefined } })).stdout).env;
      expect(Object.keys(clean).sort()).toEqual(['ONE', 'PATH']);
      const inherited = parsed((await runNode(echo, [], { env: { ONE: '1' }, inheritEnv: true })).stdout).env;
      expect(inherited).toMatchObject({ ONE: '1', RUN_NODE_TEST_MARKER: 'inherited' });
    } finally {
      delete process.env.RUN_NODE_TEST_MARKER;
    }
  });

  it('closes stdin at once when no input is given, and kills a child that outlives timeoutMs', async () => {
    expect(parsed((await runNode(echo, [], { conditions: [] })).stdout)).toMatchObject({ input: '', execArgv: [] });
    const hang = script('hang.mjs', 'setInterval(() => {}, 1000);\n');
    expect(await runNode(hang, [], { timeoutMs: 300 })).toMatchObject({ code: null, signal: 'SIGTERM' });
  });
});

describe('runInProcess', () => {
  it('feeds stdin and collects everything main wrote before returning, with the environment given', async () => {
    const main = async (argv: readonly string[], io: CliIo) => {
      const input = await text(io.stdin);
      io.stdout.write(`${argv.join(' ')}:${input}:`);
      io.stdout.write(String(io.env.NAME));
      io.stderr.write('warning\n');
      return 1;
    };
    expect(await runInProcess(main, ['stix', 'id'], { stdin: 'line', env: { NAME: 'x' } })).toEqual({
      code: 1,
      signal: null,
      stdout: 'stix id:line:x',
      stderr: 'warning\n',
    });
    expect((await runInProcess(main, [])).stdout).toBe('::undefined');
  });
});
