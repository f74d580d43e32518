// Runs a command line as a test sees it: in a child `node` process (the entry an image runs)
// or in-process through a `main(argv, io)` function; both give the exit code and the output.
import { spawn } from 'node:child_process';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

/** What a command line printed and how it ended. */
export interface CliResult {
  /** The exit code; null when the process was killed by a signal (see `signal`). */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunNodeOptions {
  /** Working directory of the child (default: this process's). */
  cwd?: string;
  /** Variables for the child, over PATH alone (a clean environment, as a container gets). */
  env?: Record<string, string | undefined>;
  /** Start from this process's whole environment instead of PATH alone. */
  inheritEnv?: boolean;
  /** Written to the child's stdin, which is then closed (closed at once without it). */
  stdin?: string | Uint8Array;
  /** Export conditions for node (default ['source']: workspace packages run from their TypeScript sources). */
  conditions?: string[];
  /** Kills the child (SIGTERM) after this long; `code` is then null. */
  timeoutMs?: number;
}

/** Runs `node [--conditions=…] script ...args` and collects its exit code, stdout and stderr. */
export function runNode(script: string, args: readonly string[] = [], options: RunNodeOptions = {}): Promise<CliResult> {
  const conditions = (options.conditions ?? ['source']).map((condition) => `--conditions=${condition}`);
  const env = { ...(options.inheritEnv ? process.env : { PATH: process.env.PATH ?? '' }), ...options.env };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...conditions, script, ...args], {
      cwd: options.cwd,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    // A child that exits before reading its input must not fail the run with EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin);
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code, signal, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') }),
    );
  });
}

/** The streams and environment an in-process command line gets. */
export interface CliIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
}

/** Runs `main(argv, io)` with `stdin` as input and captured output, as a child process would see it. */
export async function runInProcess(
  main: (argv: readonly string[], io: CliIo) => Promise<number>,
  argv: readonly string[],
  options: { stdin?: string | Uint8Array; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  const stdin = new PassThrough();
  if (options.stdin?.length) stdin.end(options.stdin);
  else stdin.end();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const code = await main(argv, { stdin, stdout, stderr, env: options.env ?? {} });
  // Everything written before main returned is read before the result is.
  stdout.end();
  stderr.end();
  await Promise.all([finished(stdout), finished(stderr)]);
  return { code, signal: null, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}
