#!/usr/bin/env node
// Adds up every package's vitest JSON report (.vitest/results.json) into the plain line
// plain line `N passed, N failed` that .ci/run ends with (skipped tests on the line before).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const reports = execFileSync(
  'find',
  [...['packages', 'connectors'].filter((dir) => existsSync(dir)), '-path', '*/node_modules', '-prune', '-o', '-path', '*/.vitest/results.json', '-print'],
  {
    encoding: 'utf8',
  },
)
  .split('\n')
  .filter(Boolean);
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of reports) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += (report.numFailedTests ?? 0) + countFilesFailedWithoutTests(report);
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}
// A test file that failed to load (for example a missing broker under CI) has no failed test
// of its own; count it so the line never reads "0 failed" for a broken run. (vitest's
// numFailedTestSuites also counts describe blocks, so files are counted from testResults.)
function countFilesFailedWithoutTests(report) {
  return (report.testResults ?? []).filter((file) => file.status === 'failed' && !(file.assertionResults ?? []).some((t) => t.status === 'failed')).length;
}
console.log(`${skipped} skipped`);
console.log(`${passed} passed, ${failed} failed`);
