import type { Command } from '../command.ts';
import { checkSchemaCommand } from './check-schema.ts';
import { configCommand } from './config.ts';
import { stixIdCommand } from './stix-id.ts';
import { stixSplitCommand } from './stix-split.ts';
import { stixValidateCommand } from './stix-validate.ts';

/** Every `opencti-ts` command. Add one line per command file. */
export const commands: readonly Command[] = [checkSchemaCommand, configCommand, stixValidateCommand, stixIdCommand, stixSplitCommand];
