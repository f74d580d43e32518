// One vitest configuration for every package: workspace packages resolve to their
// TypeScript sources (the `source` export condition), and each run writes a JSON report
// that `.ci/run` adds up into its closing `N passed, N failed` line.
import { defineConfig } from 'vitest/config';

export function packageTestConfig(options: { testTimeout?: number } = {}) {
  const unitOnly = process.env.OPENCTI_TS_UNIT_ONLY === '1';
  return defineConfig({
    resolve: { conditions: ['source', 'node', 'import', 'module', 'default'] },
    ssr: { resolve: { conditions: ['source', 'node', 'import', 'module', 'default'] } },
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      exclude: unitOnly ? ['**/*.int.test.ts', '**/node_modules/**'] : ['**/node_modules/**'],
      testTimeout: options.testTimeout ?? 30_000,
      hookTimeout: 60_000,
      reporters: ['default', 'json'],
      outputFile: { json: '.vitest/results.json' },
      passWithNoTests: false,
    },
  });
}
