/**
 * `npm run db:check` (last part): fails when the Drizzle schema and the committed migrations
 * disagree, i.e. when someone changed a `schema.ts` without running `npm run db:generate`.
 * It generates into a scratch copy of the migrations folder and looks for anything new.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MIGRATIONS_FOLDER } from '../src/platform/db/migrate.js';

const apiRoot = fileURLToPath(new URL('..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'habitual-drift-'));
try {
  cpSync(MIGRATIONS_FOLDER, scratch, { recursive: true });
  const before = new Set(readdirSync(scratch));
  const result = spawnSync(
    'drizzle-kit',
    [
      'generate',
      '--dialect',
      'postgresql',
      '--casing',
      'snake_case',
      '--schema',
      './src/platform/db/schema.ts',
      '--out',
      scratch,
    ],
    { cwd: apiRoot, encoding: 'utf8' },
  );
  if (result.status !== 0) {
    process.stderr.write(`drizzle-kit generate failed:\n${result.stdout}\n${result.stderr}\n`);
    process.exit(1);
  }
  const added = readdirSync(scratch).filter((f) => !before.has(f));
  if (added.length > 0) {
    process.stderr.write(
      `The schema has changes with no migration (${added.join(', ')} would be generated).\nRun \`npm run db:generate\` and commit apps/api/drizzle.\n`,
    );
    process.exit(1);
  }
  process.stdout.write('Schema and migrations agree.\n');
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
