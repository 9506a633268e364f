import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';

/** The committed SQL migrations, found from this file so the working directory does not matter. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../../drizzle', import.meta.url));

/**
 * The advisory-lock key that serialises migrators. drizzle's migrator takes no lock, so two
 * instances starting at once could both apply the same migration; with this lock the second
 * waits, then finds nothing left to do.
 */
export const MIGRATION_LOCK_KEY = 7_286_193_441_002n;

export interface MigrationResult {
  /** Migrations recorded as applied after the run. */
  applied: number;
  /** How many this run applied. */
  ranNow: number;
}

/**
 * Applies pending migrations to a PostgreSQL database, holding a session advisory lock on a
 * dedicated connection for the whole run. Safe to start from several processes at once.
 */
export async function migratePostgresDatabase(
  url: string,
  options: { migrationsFolder?: string; lockTimeoutMs?: number } = {},
): Promise<MigrationResult> {
  const migrationsFolder = options.migrationsFolder ?? MIGRATIONS_FOLDER;
  const lock = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  const work = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    const lockTimeout = options.lockTimeoutMs ?? 120_000;
    await lock`select set_config('lock_timeout', ${`${lockTimeout}ms`}, false)`;
    await lock`select pg_advisory_lock(${MIGRATION_LOCK_KEY.toString()}::bigint)`;
    try {
      const before = await countApplied(work);
      await migratePostgres(drizzlePostgres({ client: work }), { migrationsFolder });
      const after = await countApplied(work);
      return { applied: after, ranNow: after - before };
    } finally {
      await lock`select pg_advisory_unlock(${MIGRATION_LOCK_KEY.toString()}::bigint)`;
    }
  } finally {
    await Promise.allSettled([lock.end({ timeout: 5 }), work.end({ timeout: 5 })]);
  }
}

/** The embedded database has one connection and one process, so no lock is needed. */
export async function migratePgliteDatabase(
  client: PGlite,
  options: { migrationsFolder?: string } = {},
): Promise<MigrationResult> {
  const migrationsFolder = options.migrationsFolder ?? MIGRATIONS_FOLDER;
  const count = async () => {
    const exists = await client.query<{ t: string | null }>(
      `select to_regclass('drizzle.__drizzle_migrations')::text as t`,
    );
    if (!exists.rows[0]?.t) return 0;
    const rows = await client.query<{ n: number }>('select count(*)::int as n from drizzle.__drizzle_migrations');
    return rows.rows[0]?.n ?? 0;
  };
  const before = await count();
  await migratePglite(drizzlePglite({ client }), { migrationsFolder });
  const after = await count();
  return { applied: after, ranNow: after - before };
}

async function countApplied(sql: postgres.Sql): Promise<number> {
  const [exists] = await sql<{ t: string | null }[]>`select to_regclass('drizzle.__drizzle_migrations')::text as t`;
  if (!exists?.t) return 0;
  const [row] = await sql<{ n: number }[]>`select count(*)::int as n from drizzle.__drizzle_migrations`;
  return row?.n ?? 0;
}
