import type { Command } from '../command.ts';
import { configCommand } from './config.ts';

/** Every `opencti-ts` command. Add one line per command file. */
export const commands: readonly Command[] = [configCommand];
