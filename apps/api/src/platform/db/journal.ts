import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Journal {
  entries: Array<{ idx: number; when: number; tag: string }>;
}

/**
 * Problems with a drizzle-kit migrations folder: drizzle's migrator silently skips a migration
 * whose journal timestamp is older than the newest one already applied (which happens when two
 * branches each add one), so the journal must be strictly increasing, with sequential indexes
 * and one SQL file per entry.
 */
export function checkJournal(folder: string): string[] {
  const problems: string[] = [];
  const journalPath = join(folder, 'meta', '_journal.json');
  if (!existsSync(journalPath)) return [`missing ${journalPath}`];
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as Journal;
  journal.entries.forEach((entry, i) => {
    if (entry.idx !== i) problems.push(`entry ${i} (${entry.tag}) has idx ${entry.idx}; expected ${i}`);
    const previous = journal.entries[i - 1];
    if (previous && entry.when <= previous.when) {
      problems.push(
        `entry ${entry.tag} has when=${entry.when}, not after ${previous.tag} (when=${previous.when}): drizzle would skip it on databases that already have ${previous.tag}; regenerate it`,
      );
    }
    if (!existsSync(join(folder, `${entry.tag}.sql`))) problems.push(`entry ${entry.tag} has no ${entry.tag}.sql`);
  });
  const tags = new Set(journal.entries.map((e) => e.tag));
  for (const file of readdirSync(folder)) {
    if (file.endsWith('.sql') && !tags.has(file.slice(0, -4))) problems.push(`${file} is not in the journal`);
  }
  return problems;
}
