#!/usr/bin/env -S node --conditions=source
// Runs the TypeScript source directly (Node 24 strips types): the scaffold is a repository
// tool, never published or built.
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2));
