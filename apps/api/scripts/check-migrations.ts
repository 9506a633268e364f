/** `npm run db:check` (second half): fails when the migration journal is out of order. */
import { checkJournal } from '../src/platform/db/journal.js';
import { MIGRATIONS_FOLDER } from '../src/platform/db/migrate.js';

const problems = checkJournal(MIGRATIONS_FOLDER);
if (problems.length > 0) {
  process.stderr.write(`Migration journal check failed:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
  process.exit(1);
}
process.stdout.write('Migration journal is in order.\n');
