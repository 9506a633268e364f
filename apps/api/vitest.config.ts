import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Vitest's order (slowest or largest files first, which balances the two workers), except that
 * the unit tests beside the code in src/ go first: they take well under a second each, so the
 * first results are on the terminal within seconds, before the long integration files end.
 */
class UnitTestsFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const unit = (spec: TestSpecification) => spec.moduleId.includes('/src/');
    return [...sorted.filter(unit), ...sorted.filter((spec) => !unit(spec))];
  }
}

// Workspace packages are read from source (no build step before tests).
const conditions = ['@habitual/source', ...defaultServerConditions];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-file.ts'],
    // Bounds for a stuck test, not speed targets: CI shares two cores with other work, and the
    // first test of a file also builds the app on a cold module cache.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: one worker per core keeps PGlite start-up from starving the other files.
    maxWorkers: 2,
    // Each worker runs many files: the app's modules are imported once per worker rather than
    // once per file (about 3 s each on two busy cores), and the embedded database is opened once
    // per worker (test/helpers/setup.ts). Test files share no state but the database, where every
    // test makes its own users; helpers clean up per file (`onFileEnd`, `useFakeOpenAI`).
    isolate: false,
    // The JSON report lets .ci/run print one plain 'N passed, N failed' line for both packages.
    sequence: { sequencer: UnitTestsFirst },
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
