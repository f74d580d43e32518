// One vitest configuration for every package: workspace packages resolve to their
// TypeScript sources (the `source` export condition), and each run writes a JSON report
// that `.ci/run` adds up into its closing `N passed, N failed` line.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Fails any test during which a canary secret of @opencti-ts/testing reaches a log line.
const secretScan = fileURLToPath(new URL('./packages/testing/src/vitest-secret-scan.ts', import.meta.url));

export function packageTestConfig(options: { testTimeout?: number } = {}) {
  const unitOnly = process.env.OPENCTI_TS_UNIT_ONLY === '1';
  return defineConfig({
    resolve: { conditions: ['source', 'node', 'import', 'module', 'default'] },
    ssr: { resolve: { conditions: ['source', 'node', 'import', 'module', 'default'] } },
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      setupFiles: [secretScan],
      exclude: unitOnly ? ['**/*.int.test.ts', '**/node_modules/**'] : ['**/node_modules/**'],
      // A hang guard, not a timing assertion: child processes and the broker are slow when
      // every package's suite runs at once on a 2-core CI machine.
      testTimeout: options.testTimeout ?? 120_000,
      hookTimeout: 120_000,
      reporters: ['default', 'json'],
      outputFile: { json: '.vitest/results.json' },
      passWithNoTests: false,
    },
  });
}
