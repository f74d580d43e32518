import type { Command, CommandIo } from './command.ts';
import { write } from './command.ts';
import { commands } from './commands/index.ts';

function help(): string {
  const lines = commands.map((command) => `  opencti-ts ${command.path.join(' ').padEnd(18)} ${command.summary}`);
  return `Usage: opencti-ts <command> [options]\n\nCommands:\n${lines.join('\n')}\n`;
}

/** Finds the command whose path is the longest prefix of argv. */
export function findCommand(argv: readonly string[]): { command: Command; args: readonly string[] } | undefined {
  const matches = commands.filter((command) => command.path.every((word, index) => argv[index] === word));
  const best = matches.sort((a, b) => b.path.length - a.path.length)[0];
  return best ? { command: best, args: argv.slice(best.path.length) } : undefined;
}

export async function runCli(argv: readonly string[], io: CommandIo): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    await write(argv.length === 0 ? io.stderr : io.stdout, help());
    return argv.length === 0 ? 2 : 0;
  }
  const found = findCommand(argv);
  if (!found) {
    await write(io.stderr, `opencti-ts: unknown command "${argv.join(' ')}"\n\n${help()}`);
    return 2;
  }
  if (found.args.includes('--help')) {
    await write(io.stdout, `${found.command.usage}\n`);
    return 0;
  }
  return found.command.run(found.args, io);
}
