import type { Command } from '../command.ts';
import { checkSchemaCommand } from './check-schema.ts';
import { configCommand } from './config.ts';

/** Every `opencti-ts` command. Add one line per command file. */
export const commands: readonly Command[] = [checkSchemaCommand, configCommand];
