// Offline commands written with defineOfflineCommand, run in-process as runConnectorCli runs
// them: every exit path (0 ok, 1 one-line reason, 2 usage or configuration with every
// problem named by its env var) and output that stops quietly when the reader goes away.
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { baseConfig, bool, defineConfig, int, str } from '../config/index.ts';
import { ConfigError, InputError, TransientError } from '../errors/index.ts';
import { defineOfflineCommand, type OfflineCommand, runConnectorCli } from './cli.ts';
import { defineConnector } from './define.ts';

const connector = defineConnector({
  kind: 'EXTERNAL_IMPORT',
  config: defineConfig(baseConfig('EXTERNAL_IMPORT')),
  async run() {
    return 'never started by these tests';
  },
});

const demoSection = {
  limit: int({ min: 1 }).default(10).describe('Most objects printed.'),
  strict: bool().default(false).describe('Refuse bad input.'),
  label: str().optional().describe('A label.'),
};

/** `demo NAME... [--upper] [--times N]`: prints each NAME (at most DEMO_LIMIT), or fails as NAME says. */
const demoCommand = defineOfflineCommand({
  summary: 'print names',
  usage: 'demo NAME... [--upper] [--times N]',
  options: { upper: { type: 'boolean', default: false }, times: { type: 'string' } },
  positionals: { min: 1, max: 3 },
  config: { demo: demoSection },
  async run({ values, positionals, config, out, err, usage }) {
    expectTypeOf(values.upper).toEqualTypeOf<boolean>();
    expectTypeOf(values.times).toEqualTypeOf<string | undefined>();
    expectTypeOf(config.demo.limit).toEqualTypeOf<number>();
    const times = Number(values.times ?? '1');
    if (!Number.isInteger(times)) return usage('--times must be an integer');
    for (const name of positionals.slice(0, config.demo.limit)) {
      if (name === 'bad') throw new InputError('DEMO_BAD', 'bad is not a name\nsecond line never shown');
      if (name === 'network') throw new TransientError('DEMO_NETWORK', 'connection reset');
      if (name === 'setting')
        throw new ConfigError([
          { envVar: 'DEMO_A', message: 'is wrong' },
          { envVar: 'DEMO_B', message: 'is wrong too' },
        ]);
      if (name === 'warn') await err.line('warning: warned');
      for (let i = 0; i < times; i += 1) await out.line(values.upper ? name.toUpperCase() : name);
    }
    if (config.demo.label) await out.bundle([{ type: 'identity', id: 'identity--1', name: config.demo.label }], { id: 'bundle--1' });
    return 0;
  },
});

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(argv: string[], env: Record<string, string> = {}, commands: Record<string, OfflineCommand> = { demo: demoCommand }): Promise<Captured> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const captured = { stdout: '', stderr: '' };
  stdout.on('data', (chunk) => {
    captured.stdout += chunk;
  });
  stderr.on('data', (chunk) => {
    captured.stderr += chunk;
  });
  const code = await runConnectorCli(connector, argv, { stdin: new PassThrough(), stdout, stderr, env }, { bin: 'connector-demo', commands });
  return { code, ...captured };
}

/** A stdout whose reader goes away after `accepted` writes: later writes fail with EPIPE, as with `| head`. */
function closingPipe(accepted: number) {
  const seen: string[] = [];
  let attempts = 0;
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      attempts += 1;
      if (seen.length >= accepted) return callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      seen.push(chunk.toString());
      callback();
    },
  });
  return { stream, seen, attempts: () => attempts };
}

describe('defineOfflineCommand', () => {
  it('exit 0: parsed options, positionals and the config section from the environment reach the command', async () => {
    const result = await cli(['demo', 'ada', 'bob', '--upper', '--times', '2'], { DEMO_LABEL: 'Example' });
    expect(result).toEqual({
      code: 0,
      stdout: 'ADA\nADA\nBOB\nBOB\n{"type":"bundle","id":"bundle--1","objects":[{"type":"identity","id":"identity--1","name":"Example"}]}\n',
      stderr: '',
    });
    expect((await cli(['demo', 'ada', 'bob'], { DEMO_LIMIT: '1' })).stdout).toBe('ada\n');
  });

  it('needs no platform settings: only its own section is loaded', async () => {
    // No OPENCTI_URL / OPENCTI_TOKEN in the environment, which `start` and `config` require.
    expect((await cli(['demo', 'ada'], {})).code).toBe(0);
    expect((await cli(['config'], {})).code).toBe(2);
  });

  it('warnings go to stderr, the result to stdout', async () => {
    const result = await cli(['demo', 'warn']);
    expect(result).toEqual({ code: 0, stdout: 'warn\n', stderr: 'warning: warned\n' });
  });

  it.each([
    { name: 'an InputError', args: ['demo', 'ada', 'bad'], line: 'connector-demo demo: bad is not a name' },
    { name: 'any other failure (network)', args: ['demo', 'network'], line: 'connector-demo demo: connection reset' },
  ])('exit 1 on $name: one line naming the command, what was printed before kept', async ({ args, line }) => {
    const result = await cli(args);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`${line}\n`);
    expect(result.stdout).toBe(args.includes('ada') ? 'ada\n' : '');
  });

  it.each([
    { name: 'no positional', args: ['demo'], stderr: 'usage: demo NAME... [--upper] [--times N]\n' },
    { name: 'too many positionals', args: ['demo', 'a', 'b', 'c', 'd'], stderr: 'unexpected argument "d"\nusage: demo NAME... [--upper] [--times N]\n' },
    { name: 'an unknown option', args: ['demo', 'a', '--bogus'], stderr: /^Unknown option '--bogus'.*\nusage: demo NAME\.\.\. \[--upper\] \[--times N\]\n$/s },
    { name: 'a string option without value', args: ['demo', 'a', '--times'], stderr: /^Option '--times <value>' argument missing\nusage: demo/ },
    {
      name: 'the command refusing its arguments',
      args: ['demo', 'a', '--times', 'x'],
      stderr: '--times must be an integer\nusage: demo NAME... [--upper] [--times N]\n',
    },
  ])('exit 2 on a usage error ($name), nothing on stdout', async ({ args, stderr }) => {
    const result = await cli(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    if (typeof stderr === 'string') expect(result.stderr).toBe(stderr);
    else expect(result.stderr).toMatch(stderr);
  });

  it('exit 2 on bad settings of its section, before running: every problem listed by env var', async () => {
    const result = await cli(['demo', 'ada'], { DEMO_LIMIT: '0', DEMO_STRICT: 'maybe' });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')).toEqual([
      'connector-demo demo: Invalid configuration (2 problems):',
      expect.stringMatching(/^ {2}- DEMO_LIMIT: must be at least 1/),
      expect.stringMatching(/^ {2}- DEMO_STRICT: /),
      '',
    ]);
  });

  it('exit 2 on a ConfigError thrown by the command: every problem listed', async () => {
    const result = await cli(['demo', 'setting']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('connector-demo demo: Invalid configuration (2 problems):\n  - DEMO_A: is wrong\n  - DEMO_B: is wrong too\n');
  });

  it('runs outside runConnectorCli too, its messages then named by the command word', async () => {
    const stderr = new PassThrough();
    let text = '';
    stderr.on('data', (chunk) => {
      text += chunk;
    });
    const code = await demoCommand.run(['bad'], { stdin: new PassThrough(), stdout: new PassThrough(), stderr, env: {} });
    expect(code).toBe(1);
    expect(text).toBe('demo: bad is not a name\n');
  });

  it('stops quietly with exit 0 once the reader of stdout went away (EPIPE, `| head`)', async () => {
    const pipe = closingPipe(2);
    const stderr = new PassThrough();
    let errors = '';
    stderr.on('data', (chunk) => {
      errors += chunk;
    });
    const names = Array.from({ length: 50 }, (_, i) => `n${i}`);
    const many = defineOfflineCommand({
      summary: 'many lines',
      usage: 'many',
      async run({ out }) {
        for (const name of names) await out.line(name);
        return 0;
      },
    });
    const code = await runConnectorCli(
      connector,
      ['many'],
      { stdin: new PassThrough(), stdout: pipe.stream, stderr, env: {} },
      { bin: 'connector-demo', commands: { many } },
    );
    expect(code).toBe(0);
    expect(errors).toBe('');
    expect(pipe.seen).toEqual(['n0\n', 'n1\n']);
    // The command stopped at the first failed write instead of producing the rest for nobody.
    expect(pipe.attempts()).toBe(3);
  });

  it('out.stream lends a Writable that keeps backpressure, is flushed before exit, and goes quiet on EPIPE', async () => {
    const streaming = defineOfflineCommand({
      summary: 'stream rows',
      usage: 'rows COUNT',
      positionals: { min: 1, max: 1 },
      async run({ positionals: [count = '0'], out }) {
        const written = await out.stream(async (writable) => {
          for (let i = 0; i < Number(count); i += 1) if (!writable.write(`row ${i}\n`)) await new Promise((resolve) => writable.once('drain', resolve));
          return Number(count);
        });
        expect(written).toBe(Number(count));
        return 0;
      },
    });
    const all = await cli(['rows', '3000'], {}, { rows: streaming });
    expect(all.code).toBe(0);
    expect(all.stdout.split('\n')).toHaveLength(3001);
    expect(all.stdout.endsWith('row 2999\n')).toBe(true);

    const pipe = closingPipe(5);
    const code = await streaming.run(['3000'], { stdin: new PassThrough(), stdout: pipe.stream, stderr: new PassThrough(), env: {} });
    expect(code).toBe(0);
    expect(pipe.seen).toHaveLength(5);
  });
});

describe('runConnectorCli with a hand-written offline command', () => {
  it('a ConfigError it throws exits 2 with every problem, not only the first line', async () => {
    const handWritten: OfflineCommand = {
      summary: 'fails on its settings',
      usage: 'check',
      async run() {
        throw new ConfigError([
          { envVar: 'CHECK_ONE', message: 'is required' },
          { envVar: 'CHECK_TWO', message: 'must be a number' },
        ]);
      },
    };
    const result = await cli(['check'], {}, { check: handWritten });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Invalid configuration (2 problems)');
    expect(result.stderr).toMatch(/^ {2}- CHECK_ONE: is required$/m);
    expect(result.stderr).toMatch(/^ {2}- CHECK_TWO: must be a number$/m);
  });

  it('lists the offline commands in the help, long usages with their summary on the next line', async () => {
    const result = await cli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('\n  demo NAME... [--upper] [--times N]\n                      print names\n');
  });
});
