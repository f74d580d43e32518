export { type Command, type CommandIo, write } from './command.ts';
export { findCommand, runCli } from './main.ts';
