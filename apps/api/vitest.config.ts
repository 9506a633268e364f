import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Workspace packages are read from source (no build step before tests).
const conditions = ['@habitual/source', ...defaultServerConditions];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-file.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: one worker per core keeps PGlite start-up from starving the other files.
    maxWorkers: 2,
    // The JSON report lets .ci/run print one plain 'N passed, N failed' line for both packages.
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
