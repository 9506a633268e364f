// Prints one plain line summing the vitest JSON reports of every package: "tests: N passed, N failed".
import { existsSync, readFileSync } from 'node:fs';

const reports = ['packages/shared/test-results/vitest.json', 'apps/api/test-results/vitest.json'];
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of reports) {
  if (!existsSync(file)) {
    console.error(`missing test report ${file}`);
    process.exit(1);
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + (report.numTodoTests ?? 0);
}
console.log(
  `${process.argv[2] ?? 'tests'}: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`,
);
if (passed === 0 || failed > 0) process.exit(1);
