#!/usr/bin/env node
// Architecture rules Biome cannot express, run by `pnpm lint`:
//  - `throw new Error(` only inside packages/sdk/src/errors/ (use the typed errors instead);
//  (`any` itself is banned by Biome's noExplicitAny everywhere.)
// Test files, benches and scripts are exempt. Pass file paths to check only those
// (used by the lint fixture test).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const exempt = (file) =>
  /\.test\.ts$/.test(file) ||
  /(^|\/)(test|bench|scripts|__fixtures__)\//.test(file) ||
  file.startsWith('packages/testing/') ||
  file.startsWith('packages/sdk/src/errors/');

const files =
  process.argv.length > 2
    ? process.argv.slice(2)
    : execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts', '*.mts'], { encoding: 'utf8' }).split('\n').filter(Boolean);

const problems = [];
for (const file of files) {
  if (exempt(file)) continue;
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, index) => {
    if (/\bthrow\s+new\s+Error\s*\(/.test(line)) {
      problems.push(
        `${file}:${index + 1}: plain \`throw new Error\`: throw a typed error from @opencti-ts/sdk/errors (ConfigError, InputError, TransientError, PlatformError, BugError)`,
      );
    }
  });
}
for (const problem of problems) console.error(problem);
if (problems.length > 0) {
  console.error(`check-architecture: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log(`check-architecture: ${files.length} file(s) checked, no problems`);
