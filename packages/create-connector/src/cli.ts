// `pnpm new:connector <slug> --kind <kind> [--name "Display Name"] [--dir connectors]`
// Exit codes: 0 generated, 2 bad arguments, existing folder or invalid slug (one line on stderr).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateConnector } from './generate.ts';
import { isKind, KINDS } from './names.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');
const USAGE = `usage: pnpm new:connector <slug> --kind <${KINDS.join('|')}> [--name "Display Name"] [--dir connectors]`;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Relative --dir values resolve from here (pnpm runs root scripts from the root). */
  cwd: string;
}

const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.env.INIT_CWD ?? REPO_ROOT,
};

export async function main(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.stderr(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  const [slug, ...extra] = positionals;
  if (!slug || extra.length > 0 || !values.kind) {
    io.stderr(`${USAGE}\n`);
    return 2;
  }
  if (!isKind(values.kind)) {
    io.stderr(`unknown kind "${values.kind}": one of ${KINDS.join(', ')}\n`);
    return 2;
  }
  const dir = path.resolve(io.cwd, values.dir ?? path.join(REPO_ROOT, 'connectors'));
  const result = await generateConnector({ slug, kind: values.kind, dir, ...(values.name ? { name: values.name } : {}) });
  if (!result.ok) {
    io.stderr(`${result.error}\n`);
    return 2;
  }
  for (const warning of result.warnings) io.stderr(`warning: ${warning}\n`);
  const where = path.relative(io.cwd, result.dir) || '.';
  io.stdout(
    [
      `Created ${where} (${values.kind}, ${result.files.length} files).`,
      '',
      'Next steps:',
      '  1. pnpm install                      # links the new workspace package',
      `  2. grep -rn "TEMPLATE NOTE" ${where}   # what to change: config, client, convert, fixtures, README, manifest`,
      '  3. pnpm connectors:generate           # after editing src/config.ts (README table, config.yml.sample, schema, compose)',
      `  4. cd ${where} && pnpm typecheck && pnpm test   # unit + e2e against the platform stand-in and RabbitMQ`,
      '  5. go through the connector checklist (CONTRIBUTING.md, "Adding a connector")',
      '',
    ].join('\n'),
  );
  return 0;
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: { kind: { type: 'string' }, name: { type: 'string' }, dir: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
