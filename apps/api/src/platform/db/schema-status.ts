import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DatabaseHandle, sql } from './client.js';
import { MIGRATIONS_FOLDER } from './migrate.js';

export interface ShippedMigration {
  tag: string;
  /** The journal's timestamp; drizzle records it as `created_at` when it applies the migration. */
  when: number;
}

/**
 * - `current`: every shipped migration is applied.
 * - `pending`: some are not (the schema is older than the code): not ready.
 * - `ahead`: the database has migrations this code does not ship (a newer release applied them);
 *   still served, since migrations are written to work with the release before them.
 */
export interface SchemaStatus {
  status: 'current' | 'pending' | 'ahead';
  shipped: number;
  applied: number;
  /** Tags of the shipped migrations not applied yet, oldest first. */
  pending: string[];
  /** Applied migrations this code does not know. */
  unknown: number;
}

/** The migrations this build ships, from the drizzle-kit journal next to the SQL files. */
export function shippedMigrations(folder = MIGRATIONS_FOLDER): ShippedMigration[] {
  const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as {
    entries: Array<{ tag: string; when: number }>;
  };
  return journal.entries.map(({ tag, when }) => ({ tag, when }));
}

/**
 * Compares the applied migrations with the shipped ones the way drizzle's migrator decides what
 * to apply: a migration is applied when its timestamp is not after the newest recorded one.
 */
export async function schemaStatus(
  database: DatabaseHandle,
  shipped: readonly ShippedMigration[],
): Promise<SchemaStatus> {
  const [table] = await database.rows<{ t: string | null }>(
    sql`select to_regclass('drizzle.__drizzle_migrations')::text as t`,
  );
  const applied = table?.t
    ? (
        await database.rows<{ created_at: string | number }>(sql`select created_at from drizzle.__drizzle_migrations`)
      ).map((row) => Number(row.created_at))
    : [];
  const newest = applied.length > 0 ? Math.max(...applied) : Number.NEGATIVE_INFINITY;
  const pending = shipped.filter((m) => m.when > newest).map((m) => m.tag);
  const known = new Set(shipped.map((m) => m.when));
  const unknown = applied.filter((when) => !known.has(when)).length;
  return {
    status: pending.length > 0 ? 'pending' : unknown > 0 ? 'ahead' : 'current',
    shipped: shipped.length,
    applied: applied.length,
    pending,
    unknown,
  };
}

/** One sentence for the operator, or null when there is nothing to say. */
export function describeSchemaStatus(status: SchemaStatus): string | null {
  if (status.status === 'pending') {
    const n = status.pending.length;
    return `${n} migration${n === 1 ? '' : 's'} pending (${status.pending.join(', ')}): run \`npm run db:migrate\``;
  }
  if (status.status === 'ahead') {
    return `the database has ${status.unknown} migration${status.unknown === 1 ? '' : 's'} this release does not ship: it was migrated by a newer release`;
  }
  return null;
}
